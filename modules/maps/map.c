/* map.c -- opening the map a hash command names, its errors, and dropping maps that emptied. */
#include "map.h"
#include "names.h"

keel_op_result map_wrongtype(keel_proc *p) {
    keel_reply_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
    return KEEL_FAIL;
}

keel_op_result map_store_failed(keel_proc *p) {
    keel_reply_error(p, "ERR out of memory");
    return KEEL_FAIL;
}

keel_op_result map_arity_error(keel_proc *p) {
    keel_reply_error(p, "ERR wrong number of arguments for '%s' command", keel_proc_command(p));
    return KEEL_FAIL;
}

keel_op_result map_check(keel_proc *p, bool *exists) {
    const keel_arg *key = &p->argv[1];
    if (!map_name_ok(key)) return map_name_error(p, key, "map");
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, key->ptr, key->len, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_OK && v.type != keel_ns_type()) return map_wrongtype(p);
    *exists = st == KEEL_OK;
    return KEEL_NEXT;
}

keel_op_result map_open(keel_proc *p, bool *exists) {
    keel_op_result r = map_check(p, exists);
    if (r != KEEL_NEXT) return r;
    keel_status st = keel_proc_ns_push(p, p->argv[1].ptr, p->argv[1].len);
    if (st == KEEL_EDEPTH) return map_depth_error(p);
    if (st != KEEL_OK) return map_name_error(p, &p->argv[1], "map");
    return KEEL_NEXT;
}

void map_close(keel_proc *p) {
    keel_proc_ns_pop(p);
}

keel_status map_store_text(keel_proc *p, const keel_arg *f, const char *s, size_t n,
                           unsigned flags) {
    dk_val box = dk_box_from_text(s, n);
    return keel_key_store(p, f->ptr, f->len, &box, flags);
}

static void note_live(void *ctx, const keel_arg *key, const keel_value *v) {
    (void)key;
    (void)v;
    *(bool *)ctx = true;
}

keel_op_result map_drop_if_empty(keel_proc *p, dk_val *reg) {
    const keel_arg *key = &p->argv[1];
    if (reg->type == DK_BOOL) return KEEL_NEXT; /* decided already */
    uint64_t cursor = reg->type == DK_U64 ? reg->v.u : 0;
    bool live = false;
    keel_status st;
    do {
        st = keel_key_scan(p, key->ptr, key->len, &cursor, note_live, &live);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) break; /* gone already, or not a map */
        if (!live && cursor != 0 && p->budget <= 0) {
            *reg = dk_u64(cursor);
            return KEEL_YIELD;
        }
    } while (!live && cursor != 0);
    if (st == KEEL_OK && !live) {
        st = keel_key_delete(p, key->ptr, key->len);
        KEEL_OP_PROPAGATE(st);
    }
    *reg = dk_bool(true);
    return KEEL_NEXT;
}
