/* sobj.c -- the "stream" type's ops (free, copy, size, GET's reply, snapshots) and the lookup,
 * error, ID and reply helpers of streams.so. */
#include "sobj.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persist.h"
#include "reclaim.h"

keel_type_id xs_type = KEEL_TYPE_NONE;

/* ======== values ======== */

xs_stream *xs_stream_new(void) {
    xs_stream *s = keel_calloc(1, sizeof *s);
    if (!s) return NULL;
    if (!(s->log = dk_stream_new())) {
        keel_free(s);
        return NULL;
    }
    return s;
}

void xs_stream_free(xs_stream *s) {
    if (!s) return;
    dk_stream_free(s->log);
    xs_groups_free(&s->groups);
    keel_free(s);
}

/* The type's free op: big streams are freed a slice per turn (reclaim.c). */
static void stream_free(void *obj) {
    xs_reclaim(obj);
}

static void *stream_copy(const void *obj) {
    const xs_stream *s = obj;
    xs_stream *d = keel_calloc(1, sizeof *d);
    if (!d) return NULL;
    *d = *s;
    d->log = dk_stream_copy(s->log);
    if (!d->log || !xs_groups_copy(&d->groups, &s->groups)) {
        dk_stream_free(d->log);
        keel_free(d);
        return NULL;
    }
    return d;
}

static size_t stream_memory(const void *obj) {
    const xs_stream *s = obj;
    return sizeof *s + dk_stream_bytes(s->log) + xs_groups_bytes(&s->groups);
}

static size_t stream_describe(const void *obj, char *out, size_t cap) {
    const xs_stream *s = obj;
    int n =
        snprintf(out, cap, "stream, %llu entries, %zu groups, %zu chunks",
                 (unsigned long long)dk_stream_len(s->log), s->groups.n, dk_stream_chunks(s->log));
    return n < 0 || cap == 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* GET of a stream (keel dialect): its entries, as XRANGE key - +. */
static void stream_to_reply(keel_proc *p, const void *obj) {
    const xs_stream *s = obj;
    keel_reply_array(p, dk_stream_len(s->log));
    dk_scursor c;
    dk_sentry e;
    dk_stream_seek(s->log, &c, (dk_sid){0, 0}, false);
    while (dk_stream_next(s->log, &c, &e))
        xs_reply_entry(p, &e);
    keel_charge(p, (int64_t)dk_stream_len(s->log) * XS_COST_ENTRY);
}

/* The same in steps: *cursor is 0 before the header, then 1 + the chunk to go on from (steps
 * end at chunk boundaries; the key is locked between steps, so nothing moves). */
static bool stream_to_reply_step(keel_proc *p, const void *obj, uint64_t *cursor) {
    const xs_stream *s = obj;
    if (*cursor == 0) {
        keel_reply_array(p, dk_stream_len(s->log));
        *cursor = 1;
    }
    dk_scursor c;
    dk_sentry e;
    dk_stream_seek_chunk(s->log, &c, (size_t)(*cursor - 1));
    while (dk_stream_next(s->log, &c, &e)) {
        xs_reply_entry(p, &e);
        if (keel_charge(p, XS_COST_ENTRY) && dk_stream_chunk_done(s->log, &c)) {
            *cursor = c.chunk + 2;
            return c.chunk + 1 >= dk_stream_chunks(s->log);
        }
    }
    return true;
}

static const keel_type_def stream_def = {
    .size = sizeof(keel_type_def),
    .name = "stream",
    .free = stream_free,
    .copy = stream_copy,
    .memory_usage = stream_memory,
    .describe = stream_describe,
    .to_reply = stream_to_reply,
    .save = xs_save,
    .load = xs_load,
    .to_reply_step = stream_to_reply_step,
};

keel_status xs_register_type(keel_module *m, const char **err) {
    return keel_register_type(m, &stream_def, &xs_type, err);
}

/* ======== lookups and errors ======== */

keel_status xs_find(keel_proc *p, const keel_arg *key, xs_stream **s) {
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, key->ptr, key->len, &v);
    if (st != KEEL_OK) return st;
    if (v.type != xs_type) return KEEL_EWRONGTYPE;
    *s = v.obj;
    return KEEL_OK;
}

keel_status xs_create(keel_proc *p, const keel_arg *key, xs_stream **s) {
    xs_stream *n = xs_stream_new();
    if (!n) return KEEL_ENOMEM;
    keel_status st = keel_key_store_object(p, key->ptr, key->len, xs_type, n, 0);
    if (st != KEEL_OK) {
        xs_stream_free(n);
        return st;
    }
    *s = n;
    return KEEL_OK;
}

keel_op_result xs_error(keel_proc *p, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    keel_reply_reset(p);
    keel_reply_error(p, "%s", msg);
    return KEEL_FAIL;
}

keel_op_result xs_wrongtype(keel_proc *p) {
    return xs_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

keel_op_result xs_oom(keel_proc *p) {
    return xs_error(p, "ERR out of memory");
}

keel_op_result xs_syntax(keel_proc *p) {
    return xs_error(p, "ERR syntax error");
}

int xs_subcommand(keel_proc *p, const char *cmd, const xs_subcmd *subs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!keel_arg_is(&p->argv[1], subs[i].name)) continue;
        int ar = subs[i].arity;
        if ((ar > 0 && (int)p->argc != ar) || (ar < 0 && (int)p->argc < -ar)) {
            xs_error(p, "ERR wrong number of arguments for '%s|%s' command", cmd, subs[i].name);
            return -1;
        }
        return (int)i;
    }
    char upper[16];
    size_t k = 0;
    for (; cmd[k] && k + 1 < sizeof upper; k++)
        upper[k] = (char)toupper((unsigned char)cmd[k]);
    upper[k] = 0;
    xs_error(p, "ERR unknown subcommand '%.128s'. Try %s HELP.", p->argv[1].ptr, upper);
    return -1;
}

void xs_reply_help(keel_proc *p, const char *const *lines, size_t n) {
    keel_reply_array(p, n);
    for (size_t i = 0; i < n; i++)
        keel_reply_simple(p, lines[i]);
}

bool xs_arg_int(keel_proc *p, const keel_arg *a, int64_t *out) {
    if (keel_arg_i64(a, out)) return true;
    xs_error(p, "ERR value is not an integer or out of range");
    return false;
}

bool xs_resp3(keel_proc *p) {
    const char *v = keel_proc_option(p, "resp.protover");
    return v && v[0] == '3';
}

/* ======== IDs ======== */

/* Writes v in decimal at out; returns the digits written.  (snprintf cost more than XADD's own
 * work: every reply carries an ID.) */
static size_t u64_text(uint64_t v, char *out) {
    static const char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233"
        "34353637383940414243444546474849505152535455565758596061626364656667"
        "6869707172737475767778798081828384858687888990919293949596979899";
    size_t n = 1;
    for (uint64_t t = 10; n < 20 && v >= t; t *= 10) /* 10^19 is the last power below 2^64 */
        n++;
    char *e = out + n;
    for (; v >= 100; v /= 100) { /* two digits a division */
        const char *d = &pairs[(v % 100) * 2];
        *--e = d[1];
        *--e = d[0];
    }
    if (v >= 10) {
        *--e = pairs[v * 2 + 1];
        *--e = pairs[v * 2];
    } else {
        *--e = (char)('0' + v);
    }
    return n;
}

size_t xs_id_text(dk_sid id, char *out) {
    size_t n = u64_text(id.ms, out);
    out[n++] = '-';
    n += u64_text(id.seq, out + n);
    out[n] = '\0';
    return n;
}

void xs_reply_id(keel_proc *p, dk_sid id) {
    char t[XS_ID_TEXT_MAX];
    size_t n = xs_id_text(id, t);
    keel_reply_bulk(p, t, n);
}

bool xs_id_incr(dk_sid *id) {
    if (id->seq != UINT64_MAX) {
        id->seq++;
        return true;
    }
    if (id->ms == UINT64_MAX) return false;
    id->ms++;
    id->seq = 0;
    return true;
}

bool xs_id_decr(dk_sid *id) {
    if (id->seq != 0) {
        id->seq--;
        return true;
    }
    if (id->ms == 0) return false;
    id->ms--;
    id->seq = UINT64_MAX;
    return true;
}

/* Redis's string2ull: a canonical non-negative int64, else whatever strtoull takes whole. */
static bool text_u64(const char *s, uint64_t *out) {
    keel_arg a = {s, strlen(s)};
    int64_t i;
    if (keel_arg_i64(&a, &i)) {
        if (i < 0) return false;
        *out = (uint64_t)i;
        return true;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0')) return false;
    *out = v;
    return true;
}

bool xs_id_scan(const keel_arg *a, bool strict, uint64_t missing_seq, dk_sid *id, bool *seq_given) {
    char buf[128];
    if (seq_given) *seq_given = true;
    if (a->len > sizeof buf - 1) return false;
    if (strict && a->len == 1 && (a->ptr[0] == '-' || a->ptr[0] == '+')) return false;
    if (a->len == 1 && a->ptr[0] == '-') {
        *id = (dk_sid){0, 0};
        return true;
    }
    if (a->len == 1 && a->ptr[0] == '+') {
        *id = XS_ID_MAX;
        return true;
    }
    memcpy(buf, a->ptr, a->len);
    buf[a->len] = '\0';
    if (strlen(buf) != a->len) return false; /* a NUL inside */
    char *dot = strchr(buf, '-');
    if (dot) *dot = '\0';
    uint64_t ms, seq;
    if (!text_u64(buf, &ms)) return false;
    if (dot) {
        if (seq_given && dot[1] == '*' && dot[2] == '\0') {
            seq = 0;
            *seq_given = false;
        } else if (!text_u64(dot + 1, &seq)) {
            return false;
        }
    } else {
        seq = missing_seq;
    }
    *id = (dk_sid){ms, seq};
    return true;
}

bool xs_parse_id(keel_proc *p, const keel_arg *a, bool strict, uint64_t missing_seq, dk_sid *id,
                 bool *seq_given) {
    if (xs_id_scan(a, strict, missing_seq, id, seq_given)) return true;
    xs_error(p, "ERR Invalid stream ID specified as stream command argument");
    return false;
}

/* ======== entries ======== */

void xs_reply_entry(keel_proc *p, const dk_sentry *e) {
    keel_reply_array(p, 2);
    xs_reply_id(p, e->id);
    keel_reply_array(p, 2 * (size_t)e->npairs);
    dk_spairs w;
    dk_sbytes f, v;
    dk_sentry_pairs(e, &w);
    while (dk_spairs_next(&w, &f, &v)) {
        keel_reply_bulk(p, f.len ? f.ptr : "", f.len);
        keel_reply_bulk(p, v.len ? v.ptr : "", v.len);
    }
}

void xs_each_reply(keel_proc *p, void *ctx, const dk_sentry *e) {
    (void)ctx;
    xs_reply_entry(p, e);
}

bool xs_walk(keel_proc *p, const xs_stream *s, dk_sid *from, dk_sid end, bool backward,
             int64_t *left, xs_each_fn each, void *ctx) {
    if (backward ? dk_sid_cmp(*from, end) < 0 : dk_sid_cmp(*from, end) > 0) return true;
    dk_scursor c;
    dk_sentry e;
    dk_stream_seek(s->log, &c, *from, backward);
    while (*left != 0 && dk_stream_next(s->log, &c, &e)) {
        if (backward ? dk_sid_cmp(e.id, end) < 0 : dk_sid_cmp(e.id, end) > 0) return true;
        each(p, ctx, &e);
        if (*left > 0) (*left)--;
        *from = e.id;
        if (!(backward ? xs_id_decr(from) : xs_id_incr(from))) return true;
        if (keel_charge(p, XS_COST_ENTRY) && *left != 0) return false;
    }
    return true;
}

dk_sid xs_first_live(const xs_stream *s) {
    dk_sid id = {0, 0};
    dk_stream_first(s->log, &id);
    return id;
}

bool xs_has_tombstones(const xs_stream *s, dk_sid start, dk_sid end) {
    if (dk_stream_len(s->log) == 0 || xs_id_zero(s->max_deleted)) return false;
    return dk_sid_cmp(start, s->max_deleted) <= 0 && dk_sid_cmp(s->max_deleted, end) <= 0;
}

int64_t xs_estimate_read(const xs_stream *s, dk_sid id) {
    if (!s->entries_added) return 0;
    uint64_t len = dk_stream_len(s->log);
    int cmp_last = dk_sid_cmp(id, s->last_id);
    if (!len && cmp_last < 1) return (int64_t)s->entries_added;
    if (cmp_last == 0) return (int64_t)s->entries_added;
    if (cmp_last > 0) return -1;
    int cmp_first = dk_sid_cmp(id, s->first_id);
    if (xs_id_zero(s->max_deleted) || dk_sid_cmp(s->max_deleted, s->first_id) < 0) {
        if (cmp_first < 0) return (int64_t)(s->entries_added - len);
        if (cmp_first == 0) return (int64_t)(s->entries_added - len + 1);
    }
    return -1;
}

bool xs_group_lag(const xs_stream *s, const xs_group *g, int64_t *lag) {
    if (!s->entries_added) {
        *lag = 0;
        return true;
    }
    if (g->entries_read != -1 && !xs_has_tombstones(s, g->last_id, XS_ID_MAX)) {
        *lag = (int64_t)s->entries_added - g->entries_read;
        return true;
    }
    int64_t read = xs_estimate_read(s, g->last_id);
    if (read == -1) return false;
    *lag = (int64_t)s->entries_added - read;
    return true;
}
