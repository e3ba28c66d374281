/* zobj.c -- the "zset" type's ops and the lookup, score and reply helpers of zsets.so. */
#include "zobj.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

keel_type_id zs_type = KEEL_TYPE_NONE;

/* ======== the type's ops ======== */

static void zset_free(void *obj) {
    dk_zset_free(obj);
}

static void *zset_copy(const void *obj) {
    return dk_zset_copy(obj);
}

static size_t zset_memory(const void *obj) {
    return dk_zset_bytes(obj);
}

static size_t zset_describe(const void *obj, char *out, size_t cap) {
    const dk_zset *z = obj;
    int n = snprintf(out, cap, "zset, %zu members, %s, %zu bytes", dk_zset_count(z),
                     dk_zset_indexed(z) ? "indexed" : "small", dk_zset_bytes(z));
    return n < 0 || cap == 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* GET of a sorted set: its members and scores in order, as ZRANGE key 0 -1 WITHSCORES. */
static void zset_to_reply(keel_proc *p, const void *obj) {
    const dk_zset *z = obj;
    zs_reply_list(p, dk_zset_count(z), true);
    dk_iter it = dk_iter_at(0);
    dk_zentry e;
    while (dk_zset_next(z, &it, &e))
        zs_reply_entry(p, &e, true);
    keel_charge(p, (int64_t)dk_zset_count(z) * ZS_COST_STEP);
}

/* The same in steps: *cursor is 0 before the header, then one more than the next rank. */
static bool zset_to_reply_step(keel_proc *p, const void *obj, uint64_t *cursor) {
    const dk_zset *z = obj;
    size_t n = dk_zset_count(z);
    if (*cursor == 0) {
        zs_reply_list(p, n, true);
        *cursor = 1;
    }
    dk_iter it = dk_iter_at(*cursor - 1);
    dk_zentry e;
    while (dk_zset_next(z, &it, &e)) {
        zs_reply_entry(p, &e, true);
        if (keel_charge(p, ZS_COST_STEP) && it.pos < n) break;
    }
    *cursor = it.pos + 1;
    return it.pos >= n;
}

/* Snapshot form: each element in order as two packed datakit boxes, its score then its member. */
static keel_status zset_save(const void *obj, keel_sink *sink) {
    dk_iter it = dk_iter_at(0);
    dk_zentry e;
    while (dk_zset_next(obj, &it, &e)) {
        dk_val score = dk_f64(e.score), member = dk_bytes(e.member, e.len);
        keel_status st = keel_sink_write_box(sink, &score);
        if (st == KEEL_OK) st = keel_sink_write_box(sink, &member);
        if (st != KEEL_OK) return st;
    }
    return KEEL_OK;
}

/* A packed score back as a double (datakit may pack one as a narrower number); false when the
 * box is not a number or is NaN. */
static bool load_score(const dk_val *v, double *out) {
    if (v->type == DK_F32)
        *out = v->v.f;
    else if (dk_is_real(v))
        *out = v->v.d;
    else if (v->type == DK_I64)
        *out = (double)v->v.i;
    else if (v->type == DK_U64)
        *out = (double)v->v.u;
    else
        return false;
    return !isnan(*out);
}

/* Rebuilds a sorted set from zset_save's bytes: (score, member) pairs, at least one, no member
 * twice. */
static void *zset_load(const void *data, size_t len, const char **err) {
    const uint8_t *in = data;
    dk_zset *z = dk_zset_new();
    if (!z) {
        *err = "out of memory";
        return NULL;
    }
    for (size_t at = 0; at < len;) {
        dk_val sv, mv;
        double score;
        size_t n = dk_box_unpack(in + at, len - at, &sv);
        size_t m = n ? dk_box_unpack(in + at + n, len - at - n, &mv) : 0;
        int added = m == 0 || mv.type != DK_BYTES || !load_score(&sv, &score)
                        ? 0
                        : dk_zset_set(z, mv.v.ptr, mv.len, score);
        if (added != 1) {
            *err = added < 0 ? "out of memory" : "malformed or repeated sorted set element";
            dk_zset_free(z);
            return NULL;
        }
        at += n + m;
    }
    if (dk_zset_count(z) == 0) {
        *err = "empty sorted set";
        dk_zset_free(z);
        return NULL;
    }
    return z;
}

/* OBJECT ENCODING: sorted runs alone while small, with the member index past that (datakit/zset.h).
 */
static const char *zset_encoding(const void *obj) {
    return dk_zset_indexed(obj) ? "indexed-runs" : "sorted-runs";
}

static const keel_type_def zset_def = {
    .size = sizeof(keel_type_def),
    .name = "zset",
    .free = zset_free,
    .copy = zset_copy,
    .memory_usage = zset_memory,
    .describe = zset_describe,
    .to_reply = zset_to_reply,
    .save = zset_save,
    .load = zset_load,
    .to_reply_step = zset_to_reply_step,
    .encoding = zset_encoding,
};

keel_status zs_register_type(keel_module *m, const char **err) {
    return keel_register_type(m, &zset_def, &zs_type, err);
}

/* ======== lookups and lifetime ======== */

keel_status zs_find(keel_proc *p, const void *key, size_t klen, dk_zset **z) {
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, key, klen, &v);
    if (st != KEEL_OK) return st;
    if (v.type != zs_type) return KEEL_EWRONGTYPE;
    *z = v.obj;
    return KEEL_OK;
}

keel_op_result zs_error(keel_proc *p, const char *msg) {
    keel_reply_reset(p);
    keel_reply_error(p, "%s", msg);
    return KEEL_FAIL;
}

keel_op_result zs_wrongtype(keel_proc *p) {
    return zs_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

keel_op_result zs_oom(keel_proc *p) {
    return zs_error(p, "ERR out of memory");
}

keel_status zs_create(keel_proc *p, const void *key, size_t klen, dk_zset **z) {
    dk_zset *n = dk_zset_new();
    if (!n) return KEEL_ENOMEM;
    keel_status st = keel_key_store_object(p, key, klen, zs_type, n, 0);
    if (st != KEEL_OK) {
        dk_zset_free(n);
        return st;
    }
    *z = n;
    return KEEL_OK;
}

keel_status zs_settle(keel_proc *p, const void *key, size_t klen, const dk_zset *z) {
    if (dk_zset_count(z) > 0) return KEEL_OK;
    keel_status st = keel_key_delete(p, key, klen);
    if (st == KEEL_OK)
        keel_notify(p, KEEL_NOTIFY_GENERIC, "del", key, klen); /* after the command's own */
    return st == KEEL_NOTFOUND ? KEEL_OK : st;
}

keel_status zs_replace(keel_proc *p, const keel_arg *dst, dk_zset *result, const char *event) {
    keel_status st;
    if (!result || dk_zset_count(result) == 0) { /* an empty result deletes the destination */
        st = keel_key_delete(p, dst->ptr, dst->len);
        if (st == KEEL_OK) keel_notify(p, KEEL_NOTIFY_GENERIC, "del", dst->ptr, dst->len);
        return st == KEEL_NOTFOUND ? KEEL_OK : st;
    }
    st = keel_key_store_object(p, dst->ptr, dst->len, zs_type, result, 0);
    if (st != KEEL_OK) return st;
    keel_notify(p, KEEL_NOTIFY_ZSET, event, dst->ptr, dst->len);
    keel_key_signal(p, dst->ptr, dst->len);
    return KEEL_OK;
}

/* ======== scores ======== */

bool zs_parse_score(const keel_arg *a, double *out) {
    if (a->len == 0 || isspace((unsigned char)a->ptr[0])) return false;
    char *end;
    errno = 0;
    double d = strtod(a->ptr, &end);
    if ((size_t)(end - a->ptr) != a->len || isnan(d)) return false;
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL || d == 0)) return false;
    *out = d;
    return true;
}

bool zs_resp3(keel_proc *p) {
    const char *v = keel_proc_option(p, "resp.protover");
    return v && v[0] == '3';
}

void zs_reply_score(keel_proc *p, double s) {
    if (zs_resp3(p)) {
        keel_reply_double(p, s);
        return;
    }
    char text[40];
    int n;
    if (isinf(s))
        n = snprintf(text, sizeof text, "%s", s > 0 ? "inf" : "-inf");
    else
        n = snprintf(text, sizeof text, "%.17g", s);
    keel_reply_bulk(p, text, (size_t)n);
}

void zs_reply_list(keel_proc *p, size_t n, bool withscores) {
    keel_reply_array(p, withscores && !zs_resp3(p) ? 2 * n : n);
}

void zs_reply_entry(keel_proc *p, const dk_zentry *e, bool withscores) {
    if (withscores && zs_resp3(p)) keel_reply_array(p, 2);
    keel_reply_bulk(p, e->len ? e->member : "", e->len);
    if (withscores) zs_reply_score(p, e->score);
}

dk_zentry zs_keep(keel_proc *p, const dk_zentry *e) {
    dk_zentry k = *e;
    void *copy = keel_proc_alloc(p, e->len ? e->len : 1);
    if (e->len) memcpy(copy, e->member, e->len);
    k.member = copy;
    return k;
}

bool zs_arg_int(keel_proc *p, const keel_arg *a, int64_t *out) {
    if (keel_arg_i64(a, out)) return true;
    keel_reply_error(p, "ERR value is not an integer or out of range");
    return false;
}
