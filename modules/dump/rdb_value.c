/* rdb_value.c -- decoding one RDB-encoded value (rdb_value.h): the reader of lengths and
 * strings, then one routine per object type; packed blobs are rdb_packed.c's. */
#include "rdb_decoder.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_lzf.h"

/* Memory a value owns: blocks chained newest first, the newest filled from its front. */
struct rdb_block {
    rdb_block *next;
    size_t used, cap;
    uint8_t data[];
};

#define BLOCK_SIZE 65536

uint8_t *rdb_own(rdb_value *v, size_t n) {
    if (n > RDB_DECODE_MAX_BYTES - v->produced) return NULL;
    rdb_block *b = v->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > BLOCK_SIZE / 4 ? n : BLOCK_SIZE;
        b = malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->used = 0, b->cap = cap;
        if (n > BLOCK_SIZE / 4 && v->blocks) { /* a big one goes behind the block being filled */
            b->next = v->blocks->next;
            v->blocks->next = b;
        } else {
            b->next = v->blocks;
            v->blocks = b;
        }
    }
    uint8_t *p = b->data + b->used;
    b->used += n;
    v->produced += n;
    return p;
}

static rdb_status grow(rdb_value *v) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    rdb_item *items = realloc(v->items, cap * sizeof *items);
    if (!items) return RDB_ENOMEM;
    v->items = items;
    if (v->kind == RDB_KIND_ZSET) {
        double *scores = realloc(v->scores, cap * sizeof *scores);
        if (!scores) return RDB_ENOMEM;
        v->scores = scores;
    }
    v->cap = cap;
    return RDB_OK;
}

rdb_status rdb_push(rdb_value *v, const uint8_t *ptr, size_t len) {
    if (v->count == v->cap && grow(v) != RDB_OK) return RDB_ENOMEM;
    v->items[v->count++] = (rdb_item){ptr, len};
    return RDB_OK;
}

rdb_status rdb_push_int(rdb_value *v, int64_t x) {
    char text[24];
    int n = snprintf(text, sizeof text, "%lld", (long long)x);
    uint8_t *p = rdb_own(v, (size_t)n);
    if (!p) return RDB_ENOMEM;
    memcpy(p, text, (size_t)n);
    return rdb_push(v, p, (size_t)n);
}

void rdb_value_free(rdb_value *v) {
    for (rdb_block *b = v->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(v->items);
    free(v->scores);
    memset(v, 0, sizeof *v);
}

/* ---- the reader ---- */

typedef rdb_reader reader;

static rdb_status bad(reader *r, const char *why) {
    if (!r->err) r->err = why;
    return RDB_EFORMAT;
}

static uint64_t be(const uint8_t *p, int n) {
    uint64_t x = 0;
    for (int i = 0; i < n; i++)
        x = (x << 8) | p[i];
    return x;
}

/* A length, or (when *encoded is non-NULL) a string's special encoding number. */
static rdb_status read_len(reader *r, uint64_t *len, int *encoded) {
    if (encoded) *encoded = -1;
    if (r->pos >= r->n) return bad(r, "truncated length");
    uint8_t b = r->p[r->pos++];
    size_t room = r->n - r->pos;
    switch (b >> 6) {
    case 0:
        *len = b & 0x3f;
        return RDB_OK;
    case 1:
        if (room < 1) return bad(r, "truncated length");
        *len = ((uint64_t)(b & 0x3f) << 8) | r->p[r->pos++];
        return RDB_OK;
    case 2: {
        int w = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
        if (!w) return bad(r, "unknown length encoding");
        if (room < (size_t)w) return bad(r, "truncated length");
        *len = be(r->p + r->pos, w);
        r->pos += (size_t)w;
        return RDB_OK;
    }
    default:
        if (!encoded) return bad(r, "encoded value where a length belongs");
        *encoded = b & 0x3f;
        *len = 0;
        return RDB_OK;
    }
}

rdb_status rdb_read_len(const uint8_t *in, size_t n, uint64_t *len, size_t *used) {
    reader r = {.p = in, .n = n};
    rdb_status st = read_len(&r, len, NULL);
    if (st == RDB_OK) *used = r.pos;
    return st;
}

/* A count of elements, each taking at least min_bytes of what is left. */
static rdb_status read_count(reader *r, uint64_t *count, size_t min_bytes) {
    rdb_status st = read_len(r, count, NULL);
    if (st != RDB_OK) return st;
    if (*count == 0) return bad(r, "empty collection");
    if (*count > (r->n - r->pos) / min_bytes) return bad(r, "count larger than the payload");
    return RDB_OK;
}

rdb_status rdb_bad(rdb_reader *r, const char *why) {
    return bad(r, why);
}

rdb_status rdb_read_length(rdb_reader *r, uint64_t *len) {
    return read_len(r, len, NULL);
}

static rdb_status read_string(reader *r, rdb_item *out);

rdb_status rdb_read_string(rdb_reader *r, rdb_item *out) {
    return read_string(r, out);
}

static int64_t le_signed(const uint8_t *p, int n) {
    uint64_t x = 0;
    for (int i = n - 1; i >= 0; i--)
        x = (x << 8) | p[i];
    if (n < 8 && (x >> (8 * n - 1)) & 1) x |= ~0ull << (8 * n);
    return (int64_t)x;
}

/* A string: its bytes as a view (input or owned memory) in *out. */
static rdb_status read_string(reader *r, rdb_item *out) {
    uint64_t len;
    int enc;
    rdb_status st = read_len(r, &len, &enc);
    if (st != RDB_OK) return st;
    if (enc < 0) {
        if (len > r->n - r->pos) return bad(r, "truncated string");
        *out = (rdb_item){r->p + r->pos, (size_t)len};
        r->pos += (size_t)len;
        return RDB_OK;
    }
    if (enc <= 2) {
        int w = 1 << enc;
        if (r->n - r->pos < (size_t)w) return bad(r, "truncated integer");
        char text[24];
        int tn = snprintf(text, sizeof text, "%lld", (long long)le_signed(r->p + r->pos, w));
        r->pos += (size_t)w;
        uint8_t *p = rdb_own(r->v, (size_t)tn);
        if (!p) return RDB_ENOMEM;
        memcpy(p, text, (size_t)tn);
        *out = (rdb_item){p, (size_t)tn};
        return RDB_OK;
    }
    if (enc != 3) return bad(r, "unknown string encoding");
    uint64_t clen, ulen;
    if ((st = read_len(r, &clen, NULL)) != RDB_OK || (st = read_len(r, &ulen, NULL)) != RDB_OK)
        return st;
    if (clen > r->n - r->pos || clen == 0) return bad(r, "truncated compressed string");
    /* LZF expands a byte into at most 88 (a 3-byte reference copies 264) */
    if (ulen == 0 || ulen / 88 > clen) return bad(r, "impossible compressed length");
    uint8_t *p = rdb_own(r->v, (size_t)ulen);
    if (!p) return RDB_ENOMEM;
    if (!rdb_lzf_decompress(r->p + r->pos, (size_t)clen, p, (size_t)ulen))
        return bad(r, "corrupt compressed string");
    r->pos += (size_t)clen;
    *out = (rdb_item){p, (size_t)ulen};
    return RDB_OK;
}

static rdb_status read_push_string(reader *r) {
    rdb_item s;
    rdb_status st = read_string(r, &s);
    return st != RDB_OK ? st : rdb_push(r->v, s.ptr, s.len);
}

/* A score as text (ziplist/listpack zsets, old zsets): the whole text must be a number. */
static bool parse_score(const uint8_t *s, size_t n, double *out) {
    char buf[256];
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    *out = strtod(buf, &end);
    return end == buf + n && !isnan(*out);
}

/* ---- one routine per type ---- */

static rdb_status read_strings(reader *r, size_t per_item) {
    uint64_t count;
    rdb_status st = read_count(r, &count, per_item);
    for (uint64_t i = 0; st == RDB_OK && i < count * (per_item == 2 ? 2 : 1); i++)
        st = read_push_string(r);
    return st;
}

static rdb_status read_zset(reader *r, bool binary) {
    uint64_t count;
    rdb_status st = read_count(r, &count, binary ? 9 : 2);
    for (uint64_t i = 0; st == RDB_OK && i < count; i++) {
        if ((st = read_push_string(r)) != RDB_OK) return st;
        double score;
        if (binary) {
            if (r->n - r->pos < 8) return bad(r, "truncated score");
            uint64_t bits = 0;
            for (int b = 7; b >= 0; b--)
                bits = (bits << 8) | r->p[r->pos + (size_t)b];
            memcpy(&score, &bits, sizeof score);
            r->pos += 8;
            if (isnan(score)) return bad(r, "NaN score");
        } else {
            if (r->pos >= r->n) return bad(r, "truncated score");
            uint8_t len = r->p[r->pos++];
            if (len >= 253) {
                if (len == 253) return bad(r, "NaN score");
                score = len == 254 ? INFINITY : -INFINITY;
            } else {
                if (r->n - r->pos < len || !parse_score(r->p + r->pos, len, &score))
                    return bad(r, "bad score");
                r->pos += len;
            }
        }
        r->v->scores[r->v->count - 1] = score;
    }
    return st;
}

/* A packed blob held in one string (ziplist, listpack, intset), its elements appended. */
static rdb_status read_packed(reader *r,
                              rdb_status (*items)(rdb_value *, const uint8_t *, size_t)) {
    rdb_item blob;
    rdb_status st = read_string(r, &blob);
    if (st != RDB_OK) return st;
    st = items(r->v, blob.ptr, blob.len);
    return st == RDB_EFORMAT ? bad(r, "corrupt packed encoding") : st;
}

/* Quicklists: v1 nodes are ziplists; v2 nodes carry a container (1 plain, 2 listpack). */
static rdb_status read_quicklist(reader *r, bool v2) {
    uint64_t nodes;
    rdb_status st = read_count(r, &nodes, v2 ? 2 : 1);
    for (uint64_t i = 0; st == RDB_OK && i < nodes; i++) {
        uint64_t container = 2;
        if (v2 && (st = read_len(r, &container, NULL)) != RDB_OK) return st;
        if (container == 1) {
            st = read_push_string(r);
        } else if (container == 2) {
            st = read_packed(r, v2 ? rdb_listpack_items : rdb_ziplist_items);
        } else {
            return bad(r, "unknown quicklist container");
        }
    }
    return st;
}

/* Pairs of (member, score text) from a packed zset, turned into members with scores. */
static rdb_status split_zset_pairs(reader *r) {
    rdb_value *v = r->v;
    if (v->count % 2) return bad(r, "odd packed zset");
    size_t pairs = v->count / 2;
    double *scores = malloc((pairs ? pairs : 1) * sizeof *scores);
    if (!scores) return RDB_ENOMEM;
    for (size_t i = 0; i < pairs; i++) {
        if (!parse_score(v->items[2 * i + 1].ptr, v->items[2 * i + 1].len, &scores[i])) {
            free(scores);
            return bad(r, "bad score");
        }
        v->items[i] = v->items[2 * i];
    }
    free(v->scores);
    v->scores = scores;
    v->count = pairs;
    v->cap = pairs;
    return RDB_OK;
}

static rdb_status decode(reader *r, uint8_t type) {
    rdb_value *v = r->v;
    switch (type) {
    case RDB_TYPE_STRING:
        v->kind = RDB_KIND_STRING;
        return read_push_string(r);
    case RDB_TYPE_LIST:
        v->kind = RDB_KIND_LIST;
        return read_strings(r, 1);
    case RDB_TYPE_SET:
        v->kind = RDB_KIND_SET;
        return read_strings(r, 1);
    case RDB_TYPE_HASH:
        v->kind = RDB_KIND_HASH;
        return read_strings(r, 2);
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
        v->kind = RDB_KIND_ZSET;
        return read_zset(r, type == RDB_TYPE_ZSET_2);
    case RDB_TYPE_LIST_ZIPLIST:
        v->kind = RDB_KIND_LIST;
        return read_packed(r, rdb_ziplist_items);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        v->kind = RDB_KIND_LIST;
        return read_quicklist(r, type == RDB_TYPE_LIST_QUICKLIST_2);
    case RDB_TYPE_SET_INTSET:
        v->kind = RDB_KIND_SET;
        return read_packed(r, rdb_intset_items);
    case RDB_TYPE_SET_LISTPACK:
        v->kind = RDB_KIND_SET;
        return read_packed(r, rdb_listpack_items);
    case RDB_TYPE_HASH_ZIPMAP:
        v->kind = RDB_KIND_HASH;
        return read_packed(r, rdb_zipmap_items);
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: {
        v->kind = RDB_KIND_HASH;
        rdb_status st =
            read_packed(r, type == RDB_TYPE_HASH_ZIPLIST ? rdb_ziplist_items : rdb_listpack_items);
        if (st == RDB_OK && v->count % 2) return bad(r, "odd packed hash");
        return st;
    }
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: {
        v->kind = RDB_KIND_HASH; /* pairs first, then split */
        rdb_status st =
            read_packed(r, type == RDB_TYPE_ZSET_ZIPLIST ? rdb_ziplist_items : rdb_listpack_items);
        if (st != RDB_OK) return st;
        v->kind = RDB_KIND_ZSET;
        return split_zset_pairs(r);
    }
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3:
        v->kind = RDB_KIND_STREAM;
        return rdb_stream_read(r, type);
    default:
        return bad(r, "unsupported object type");
    }
}

static int item_cmp(const void *a, const void *b) {
    const rdb_item *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->ptr, y->ptr, n) : 0;
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Members of a set or sorted set, fields of a hash: each once, or the value is bad data (as
 * Redis refuses "Duplicate set members detected" and its kin).  Redis 7.0 lets a repeated field
 * through in a hash small enough for a listpack (RDB_HASH_SMALL_FIELDS, its default
 * hash-max-listpack-entries): so does this (a rebuild with HSET keeps the last value). */
#define RDB_HASH_SMALL_FIELDS 128

static rdb_status check_unique(reader *r) {
    const rdb_value *v = r->v;
    if (v->kind == RDB_KIND_STRING || v->kind == RDB_KIND_LIST || v->kind == RDB_KIND_STREAM)
        return RDB_OK;
    size_t step = v->kind == RDB_KIND_HASH ? 2 : 1, n = v->count / step;
    if (v->kind == RDB_KIND_HASH && n <= RDB_HASH_SMALL_FIELDS) return RDB_OK;
    rdb_item *keys = malloc(n * sizeof *keys);
    if (!keys) return RDB_ENOMEM;
    for (size_t i = 0; i < n; i++)
        keys[i] = v->items[i * step];
    qsort(keys, n, sizeof *keys, item_cmp);
    rdb_status st = RDB_OK;
    for (size_t i = 1; i < n && st == RDB_OK; i++)
        if (item_cmp(&keys[i - 1], &keys[i]) == 0) st = bad(r, "duplicate member or field");
    free(keys);
    return st;
}

rdb_status rdb_value_decode(uint8_t type, const uint8_t *in, size_t n, size_t *used, rdb_value *out,
                            const char **err) {
    memset(out, 0, sizeof *out);
    out->kind = type == RDB_TYPE_ZSET || type == RDB_TYPE_ZSET_2 ? RDB_KIND_ZSET : RDB_KIND_LIST;
    reader r = {.p = in, .n = n, .v = out};
    rdb_status st = decode(&r, type);
    if (st == RDB_OK && out->count == 0) st = bad(&r, "empty collection");
    if (st == RDB_OK) st = check_unique(&r);
    if (st != RDB_OK) {
        *err = st == RDB_ENOMEM ? "out of memory" : r.err ? r.err : "malformed value";
        rdb_value_free(out);
        return st;
    }
    *used = r.pos;
    return RDB_OK;
}
