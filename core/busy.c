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

void busy_note_wait(zvm_proc *p) {
    if (p->wait_deadline || !p->call_parent || !p->call_parent->call_wait_limited) return;
    p->wait_deadline = p->cur->now_ms + limit_get(srv->cf.busy_reply_threshold);
    atomic_fetch_add(&limited_waiters, 1);
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

/* Fails the waiters of e (held by a busy process) with err: each runs once more, to end. */
static void busy_fail_waiters(thr *t, lock_ent *e, const char *err) {
    zvm_proc *w = e->wait_head;
    e->wait_head = e->wait_tail = NULL;
    while (w) {
        zvm_proc *next = w->next;
        w->next = NULL;
        w->lock_watch = false;
        w->busy_error = err;
        thr_ready(t, w);
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
        w->next = NULL;
        w->lock_watch = false;
        w->busy_error = BUSY_WAIT_LIMIT_ERROR;
        thr_ready(t, w);
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

void busy_sweep(thr *t) {
    bool busy = atomic_load_explicit(&busy_count, memory_order_acquire) != 0;
    bool limited = atomic_load_explicit(&limited_waiters, memory_order_acquire) != 0;
    if (!busy && !limited) return;
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
                }
            }
    }
    while (retake) { /* after the walk: giving keys back changes the lock tables */
        zvm_proc *w = retake;
        retake = w->next;
        w->next = NULL;
        zvm_retake_keys(w);
    }
}
