/* busy.c -- the registry of busy processes and what it does to their keys' waiters (busy.h). */
#include "config.h"
#include "busy.h"
#include "conf.h"
#include "limit.h"
#include "lock.h"
#include "mem.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "wait_cycle.h"
#include "zvm.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct busy_ent {
    uint64_t owner;
    const char *error;
} busy_ent;

static pthread_mutex_t busy_mu = PTHREAD_MUTEX_INITIALIZER;
static busy_ent *busy_tab;
static uint32_t busy_n, busy_cap;
static _Atomic uint32_t busy_count;
static _Atomic uint32_t limited_waiters; /* processes with a wait deadline */

const char *busy_error_of(uint64_t owner) {
    if (!atomic_load_explicit(&busy_count, memory_order_acquire)) return NULL;
    const char *err = NULL;
    pthread_mutex_lock(&busy_mu);
    for (uint32_t i = 0; i < busy_n && !err; i++)
        if (busy_tab[i].owner == owner) err = busy_tab[i].error;
    pthread_mutex_unlock(&busy_mu);
    return err;
}

void keel_proc_set_busy(keel_proc *kp, const char *error) {
    zvm_proc *p = zvm_of(kp);
    if (p->busy || !error) return;
    p->busy = true;
    pthread_mutex_lock(&busy_mu);
    if (busy_n == busy_cap) {
        busy_cap = busy_cap ? busy_cap * 2 : 8;
        busy_tab = mem_realloc(busy_tab, sizeof *busy_tab * busy_cap);
    }
    busy_tab[busy_n++] = (busy_ent){p->serial, error};
    atomic_store_explicit(&busy_count, busy_n, memory_order_release);
    pthread_mutex_unlock(&busy_mu);
}

uint32_t busy_procs(void) {
    return atomic_load_explicit(&busy_count, memory_order_acquire);
}

void busy_limit_wait(zvm_proc *p) {
    if (p->wait_deadline || !p->call_parent) return;
    p->wait_deadline = p->cur->now_ms + limit_get(srv->cf.busy_reply_threshold);
    atomic_fetch_add(&limited_waiters, 1);
}

void busy_note_wait(zvm_proc *p) {
    if (p->call_parent && p->call_parent->call_wait_limited) busy_limit_wait(p);
}

void busy_clear(zvm_proc *p) {
    if (p->wait_deadline) {
        p->wait_deadline = 0;
        atomic_fetch_sub(&limited_waiters, 1);
    }
    if (!p->busy) return;
    p->busy = false;
    pthread_mutex_lock(&busy_mu);
    for (uint32_t i = 0; i < busy_n; i++) {
        if (busy_tab[i].owner != p->serial) continue;
        busy_tab[i] = busy_tab[--busy_n];
        break;
    }
    atomic_store_explicit(&busy_count, busy_n, memory_order_release);
    if (busy_n == 0) {
        mem_free(busy_tab);
        busy_tab = NULL;
        busy_cap = 0;
    }
    pthread_mutex_unlock(&busy_mu);
}

/* Fails w, taken off its lock's waiters, with err: it runs once more, to end. */
static void fail_waiter(thr *t, zvm_proc *w, const char *err) {
    w->next = NULL;
    w->lock_watch = false;
    w->busy_error = err;
    thr_ready(t, w);
}

/* Fails the waiters of e (held by a busy process) with err. */
static void busy_fail_waiters(thr *t, lock_ent *e, const char *err) {
    zvm_proc *w = e->wait_head;
    e->wait_head = e->wait_tail = NULL;
    while (w) {
        zvm_proc *next = w->next;
        fail_waiter(t, w, err);
        w = next;
    }
}

/* Fails the waiters of e whose limited wait is over. */
static void busy_fail_late(thr *t, lock_ent *e) {
    zvm_proc **pp = &e->wait_head, *last = NULL;
    while (*pp) {
        zvm_proc *w = *pp;
        if (!w->wait_deadline || t->now_ms < w->wait_deadline) {
            last = w;
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        fail_waiter(t, w, BUSY_WAIT_LIMIT_ERROR);
    }
    e->wait_tail = last;
}

/* Takes off e's waiters that hold keys while still taking theirs (zvm_may_retake_keys) onto
 * *out: a script that wrote and waits for a key (a limited waiter) may be waiting for one of
 * them, which may be waiting for a key the script holds.  Such a cycle never untangles by
 * itself (the script cannot start over), so each of them gives its keys back and takes them
 * over, behind the script.  Only a cycle of two scripts that both wrote is left, and fails at the
 * deadline.  (Taking back keys from one that is not in a cycle costs it its place, nothing
 * more.) */
static void busy_take_retakers(lock_ent *e, zvm_proc **out) {
    zvm_proc **pp = &e->wait_head, *last = NULL;
    while (*pp) {
        zvm_proc *w = *pp;
        if (!zvm_may_retake_keys(w)) {
            last = w;
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->next = *out;
        *out = w;
    }
    e->wait_tail = last;
}

/* A limited waiter found by this tick, and the lock it waits on. */
typedef struct limited_wait {
    lock_ent *e;
    zvm_proc *w;
} limited_wait;

typedef struct sweep_waits {
    limited_wait *at;
    wait_edge *edges;
    int n, cap;
} sweep_waits;

static void note_limited(sweep_waits *sw, lock_ent *e) {
    for (zvm_proc *w = e->wait_head; w; w = w->next) {
        if (!w->wait_deadline || !w->call_parent) continue;
        if (sw->n == sw->cap) {
            sw->cap = sw->cap ? sw->cap * 2 : 8;
            sw->at = mem_realloc(sw->at, sizeof *sw->at * (size_t)sw->cap);
            sw->edges = mem_realloc(sw->edges, sizeof *sw->edges * (size_t)sw->cap);
        }
        sw->at[sw->n] = (limited_wait){e, w};
        sw->edges[sw->n++] =
            (wait_edge){w->call_parent->serial, e->owner, w->call_parent->started_ns};
    }
}

/* Takes w off e's waiters and fails it with err. */
static void fail_one_waiter(thr *t, lock_ent *e, zvm_proc *w, const char *err) {
    zvm_proc **pp = &e->wait_head, *last = NULL;
    while (*pp && *pp != w) {
        last = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp) return;
    *pp = w->next;
    if (e->wait_tail == w) e->wait_tail = last;
    fail_waiter(t, w, err);
}

/* Publishes this thread's limited waits and fails those that close a wait cycle as its
 * youngest script: two scripts that both wrote and wait for each other's keys go on waiting
 * otherwise (neither can start over), until busy-reply-threshold fails both. */
static void break_cycles(thr *t, sweep_waits *sw) {
    static _Thread_local bool published;
    if (sw->n == 0 && !published) return;
    wait_cycle_publish(t->id, sw->edges, sw->n);
    published = sw->n > 0;
    for (int i = 0; i < sw->n; i++)
        if (wait_cycle_victim(&sw->edges[i])) {
            fail_one_waiter(t, sw->at[i].e, sw->at[i].w, BUSY_WAIT_CYCLE_ERROR);
            atomic_fetch_add_explicit(&srv->lock_cycles_broken, 1, memory_order_relaxed);
        }
}

void busy_sweep(thr *t) {
    bool busy = atomic_load_explicit(&busy_count, memory_order_acquire) != 0;
    bool limited = atomic_load_explicit(&limited_waiters, memory_order_acquire) != 0;
    sweep_waits sw = {0};
    if (!busy && !limited) {
        break_cycles(t, &sw); /* this thread's edges, if it had any, are gone */
        return;
    }
    zvm_proc *retake = NULL;
    for (int i = 0; i < t->nshards; i++) {
        lock_table *lt = &t->shards[i]->locks;
        for (uint32_t b = 0; lt->count && b <= lt->mask; b++)
            for (lock_ent *e = lt->buckets[b]; e; e = e->next) {
                if (!e->wait_head) continue;
                const char *err = busy ? busy_error_of(e->owner) : NULL;
                if (err) {
                    busy_fail_waiters(t, e, err);
                } else if (limited) {
                    busy_fail_late(t, e);
                    busy_take_retakers(e, &retake);
                    note_limited(&sw, e);
                }
            }
    }
    break_cycles(t, &sw);
    mem_free(sw.at);
    mem_free(sw.edges);
    while (retake) { /* after the walk: giving keys back changes the lock tables */
        zvm_proc *w = retake;
        retake = w->next;
        w->next = NULL;
        zvm_retake_keys(w);
    }
}
