/* keys.c -- generic key commands that work on any type: DEL UNLINK EXISTS TOUCH TYPE RENAME
 * RENAMENX.  Multi-key commands walk their keys in shard order (one hop per shard). */
#include "config.h"
#include "builtin.h"
#include "keyspace.h"
#include "notify.h"
#include "lock.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "spread.h"
#include "thread.h"
#include "zvm.h"

#include <string.h>

enum { EACH_DELETE = 0, EACH_EXISTS = 1 };

/* What DEL found of each key where its name lives (kept only once spread namespaces exist). */
enum { DEL_MISSING = 0, DEL_VALUE, DEL_NAMESPACE };

/* Opcode: keys.each — DEL/UNLINK (imm 0) or EXISTS/TOUCH (imm 1) over every key.
 * Registers: r0 = next key index, r1 = count so far, r2 = (delete, once spread namespaces exist)
 * an arena array of DEL_* per key index.  Reductions: 1 per key.  May yield, hop, block.  EXISTS
 * replies the count; DEL leaves it to keys.del_spread. */
static keel_op_result op_keys_each(keel_proc *p, const keel_insn *in) {
    uint32_t n = keel_key_count(p);
    if (p->reg[0].type == DK_NULL) {
        p->reg[0] = dk_i64(0);
        p->reg[1] = dk_i64(0);
        if (in->imm == EACH_DELETE && atomic_load(&srv->ns_spread)) {
            uint8_t *found = keel_proc_alloc(p, n);
            memset(found, DEL_MISSING, n);
            p->reg[2] = dk_ptr(found);
        }
    }
    uint8_t *found = p->reg[2].type == DK_NULL ? NULL : (uint8_t *)p->reg[2].v.ptr;
    while ((uint32_t)p->reg[0].v.i < n) {
        if (p->budget <= 0) return KEEL_YIELD;
        keel_arg k;
        keel_status st = keel_key_nth(p, (uint32_t)p->reg[0].v.i, &k, NULL);
        KEEL_OP_PROPAGATE(st);
        keel_value v = {.size = sizeof v};
        if (in->imm != EACH_DELETE || found) st = keel_key_lookup(p, k.ptr, k.len, &v);
        if (in->imm == EACH_DELETE && (!found || st == KEEL_OK))
            st = keel_key_delete(p, k.ptr, k.len);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_OK) {
            if (in->imm == EACH_DELETE)
                NOTIFY_PROC(zvm_of(p), KEEL_NOTIFY_GENERIC, "del", k.ptr, k.len);
            p->reg[1].v.i++;
            if (found) found[p->reg[0].v.i] = v.type == ns_type() ? DEL_NAMESPACE : DEL_VALUE;
        }
        p->reg[0].v.i++;
        keel_charge(p, 1);
    }
    if (in->imm != EACH_DELETE) keel_reply_int(p, p->reg[1].v.i);
    return KEEL_NEXT;
}

/* True when some key of a DEL may have parts elsewhere: missing where its name lives, or a
 * namespace there. */
static bool del_may_have_parts(const uint8_t *found, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (found[i] != DEL_VALUE) return true;
    return false;
}

/* DEL's visit of one shard: deletes the parts there of every key that was not a plain value. */
static spread_step del_parts_on(zvm_proc *p, shard *s, void *ctx) {
    uint8_t *found = ctx;
    for (uint32_t i = 0; i < p->nkeys; i++) {
        if (found[i] == DEL_VALUE) continue;
        const keel_arg k = {.ptr = p->keys[i].ptr, .len = p->keys[i].len};
        spread_part pt;
        spread_find f = spread_part_find(p, s, &k, true, &pt);
        if (f == SPREAD_NONE) continue;
        if (f != SPREAD_FOUND) return spread_step_of(f); /* visited again: idempotent */
        spread_changed(p, s);
        ks_delete_ref(&pt.sp, pt.r);
        if (found[i] == DEL_MISSING) {
            found[i] = DEL_NAMESPACE;
            p->pub.reg[1].v.i++;
            NOTIFY_PROC(p, KEEL_NOTIFY_GENERIC, "del", k.ptr, k.len);
        }
        keel_charge(&p->pub, 1);
    }
    return SPREAD_NEXT;
}

/* Opcode: keys.del_spread — the end of DEL/UNLINK.  A DEL of a name that was missing or a
 * namespace where the name lives also deletes that name's parts on every shard (spread.h).
 * A key counts once however many parts it had.  Registers as keys.each, plus the spread walk's.
 * Reductions: 1 per shard and per part.  May yield, hop, block.  Replies the count. */
static keel_op_result op_keys_del_spread(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    uint8_t *found = kp->reg[2].type == DK_NULL ? NULL : (uint8_t *)kp->reg[2].v.ptr;
    if (kp->reg[SPREAD_R_SHARD].type == DK_NULL &&
        (!found || !del_may_have_parts(found, p->nkeys))) {
        keel_reply_int(kp, kp->reg[1].v.i);
        return KEEL_NEXT;
    }
    keel_op_result res = spread_walk(p, del_parts_on, found);
    if (res != KEEL_NEXT) return res;
    keel_reply_int(kp, kp->reg[1].v.i);
    return KEEL_NEXT;
}

/* Opcode: keys.type — TYPE key: "none", "string", or the module type's name.  A name missing
 * where it lives is left to keys.type_spread when spread namespaces exist.  Reductions 1. */
static keel_op_result op_keys_type(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, p->argv[1].ptr, p->argv[1].len, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_NOTFOUND && spread_may_have_parts(st, &v)) {
        p->reg[SPREAD_R_PENDING] = dk_i64(1);
        return KEEL_NEXT;
    }
    keel_reply_simple(p, st == KEEL_OK ? keel_type_name(v.type) : "none");
    return KEEL_NEXT;
}

/* TYPE's visit of one shard: stops at the first part of the name. */
static spread_step type_part_on(zvm_proc *p, shard *s, void *ctx) {
    spread_part pt;
    spread_find f = spread_part_find(p, s, &p->pub.argv[1], true, &pt);
    if (f != SPREAD_FOUND) return spread_step_of(f);
    *(bool *)ctx = true;
    return SPREAD_STOP;
}

/* Opcode: keys.type_spread — TYPE of a name missing where it lives: a namespace if some shard
 * holds a part of it, else "none".  Registers: the spread walk's.  Reductions 1 per shard.  May
 * yield, hop, block. */
static keel_op_result op_keys_type_spread(keel_proc *kp, const keel_insn *in) {
    (void)in;
    if (kp->reg[SPREAD_R_PENDING].type == DK_NULL) return KEEL_NEXT;
    bool found = false;
    keel_op_result res = spread_walk(zvm_of(kp), type_part_on, &found);
    if (res != KEEL_NEXT) return res;
    keel_reply_simple(kp, found ? keel_type_name(ns_type()) : "none");
    return KEEL_NEXT;
}

/* A value carried from one shard to another by RENAME (bytes copied into the arena). */
typedef struct moved_value {
    bool is_obj;
    uint16_t type;
    void *obj;
    dk_val box;
    int64_t expire_ms;
} moved_value;

/* Removes src from its table, keeping its value in mv.  KEEL_NOTFOUND when absent. */
static keel_status rename_take(zvm_proc *p, const keel_arg *src, moved_value *mv) {
    ks_space sp;
    uint64_t h;
    keel_status st = ns_resolve(p, src->ptr, src->len, false, &sp, &h);
    if (st == KEEL_EWRONGTYPE) return KEEL_NOTFOUND;
    if (st != KEEL_OK) return st;
    dk_ref r;
    dk_entry e;
    if (!ks_find(&sp, src->ptr, src->len, h, p->cur->now_ms, &r, &e, false)) return KEEL_NOTFOUND;
    mv->expire_ms = e.expire_ms;
    mv->is_obj = e.kind == DK_ENTRY_OBJ;
    if (!mv->is_obj) {
        mv->box = e.box;
        if (e.box.type == DK_BYTES) {
            void *copy = zvm_alloc(p, e.box.len ? e.box.len : 1);
            memcpy(copy, e.box.v.ptr, e.box.len);
            mv->box.v.ptr = copy;
        }
    }
    ks_take_ref(&sp, r, &mv->obj, &mv->type);
    if (mv->obj && mv->type == ns_type()) ns_detach(mv->obj);
    return KEEL_OK;
}

static keel_status rename_put(zvm_proc *p, const keel_arg *dst, const moved_value *mv) {
    ks_space sp;
    uint64_t h;
    keel_status st = ns_resolve(p, dst->ptr, dst->len, true, &sp, &h);
    if (st != KEEL_OK) return st;
    if (mv->is_obj && mv->type == ns_type()) ns_attach(mv->obj, sp.s->id);
    st = mv->is_obj ? ks_store_obj(&sp, dst->ptr, dst->len, h, mv->type, mv->obj, false)
                    : ks_store_box(&sp, dst->ptr, dst->len, h, &mv->box, false);
    if (st != KEEL_OK || mv->expire_ms == DK_NO_EXPIRY) return st;
    dk_ref r;
    if (ks_find(&sp, dst->ptr, dst->len, h, p->cur->now_ms, &r, NULL, false))
        ks_set_expiry(&sp, r, mv->expire_ms);
    return KEEL_OK;
}

/* RENAME's events, as Redis sends them: the destination is new (what it held was deleted). */
static void notify_renamed(zvm_proc *p, const keel_arg *src, const keel_arg *dst) {
    if (!notify_wanted(KEEL_NOTIFY_GENERIC | KEEL_NOTIFY_NEW)) return;
    notify_proc_event(p, KEEL_NOTIFY_NEW, "new", dst->ptr, dst->len);
    notify_proc_event(p, KEEL_NOTIFY_GENERIC, "rename_from", src->ptr, src->len);
    notify_proc_event(p, KEEL_NOTIFY_GENERIC, "rename_to", dst->ptr, dst->len);
}

/* Opcode: keys.rename — RENAME (imm 0) / RENAMENX (imm 1) src dst, across shards.
 * Registers: r0 = step (0 src exists?, 1 dst free? (NX), 2 take src, 3 put dst, 4 wake the
 * clients blocked on dst), r1 = the moved value.  Each step is saved before the next may hop.
 * Reductions 1.  May hop, block. */
static keel_op_result op_keys_rename(keel_proc *kp, const keel_insn *in) {
    zvm_proc *p = zvm_of(kp);
    const keel_arg *src = &kp->argv[1], *dst = &kp->argv[2];
    bool nx = in->imm != 0;
    keel_value v = {.size = sizeof v};
    keel_status st;
    if (kp->reg[0].type == DK_NULL && atomic_load_explicit(&srv->ns_spread, memory_order_relaxed)) {
        st = keel_key_lookup(kp, src->ptr, src->len, &v);
        KEEL_OP_PROPAGATE(st);
        if (spread_may_have_parts(st, &v)) { /* parts renamed in place; whole namespaces move */
            kp->reg[SPREAD_R_PENDING] = dk_i64(1); /* keys.rename_spread does it */
            return KEEL_NEXT;
        }
    }
    if (src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0) {
        st = keel_key_lookup(kp, src->ptr, src->len, &v);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_NOTFOUND) goto no_such_key;
        if (nx)
            keel_reply_int(kp, 0);
        else
            keel_reply_ok(kp);
        return KEEL_NEXT;
    }
    if (kp->reg[0].type == DK_NULL) kp->reg[0] = dk_i64(nx ? 0 : 2);
    switch (kp->reg[0].v.i) {
    case 0:
        st = keel_key_lookup(kp, src->ptr, src->len, &v);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_NOTFOUND) goto no_such_key;
        kp->reg[0].v.i = 1;
        /* fall through */
    case 1:
        st = keel_key_lookup(kp, dst->ptr, dst->len, &v);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_OK) {
            keel_reply_int(kp, 0);
            return KEEL_NEXT;
        }
        kp->reg[0].v.i = 2;
        /* fall through */
    case 2: {
        moved_value *mv =
            kp->reg[1].type == DK_PTR ? (moved_value *)kp->reg[1].v.ptr : zvm_alloc(p, sizeof *mv);
        kp->reg[1] = dk_ptr(mv);
        st = rename_take(p, src, mv);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_NOTFOUND) goto no_such_key;
        kp->reg[0].v.i = 3;
    }
        /* fall through */
    case 3:
        st = rename_put(p, dst, (const moved_value *)kp->reg[1].v.ptr);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) {
            keel_reply_error(kp, "ERR out of memory");
            return KEEL_FAIL;
        }
        kp->reg[0].v.i = 4;
        /* fall through */
    case 4:
        /* a list renamed onto a key that clients block on is data for them, as a push would be */
        st = keel_key_signal(kp, dst->ptr, dst->len);
        KEEL_OP_PROPAGATE(st);
    }
    notify_renamed(p, src, dst);
    if (nx)
        keel_reply_int(kp, 1);
    else
        keel_reply_ok(kp);
    return KEEL_NEXT;
no_such_key:
    keel_reply_error(kp, "ERR no such key");
    return KEEL_FAIL;
}

/* What the first pass of a spread RENAME saw. */
typedef struct rename_seen {
    bool src, dst;
} rename_seen;

static spread_step rename_look_on(zvm_proc *p, shard *s, void *ctx) {
    rename_seen *seen = ctx;
    spread_part pt;
    spread_find f = spread_part_find(p, s, &p->pub.argv[1], true, &pt);
    spread_find g = spread_settled(f) ? spread_part_find(p, s, &p->pub.argv[2], false, &pt) : f;
    if (!spread_settled(g)) return spread_step_of(g);
    seen->src |= f == SPREAD_FOUND;
    seen->dst |= g == SPREAD_FOUND;
    return seen->src && seen->dst ? SPREAD_STOP : SPREAD_NEXT;
}

/* The second pass on one shard: the part of src there becomes dst's (with its TTL), replacing
 * whatever dst was there; where src has no part, what dst had there is deleted. */
static spread_step rename_part_on(zvm_proc *p, shard *s, void *ctx) {
    (void)ctx;
    const keel_arg *src = &p->pub.argv[1], *dst = &p->pub.argv[2];
    spread_part from, to;
    spread_find f = spread_part_find(p, s, src, true, &from);
    spread_find g = spread_settled(f) ? spread_part_find(p, s, dst, false, &to) : f;
    if (!spread_settled(g)) return spread_step_of(g);
    if (f == SPREAD_NONE) {
        if (g == SPREAD_FOUND) {
            spread_changed(p, s);
            ks_delete_ref(&to.sp, to.r);
        }
        return SPREAD_NEXT;
    }
    spread_changed(p, s);
    int64_t expire_ms = from.e.expire_ms;
    ks_space sp = from.sp;
    dk_ref r;
    void *obj;
    uint16_t type;
    ks_take_ref(&sp, from.r, &obj, &type);
    uint64_t h = ks_hash(dst->ptr, dst->len);
    if (ks_store_obj(&sp, dst->ptr, dst->len, h, type, obj, false) != KEEL_OK) {
        /* out of table memory: leave the part under its old name rather than lose it */
        h = ks_hash(src->ptr, src->len);
        if (ks_store_obj(&sp, src->ptr, src->len, h, type, obj, false) != KEEL_OK)
            ks_free_obj(NULL, type, obj);
        else if (expire_ms != DK_NO_EXPIRY &&
                 ks_find(&sp, src->ptr, src->len, h, p->cur->now_ms, &r, NULL, false))
            ks_set_expiry(&sp, r, expire_ms);
        return SPREAD_NEXT;
    }
    if (expire_ms != DK_NO_EXPIRY &&
        ks_find(&sp, dst->ptr, dst->len, h, p->cur->now_ms, &r, NULL, false))
        ks_set_expiry(&sp, r, expire_ms);
    return SPREAD_NEXT;
}

/* Opcode: keys.rename_spread — RENAME (imm 0) / RENAMENX (imm 1) of a namespace whose parts may
 * lie on many shards (keys.rename leaves it here): a first walk over the shards checks that src
 * has a part somewhere (and, for NX, that dst is nowhere), a second renames the part on each
 * shard in place.  Atomic on each shard, not across them.  Registers: the spread walk's,
 * SPREAD_R_PENDING = the pass (1, 2), SPREAD_R_A / R_B = src / dst seen in pass 1.
 * Reductions 1 per shard.  May yield, hop, block. */
static keel_op_result op_keys_rename_spread(keel_proc *kp, const keel_insn *in) {
    dk_val *pass = &kp->reg[SPREAD_R_PENDING];
    if (pass->type == DK_NULL) return KEEL_NEXT;
    zvm_proc *p = zvm_of(kp);
    bool nx = in->imm != 0;
    const keel_arg *src = &kp->argv[1], *dst = &kp->argv[2];
    keel_op_result res;
    if (pass->v.i == 1) {
        rename_seen seen = {kp->reg[SPREAD_R_A].type != DK_NULL,
                            kp->reg[SPREAD_R_B].type != DK_NULL};
        res = spread_walk(p, rename_look_on, &seen);
        if (seen.src) kp->reg[SPREAD_R_A] = dk_i64(1);
        if (seen.dst) kp->reg[SPREAD_R_B] = dk_i64(1);
        if (res != KEEL_NEXT) return res;
        if (!seen.src) {
            keel_reply_error(kp, "ERR no such key");
            return KEEL_FAIL;
        }
        bool same = src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0;
        if (same || (nx && seen.dst)) {
            if (nx)
                keel_reply_int(kp, 0);
            else
                keel_reply_ok(kp);
            return KEEL_NEXT;
        }
        pass->v.i = 2;
    }
    res = spread_walk(p, rename_part_on, NULL);
    if (res != KEEL_NEXT) return res;
    notify_renamed(p, src, dst);
    if (nx)
        keel_reply_int(kp, 1);
    else
        keel_reply_ok(kp);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN, FLAGS)                                                                   \
    { sizeof(keel_opcode_def), NAME, FN, SYN, 0, 0, 1, FLAGS }
static const keel_opcode_def keys_ops[] = {
    OP("keys.each", op_keys_each, "delete (imm 0) or count existing (imm 1) keys; reply the count",
       KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
    OP("keys.del_spread", op_keys_del_spread,
       "delete the parts of spread namespaces on every shard; reply the count",
       KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
    OP("keys.type", op_keys_type, "reply the type of argv[1]", KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
    OP("keys.type_spread", op_keys_type_spread,
       "reply whether a missing argv[1] has namespace parts on any shard",
       KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
    OP("keys.rename", op_keys_rename, "move argv[1]'s value to argv[2] (imm 1: only if absent)",
       KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
    OP("keys.rename_spread", op_keys_rename_spread,
       "rename the parts of namespace argv[1] on every shard to argv[2] (imm 1: only if absent)",
       KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
};

static const keel_insn_def del_prog[] = {
    {.op = "keys.each", .imm = EACH_DELETE}, {.op = "keys.del_spread"}, KEEL_END};
static const keel_insn_def exists_prog[] = {{.op = "keys.each", .imm = EACH_EXISTS}, KEEL_END};
static const keel_insn_def type_prog[] = {
    {.op = "keys.type"}, {.op = "keys.type_spread"}, KEEL_END};
static const keel_insn_def rename_prog[] = {
    {.op = "keys.rename", .imm = 0}, {.op = "keys.rename_spread", .imm = 0}, KEEL_END};
static const keel_insn_def renamenx_prog[] = {
    {.op = "keys.rename", .imm = 1}, {.op = "keys.rename_spread", .imm = 1}, KEEL_END};

static const char *const del_aliases[] = {"DELETE", NULL};

static const keel_cmd_def keys_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "DEL",
     .aliases = del_aliases,
     .arity = -2,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .summary = "Deletes keys of any type; replies how many existed.",
     .syntax = "DEL key [key ...]",
     .group = "generic",
     .since = "0.1.0",
     .program = del_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "UNLINK",
     .arity = -2,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .summary = "Deletes keys (the same as DEL).",
     .syntax = "UNLINK key [key ...]",
     .group = "generic",
     .since = "0.1.0",
     .program = del_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "EXISTS",
     .arity = -2,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY | KEEL_CMD_FAST,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .summary = "Counts the given keys that exist (a key given twice counts twice).",
     .syntax = "EXISTS key [key ...]",
     .group = "generic",
     .since = "0.1.0",
     .program = exists_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "TOUCH",
     .arity = -2,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY | KEEL_CMD_FAST,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .summary = "Counts the given keys that exist.",
     .syntax = "TOUCH key [key ...]",
     .group = "generic",
     .since = "0.1.0",
     .program = exists_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "TYPE",
     .arity = 2,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .summary = "Returns the type of a key's value, or none.",
     .syntax = "TYPE key",
     .group = "generic",
     .since = "0.1.0",
     .program = type_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "RENAME",
     .arity = 3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY,
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .summary = "Renames a key (any type, keeping its expiry), replacing the destination.",
     .syntax = "RENAME key newkey",
     .group = "generic",
     .since = "0.1.0",
     .program = rename_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "RENAMENX",
     .arity = 3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY,
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .summary = "Renames a key only if the new name is free.",
     .syntax = "RENAMENX key newkey",
     .group = "generic",
     .since = "0.1.0",
     .program = renamenx_prog},
};

const keel_family cmd_keys_family = KEEL_FAMILY(keys_ops, keys_cmds);
