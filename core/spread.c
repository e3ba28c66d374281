/* spread.c -- reaching the parts of a spread namespace on every shard (see spread.h). */
#include "config.h"
#include "spread.h"

#include "busy.h"
#include "gate.h"
#include "keyspace.h"
#include "lock.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

bool spread_may_have_parts(keel_status st, const keel_value *v) {
    if (!atomic_load_explicit(&srv->ns_spread, memory_order_relaxed)) return false;
    return st == KEEL_NOTFOUND ||
           (st == KEEL_OK && v->type == ns_type() && ((const ns_obj *)v->obj)->spread);
}

/* Call p met another process's lock on top-level entry top (hash h) of shard s: whether it may
 * wait for it (spread.h).  False, with p's error set, when it may not. */
static bool spread_call_may_wait(zvm_proc *p, shard *s, const keel_arg *top, uint64_t h) {
    const zvm_proc *parent = p->call_parent;
    /* a parent that ran p with KEEL_CALL_NOWAIT had written nothing or could put back all it
     * wrote; p ends as a conflict while that still holds: while it changed no part (the first
     * change ends the undo log: spread_changed) */
    bool clean = !p->spread_wrote;
    if (parent->call_nowait && clean) {
        p->conflict = true; /* the parent starts over with the entry locked (call.c) */
        p->conflict_spread = true;
        p->conflict_key = (zvm_key){.ptr = top->ptr,
                                    .len = top->len,
                                    .lptr = top->ptr,
                                    .llen = top->len,
                                    .hash = h,
                                    .shard = s->id,
                                    .argi = UINT32_MAX};
    } else if (parent->call_nowait || parent->call_wait_limited) {
        busy_limit_wait(p); /* up to busy-reply-threshold; busy.c breaks cycles of such waits */
        return true;
    } else if (!gate_family_holds_keys(parent)) {
        return true;
    }
    zvm_reply_reset(p);
    zvm_reply_errorf(p, "ERR a key of the command is held by another process");
    return false;
}

spread_find spread_part_find(zvm_proc *p, shard *s, const keel_arg *k, bool parts_only,
                             spread_part *out) {
    const keel_arg *top = p->ns && p->ns->n ? &p->ns->comp[0] : k;
    uint64_t top_hash = ks_hash(top->ptr, top->len);
    /* a call whose caller holds keys goes past another's gate, as to any key (gate.h): its
     * owner may be waiting for those keys */
    if (s->gate && gate_blocks_access(s, p)) return SPREAD_WAIT;
    if (s->locks.count) {
        lock_ent *l = lock_find(&s->locks, top->ptr, top->len, top_hash);
        if (l && l->owner != p->serial) {
            if (p->call_parent && !spread_call_may_wait(p, s, top, top_hash)) return SPREAD_REFUSED;
            lock_watch(l, p);
            return SPREAD_WAIT;
        }
    }
    if (ns_find_on_db(p, s, p->db, &out->sp) != KEEL_OK) return SPREAD_NONE;
    if (!ks_find(&out->sp, k->ptr, k->len, ks_hash(k->ptr, k->len), p->cur->now_ms, &out->r,
                 &out->e, false))
        return SPREAD_NONE;
    if (parts_only && (out->e.kind != DK_ENTRY_OBJ || out->e.obj_type != ns_type()))
        return SPREAD_NONE;
    return SPREAD_FOUND;
}

void spread_changed(zvm_proc *p, shard *s) {
    ns_note_write_on(p, s, p->db);
    p->spread_wrote = true;
}

bool spread_program_walks(const zvm_program *prog) {
    static const char *const walks[] = {"keys.del_spread", "keys.type_spread", "keys.rename_spread",
                                        "expire.spread"};
    for (size_t w = 0; w < sizeof walks / sizeof walks[0]; w++) {
        const op_entry *op = op_lookup(walks[w]);
        for (uint32_t i = 0; op && i < prog->n; i++)
            if (prog->insn[i].op == op->number) return true;
    }
    return false;
}

keel_op_result spread_walk(zvm_proc *p, spread_step (*fn)(zvm_proc *p, shard *s, void *ctx),
                           void *ctx) {
    dk_val *at = &p->pub.reg[SPREAD_R_SHARD];
    if (at->type == DK_NULL) {
        zvm_release_locks(p); /* never wait for a part while holding a lock */
        *at = dk_i64(0);
    }
    while ((uint32_t)at->v.i < srv->nshards) {
        shard *s = shard_get(at->v.i);
        if (s->owner != p->cur) {
            p->target_shard = s->id;
            return KEEL_HOP;
        }
        if (p->pub.budget <= 0) return KEEL_YIELD;
        spread_step step = fn(p, s, ctx);
        if (step == SPREAD_BLOCK) return KEEL_BLOCK;
        if (step == SPREAD_FAIL) return KEEL_FAIL;
        keel_charge(&p->pub, 1);
        if (step == SPREAD_STOP) break;
        at->v.i++;
    }
    *at = dk_null();
    return KEEL_NEXT;
}
