/* aof_rec.c -- encoding and checking the append-only log's records (aof_rec.h). */
#include "config.h"
#include "aof_rec.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>
#include <xxhash.h>

/* The most bytes a varint takes (a 64-bit value, 7 bits a byte). */
#define VARINT_MAX 10u

void aof_buf_reserve(aof_buf *b, size_t more) {
    if (b->cap - b->len >= more) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more)
        cap *= 2;
    b->p = mem_realloc(b->p, cap);
    b->cap = cap;
}

void aof_buf_put(aof_buf *b, const void *p, size_t n) {
    if (!n) return;
    aof_buf_reserve(b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* Writes v as a varint at o (room for VARINT_MAX bytes); returns the byte after it. */
static uint8_t *put_varint(uint8_t *o, uint64_t v) {
    while (v > 0x7f) {
        *o++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *o++ = (uint8_t)v;
    return o;
}

void aof_buf_free(aof_buf *b) {
    mem_free(b->p);
    *b = (aof_buf){0};
}

static void put_le(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* put_le(p, v, 8) and put_le(p, v, 4) as single stores, for the per-record fields. */
static void put_le64(uint8_t *p, uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, sizeof v);
}

static void put_le32(uint8_t *p, uint32_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    memcpy(p, &v, sizeof v);
}

static uint64_t get_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* get_le(p, 8) in one load: the writer reads every record's sequence number as it merges. */
static uint64_t get_le64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

void aof_preamble(uint8_t out[AOF_PREAMBLE]) {
    aof_preamble_flagged(out, 0);
}

void aof_preamble_flagged(uint8_t out[AOF_PREAMBLE], uint32_t flags) {
    memset(out, 0, AOF_PREAMBLE);
    memcpy(out, AOF_MAGIC, sizeof AOF_MAGIC);
    put_le(out + 8, AOF_VERSION, 4);
    put_le(out + 12, flags, 4);
}

uint32_t aof_preamble_flags(const uint8_t *p) {
    return (uint32_t)get_le(p + 12, 4);
}

bool aof_preamble_ok(const uint8_t *p, size_t n) {
    return n >= AOF_PREAMBLE && memcmp(p, AOF_MAGIC, sizeof AOF_MAGIC) == 0 &&
           get_le(p + 8, 4) == AOF_VERSION;
}

static uint8_t *put_bytes(uint8_t *o, const keel_arg *a) {
    o = put_varint(o, a->len);
    if (a->len) memcpy(o, a->ptr, a->len);
    return o + a->len;
}

/* Every command of the log is encoded here, on the thread that applied it: one reservation for
 * the whole command, then plain stores. */
void aof_cmd_encode(aof_buf *b, const aof_cmd *c) {
    size_t need = 4 * VARINT_MAX + 1 + (size_t)(c->nns + c->argc) * VARINT_MAX;
    for (uint32_t i = 0; i < c->nns; i++)
        need += c->ns[i].len;
    for (uint32_t i = 0; i < c->argc; i++)
        need += c->argv[i].len;
    aof_buf_reserve(b, need);
    uint8_t *o = b->p + b->len;
    o = put_varint(o, c->db);
    o = put_varint(o, c->nns);
    if (c->nns) {
        *o++ = c->coloc;
        o = put_varint(o, c->coloc_n);
        for (uint32_t i = 0; i < c->nns; i++)
            o = put_bytes(o, &c->ns[i]);
    }
    o = put_varint(o, c->argc);
    for (uint32_t i = 0; i < c->argc; i++)
        o = put_bytes(o, &c->argv[i]);
    b->len = (size_t)(o - b->p);
}

size_t aof_rec_begin(aof_buf *b, uint64_t seq, int64_t time_ms, uint32_t ncmds) {
    size_t start = b->len;
    aof_buf_reserve(b, AOF_REC_HEAD + 16 + VARINT_MAX);
    uint8_t *o = b->p + start;
    put_le64(o, AOF_REC_KIND); /* kind, 3 zero bytes, the length aof_rec_end fills in */
    put_le64(o + AOF_REC_HEAD, seq);
    put_le64(o + AOF_REC_HEAD + 8, (uint64_t)time_ms);
    b->len = (size_t)(put_varint(o + AOF_REC_HEAD + 16, ncmds) - b->p);
    return start;
}

static size_t long_from = AOF_REC_MAX;

void aof_rec_set_long_from(size_t payload) {
    long_from = payload < AOF_REC_MAX ? payload : AOF_REC_MAX;
}

void aof_rec_end(aof_buf *b, size_t start) {
    size_t payload = b->len - start - AOF_REC_HEAD;
    size_t head = AOF_REC_HEAD;
    if (payload > long_from) { /* its length needs the long head: move the payload along */
        head = AOF_REC_HEAD_LONG;
        aof_buf_reserve(b, AOF_REC_HEAD_LONG - AOF_REC_HEAD + AOF_REC_TAIL);
        uint8_t *r = b->p + start;
        memmove(r + AOF_REC_HEAD_LONG, r + AOF_REC_HEAD, payload);
        put_le64(r, AOF_REC_KIND_LONG);
        put_le64(r + 8, payload);
        b->len += AOF_REC_HEAD_LONG - AOF_REC_HEAD;
    } else {
        aof_buf_reserve(b, AOF_REC_TAIL);
        put_le32(b->p + start + 4, (uint32_t)payload);
    }
    put_le64(b->p + b->len, XXH3_64bits(b->p + start, head + payload));
    b->len += AOF_REC_TAIL;
}

size_t aof_rec_head(const uint8_t *p) {
    return p[0] == AOF_REC_KIND_LONG ? AOF_REC_HEAD_LONG : AOF_REC_HEAD;
}

/* The payload length of the complete record at p. */
static uint64_t rec_payload(const uint8_t *p) {
    return p[0] == AOF_REC_KIND_LONG ? get_le64(p + 8) : get_le(p + 4, 4);
}

uint64_t aof_rec_seq(const uint8_t *p) {
    return get_le64(p + aof_rec_head(p));
}

size_t aof_rec_size(const uint8_t *p) {
    return aof_rec_head(p) + (size_t)rec_payload(p) + AOF_REC_TAIL;
}

enum aof_check aof_rec_check(const uint8_t *p, size_t n, size_t *size, char *err, size_t errlen) {
    if (n < AOF_REC_HEAD) return AOF_REC_SHORT;
    bool is_long = p[0] == AOF_REC_KIND_LONG;
    if ((p[0] != AOF_REC_KIND && !is_long) || p[1] || p[2] || p[3]) {
        snprintf(err, errlen, "not a record (kind byte %u)", p[0]);
        return AOF_REC_BAD;
    }
    size_t head = is_long ? AOF_REC_HEAD_LONG : AOF_REC_HEAD;
    if (is_long && n < AOF_REC_HEAD_LONG) return AOF_REC_SHORT;
    if (is_long && get_le(p + 4, 4)) {
        snprintf(err, errlen, "not a record (a long record's head is not zero-filled)");
        return AOF_REC_BAD;
    }
    uint64_t payload = rec_payload(p);
    /* the smallest payload is a sequence number, a time and a command count; a long head's
     * bound keeps a garbled length from reading as a record that runs past the file */
    if (payload < 17 || payload > (is_long ? AOF_REC_LONG_MAX : AOF_REC_MAX) ||
        (uint64_t)(SIZE_MAX - head - AOF_REC_TAIL) < payload) {
        snprintf(err, errlen, "a record length of %llu bytes", (unsigned long long)payload);
        return AOF_REC_BAD;
    }
    size_t whole = head + (size_t)payload + AOF_REC_TAIL;
    if (n < whole) return AOF_REC_SHORT;
    if (XXH3_64bits(p, head + (size_t)payload) != get_le(p + whole - AOF_REC_TAIL, 8)) {
        snprintf(err, errlen, "a record whose checksum does not match");
        return AOF_REC_BAD;
    }
    *size = whole;
    return AOF_REC_OK;
}

static bool get_varint(aof_iter *it, uint64_t *v) {
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (it->p >= it->end) return false;
        uint8_t b = *it->p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

static bool get_bytes(aof_iter *it, keel_arg *a) {
    uint64_t n;
    if (!get_varint(it, &n) || n > (uint64_t)(it->end - it->p)) return false;
    a->ptr = (const char *)it->p;
    a->len = (size_t)n;
    it->p += n;
    return true;
}

bool aof_iter_init(aof_iter *it, const uint8_t *p) {
    memset(it, 0, sizeof *it);
    size_t head = aof_rec_head(p);
    it->p = p + head + 16;
    it->end = p + head + (size_t)rec_payload(p);
    it->seq = aof_rec_seq(p);
    it->time_ms = (int64_t)get_le64(p + head + 8);
    uint64_t n;
    if (!get_varint(it, &n) || n > UINT32_MAX) return false; /* 0: a reserved number's filler */
    it->left = (uint32_t)n;
    return true;
}

int aof_iter_next(aof_iter *it, aof_cmd *c, char *err, size_t errlen) {
    if (it->left == 0) {
        if (it->p != it->end) {
            snprintf(err, errlen, "bytes left after the record's commands");
            return -1;
        }
        return 0;
    }
    it->left--;
    uint64_t db, nns, argc, coloc_n = 0;
    uint8_t coloc = 0;
    memset(c, 0, sizeof *c);
    if (!get_varint(it, &db) || db > UINT32_MAX || !get_varint(it, &nns) || nns > AOF_NS_MAX) {
        snprintf(err, errlen, "a malformed command (database or namespace depth)");
        return -1;
    }
    if (nns) {
        if (it->p >= it->end) goto bad;
        coloc = *it->p++;
        if (!get_varint(it, &coloc_n) || coloc_n > UINT32_MAX) goto bad;
        for (uint32_t i = 0; i < nns; i++)
            if (!get_bytes(it, &it->ns[i])) goto bad;
    }
    if (!get_varint(it, &argc) || argc == 0 || argc > (uint64_t)(it->end - it->p)) goto bad;
    if (argc > it->cap) {
        it->argv = mem_realloc(it->argv, sizeof *it->argv * (size_t)argc);
        it->cap = (uint32_t)argc;
    }
    for (uint32_t i = 0; i < argc; i++)
        if (!get_bytes(it, &it->argv[i])) goto bad;
    *c = (aof_cmd){.db = (uint32_t)db,
                   .nns = (uint32_t)nns,
                   .coloc = coloc,
                   .coloc_n = (uint32_t)coloc_n,
                   .ns = it->ns,
                   .argc = (uint32_t)argc,
                   .argv = it->argv};
    return 1;
bad:
    snprintf(err, errlen, "a malformed command (its namespace or arguments run past the record)");
    return -1;
}

static bool all_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

/* True when the record at p (checked) holds well-formed commands. */
static bool commands_ok(const uint8_t *p, char *what, size_t whatlen) {
    aof_iter it;
    aof_cmd c;
    int got = -1;
    if (!aof_iter_init(&it, p))
        snprintf(what, whatlen, "a record without commands");
    else
        while ((got = aof_iter_next(&it, &c, what, whatlen)) == 1) {
        }
    aof_iter_free(&it);
    return got == 0;
}

/* True when the (bad) record at p says it ends exactly where the n bytes do. */
static bool framed_to_end(const uint8_t *p, size_t n) {
    if (n < AOF_REC_HEAD) return false;
    size_t head = aof_rec_head(p);
    if (n < head + AOF_REC_TAIL) return false;
    return rec_payload(p) == n - head - AOF_REC_TAIL;
}

enum aof_scan_kind aof_scan_file(const uint8_t *p, size_t n, aof_scan *out) {
    memset(out, 0, sizeof *out);
    if (!aof_preamble_ok(p, n)) {
        snprintf(out->what, sizeof out->what, "not a Keel log (bad preamble at offset 0)");
        return AOF_SCAN_NOT_A_LOG;
    }
    size_t off = AOF_PREAMBLE;
    while (off < n) {
        size_t size = 0;
        enum aof_check r = aof_rec_check(p + off, n - off, &size, out->what, sizeof out->what);
        out->valid = out->bad_at = off;
        if (r == AOF_REC_SHORT) {
            snprintf(out->what, sizeof out->what, "a record cut short (%zu bytes left)", n - off);
            return AOF_SCAN_TORN;
        }
        if (r == AOF_REC_BAD) {
            bool last = all_zero(p + off, n - off) || framed_to_end(p + off, n - off);
            return last ? AOF_SCAN_TORN : AOF_SCAN_CORRUPT;
        }
        if (!commands_ok(p + off, out->what, sizeof out->what)) return AOF_SCAN_CORRUPT;
        uint64_t seq = aof_rec_seq(p + off);
        if (seq >= out->next_seq) out->next_seq = seq + 1;
        out->records++;
        off += size;
    }
    out->valid = out->bad_at = off;
    return AOF_SCAN_CLEAN;
}

void aof_iter_free(aof_iter *it) {
    mem_free(it->argv);
    it->argv = NULL;
    it->cap = 0;
}
