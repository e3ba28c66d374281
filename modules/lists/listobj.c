/* listobj.c -- the "list" type's ops and the element, lookup and lifetime helpers of lists.so. */
#include "listobj.h"

#include <stdio.h>
#include <string.h>

keel_type_id lst_type = KEEL_TYPE_NONE;

/* Longest text dk_parse_int can accept whose value still fits 128 bits, with a sign. */
#define INT_TEXT_MAX 40
/* Room for the text of any integer box. */
#define NUM_TEXT 64

/* ======== the type's ops ======== */

static void list_free(void *obj) {
    dk_list_free(obj);
}

static void *list_copy(const void *obj) {
    const dk_list *src = obj;
    dk_list *l = dk_list_new();
    if (!l) return NULL;
    dk_iter it = dk_iter_at(0);
    dk_val v;
    while (dk_list_next(src, &it, &v)) {
        if (!dk_list_push(l, DK_LIST_TAIL, &v)) {
            dk_list_free(l);
            return NULL;
        }
    }
    return l;
}

static size_t list_memory(const void *obj) {
    return dk_list_bytes(obj);
}

static size_t list_describe(const void *obj, char *out, size_t cap) {
    int n = snprintf(out, cap, "list, %zu elements", dk_list_len(obj));
    return n < 0 || cap == 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* GET on a list replies its elements, head first, in one call (charging per element). */
static void list_to_reply(keel_proc *p, const void *obj) {
    const dk_list *l = obj;
    keel_reply_array(p, dk_list_len(l));
    dk_iter it = dk_iter_at(0);
    dk_val v;
    while (dk_list_next(l, &it, &v))
        lst_reply_elem(p, &v);
    keel_charge(p, (int64_t)dk_list_len(l));
}

/* The same in steps (the core's GET uses it): *cursor is 0 before the array header, then one
 * more than the position of the next element. */
static bool list_to_reply_step(keel_proc *p, const void *obj, uint64_t *cursor) {
    const dk_list *l = obj;
    if (*cursor == 0) {
        keel_reply_array(p, dk_list_len(l));
        *cursor = 1;
    }
    dk_iter it = dk_iter_at(*cursor - 1);
    dk_val v;
    while (dk_list_next(l, &it, &v)) {
        lst_reply_elem(p, &v);
        if (keel_charge(p, lst_reply_cost(&v)) && it.pos < dk_list_len(l)) break;
    }
    *cursor = it.pos + 1;
    return it.pos >= dk_list_len(l);
}

/* Snapshot form: the elements head first, each a packed datakit box, back to back. */
static keel_status list_save(const void *obj, keel_sink *sink) {
    dk_iter it = dk_iter_at(0);
    dk_val v;
    while (dk_list_next(obj, &it, &v)) {
        keel_status st = keel_sink_write_box(sink, &v);
        if (st != KEEL_OK) return st;
    }
    return KEEL_OK;
}

/* Rebuilds a list from list_save's bytes: integer or bytes boxes only, at least one. */
static void *list_load(const void *data, size_t len, const char **err) {
    const uint8_t *in = data;
    dk_list *l = dk_list_new();
    if (!l) {
        *err = "out of memory";
        return NULL;
    }
    for (size_t at = 0; at < len;) {
        dk_val v;
        size_t n = dk_box_unpack(in + at, len - at, &v);
        if (n == 0 || (v.type != DK_BYTES && !dk_is_int(&v))) {
            *err = "malformed list element";
            dk_list_free(l);
            return NULL;
        }
        if (!dk_list_push(l, DK_LIST_TAIL, &v)) {
            *err = "out of memory";
            dk_list_free(l);
            return NULL;
        }
        at += n;
    }
    if (dk_list_len(l) == 0) {
        *err = "empty list";
        dk_list_free(l);
        return NULL;
    }
    return l;
}

/* OBJECT ENCODING: one flat buffer, or flat chunks with a chunk index (datakit/list.h). */
static const char *list_encoding(const void *obj) {
    return dk_list_chunks(obj) > 1 ? "chunked" : "flat";
}

static const keel_type_def list_def = {
    .size = sizeof(keel_type_def),
    .name = "list",
    .free = list_free,
    .copy = list_copy,
    .memory_usage = list_memory,
    .describe = list_describe,
    .to_reply = list_to_reply,
    .save = list_save,
    .load = list_load,
    .to_reply_step = list_to_reply_step,
    .encoding = list_encoding,
};

keel_status lst_register_type(keel_module *m, const char **err) {
    return keel_register_type(m, &list_def, &lst_type, err);
}

/* ======== helpers ======== */

keel_status lst_find(keel_proc *p, const void *key, size_t klen, dk_list **l) {
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, key, klen, &v);
    if (st != KEEL_OK) return st;
    if (v.type != lst_type) return KEEL_EWRONGTYPE;
    *l = v.obj;
    return KEEL_OK;
}

keel_op_result lst_wrongtype(keel_proc *p) {
    keel_reply_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
    return KEEL_FAIL;
}

keel_op_result lst_oom(keel_proc *p) {
    keel_reply_error(p, "ERR out of memory");
    return KEEL_FAIL;
}

keel_status lst_create(keel_proc *p, const void *key, size_t klen, dk_list **l) {
    dk_list *n = dk_list_new();
    if (!n) return KEEL_ENOMEM;
    keel_status st = keel_key_store_object(p, key, klen, lst_type, n, 0);
    if (st != KEEL_OK) {
        dk_list_free(n);
        return st;
    }
    *l = n;
    return KEEL_OK;
}

keel_status lst_settle_quiet(keel_proc *p, const void *key, size_t klen, const dk_list *l,
                             bool *deleted) {
    *deleted = false;
    if (dk_list_len(l) > 0) return KEEL_OK;
    keel_status st = keel_key_delete(p, key, klen);
    *deleted = st == KEEL_OK;
    return st == KEEL_NOTFOUND ? KEEL_OK : st;
}

keel_status lst_settle(keel_proc *p, const void *key, size_t klen, const dk_list *l) {
    bool deleted;
    keel_status st = lst_settle_quiet(p, key, klen, l, &deleted);
    if (deleted) keel_notify(p, KEEL_NOTIFY_GENERIC, "del", key, klen);
    return st;
}

dk_val lst_box(const keel_arg *a) {
    dk_val v;
    if (a->len > 0 && a->len <= INT_TEXT_MAX && dk_parse_int(a->ptr, a->len, &v)) return v;
    return dk_bytes(a->ptr, a->len);
}

void lst_reply_elem(keel_proc *p, const dk_val *v) {
    if (v->type == DK_BYTES) {
        keel_reply_bulk(p, v->len ? v->v.ptr : "", v->len);
        return;
    }
    char text[NUM_TEXT];
    keel_reply_bulk(p, text, dk_val_format(v, text, sizeof text));
}

dk_val lst_keep(keel_proc *p, const dk_val *v) {
    dk_val k = *v;
    if (v->type == DK_BYTES) {
        void *copy = keel_proc_alloc(p, v->len ? v->len : 1);
        if (v->len) memcpy(copy, v->v.ptr, v->len);
        k.v.ptr = copy;
    }
    return k;
}

bool lst_charge_step(keel_proc *p, const dk_list *l, size_t before) {
    size_t after = dk_list_chunks(l);
    int64_t n = 1;
    if (after != before)
        n += (int64_t)((after > before ? after : before) / LST_CHUNKS_PER_REDUCTION);
    return keel_charge(p, n);
}
