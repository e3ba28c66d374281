/* deadline.c -- a small thread-safe map from a parked process to its absolute deadline. */
#include "deadline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define NBUCKETS 256

typedef struct entry {
    const keel_proc *p;
    int64_t deadline_ms;
    struct entry *next;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *buckets[NBUCKETS];
static atomic_long count;

static entry **bucket(const keel_proc *p) {
    uintptr_t h = (uintptr_t)p;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15u;
    return &buckets[(h >> 24) % NBUCKETS];
}

/* The entry of p in *b, or NULL; lock held. */
static entry **find(entry **b, const keel_proc *p) {
    while (*b && (*b)->p != p)
        b = &(*b)->next;
    return *b ? b : NULL;
}

int64_t zs_deadline_left(keel_proc *p, int64_t timeout_ms) {
    if (timeout_ms == 0) return 0;
    int64_t now = keel_now_ms(p);
    int64_t deadline = now + timeout_ms;
    bool ok = true;
    pthread_mutex_lock(&lock);
    entry **b = bucket(p), **at = find(b, p);
    if (at) {
        deadline = (*at)->deadline_ms;
    } else {
        entry *e = keel_alloc(sizeof *e);
        if (e) {
            e->p = p;
            e->deadline_ms = deadline;
            e->next = *b;
            *b = e;
            atomic_fetch_add(&count, 1);
        } else {
            ok = false;
        }
    }
    pthread_mutex_unlock(&lock);
    if (!ok || deadline <= now) return -1;
    return deadline - now;
}

void zs_deadline_forget(keel_proc *p) {
    if (atomic_load_explicit(&count, memory_order_relaxed) == 0) return;
    pthread_mutex_lock(&lock);
    entry **at = find(bucket(p), p);
    if (at) {
        entry *e = *at;
        *at = e->next;
        keel_free(e);
        atomic_fetch_sub(&count, 1);
    }
    pthread_mutex_unlock(&lock);
}

void zs_deadline_clear(void) {
    pthread_mutex_lock(&lock);
    for (int i = 0; i < NBUCKETS; i++) {
        while (buckets[i]) {
            entry *e = buckets[i];
            buckets[i] = e->next;
            keel_free(e);
        }
    }
    atomic_store(&count, 0);
    pthread_mutex_unlock(&lock);
}

long zs_deadline_count(void) {
    return atomic_load(&count);
}
