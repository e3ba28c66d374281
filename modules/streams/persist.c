/* persist.c -- saving and loading streams.  The form, every item a packed datakit box:
 *   version (1); last_id ms, seq; max_deleted ms, seq; first_id ms, seq; entries_added;
 *   entry count, then per entry: ms, seq, pair count, then field, value ... (bytes);
 *   group count, then per group: name, last_id ms, seq, entries_read, consumer count, then per
 *   consumer: name, seen_time; PEL count, then per record: ms, seq, delivery_time,
 *   delivery_count, owner (the consumer's index in the group's list). */
#include "persist.h"

#include <string.h>

#include "sobj.h"

#define FORM_VERSION 1

/* ======== save ======== */

typedef struct writer {
    keel_sink *sink;
    keel_status st;
} writer;

static void put_u64(writer *w, uint64_t u) {
    dk_val v = dk_u64(u);
    if (w->st == KEEL_OK) w->st = keel_sink_write_box(w->sink, &v);
}

static void put_i64(writer *w, int64_t i) {
    dk_val v = dk_i64(i);
    if (w->st == KEEL_OK) w->st = keel_sink_write_box(w->sink, &v);
}

static void put_bytes(writer *w, const void *p, size_t n) {
    dk_val v = dk_bytes(n ? p : "", n);
    if (w->st == KEEL_OK) w->st = keel_sink_write_box(w->sink, &v);
}

static void put_id(writer *w, dk_sid id) {
    put_u64(w, id.ms);
    put_u64(w, id.seq);
}

static void save_group(writer *w, const xs_group *g) {
    put_bytes(w, g->name, g->nlen);
    put_id(w, g->last_id);
    put_i64(w, g->entries_read);
    put_u64(w, g->ncons);
    for (size_t i = 0; i < g->ncons; i++) {
        put_bytes(w, g->cons[i]->name, g->cons[i]->nlen);
        put_i64(w, g->cons[i]->seen_time);
    }
    put_u64(w, g->npel);
    for (size_t i = 0; i < g->npel; i++) {
        const xs_nack *n = &g->pel[i];
        put_id(w, n->id);
        put_i64(w, n->delivery_time);
        put_u64(w, n->delivery_count);
        size_t idx = 0;
        while (idx < g->ncons && g->cons[idx] != n->owner)
            idx++;
        put_u64(w, idx);
    }
}

keel_status xs_save(const void *obj, keel_sink *sink) {
    const xs_stream *s = obj;
    writer w = {sink, KEEL_OK};
    put_u64(&w, FORM_VERSION);
    put_id(&w, s->last_id);
    put_id(&w, s->max_deleted);
    put_id(&w, s->first_id);
    put_u64(&w, s->entries_added);
    put_u64(&w, dk_stream_len(s->log));
    dk_scursor c;
    dk_sentry e;
    dk_stream_seek(s->log, &c, (dk_sid){0, 0}, false);
    while (w.st == KEEL_OK && dk_stream_next(s->log, &c, &e)) {
        put_id(&w, e.id);
        put_u64(&w, e.npairs);
        dk_spairs pw;
        dk_sbytes f, v;
        dk_sentry_pairs(&e, &pw);
        while (dk_spairs_next(&pw, &f, &v)) {
            put_bytes(&w, f.ptr, f.len);
            put_bytes(&w, v.ptr, v.len);
        }
    }
    put_u64(&w, s->groups.n);
    for (size_t i = 0; i < s->groups.n; i++)
        save_group(&w, s->groups.v[i]);
    return w.st;
}

/* ======== load ======== */

typedef struct reader {
    const uint8_t *in;
    size_t at, len;
    bool bad;
} reader;

static dk_val take(reader *r) {
    dk_val v = dk_null();
    if (r->bad) return v;
    size_t n = r->at < r->len ? dk_box_unpack(r->in + r->at, r->len - r->at, &v) : 0;
    if (n == 0) {
        r->bad = true;
        return dk_null();
    }
    r->at += n;
    return v;
}

static uint64_t get_u64(reader *r) {
    dk_val v = take(r);
    if (v.type == DK_U64) return v.v.u;
    if (v.type == DK_I64 && v.v.i >= 0) return (uint64_t)v.v.i;
    r->bad = true;
    return 0;
}

static int64_t get_i64(reader *r) {
    dk_val v = take(r);
    if (v.type == DK_I64) return v.v.i;
    if (v.type == DK_U64 && v.v.u <= INT64_MAX) return (int64_t)v.v.u;
    r->bad = true;
    return 0;
}

static dk_sbytes get_bytes(reader *r) {
    dk_val v = take(r);
    if (v.type != DK_BYTES) {
        r->bad = true;
        return (dk_sbytes){"", 0};
    }
    return (dk_sbytes){v.v.ptr, v.len};
}

static dk_sid get_id(reader *r) {
    dk_sid id;
    id.ms = get_u64(r);
    id.seq = get_u64(r);
    return id;
}

/* A count that cannot exceed what the remaining bytes could hold (each item takes a byte). */
static uint64_t get_count(reader *r) {
    uint64_t n = get_u64(r);
    if (n > r->len - r->at) r->bad = true;
    return r->bad ? 0 : n;
}

static bool load_entries(reader *r, xs_stream *s, const char **err) {
    uint64_t n = get_count(r);
    dk_sbytes *fv = NULL;
    size_t cap = 0;
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        dk_sid id = get_id(r);
        uint64_t np = get_count(r);
        if (r->bad) break;
        if (2 * np > cap) {
            dk_sbytes *v = keel_realloc(fv, 2 * np * sizeof *fv);
            if (!v) {
                keel_free(fv);
                *err = "out of memory";
                return false;
            }
            fv = v;
            cap = 2 * np;
        }
        for (uint64_t j = 0; j < 2 * np; j++)
            fv[j] = get_bytes(r);
        if (r->bad) break;
        if (np == 0 || dk_sid_cmp(id, s->last_id) > 0) {
            r->bad = true; /* an entry with no pairs, or past last_id */
            break;
        }
        int rc = dk_stream_append(s->log, id, fv, (size_t)np);
        if (rc == -1) {
            keel_free(fv);
            *err = "out of memory";
            return false;
        }
        if (rc != 0) r->bad = true; /* out of order */
    }
    keel_free(fv);
    return !r->bad;
}

static bool load_group(reader *r, xs_stream *s, const char **err) {
    dk_sbytes name = get_bytes(r);
    dk_sid last = get_id(r);
    int64_t read = get_i64(r);
    if (r->bad || read < -1 || xs_group_find(&s->groups, name.ptr, name.len)) return false;
    xs_group *g = xs_group_add(&s->groups, name.ptr, name.len, last, read);
    if (!g) {
        *err = "out of memory";
        return false;
    }
    uint64_t nc = get_count(r);
    xs_consumer **order = nc ? keel_calloc(nc, sizeof *order) : NULL;
    if (nc && !order) {
        *err = "out of memory";
        return false;
    }
    bool ok = true;
    for (uint64_t i = 0; i < nc && ok; i++) {
        dk_sbytes cn = get_bytes(r);
        int64_t seen = get_i64(r);
        ok = !r->bad && !xs_consumer_find(g, cn.ptr, cn.len) &&
             (order[i] = xs_consumer_add(g, cn.ptr, cn.len, seen)) != NULL;
    }
    uint64_t np = ok ? get_count(r) : 0;
    for (uint64_t i = 0; i < np && ok && !r->bad; i++) {
        dk_sid id = get_id(r);
        int64_t when = get_i64(r);
        uint64_t count = get_u64(r), owner = get_u64(r);
        ok = !r->bad && owner < nc && (g->npel == 0 || dk_sid_cmp(g->pel[g->npel - 1].id, id) < 0);
        xs_nack *n = ok ? xs_pel_insert(g, g->npel, id, order[owner], when) : NULL;
        if (n) n->delivery_count = count;
        ok = ok && n;
    }
    keel_free(order);
    return ok && !r->bad;
}

void *xs_load(const void *data, size_t len, const char **err) {
    reader r = {data, 0, len, false};
    xs_stream *s = xs_stream_new();
    if (!s) {
        *err = "out of memory";
        return NULL;
    }
    *err = NULL;
    if (get_u64(&r) != FORM_VERSION) r.bad = true;
    s->last_id = get_id(&r);
    s->max_deleted = get_id(&r);
    s->first_id = get_id(&r);
    s->entries_added = get_u64(&r);
    bool ok = !r.bad && load_entries(&r, s, err);
    uint64_t ng = ok ? get_count(&r) : 0;
    for (uint64_t i = 0; i < ng && ok; i++)
        ok = load_group(&r, s, err);
    if (ok && (r.bad || r.at != len || s->entries_added < dk_stream_len(s->log))) ok = false;
    if (!ok) {
        if (!*err) *err = "malformed stream";
        xs_stream_free(s);
        return NULL;
    }
    return s;
}
