/* lock.c -- the per-shard lock table: a small chained hash of locked keys with FIFO waiters. */
#include "config.h"
#include "lock.h"
#include "mem.h"
#include "zvm.h"

#include <string.h>

/* An entry for a key up to this long is made this big and kept when released, up to
 * LOCK_SPARE_MAX of them per table: a multi-key command takes and releases one per key. */
#define LOCK_SPARE_KEY 64
#define LOCK_SPARE_MAX 64

static lock_ent *ent_new(lock_table *t, size_t klen) {
    if (klen > LOCK_SPARE_KEY) return mem_alloc(sizeof(lock_ent) + klen);
    lock_ent *e = t->spare;
    if (!e) return mem_alloc(sizeof(lock_ent) + LOCK_SPARE_KEY);
    t->spare = e->next;
    t->nspare--;
    return e;
}

static void ent_free(lock_table *t, lock_ent *e) {
    if (e->klen > LOCK_SPARE_KEY || t->nspare >= LOCK_SPARE_MAX) {
        mem_free(e);
        return;
    }
    e->next = t->spare;
    t->spare = e;
    t->nspare++;
}

static void lock_grow(lock_table *t) {
    uint32_t nb = t->mask ? (t->mask + 1) * 2 : 16;
    lock_ent **b = mem_calloc(nb, sizeof *b);
    for (uint32_t i = 0; t->mask && i <= t->mask; i++) {
        lock_ent *e = t->buckets[i];
        while (e) {
            lock_ent *next = e->next;
            uint32_t j = (uint32_t)(e->hash >> 20) & (nb - 1);
            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    mem_free(t->buckets);
    t->buckets = b;
    t->mask = nb - 1;
}

lock_ent *lock_find(lock_table *t, const char *key, size_t klen, uint64_t hash) {
    if (t->count == 0) return NULL;
    for (lock_ent *e = t->buckets[(uint32_t)(hash >> 20) & t->mask]; e; e = e->next)
        if (e->hash == hash && e->klen == klen && memcmp(e->key, key, klen) == 0) return e;
    return NULL;
}

lock_ent *lock_take(lock_table *t, const char *key, size_t klen, uint64_t hash, uint64_t owner,
                    int *fresh) {
    lock_ent *e = lock_find(t, key, klen, hash);
    if (e) {
        *fresh = 0;
        return e;
    }
    if (t->count >= t->mask) lock_grow(t);
    e = ent_new(t, klen);
    e->owner = owner;
    e->hash = hash;
    e->klen = klen;
    e->wait_head = e->wait_tail = NULL;
    memcpy(e->key, key, klen);
    uint32_t j = (uint32_t)(hash >> 20) & t->mask;
    e->next = t->buckets[j];
    t->buckets[j] = e;
    t->count++;
    *fresh = 1;
    return e;
}

lock_ent *lock_any_other(lock_table *t, uint64_t owner) {
    for (uint32_t i = 0; t->count && i <= t->mask; i++)
        for (lock_ent *e = t->buckets[i]; e; e = e->next)
            if (e->owner != owner) return e;
    return NULL;
}

void lock_wait(lock_ent *e, zvm_proc *p) {
    p->lock_watch = false;
    p->next = NULL;
    if (e->wait_tail)
        e->wait_tail->next = p;
    else
        e->wait_head = p;
    e->wait_tail = p;
}

void lock_watch(lock_ent *e, zvm_proc *p) {
    lock_wait(e, p);
    p->lock_watch = true;
}

zvm_proc *lock_release(lock_table *t, lock_ent *e, zvm_proc **woken) {
    zvm_proc *w = e->wait_head, *watchers = w;
    zvm_proc **tail = &watchers;
    while (w && w->lock_watch) {
        tail = &w->next;
        w = w->next;
    }
    *tail = NULL; /* watchers end before the first taker */
    *woken = watchers;
    if (w) { /* hand over: a process arriving now queues behind the waiters */
        e->wait_head = w->next;
        if (!e->wait_head) e->wait_tail = NULL;
        w->next = NULL;
        e->owner = w->serial;
        return w;
    }
    lock_ent **pp = &t->buckets[(uint32_t)(e->hash >> 20) & t->mask];
    while (*pp && *pp != e)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = e->next;
        t->count--;
    }
    ent_free(t, e);
    if (t->count == 0 && t->mask >= 1024) lock_table_free(t); /* a huge multi-key command is done */
    return NULL;
}

void lock_table_free(lock_table *t) {
    while (t->spare) {
        lock_ent *e = t->spare;
        t->spare = e->next;
        mem_free(e);
    }
    t->nspare = 0;
    mem_free(t->buckets);
    t->buckets = NULL;
    t->mask = 0;
    t->count = 0;
}
