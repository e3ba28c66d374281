/* zvm_lock.c -- a process's lock bookkeeping: the locks and gates it holds (lockrefs), taking a
 * shard's keys (in lock order when they must wait), registering single-shard locks lazily, and
 * releasing them on their owning threads, in batches; a finished child's locks passing to its
 * parent (EXEC, scripts). */
#include "config.h"
#include "gate.h"
#include "zvm.h"
#include "lock.h"
#include "mem.h"
#include "server.h"
#include "shard.h"
#include "thread.h"

#include <stdlib.h>
#include <string.h>

static void zvm_add_lockref(zvm_proc *p, uint32_t shard_id, lock_ent *e);

/* Releases a lock of shard_id on thread t: a waiter it was handed to now holds it and runs. */
static void zvm_release_one(thr *t, uint32_t shard_id, lock_ent *e) {
    if (shard_get(shard_id)->gate == e) { /* a process that ran alone: its gate goes down */
        gate_drop(shard_get(shard_id));
        return;
    }
    zvm_proc *woken;
    zvm_proc *heir = lock_release(&shard_get(shard_id)->locks, e, &woken);
    while (woken) {
        zvm_proc *next = woken->next;
        thr_ready(t, woken);
        woken = next;
    }
    if (!heir) return;
    zvm_add_lockref(heir, shard_id, e);
    thr_ready(t, heir);
}

static void zvm_add_lockref(zvm_proc *p, uint32_t shard_id, lock_ent *e) {
    if (p->nlocks == p->caplocks) {
        uint32_t cap = p->caplocks ? p->caplocks * 2 : 8;
        zvm_lockref *n = zvm_alloc(p, sizeof *n * cap);
        if (p->nlocks) memcpy(n, p->locks, sizeof *n * p->nlocks);
        p->locks = n;
        p->caplocks = cap;
    }
    p->locks[p->nlocks].shard = shard_id;
    p->locks[p->nlocks].ent = e;
    p->nlocks++;
}

void zvm_hold_gate(zvm_proc *p, uint32_t shard_id) {
    zvm_add_lockref(p, shard_id, shard_get(shard_id)->gate);
}

bool zvm_holds_gate(const zvm_proc *p, uint32_t shard_id) {
    const lock_ent *g = shard_get(shard_id)->gate;
    if (!g) return false;
    for (const zvm_proc *q = p; q; q = q->call_parent)
        for (uint32_t i = 0; i < q->nlocks; i++)
            if (q->locks[i].shard == shard_id && q->locks[i].ent == g) return true;
    return false;
}

void zvm_lock_keys(zvm_proc *p, uint32_t shard_id, uint32_t first, uint32_t end) {
    shard *s = shard_get(shard_id);
    for (uint32_t i = first; i < end; i++) {
        int fresh;
        lock_ent *e = lock_take(&s->locks, p->keys[i].lptr, p->keys[i].llen, p->keys[i].hash,
                                p->serial, &fresh);
        if (fresh) zvm_add_lockref(p, shard_id, e);
    }
}

/* Lock order within a shard: by hash, then the lock identity's bytes; equal identities keep
 * argument order (so that, e.g., MSET k 1 k 2 still sets k last to 2). */
static int key_lock_order(const void *a, const void *b) {
    const zvm_key *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    if (x->llen != y->llen) return x->llen < y->llen ? -1 : 1;
    int c = memcmp(x->lptr, y->lptr, x->llen);
    if (c) return c;
    return x->argi < y->argi ? -1 : x->argi > y->argi;
}

bool zvm_lock_keys_ordered(zvm_proc *p, uint32_t shard_id, uint32_t first, uint32_t end) {
    lock_table *t = &shard_get(shard_id)->locks;
    if (!p->lock_ordered) {
        p->lock_ordered = true;
        p->lock_pos = first;
        qsort(p->keys + first, end - first, sizeof *p->keys, key_lock_order);
    }
    for (; p->lock_pos < end; p->lock_pos++) {
        const zvm_key *k = &p->keys[p->lock_pos];
        lock_ent *e = lock_find(t, k->lptr, k->llen, k->hash);
        if (e && e->owner != p->serial) { /* handed to p when its holder lets go */
            lock_wait(e, p);
            return false;
        }
        if (!e) {
            int fresh;
            zvm_add_lockref(p, shard_id,
                            lock_take(t, k->lptr, k->llen, k->hash, p->serial, &fresh));
        }
    }
    p->lock_ordered = false;
    return true;
}

void zvm_register_lazy_locks(zvm_proc *p) {
    if (!p->lazy_locks) return;
    p->lazy_locks = false;
    if (p->nlshards == 1) zvm_lock_keys(p, p->lshards[0], 0, p->nkeys);
}

typedef struct unlock_msg {
    msg m;
    thr *to;
    struct unlock_msg *next_msg; /* the batch zvm_take_locks returns */
    uint32_t n;
    zvm_lockref refs[];
} unlock_msg;

unlock_msg *zvm_take_locks(zvm_proc *p) {
    p->lazy_locks = false;
    if (p->nlocks == 0) return NULL;
    thr *t = p->cur;
    uint32_t remote = 0;
    for (uint32_t i = 0; i < p->nlocks; i++) {
        shard *s = shard_get(p->locks[i].shard);
        if (s->owner == t) {
            zvm_release_one(t, p->locks[i].shard, p->locks[i].ent);
            p->locks[i].ent = NULL;
        } else {
            remote++;
        }
    }
    unlock_msg *batch = NULL;
    while (remote > 0) { /* one message per other thread, carrying its lock entries */
        thr *owner = NULL;
        uint32_t n = 0;
        for (uint32_t i = 0; i < p->nlocks; i++) {
            if (!p->locks[i].ent) continue;
            thr *o = shard_get(p->locks[i].shard)->owner;
            if (!owner) owner = o;
            if (o == owner) n++;
        }
        unlock_msg *um = mem_alloc(sizeof *um + sizeof um->refs[0] * n);
        um->m.kind = MSG_UNLOCK;
        um->to = owner;
        um->n = 0;
        for (uint32_t i = 0; i < p->nlocks; i++) {
            if (!p->locks[i].ent || shard_get(p->locks[i].shard)->owner != owner) continue;
            um->refs[um->n++] = p->locks[i];
            p->locks[i].ent = NULL;
        }
        remote -= n;
        um->next_msg = batch;
        batch = um;
    }
    p->nlocks = 0;
    return batch;
}

void zvm_send_unlocks(unlock_msg *batch) {
    while (batch) {
        unlock_msg *next = batch->next_msg;
        thr_send(batch->to, &batch->m);
        batch = next;
    }
}

void zvm_release_locks(zvm_proc *p) {
    zvm_send_unlocks(zvm_take_locks(p));
}

void zvm_unlock_msg(thr *t, msg *m) {
    unlock_msg *um = (unlock_msg *)m;
    for (uint32_t i = 0; i < um->n; i++) {
        zvm_release_one(t, um->refs[i].shard, um->refs[i].ent);
    }
    mem_free(um);
}

bool zvm_may_retake_keys(const zvm_proc *p) {
    return !p->call_parent && !p->lock_watch && p->pc == 0 && p->nlocks > 0 && !p->alone &&
           !p->aof_replay;
}

void zvm_retake_keys(zvm_proc *p) {
    zvm_release_locks(p);
    p->lock_next = p->lock_key = p->lock_pos = 0;
    p->lock_ordered = false;
    atomic_fetch_add_explicit(&srv->lock_retakes, 1, memory_order_relaxed);
    thr_ready(p->cur, p);
}

/* A child's keys pass to its parent when it finishes: the ones the parent held already were
 * never the child's; the ones it took besides are held on until the parent ends. */
/* True when every key of c is one of p's. */
static bool zvm_keys_within(const zvm_proc *c, const zvm_proc *p) {
    for (uint32_t i = 0; i < c->nkeys; i++) {
        const zvm_key *k = &c->keys[i];
        uint32_t j = 0;
        while (j < p->nkeys && (p->keys[j].hash != k->hash || p->keys[j].llen != k->llen ||
                                memcmp(p->keys[j].lptr, k->lptr, k->llen) != 0))
            j++;
        if (j == p->nkeys) return false;
    }
    return true;
}

/* A parent holding at most this many keys is checked for holding all of its child's. */
#define GIVE_WITHIN_MAX 16

void zvm_give_locks(zvm_proc *c, zvm_proc *parent) {
    /* EXEC's child ran inline while EXEC still held its single shard's keys lazily (nothing else
     * ran meanwhile) and took no key EXEC lacks: EXEC's hold covers it, nothing to register */
    if (parent->call_inline && parent->lazy_locks && c->lazy_locks &&
        parent->nkeys <= GIVE_WITHIN_MAX && zvm_keys_within(c, parent)) {
        c->lazy_locks = false;
        parent->call_taken = 0;
        return;
    }
    zvm_register_lazy_locks(c); /* keys only checked, not in the lock table yet */
    parent->call_taken = c->nlocks;
    for (uint32_t i = 0; i < c->nlocks; i++)
        zvm_add_lockref(parent, c->locks[i].shard, c->locks[i].ent);
    c->nlocks = 0;
}
