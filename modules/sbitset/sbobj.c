/* sbobj.c -- the "sbitset" type's ops and sbitset.so's lookup and error helpers. */
#include "sbobj.h"
#include "sbsnap.h"

#include <stdio.h>

keel_type_id sbs_type = KEEL_TYPE_NONE;

/* ======== the type's ops ======== */

static void sb_free(void *obj) {
    dk_sbitset_free(obj);
}

static void *sb_copy(const void *obj) {
    return dk_sbitset_combine(DK_SBITSET_OR, obj, NULL);
}

static size_t sb_memory(const void *obj) {
    return dk_sbitset_bytes(obj);
}

static size_t sb_describe(const void *obj, char *out, size_t cap) {
    dk_sbitset_stats st;
    dk_sbitset_stats_get(obj, &st);
    int n =
        snprintf(out, cap, "sbitset, %llu bits set, %zu containers, %zu bytes",
                 (unsigned long long)dk_sbitset_count(obj), st.containers, dk_sbitset_bytes(obj));
    return n < 0 || cap == 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* GET (keel dialect) replies the set positions in ascending order, as integers.  *cursor is 0
 * before the header, then 1 + the next position to reply (in datakit's order). */
static bool sb_reply_step(keel_proc *p, const void *obj, uint64_t *cursor) {
    const dk_sbitset *s = obj;
    if (*cursor == 0) {
        keel_reply_array(p, (size_t)dk_sbitset_count(s));
        *cursor = 1;
    }
    uint64_t batch[256];
    for (;;) {
        size_t n = dk_sbitset_next_many(s, *cursor - 1, batch, 256);
        for (size_t i = 0; i < n; i++)
            keel_reply_int(p, sbs_to_i(batch[i]));
        if (n == 0 || batch[n - 1] == UINT64_MAX) return true;
        if (batch[n - 1] == UINT64_MAX - 1) { /* (1 + UINT64_MAX would read as 0: the start) */
            if (dk_sbitset_get(s, UINT64_MAX)) keel_reply_int(p, INT64_MAX);
            return true;
        }
        *cursor = batch[n - 1] + 2;
        if (keel_charge(p, (int64_t)n * SBS_COST_POS)) return false;
    }
}

static void sb_to_reply(keel_proc *p, const void *obj) {
    uint64_t cursor = 0;
    while (!sb_reply_step(p, obj, &cursor)) {
    }
}

/* OBJECT ENCODING: the containers' layout when they share one, else "mixed". */
static const char *sb_encoding(const void *obj) {
    dk_sbitset_stats st;
    dk_sbitset_stats_get(obj, &st);
    if (st.arrays == st.containers) return "array";
    if (st.bitmaps == st.containers) return "bitmap";
    if (st.runs == st.containers) return "runs";
    return "mixed";
}

static const keel_type_def sbitset_def = {
    .size = sizeof(keel_type_def),
    .name = "sbitset",
    .free = sb_free,
    .copy = sb_copy,
    .memory_usage = sb_memory,
    .describe = sb_describe,
    .to_reply = sb_to_reply,
    .save = sbs_snap_save,
    .load = sbs_snap_load,
    .to_reply_step = sb_reply_step,
    .encoding = sb_encoding,
};

keel_status sbs_register_type(keel_module *m, const char **err) {
    return keel_register_type(m, &sbitset_def, &sbs_type, err);
}

/* ======== helpers ======== */

bool sbs_arg_pos(const keel_arg *a, uint64_t *u) {
    int64_t v;
    if (!keel_arg_i64(a, &v)) return false;
    *u = sbs_to_u(v);
    return true;
}

keel_status sbs_find(keel_proc *p, const void *key, size_t klen, dk_sbitset **s) {
    keel_value v = {.size = sizeof v};
    *s = NULL;
    keel_status st = keel_key_lookup(p, key, klen, &v);
    if (st != KEEL_OK) return st;
    if (v.type != sbs_type) return KEEL_EWRONGTYPE;
    *s = v.obj;
    return KEEL_OK;
}

keel_op_result sbs_error(keel_proc *p, const char *msg) {
    keel_reply_reset(p);
    keel_reply_error(p, msg);
    return KEEL_FAIL;
}

keel_op_result sbs_fail(keel_proc *p, keel_status st) {
    if (st == KEEL_EWRONGTYPE)
        return sbs_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
    if (st == SBS_ETOOWIDE)
        return sbs_error(p, "ERR SBITOP NOT source spans more than 4294967296 positions");
    return sbs_error(p, "ERR out of memory");
}
