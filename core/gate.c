/* gate.c -- raising and lowering a process's gate on a shard (see gate.h). */
#include "config.h"
#include "gate.h"
#include "aof.h"
#include "lock.h"
#include "mem.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

/* True when p holds a key lock on shard sid, or is taking that shard's keys one by one (it
 * started before any gate went up there: it checked for one first). */
static bool holds_on(const zvm_proc *p, uint32_t sid) {
    if (p->lazy_locks && p->nlshards == 1 && p->lshards[0] == sid) return true;
    if (p->lock_ordered && p->lock_next < p->nlshards && p->lshards[p->lock_next] == sid)
        return true;
    for (uint32_t i = 0; i < p->nlocks; i++)
        if (p->locks[i].shard == sid && p->locks[i].ent) return true;
    return false;
}

bool gate_held(const shard *s, const zvm_proc *p) {
    return s->gate && s->gate->owner == p->serial;
}

/* holds_on for p or the processes it runs a call for (EXEC's commands, a script's calls run
 * under their caller's locks). */
static bool family_holds_on(const zvm_proc *p, uint32_t sid) {
    for (const zvm_proc *q = p; q; q = q->call_parent)
        if (holds_on(q, sid)) return true;
    return false;
}

bool gate_bars(const shard *s, const zvm_proc *p) {
    const lock_ent *g = s->gate;
    return g && g->owner != p->serial && !family_holds_on(p, s->id);
}

bool gate_blocks(shard *s, zvm_proc *p) {
    if (!gate_bars(s, p)) return false;
    lock_watch(s->gate, p);
    return true;
}

bool gate_family_holds_keys(const zvm_proc *p) {
    for (const zvm_proc *q = p; q; q = q->call_parent)
        if (q->nlocks || q->lazy_locks || q->lock_ordered) return true;
    return false;
}

bool gate_blocks_access(shard *s, zvm_proc *p) {
    return !gate_family_holds_keys(p) && gate_blocks(s, p);
}

bool gate_entry(const lock_ent *e) {
    return e->klen == 0 && e->hash == 0; /* as gate_raise makes it */
}

bool gate_raise(shard *s, zvm_proc *p) {
    if (!s->gate) {
        s->gate = mem_calloc(1, sizeof *s->gate);
        s->gate->owner = p->serial;
    } else if (s->gate->owner != p->serial) {
        lock_watch(s->gate, p);
        return false;
    }
    lock_ent *held = lock_any_other(&s->locks, p->serial);
    if (held) {
        lock_watch(held, p);
        return false;
    }
    return true;
}

void gate_lower(shard *s, zvm_proc *p) {
    lock_ent *g = s->gate;
    if (!g || g->owner != p->serial) return;
    /* raised for a process running alone (a script that went wider, or EXEC's) that p is a call
     * of: it stays up until that one lets go of its locks, which holds it */
    if (zvm_holds_gate(p, s->id)) return;
    if (atomic_load_explicit(&aof_logging, memory_order_relaxed)) aof_reserve_seq(p);
    gate_drop(s);
}

void gate_drop(shard *s) {
    lock_ent *g = s->gate;
    if (!g) return;
    s->gate = NULL;
    zvm_proc *w = g->wait_head;
    mem_free(g);
    while (w) { /* every waiter only watched the gate: each looks again */
        zvm_proc *next = w->next;
        thr_ready(s->owner, w);
        w = next;
    }
}
