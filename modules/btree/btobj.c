/* btobj.c -- the "btree" type's ops, and the lookup, typed text, row and reply helpers of
 * btree.so. */
#include "btobj.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

keel_type_id bt_type = KEEL_TYPE_NONE;

/* ======== rows ======== */

bool bt_row_decode(const dk_val *stored, bt_row *out) {
    memset(out, 0, sizeof *out);
    if (stored->type != DK_BYTES) {
        out->plain = *stored;
        return true;
    }
    const uint8_t *b = stored->v.ptr;
    if (stored->len == 0) return false;
    if (b[0] == BT_TAG_BYTES) {
        out->plain = dk_bytes(b + 1, stored->len - 1);
        return true;
    }
    if (b[0] != BT_TAG_FIELDS) return false;
    out->record = true;
    out->row = b + 1;
    out->len = stored->len - 1;
    return true;
}

dk_val bt_row_plain(keel_proc *p, const dk_val *v) {
    if (v->type != DK_BYTES) return *v;
    uint8_t *b = keel_proc_alloc(p, (size_t)v->len + 1);
    b[0] = BT_TAG_BYTES;
    if (v->len) memcpy(b + 1, v->v.ptr, v->len);
    return dk_bytes(b, (size_t)v->len + 1);
}

bool bt_row_record(keel_proc *p, const dk_field *f, size_t n, dk_val *out) {
    size_t size = dk_row_size(f, n);
    if (size == 0 || size >= UINT32_MAX - 1) return false;
    uint8_t *b = keel_proc_alloc(p, size + 1);
    b[0] = BT_TAG_FIELDS;
    dk_row_pack(f, n, b + 1);
    *out = dk_bytes(b, size + 1);
    return true;
}

static bool number_ok(const dk_val *v) {
    if (v->type == DK_F32) return !isnan(v->v.f);
    if (dk_is_real(v)) return !isnan(v->v.d);
    return dk_is_int(v);
}

bool bt_row_valid(const dk_val *stored) {
    bt_row r;
    if (!bt_row_decode(stored, &r)) return false;
    if (r.record) return r.len > 0 && dk_row_check(r.row, r.len);
    return r.plain.type == DK_BYTES || number_ok(&r.plain);
}

/* ======== typed text and operands ======== */

dk_val bt_number(double d) {
    if (d == trunc(d) && fabs(d) < 9007199254740992.0) return dk_i64((int64_t)d);
    return dk_f64(d);
}

dk_val bt_parse_box(const char *s, size_t n) {
    dk_val v;
    if (n > 0 && n < 42 && dk_parse_int(s, n, &v)) return v;
    bool decimal = n > 0 && n <= 64;
    for (size_t i = 0; decimal && i < n; i++)
        decimal = strchr("0123456789+-.eE", s[i]) != NULL && s[i] != '\0';
    double d;
    if (decimal && dk_parse_real(s, n, &d) && isfinite(d)) return bt_number(d);
    return dk_bytes(s, n);
}

bool bt_arg_int(keel_proc *p, const keel_arg *a, int64_t *out) {
    if (keel_arg_i64(a, out)) return true;
    keel_reply_error(p, "ERR value is not an integer or out of range");
    return false;
}

bool bt_parse_operand(const char *s, size_t n, bt_operand *o) {
    keel_arg a = {s, n};
    memset(o, 0, sizeof *o);
    if (keel_arg_is(&a, "VALUE")) {
        o->kind = BT_OPND_VALUE;
        return true;
    }
    if (keel_arg_is(&a, "KEY")) {
        o->kind = BT_OPND_KEY;
        return true;
    }
    if (n < 2 || n > DK_ROW_NAME_MAX + 1 || s[0] != '@') return false;
    o->kind = BT_OPND_FIELD;
    o->name = s + 1;
    o->nlen = n - 1;
    return true;
}

bool bt_operand_get(const bt_operand *o, const dk_val *key, const bt_row *row, dk_val *out) {
    switch (o->kind) {
    case BT_OPND_KEY:
        *out = *key;
        return true;
    case BT_OPND_VALUE:
        if (row->record) return false;
        *out = row->plain;
        return true;
    default:
        return row->record && dk_row_get(row->row, row->len, o->name, o->nlen, out);
    }
}

/* ======== replies ======== */

void bt_reply_box(keel_proc *p, const dk_val *v) {
    char buf[DK_BOX_TEXT_MAX];
    const char *s;
    if (v->type == DK_NULL) {
        keel_reply_nil(p);
        return;
    }
    if (v->type == DK_BOOL) {
        keel_reply_bulk(p, v->v.i ? "1" : "0", 1);
        return;
    }
    size_t n = dk_box_text(v, buf, &s);
    keel_reply_bulk(p, s, n);
}

int64_t bt_reply_row(keel_proc *p, const dk_val *stored) {
    bt_row r;
    if (!bt_row_decode(stored, &r)) {
        keel_reply_nil(p);
        return 0;
    }
    if (!r.record) {
        bt_reply_box(p, &r.plain);
        return 0;
    }
    size_t n = dk_row_count(r.row, r.len), off = 0;
    keel_reply_map(p, n);
    dk_field f;
    while (dk_row_next(r.row, r.len, &off, &f)) {
        bt_reply_box(p, &f.name);
        bt_reply_box(p, &f.val);
    }
    return (int64_t)n;
}

void bt_reply_real(keel_proc *p, double d) {
    const char *v = keel_proc_option(p, "resp.protover");
    if (v && v[0] == '3') {
        keel_reply_double(p, d);
        return;
    }
    char text[40];
    int n = isinf(d) ? snprintf(text, sizeof text, "%s", d > 0 ? "inf" : "-inf")
                     : snprintf(text, sizeof text, "%.17g", d);
    keel_reply_bulk(p, text, (size_t)n);
}

/* ======== lookups and lifetime ======== */

keel_status bt_find(keel_proc *p, const void *key, size_t klen, dk_map **t) {
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, key, klen, &v);
    if (st != KEEL_OK) return st;
    if (v.type != bt_type) return KEEL_EWRONGTYPE;
    *t = v.obj;
    return KEEL_OK;
}

keel_status bt_create(keel_proc *p, const void *key, size_t klen, dk_map **t) {
    dk_map *n = dk_map_new();
    if (!n) return KEEL_ENOMEM;
    keel_status st = keel_key_store_object(p, key, klen, bt_type, n, 0);
    if (st != KEEL_OK) {
        dk_map_free(n);
        return st;
    }
    *t = n;
    return KEEL_OK;
}

keel_status bt_settle(keel_proc *p, const void *key, size_t klen, const dk_map *t) {
    if (dk_map_count(t) > 0) return KEEL_OK;
    keel_status st = keel_key_delete(p, key, klen);
    if (st == KEEL_OK) keel_notify(p, KEEL_NOTIFY_GENERIC, "del", key, klen);
    return st == KEEL_NOTFOUND ? KEEL_OK : st;
}

keel_op_result bt_error(keel_proc *p, const char *msg) {
    keel_reply_reset(p);
    keel_reply_error(p, "%s", msg);
    return KEEL_FAIL;
}

keel_op_result bt_wrongtype(keel_proc *p) {
    return bt_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

keel_op_result bt_oom(keel_proc *p) {
    return bt_error(p, "ERR out of memory");
}

/* ======== the type's ops ======== */

static void btree_free(void *obj) {
    dk_map_free(obj);
}

static void *btree_copy(const void *obj) {
    dk_map *c = dk_map_new();
    if (!c) return NULL;
    dk_iter it = dk_iter_at(0);
    dk_val k, v;
    while (dk_map_next(obj, &it, &k, &v)) {
        if (dk_map_set(c, &k, &v) < 0) {
            dk_map_free(c);
            return NULL;
        }
    }
    return c;
}

static size_t btree_memory(const void *obj) {
    return dk_map_bytes(obj);
}

static size_t btree_describe(const void *obj, char *out, size_t cap) {
    int n = snprintf(out, cap, "btree, %zu rows, %zu bytes", dk_map_count(obj), dk_map_bytes(obj));
    return n < 0 || cap == 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* GET of a table: [key, value, key, value, ...] in key order, as BTRANGE key -inf +inf. */
static bool btree_to_reply_step(keel_proc *p, const void *obj, uint64_t *cursor) {
    const dk_map *t = obj;
    size_t n = dk_map_count(t);
    if (*cursor == 0) {
        keel_reply_array(p, 2 * n);
        *cursor = 1;
    }
    dk_iter it = dk_iter_at(*cursor - 1);
    dk_val k, v;
    while (dk_map_next(t, &it, &k, &v)) {
        bt_reply_box(p, &k);
        if (keel_charge(p, BT_COST_STEP + bt_reply_row(p, &v)) && it.pos < n) break;
    }
    *cursor = it.pos + 1;
    return it.pos >= n;
}

static void btree_to_reply(keel_proc *p, const void *obj) {
    uint64_t cursor = 0;
    while (!btree_to_reply_step(p, obj, &cursor)) {
    }
}

/* Snapshot form: each row in key order as two packed boxes, its key then its stored row. */
static keel_status btree_save(const void *obj, keel_sink *sink) {
    dk_iter it = dk_iter_at(0);
    dk_val k, v;
    while (dk_map_next(obj, &it, &k, &v)) {
        keel_status st = keel_sink_write_box(sink, &k);
        if (st == KEEL_OK) st = keel_sink_write_box(sink, &v);
        if (st != KEEL_OK) return st;
    }
    return KEEL_OK;
}

static bool key_valid(const dk_val *k) {
    return k->type == DK_BYTES || number_ok(k);
}

/* Rebuilds a table from btree_save's bytes: (key, row) pairs, at least one, no key twice. */
static void *btree_load(const void *data, size_t len, const char **err) {
    const uint8_t *in = data;
    dk_map *t = dk_map_new();
    if (!t) {
        *err = "out of memory";
        return NULL;
    }
    for (size_t at = 0; at < len;) {
        dk_val k, v;
        size_t n = dk_box_unpack(in + at, len - at, &k);
        size_t m = n ? dk_box_unpack(in + at + n, len - at - n, &v) : 0;
        int added = m == 0 || !key_valid(&k) || !bt_row_valid(&v) ? 0 : dk_map_add(t, &k, &v);
        if (added != 1) {
            *err = added < 0 ? "out of memory" : "malformed or repeated btree row";
            dk_map_free(t);
            return NULL;
        }
        at += n + m;
    }
    if (dk_map_count(t) == 0) {
        *err = "empty btree";
        dk_map_free(t);
        return NULL;
    }
    return t;
}

static const keel_type_def btree_def = {
    .size = sizeof(keel_type_def),
    .name = "btree",
    .free = btree_free,
    .copy = btree_copy,
    .memory_usage = btree_memory,
    .describe = btree_describe,
    .to_reply = btree_to_reply,
    .save = btree_save,
    .load = btree_load,
    .to_reply_step = btree_to_reply_step,
};

keel_status bt_register_type(keel_module *m, const char **err) {
    return keel_register_type(m, &btree_def, &bt_type, err);
}
