/* setobj.c -- the "set" type's ops and the member, lookup and lifetime helpers of sets.so. */
#include "setobj.h"

#include <stdio.h>
#include <string.h>

keel_type_id sets_type = KEEL_TYPE_NONE;

/* Longest text dk_parse_int can accept whose value still fits 128 bits, with a sign. */
#define INT_TEXT_MAX 40

/* ======== the type's ops ======== */

static void set_free(void *obj) {
    dk_set_free(obj);
}

/* A deep copy: members come out in order, so every add is an append. */
static void *set_copy(const void *obj) {
    const dk_set *src = obj;
    dk_set *s = dk_set_new();
    if (!s) return NULL;
    dk_iter it = dk_iter_at(0);
    dk_val m;
    while (dk_set_next(src, &it, &m)) {
        if (dk_set_add(s, &m) < 0) {
            dk_set_free(s);
            return NULL;
        }
    }
    return s;
}

static size_t set_memory(const void *obj) {
    return dk_set_bytes(obj);
}

static size_t set_describe(const void *obj, char *out, size_t cap) {
    const dk_set *s = obj;
    int n = snprintf(out, cap, "set, %zu members, %s, %zu bytes", dk_set_count(s),
                     dk_set_is_intset(s) ? "intset" : "sorted", dk_set_bytes(s));
    return n < 0 || cap == 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* GET on a set replies its members, sorted, in one call (charging per member). */
static void set_to_reply(keel_proc *p, const void *obj) {
    const dk_set *s = obj;
    keel_reply_set(p, dk_set_count(s));
    dk_iter it = dk_iter_at(0);
    dk_val m;
    while (dk_set_next(s, &it, &m))
        sets_reply_member(p, &m);
    keel_charge(p, (int64_t)dk_set_count(s) * SETS_COST_STEP);
}

/* The same in steps (the core's GET uses it): *cursor is 0 before the reply's header, then one
 * more than the rank of the next member. */
static bool set_to_reply_step(keel_proc *p, const void *obj, uint64_t *cursor) {
    const dk_set *s = obj;
    size_t n = dk_set_count(s);
    if (*cursor == 0) {
        keel_reply_set(p, n);
        *cursor = 1;
    }
    dk_iter it = dk_iter_at(*cursor - 1);
    dk_val m;
    while (dk_set_next(s, &it, &m)) {
        sets_reply_member(p, &m);
        if (keel_charge(p, SETS_COST_STEP) && it.pos < n) break;
    }
    *cursor = it.pos + 1;
    return it.pos >= n;
}

/* Snapshot form: the members in the set's order, each a packed datakit box, back to back. */
static keel_status set_save(const void *obj, keel_sink *sink) {
    dk_iter it = dk_iter_at(0);
    dk_val m;
    while (dk_set_next(obj, &it, &m)) {
        keel_status st = keel_sink_write_box(sink, &m);
        if (st != KEEL_OK) return st;
    }
    return KEEL_OK;
}

/* Rebuilds a set from set_save's bytes: integer or bytes members, at least one, no repeats. */
static void *set_load(const void *data, size_t len, const char **err) {
    const uint8_t *in = data;
    dk_set *s = dk_set_new();
    if (!s) {
        *err = "out of memory";
        return NULL;
    }
    for (size_t at = 0; at < len;) {
        dk_val m;
        size_t n = dk_box_unpack(in + at, len - at, &m);
        int added = n == 0 || (m.type != DK_BYTES && !dk_is_int(&m)) ? 0 : dk_set_add(s, &m);
        if (added != 1) {
            *err = added < 0 ? "out of memory" : "malformed or repeated set member";
            dk_set_free(s);
            return NULL;
        }
        at += n;
    }
    if (dk_set_count(s) == 0) {
        *err = "empty set";
        dk_set_free(s);
        return NULL;
    }
    return s;
}

/* OBJECT ENCODING: packed integers, or member boxes in sorted runs (datakit/set.h). */
static const char *set_encoding(const void *obj) {
    return dk_set_is_intset(obj) ? "intset" : "sorted-runs";
}

/* Other modules' view of a set's members (ZUNION takes sets): each as its text, score 1. */
static bool set_members_step(const void *obj, uint64_t *cursor, size_t max, keel_member_fn fn,
                             void *ctx) {
    const dk_set *s = obj;
    dk_iter it = dk_iter_at(*cursor);
    dk_val m;
    for (size_t i = 0; i < max && dk_set_next(s, &it, &m); i++) {
        char buf[DK_BOX_TEXT_MAX];
        const char *text;
        size_t n = sets_text(&m, buf, &text);
        if (!fn(ctx, text, n, 1.0)) break;
    }
    *cursor = it.pos;
    return it.pos >= dk_set_count(s);
}

static const keel_type_def set_def = {
    .size = sizeof(keel_type_def),
    .name = "set",
    .free = set_free,
    .copy = set_copy,
    .memory_usage = set_memory,
    .describe = set_describe,
    .to_reply = set_to_reply,
    .save = set_save,
    .load = set_load,
    .to_reply_step = set_to_reply_step,
    .encoding = set_encoding,
    .members_step = set_members_step,
};

keel_status sets_register_type(keel_module *m, const char **err) {
    return keel_register_type(m, &set_def, &sets_type, err);
}

/* ======== helpers ======== */

keel_status sets_find(keel_proc *p, const void *key, size_t klen, dk_set **s) {
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, key, klen, &v);
    if (st != KEEL_OK) return st;
    if (v.type != sets_type) return KEEL_EWRONGTYPE;
    *s = v.obj;
    return KEEL_OK;
}

keel_op_result sets_wrongtype(keel_proc *p) {
    keel_reply_reset(p);
    keel_reply_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
    return KEEL_FAIL;
}

keel_op_result sets_oom(keel_proc *p) {
    keel_reply_reset(p);
    keel_reply_error(p, "ERR out of memory");
    return KEEL_FAIL;
}

keel_status sets_create(keel_proc *p, const void *key, size_t klen, dk_set **s) {
    dk_set *n = dk_set_new();
    if (!n) return KEEL_ENOMEM;
    keel_status st = keel_key_store_object(p, key, klen, sets_type, n, 0);
    if (st != KEEL_OK) {
        dk_set_free(n);
        return st;
    }
    *s = n;
    return KEEL_OK;
}

keel_status sets_settle(keel_proc *p, const void *key, size_t klen, const dk_set *s) {
    if (dk_set_count(s) > 0) return KEEL_OK;
    keel_status st = keel_key_delete(p, key, klen);
    if (st == KEEL_OK) keel_notify(p, KEEL_NOTIFY_GENERIC, "del", key, klen);
    return st == KEEL_NOTFOUND ? KEEL_OK : st;
}

dk_val sets_box(const void *s, size_t n) {
    dk_val v;
    /* integer text starts with a digit or '-': the test spares other members the parse call */
    char c0 = n ? *(const char *)s : 0;
    bool numeric = (c0 >= '0' && c0 <= '9') || c0 == '-';
    if (numeric && n <= INT_TEXT_MAX && dk_parse_int(s, n, &v)) return v;
    return dk_bytes(s, n);
}

size_t sets_text(const dk_val *m, char buf[DK_BOX_TEXT_MAX], const char **s) {
    if (m->type == DK_BYTES) {
        *s = m->len ? (const char *)m->v.ptr : "";
        return m->len;
    }
    *s = buf;
    return dk_val_format(m, buf, DK_BOX_TEXT_MAX);
}

void sets_reply_member(keel_proc *p, const dk_val *m) {
    char buf[DK_BOX_TEXT_MAX];
    const char *s;
    size_t n = sets_text(m, buf, &s);
    keel_reply_bulk(p, s, n);
}

dk_val sets_keep(keel_proc *p, const dk_val *m) {
    dk_val k = *m;
    if (m->type == DK_BYTES) {
        void *copy = keel_proc_alloc(p, m->len ? m->len : 1);
        if (m->len) memcpy(copy, m->v.ptr, m->len);
        k.v.ptr = copy;
    }
    return k;
}
