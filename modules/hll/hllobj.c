/* hllobj.c -- the "hll" type's ops and hll.so's lookup and store helpers. */
#include "hllobj.h"

#include <stdio.h>

keel_type_id pf_type = KEEL_TYPE_NONE;

/* ======== the type's ops ======== */

static void hll_free(void *obj) {
    dk_hll_free(obj);
}

static void *hll_copy(const void *obj) {
    size_t len;
    const uint8_t *b = dk_hll_data(obj, &len);
    return dk_hll_from_bytes(b, len);
}

static size_t hll_memory(const void *obj) {
    return dk_hll_bytes(obj);
}

static size_t hll_describe(const void *obj, char *out, size_t cap) {
    int n = snprintf(out, cap, "hll, %s, %zu bytes", dk_hll_is_sparse(obj) ? "sparse" : "dense",
                     dk_hll_bytes(obj));
    return n < 0 || cap == 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* GET on an hll replies its estimated count.  The count refreshes the sketch's cached value
 * (its header's cache bytes), as PFCOUNT does in Redis; the key is locked by the caller. */
static void hll_to_reply(keel_proc *p, const void *obj) {
    keel_charge(p, PF_COST_SKETCH);
    keel_reply_int(p, (int64_t)dk_hll_count((dk_hll *)(uintptr_t)obj));
}

/* Snapshot form: the sketch's bytes in Redis's layout (sparse or dense, as it is). */
static keel_status hll_save(const void *obj, keel_sink *sink) {
    size_t len;
    const uint8_t *b = dk_hll_data(obj, &len);
    return keel_sink_write(sink, b, len);
}

/* Rebuilds a sketch from hll_save's bytes (dk_hll_from_bytes checks their layout). */
static void *hll_load(const void *data, size_t len, const char **err) {
    dk_hll *h = dk_hll_from_bytes(data, len);
    if (!h) *err = "not a valid HyperLogLog (or out of memory)";
    return h;
}

/* OBJECT ENCODING: Redis's two register layouts (the header's encoding byte, datakit/hll.h). */
static const char *hll_encoding(const void *obj) {
    size_t len;
    const uint8_t *b = dk_hll_data(obj, &len);
    return len > 4 && b[4] == 1 ? "sparse" : "dense";
}

static const keel_type_def hll_def = {
    .size = sizeof(keel_type_def),
    .name = "hll",
    .free = hll_free,
    .copy = hll_copy,
    .memory_usage = hll_memory,
    .describe = hll_describe,
    .to_reply = hll_to_reply,
    .save = hll_save,
    .load = hll_load,
    .encoding = hll_encoding,
};

keel_status pf_register_type(keel_module *m, const char **err) {
    return keel_register_type(m, &hll_def, &pf_type, err);
}

/* ======== helpers ======== */

keel_status pf_find(keel_proc *p, const void *key, size_t klen, dk_hll **h, bool *borrowed) {
    keel_value v = {.size = sizeof v};
    *h = NULL;
    *borrowed = true;
    keel_status st = keel_key_lookup(p, key, klen, &v);
    if (st != KEEL_OK) return st;
    if (v.type == pf_type) {
        *h = v.obj;
        return KEEL_OK;
    }
    if (v.type != KEEL_TYPE_BOX) return KEEL_EWRONGTYPE;
    if (v.box.type != DK_BYTES) return PF_ENOTHLL;
    *h = dk_hll_from_bytes(v.box.v.ptr, v.box.len);
    if (!*h) return PF_ENOTHLL;
    *borrowed = false;
    return KEEL_OK;
}

keel_op_result pf_fail(keel_proc *p, keel_status st) {
    keel_reply_reset(p);
    if (st == PF_ENOTHLL)
        keel_reply_error(p, "WRONGTYPE Key is not a valid HyperLogLog string value.");
    else if (st == KEEL_EWRONGTYPE)
        keel_reply_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
    else
        keel_reply_error(p, "ERR out of memory");
    return KEEL_FAIL;
}

keel_status pf_store(keel_proc *p, const void *key, size_t klen, dk_hll *h, bool keep_ttl) {
    keel_status st =
        keel_key_store_object(p, key, klen, pf_type, h, keep_ttl ? KEEL_STORE_KEEPTTL : 0);
    if (st != KEEL_OK && st != KEEL_MOVED && st != KEEL_WAIT) dk_hll_free(h);
    return st;
}
