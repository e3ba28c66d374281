/* rdb_stream.c -- a Redis stream in RDB encoding (object types 15, 19 and 21: Redis 5 to 7.2),
 * decoded into the commands that rebuild it (rdb_value.h's RDB_KIND_STREAM): XADD of every entry
 * not deleted, XSETID with the last ID (and, from type 19, entries added and the largest deleted
 * ID), then per consumer group XGROUP CREATE at its last delivered ID (entries read, from 19),
 * XGROUP CREATECONSUMER of each consumer and an XCLAIM ... FORCE JUSTID of each of its pending
 * entries with their delivery time and count.  A pending entry whose message was deleted cannot
 * be claimed, so it is not rebuilt (Redis's XCLAIM FORCE leaves such IDs out too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_decoder.h"

#define FLAG_DELETED 1
#define FLAG_SAMEFIELDS 2

/* A stream ID, and one pending entry of a group. */
typedef struct sid {
    uint64_t ms, seq;
} sid;

typedef struct nack {
    uint8_t raw[16]; /* the ID as Redis keeps it: big-endian ms, then seq */
    int64_t delivery_time;
    uint64_t delivery_count;
} nack;

static uint64_t be64(const uint8_t *p) {
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = (x << 8) | p[i];
    return x;
}

static int64_t le64(const uint8_t *p) {
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | p[i];
    return (int64_t)x;
}

/* Decimal text of an element (listpack integers come as text): false when it is not one. */
static bool item_int(const rdb_item *it, int64_t *out) {
    if (!it->len || it->len > 20) return false;
    char buf[24];
    memcpy(buf, it->ptr, it->len);
    buf[it->len] = 0;
    char *end;
    long long x = strtoll(buf, &end, 10);
    if (*end) return false;
    *out = x;
    return true;
}

static rdb_status push_text(rdb_value *v, const char *text) {
    size_t n = strlen(text);
    uint8_t *p = rdb_own(v, n ? n : 1);
    if (!p) return RDB_ENOMEM;
    memcpy(p, text, n);
    return rdb_push(v, p, n);
}

static rdb_status push_id(rdb_value *v, sid id) {
    char text[48];
    snprintf(text, sizeof text, "%llu-%llu", (unsigned long long)id.ms, (unsigned long long)id.seq);
    return push_text(v, text);
}

static rdb_status push_i64(rdb_value *v, int64_t x) {
    return rdb_push_int(v, x);
}

/* Starts a command of argc arguments: its count, its name, the key. */
static rdb_status begin_cmd(rdb_value *v, size_t argc, const char *name) {
    rdb_status st = push_i64(v, (int64_t)argc);
    if (st == RDB_OK) st = push_text(v, name);
    if (st == RDB_OK) st = rdb_push(v, NULL, 0);
    return st;
}

static rdb_status read_id(rdb_reader *r, sid *id) {
    rdb_status st = rdb_read_length(r, &id->ms);
    return st != RDB_OK ? st : rdb_read_length(r, &id->seq);
}

static rdb_status read_raw(rdb_reader *r, uint8_t *out, size_t n) {
    if (r->n - r->pos < n) return rdb_bad(r, "truncated stream");
    memcpy(out, r->p + r->pos, n);
    r->pos += n;
    return RDB_OK;
}

/* One node: its master ID (the rax key) and listpack; XADD of each live entry. */
static rdb_status read_node(rdb_reader *r, size_t *added) {
    rdb_value *v = r->v;
    rdb_item key, lp;
    rdb_status st = rdb_read_string(r, &key);
    if (st == RDB_OK) st = rdb_read_string(r, &lp);
    if (st != RDB_OK) return st;
    if (key.len != 16) return rdb_bad(r, "stream node key is not an ID");
    sid master = {be64(key.ptr), be64(key.ptr + 8)};
    size_t start = v->count; /* the listpack's elements, then moved aside */
    st = rdb_listpack_items(v, lp.ptr, lp.len);
    if (st != RDB_OK) return st == RDB_EFORMAT ? rdb_bad(r, "corrupt stream listpack") : st;
    size_t m = v->count - start;
    rdb_item *e = malloc((m ? m : 1) * sizeof *e);
    if (!e) return RDB_ENOMEM;
    memcpy(e, v->items + start, m * sizeof *e);
    v->count = start;
    int64_t count, deleted, mf, x;
    size_t i = 0;
    if (m < 3 || !item_int(&e[0], &count) || !item_int(&e[1], &deleted) || !item_int(&e[2], &mf) ||
        count < 0 || deleted < 0 || (uint64_t)count > m || (uint64_t)deleted > m || mf < 0 ||
        (uint64_t)mf > m - 3 || 3 + (size_t)mf >= m || !item_int(&e[3 + mf], &x) || x != 0) {
        free(e);
        return rdb_bad(r, "malformed stream node header");
    }
    const rdb_item *mfields = &e[3];
    i = 4 + (size_t)mf;
    for (int64_t k = 0; st == RDB_OK && k < count + deleted; k++) {
        int64_t flags, msd, seqd, nf;
        if (i + 3 > m || !item_int(&e[i], &flags) || !item_int(&e[i + 1], &msd) ||
            !item_int(&e[i + 2], &seqd)) {
            st = rdb_bad(r, "malformed stream entry");
            break;
        }
        i += 3;
        bool same = flags & FLAG_SAMEFIELDS;
        if (same) {
            nf = mf;
        } else if (i >= m || !item_int(&e[i++], &nf) || nf < 0) {
            st = rdb_bad(r, "malformed stream entry");
            break;
        }
        size_t span = same ? (size_t)nf : 2 * (size_t)nf;
        if ((uint64_t)nf > m || i + span + 1 > m) { /* the values, then the entry's lp-count */
            st = rdb_bad(r, "malformed stream entry");
            break;
        }
        if (!(flags & FLAG_DELETED)) {
            sid id = {master.ms + (uint64_t)msd, master.seq + (uint64_t)seqd};
            st = begin_cmd(v, 3 + 2 * (size_t)nf, "XADD");
            if (st == RDB_OK) st = push_id(v, id);
            for (int64_t f = 0; st == RDB_OK && f < nf; f++) {
                const rdb_item *field = same ? &mfields[f] : &e[i + 2 * (size_t)f];
                const rdb_item *val = same ? &e[i + (size_t)f] : &e[i + 2 * (size_t)f + 1];
                st = rdb_push(v, field->ptr, field->len);
                if (st == RDB_OK) st = rdb_push(v, val->ptr, val->len);
            }
            (*added)++;
        }
        i += span + 1;
    }
    free(e);
    return st;
}

/* The pending entry with this raw ID in a group's list (sorted, as Redis writes it). */
static const nack *find_nack(const nack *pel, size_t n, const uint8_t *raw) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(pel[mid].raw, raw, 16);
        if (c == 0) return &pel[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* One consumer group, its pending entries and consumers. */
static rdb_status read_group(rdb_reader *r, uint8_t type) {
    rdb_value *v = r->v;
    rdb_item name;
    sid last;
    uint64_t entries_read = UINT64_MAX, npel;
    rdb_status st = rdb_read_string(r, &name);
    if (st == RDB_OK) st = read_id(r, &last);
    if (st == RDB_OK && type >= RDB_TYPE_STREAM_LISTPACKS_2) st = rdb_read_length(r, &entries_read);
    if (st == RDB_OK) st = rdb_read_length(r, &npel);
    if (st != RDB_OK) return st;
    if (npel > (r->n - r->pos) / 17) return rdb_bad(r, "pending count larger than the payload");
    bool has_read = type >= RDB_TYPE_STREAM_LISTPACKS_2;
    st = begin_cmd(v, has_read ? 7 : 5, "CREATE");
    if (st != RDB_OK) return st;
    v->items[v->count - 2] = (rdb_item){(const uint8_t *)"XGROUP", 6}; /* XGROUP CREATE key */
    v->items[v->count - 1] = (rdb_item){(const uint8_t *)"CREATE", 6};
    st = rdb_push(v, NULL, 0);
    if (st == RDB_OK) st = rdb_push(v, name.ptr, name.len);
    if (st == RDB_OK) st = push_id(v, last);
    if (st == RDB_OK && has_read) {
        st = push_text(v, "ENTRIESREAD");
        if (st == RDB_OK) st = push_i64(v, entries_read == UINT64_MAX ? -1 : (int64_t)entries_read);
    }
    nack *pel = malloc((npel ? npel : 1) * sizeof *pel);
    if (!pel) return RDB_ENOMEM;
    for (uint64_t i = 0; st == RDB_OK && i < npel; i++) {
        uint8_t t[8];
        st = read_raw(r, pel[i].raw, 16);
        if (st == RDB_OK) st = read_raw(r, t, 8);
        if (st == RDB_OK) st = rdb_read_length(r, &pel[i].delivery_count);
        pel[i].delivery_time = le64(t);
        if (st == RDB_OK && i && memcmp(pel[i - 1].raw, pel[i].raw, 16) >= 0)
            st = rdb_bad(r, "pending entries out of order");
    }
    uint64_t nconsumers = 0;
    if (st == RDB_OK) st = rdb_read_length(r, &nconsumers);
    if (st == RDB_OK && nconsumers > r->n - r->pos) st = rdb_bad(r, "consumer count too large");
    for (uint64_t c = 0; st == RDB_OK && c < nconsumers; c++) {
        rdb_item cname;
        uint8_t t[8];
        uint64_t nown;
        st = rdb_read_string(r, &cname);
        if (st == RDB_OK) st = read_raw(r, t, 8); /* seen time: the next command sets it */
        if (st == RDB_OK && type >= RDB_TYPE_STREAM_LISTPACKS_3) st = read_raw(r, t, 8);
        if (st == RDB_OK) st = rdb_read_length(r, &nown);
        if (st != RDB_OK) break;
        /* XGROUP CREATECONSUMER key group consumer */
        st = begin_cmd(v, 5, "CREATECONSUMER");
        if (st != RDB_OK) break;
        v->items[v->count - 2] = (rdb_item){(const uint8_t *)"XGROUP", 6};
        v->items[v->count - 1] = (rdb_item){(const uint8_t *)"CREATECONSUMER", 14};
        st = rdb_push(v, NULL, 0);
        if (st == RDB_OK) st = rdb_push(v, name.ptr, name.len);
        if (st == RDB_OK) st = rdb_push(v, cname.ptr, cname.len);
        for (uint64_t k = 0; st == RDB_OK && k < nown; k++) {
            uint8_t raw[16];
            st = read_raw(r, raw, 16);
            if (st != RDB_OK) break;
            const nack *n = find_nack(pel, npel, raw);
            if (!n) {
                st = rdb_bad(r, "a consumer's pending entry is not the group's");
                break;
            }
            /* XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID */
            st = begin_cmd(v, 12, "XCLAIM");
            if (st == RDB_OK) st = rdb_push(v, name.ptr, name.len);
            if (st == RDB_OK) st = rdb_push(v, cname.ptr, cname.len);
            if (st == RDB_OK) st = push_text(v, "0");
            if (st == RDB_OK) st = push_id(v, (sid){be64(raw), be64(raw + 8)});
            if (st == RDB_OK) st = push_text(v, "TIME");
            if (st == RDB_OK) st = push_i64(v, n->delivery_time);
            if (st == RDB_OK) st = push_text(v, "RETRYCOUNT");
            if (st == RDB_OK) st = push_i64(v, (int64_t)n->delivery_count);
            if (st == RDB_OK) st = push_text(v, "FORCE");
            if (st == RDB_OK) st = push_text(v, "JUSTID");
        }
    }
    free(pel);
    return st;
}

rdb_status rdb_stream_read(rdb_reader *r, uint8_t type) {
    rdb_value *v = r->v;
    uint64_t nodes, length, entries_added = 0, ngroups;
    sid last, first = {0, 0}, max_deleted = {0, 0};
    rdb_status st = rdb_read_length(r, &nodes);
    if (st != RDB_OK) return st;
    if (nodes > (r->n - r->pos) / 2) return rdb_bad(r, "node count larger than the payload");
    size_t added = 0;
    for (uint64_t i = 0; st == RDB_OK && i < nodes; i++)
        st = read_node(r, &added);
    if (st == RDB_OK) st = rdb_read_length(r, &length);
    if (st == RDB_OK) st = read_id(r, &last);
    bool v2 = type >= RDB_TYPE_STREAM_LISTPACKS_2;
    if (st == RDB_OK && v2) {
        st = read_id(r, &first);
        if (st == RDB_OK) st = read_id(r, &max_deleted);
        if (st == RDB_OK) st = rdb_read_length(r, &entries_added);
    }
    if (st != RDB_OK) return st;
    if (length != added) return rdb_bad(r, "stream length does not match its entries");
    if (!added) { /* an empty stream: made by a group made and dropped at once */
        static const char *const make[2][5] = {{"XGROUP", "CREATE", NULL, "keel-import", "0"},
                                               {"XGROUP", "DESTROY", NULL, "keel-import", NULL}};
        for (int c = 0; st == RDB_OK && c < 2; c++) {
            st = push_i64(v, c == 0 ? 6 : 4);
            for (int a = 0; st == RDB_OK && a < (c == 0 ? 5 : 4); a++)
                st = make[c][a] ? push_text(v, make[c][a]) : rdb_push(v, NULL, 0);
            if (st == RDB_OK && c == 0) st = push_text(v, "MKSTREAM");
        }
    }
    if (st == RDB_OK) st = begin_cmd(v, v2 ? 7 : 3, "XSETID");
    if (st == RDB_OK) st = push_id(v, last);
    if (st == RDB_OK && v2) {
        st = push_text(v, "ENTRIESADDED");
        if (st == RDB_OK) st = push_i64(v, (int64_t)entries_added);
        if (st == RDB_OK) st = push_text(v, "MAXDELETEDID");
        if (st == RDB_OK) st = push_id(v, max_deleted);
    }
    if (st == RDB_OK) st = rdb_read_length(r, &ngroups);
    if (st == RDB_OK && ngroups > r->n - r->pos) st = rdb_bad(r, "group count too large");
    for (uint64_t g = 0; st == RDB_OK && g < ngroups; g++)
        st = read_group(r, type);
    (void)first;
    return st;
}
