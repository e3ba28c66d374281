/* block.c -- parking processes on keys, waking them on a push, a timeout or a disconnect. */
#include "config.h"
#include "block.h"
#include "conn.h"
#include "mem.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

#include <event2/event.h>
#include <string.h>

typedef struct wait_entry {
    blocker *b;
    struct wait_entry *next;
} wait_entry;

struct wait_list {
    uint64_t hash;
    size_t klen;
    wait_entry *head, *tail;
    struct wait_list *next;
    char key[];
};

/* ---- blockers ---- */

static void blk_unref(blocker *b) {
    if (atomic_fetch_sub(&b->refs, 1) == 1) mem_free(b);
}

/* Moves b from WAITING to `to`; true for the one caller that wins. */
static bool blk_claim(blocker *b, int to) {
    int expect = BLK_WAITING;
    return atomic_compare_exchange_strong(&b->state, &expect, to);
}

/* Puts a claimed process on t's run queue (t is the current thread). */
static void blk_schedule(thr *t, zvm_proc *p) {
    p->cur = t;
    thr_ready(t, p);
}

/* ---- the per-shard wait table ---- */

static uint32_t wt_slot(const wait_table *wt, uint64_t hash) {
    return (uint32_t)(hash >> 24) & wt->mask;
}

static wait_list *wt_find(wait_table *wt, const void *key, size_t klen, uint64_t hash) {
    if (wt->count == 0) return NULL;
    for (wait_list *l = wt->buckets[wt_slot(wt, hash)]; l; l = l->next)
        if (l->hash == hash && l->klen == klen && memcmp(l->key, key, klen) == 0) return l;
    return NULL;
}

static void wt_grow(wait_table *wt) {
    uint32_t nb = wt->mask ? (wt->mask + 1) * 2 : 16;
    wait_list **b = mem_calloc(nb, sizeof *b);
    for (uint32_t i = 0; wt->mask && i <= wt->mask; i++)
        for (wait_list *l = wt->buckets[i], *next; l; l = next) {
            next = l->next;
            uint32_t j = (uint32_t)(l->hash >> 24) & (nb - 1);
            l->next = b[j];
            b[j] = l;
        }
    mem_free(wt->buckets);
    wt->buckets = b;
    wt->mask = nb - 1;
}

static void wt_add(wait_table *wt, const void *key, size_t klen, uint64_t hash, blocker *b) {
    wait_list *l = wt_find(wt, key, klen, hash);
    if (!l) {
        if (wt->count >= wt->mask) wt_grow(wt);
        l = mem_calloc(1, sizeof *l + klen);
        l->hash = hash;
        l->klen = klen;
        memcpy(l->key, key, klen);
        uint32_t j = wt_slot(wt, hash);
        l->next = wt->buckets[j];
        wt->buckets[j] = l;
        wt->count++;
    }
    wait_entry *e = mem_alloc(sizeof *e);
    e->b = b;
    e->next = NULL;
    if (l->tail)
        l->tail->next = e;
    else
        l->head = e;
    l->tail = e;
}

static void wt_drop_list(wait_table *wt, wait_list *l) {
    wait_list **pp = &wt->buckets[wt_slot(wt, l->hash)];
    while (*pp != l)
        pp = &(*pp)->next;
    *pp = l->next;
    wt->count--;
    mem_free(l);
}

/* Removes b's entry for key, if any (dropping its reference). */
static void wt_remove(wait_table *wt, const void *key, size_t klen, uint64_t hash, blocker *b) {
    wait_list *l = wt_find(wt, key, klen, hash);
    if (!l) return;
    wait_entry **pp = &l->head, *prev = NULL;
    while (*pp && (*pp)->b != b) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp) return;
    wait_entry *e = *pp;
    *pp = e->next;
    if (l->tail == e) l->tail = prev;
    mem_free(e);
    blk_unref(b);
    if (!l->head) wt_drop_list(wt, l);
}

int blk_signal(shard *s, const void *key, size_t klen, uint64_t hash) {
    wait_list *l = wt_find(&s->waits, key, klen, hash);
    if (!l) return 0;
    thr *t = s->owner;
    int woken = 0;
    wait_entry *e = l->head;
    l->head = l->tail = NULL;
    wt_drop_list(&s->waits, l);
    while (e) { /* in the order they blocked: the first to block runs first */
        wait_entry *next = e->next;
        if (blk_claim(e->b, BLK_WOKEN)) {
            blk_schedule(t, e->b->p);
            woken++;
        }
        blk_unref(e->b);
        mem_free(e);
        e = next;
    }
    return woken;
}

int blk_signal_all(shard *s) {
    wait_table *wt = &s->waits;
    int woken = 0;
    for (uint32_t i = 0; wt->count && i <= wt->mask; i++)
        while (wt->buckets[i]) { /* blk_signal takes the list off the table */
            wait_list *l = wt->buckets[i];
            woken += blk_signal(s, l->key, l->klen, l->hash);
        }
    return woken;
}

void wait_table_free(wait_table *wt) {
    for (uint32_t i = 0; wt->mask && i <= wt->mask; i++)
        for (wait_list *l = wt->buckets[i], *next; l; l = next) {
            next = l->next;
            for (wait_entry *e = l->head, *en; e; e = en) {
                en = e->next;
                blk_unref(e->b);
                mem_free(e);
            }
            mem_free(l);
        }
    mem_free(wt->buckets);
    memset(wt, 0, sizeof *wt);
}

/* ---- cross-thread registration, unregistration and the timer ---- */

typedef struct blk_keymsg {
    uint32_t shard;
    blocker *b;
    uint64_t hash;
    size_t klen;
    char key[];
} blk_keymsg;

static blk_keymsg *keymsg(uint32_t shard_id, blocker *b, const zvm_key *k) {
    blk_keymsg *m = mem_alloc(sizeof *m + k->llen);
    m->shard = shard_id;
    m->b = b;
    m->hash = k->hash;
    m->klen = k->llen;
    memcpy(m->key, k->lptr, k->llen);
    return m;
}

/* A registration that arrives after the blocker was woken is dropped. */
static void blk_register_msg(void *arg) {
    blk_keymsg *m = arg;
    if (atomic_load(&m->b->state) == BLK_WAITING)
        wt_add(&shard_get(m->shard)->waits, m->key, m->klen, m->hash, m->b);
    else
        blk_unref(m->b);
    mem_free(m);
}

static void blk_unregister_msg(void *arg) {
    blk_keymsg *m = arg;
    wt_remove(&shard_get(m->shard)->waits, m->key, m->klen, m->hash, m->b);
    blk_unref(m->b); /* the message's own reference */
    mem_free(m);
}

static void blk_on_timeout(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    blocker *b = arg;
    event_free(b->timer);
    b->timer = NULL;
    if (blk_claim(b, BLK_TIMEDOUT)) blk_schedule(b->p->home, b->p);
    blk_unref(b);
}

typedef struct blk_timermsg {
    blocker *b;
    int64_t ms;
} blk_timermsg;

/* On the home thread: arms the timer unless the process was woken meanwhile. */
static void blk_arm_timer(void *arg) {
    blk_timermsg *tm = arg;
    blocker *b = tm->b;
    if (atomic_load(&b->state) == BLK_WAITING && !b->timer) {
        struct timeval tv = {(time_t)(tm->ms / 1000), (suseconds_t)((tm->ms % 1000) * 1000)};
        b->timer = evtimer_new(b->p->home->base, blk_on_timeout, b);
        evtimer_add(b->timer, &tv);
    } else {
        blk_unref(b);
    }
    mem_free(tm);
}

/* On the home thread: the process no longer needs its timer. */
static void blk_disarm_timer(void *arg) {
    blocker *b = arg;
    if (b->timer) {
        event_free(b->timer);
        b->timer = NULL;
        blk_unref(b); /* the timer's reference */
    }
    blk_unref(b); /* this message's reference */
}

/* On the home thread, once p has parked: a client that finished sending (EOF) or went away while
 * p was still on its way to park (running on a key's thread, or waiting for a lock) was not
 * cancelled by conn_after_eof() or conn_close(), which only end processes parked already; end
 * it now, or it would wait for a push that nobody will send, holding its connection open. */
static void blk_check_client(void *arg) {
    blocker *b = arg;
    /* while b is WAITING, p is parked and cannot be recycled (that happens on this thread) */
    if (atomic_load(&b->state) == BLK_WAITING) {
        conn *c = b->p->conn;
        if (c && (c->flags & (CONN_EOF | CONN_CLOSED))) blk_cancel(b->p);
    }
    blk_unref(b);
}

/* ---- parking and resuming ---- */

void blk_park(zvm_proc *p) {
    thr *t = p->cur;
    blocker *b = mem_calloc(1, sizeof *b);
    atomic_store(&b->state, BLK_WAITING);
    atomic_store(&b->refs, 1);
    b->p = p;
    p->blk = b;
    p->block_req = false;
    atomic_fetch_add_explicit(&srv->nblocked, 1, memory_order_relaxed);
    zvm_reply_reset(p);
    /* registrations first, then the unlocks: per-sender message order means no shard can
     * release one of our keys before it has our registration */
    for (uint32_t i = 0; i < p->nkeys; i++) {
        const zvm_key *k = &p->keys[i];
        shard *s = shard_get(k->shard);
        atomic_fetch_add(&b->refs, 1);
        if (s->owner == t)
            wt_add(&s->waits, k->lptr, k->llen, k->hash, b);
        else
            thr_call_on(s->owner, blk_register_msg, keymsg(k->shard, b, k));
    }
    struct unlock_msg *unlocks = zvm_take_locks(p);
    blk_timermsg *tm = NULL;
    thr *home = p->home;
    if (p->block_timeout_ms > 0) {
        atomic_fetch_add(&b->refs, 1);
        tm = mem_alloc(sizeof *tm);
        tm->b = b;
        tm->ms = p->block_timeout_ms;
    }
    atomic_fetch_add(&b->refs, 1); /* blk_check_client's */
    /* from here on another thread may wake p and run it: do not touch p again */
    zvm_set_state(p, ZVM_WAITING);
    if (tm && home == t)
        blk_arm_timer(tm);
    else if (tm)
        thr_call_on(home, blk_arm_timer, tm);
    if (home == t)
        blk_check_client(b);
    else
        thr_call_on(home, blk_check_client, b);
    zvm_send_unlocks(unlocks);
}

void blk_resumed(zvm_proc *p) {
    blocker *b = p->blk;
    thr *t = p->cur;
    p->blk = NULL;
    atomic_fetch_sub_explicit(&srv->nblocked, 1, memory_order_relaxed);
    p->wake_reason = (uint8_t)atomic_load(&b->state);
    for (uint32_t i = 0; i < p->nkeys; i++) {
        const zvm_key *k = &p->keys[i];
        shard *s = shard_get(k->shard);
        if (s->owner == t) {
            wt_remove(&s->waits, k->lptr, k->llen, k->hash, b);
        } else {
            atomic_fetch_add(&b->refs, 1);
            thr_call_on(s->owner, blk_unregister_msg, keymsg(k->shard, b, k));
        }
    }
    atomic_fetch_add(&b->refs, 1);
    if (p->home == t)
        blk_disarm_timer(b);
    else
        thr_call_on(p->home, blk_disarm_timer, b);
    blk_unref(b); /* the process's reference */
    /* start the program over: locks, registers and reply afresh */
    p->pc = 0;
    p->lock_next = 0;
    p->lock_key = 0;
    p->lock_pos = 0;
    p->lock_ordered = false;
    p->lazy_locks = false;
    memset(p->reg, 0, sizeof p->reg);
    zvm_reply_reset(p);
}

bool blk_unblock(zvm_proc *p, const char *error) {
    if (zvm_state(p) != ZVM_WAITING || !p->blk) return false;
    if (!blk_claim(p->blk, BLK_TIMEDOUT)) return false;
    p->busy_error = error; /* it ends with this reply (zvm_step) */
    blk_schedule(p->home, p);
    return true;
}

bool blk_cancel(zvm_proc *p) {
    if (zvm_state(p) != ZVM_WAITING || !p->blk) return false;
    if (!blk_claim(p->blk, BLK_CANCELLED)) return false;
    blk_schedule(p->home, p);
    return true;
}
