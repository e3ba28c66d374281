/* spread.c -- reaching the parts of a spread namespace on every shard (see spread.h). */
#include "config.h"
#include "spread.h"

#include "gate.h"
#include "keyspace.h"
#include "lock.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

bool spread_may_have_parts(keel_status st, const keel_value *v) {
    if (!atomic_load_explicit(&srv->ns_spread, memory_order_relaxed)) return false;
    return st == KEEL_NOTFOUND ||
           (st == KEEL_OK && v->type == ns_type() && ((const ns_obj *)v->obj)->spread);
}

spread_find spread_part_find(zvm_proc *p, shard *s, const keel_arg *k, bool parts_only,
                             spread_part *out) {
    const keel_arg *top = p->ns && p->ns->n ? &p->ns->comp[0] : k;
    /* a call whose caller holds keys goes past another's gate, as to any key (gate.h): its
     * owner may be waiting for those keys */
    if (s->gate && gate_blocks_access(s, p)) return SPREAD_WAIT;
    if (s->locks.count) {
        lock_ent *l = lock_find(&s->locks, top->ptr, top->len, ks_hash(top->ptr, top->len));
        if (l && l->owner != p->serial) {
            lock_watch(l, p);
            return SPREAD_WAIT;
        }
    }
    if (ns_resolve_on(p, s, &out->sp) != KEEL_OK) return SPREAD_NONE;
    if (!ks_find(&out->sp, k->ptr, k->len, ks_hash(k->ptr, k->len), p->cur->now_ms, &out->r,
                 &out->e, false))
        return SPREAD_NONE;
    if (parts_only && (out->e.kind != DK_ENTRY_OBJ || out->e.obj_type != ns_type()))
        return SPREAD_NONE;
    return SPREAD_FOUND;
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
        keel_charge(&p->pub, 1);
        if (step == SPREAD_STOP) break;
        at->v.i++;
    }
    *at = dk_null();
    return KEEL_NEXT;
}
