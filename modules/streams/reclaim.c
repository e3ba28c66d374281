/* reclaim.c -- freeing big streams a slice per turn of their thread's loop (see reclaim.h). */
#include "reclaim.h"

#include <stdatomic.h>
#include <stdio.h>

/* A dead stream waiting in its thread's queue. */
typedef struct dead_stream {
    struct dead_stream *next;
    xs_stream *s;
} dead_stream;

/* One worker thread's queue: touched only on that thread but for the counters INFO reads. */
typedef struct reclaim_queue {
    uint32_t thread;
    bool posted; /* a step is posted to the thread */
    dead_stream *head, *tail;
    _Atomic uint64_t waiting, steps;
} reclaim_queue;

static reclaim_queue *queues;
static uint32_t nqueues;

/* Frees up to *budget of s's chunks, then its consumers and groups, counting them down; true
 * when s is gone. */
static bool free_some(xs_stream *s, size_t *budget) {
    while (*budget && dk_stream_chunks(s->log)) {
        dk_stream_drop_front(s->log);
        (*budget)--;
    }
    if (!*budget || !xs_groups_free_some(&s->groups, budget)) return false;
    xs_stream_free(s);
    return true;
}

static void free_all(reclaim_queue *q) {
    while (q->head) {
        dead_stream *d = q->head;
        q->head = d->next;
        xs_stream_free(d->s);
        keel_free(d);
        atomic_fetch_sub_explicit(&q->waiting, 1, memory_order_relaxed);
    }
    q->tail = NULL;
}

/* The posted step: frees XS_FREE_SLICE items of the queue's oldest streams, then posts itself
 * again while streams remain (it runs again on the thread's next turn, after its I/O). */
static void reclaim_step(void *arg) {
    reclaim_queue *q = arg;
    size_t budget = XS_FREE_SLICE;
    while (q->head && budget) {
        dead_stream *d = q->head;
        if (!free_some(d->s, &budget)) break;
        q->head = d->next;
        if (!q->head) q->tail = NULL;
        keel_free(d);
        atomic_fetch_sub_explicit(&q->waiting, 1, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&q->steps, 1, memory_order_relaxed);
    q->posted = q->head != NULL;
    if (q->posted && keel_thread_post(q->thread, reclaim_step, q) != KEEL_OK) {
        q->posted = false;
        free_all(q);
    }
}

/* Items free_some would go through: above a slice, the stream is queued. */
static size_t items(const xs_stream *s) {
    size_t n = dk_stream_chunks(s->log) + s->groups.n;
    for (size_t i = 0; i < s->groups.n && n <= XS_FREE_SLICE; i++)
        n += s->groups.v[i]->ncons;
    return n;
}

void xs_reclaim(xs_stream *s) {
    int self = keel_thread_self();
    if (self < 0 || (uint32_t)self >= nqueues || items(s) <= XS_FREE_SLICE) {
        xs_stream_free(s);
        return;
    }
    reclaim_queue *q = &queues[self];
    dead_stream *d = keel_alloc(sizeof *d);
    if (!d) {
        xs_stream_free(s);
        return;
    }
    if (!q->posted && keel_thread_post(q->thread, reclaim_step, q) != KEEL_OK) {
        keel_free(d);
        xs_stream_free(s);
        return;
    }
    q->posted = true;
    *d = (dead_stream){.next = NULL, .s = s};
    if (q->tail)
        q->tail->next = d;
    else
        q->head = d;
    q->tail = d;
    atomic_fetch_add_explicit(&q->waiting, 1, memory_order_relaxed);
}

static void info_line(keel_buf *out, const char *name, uint64_t v) {
    char line[64];
    int n = snprintf(line, sizeof line, "%s:%llu\r\n", name, (unsigned long long)v);
    if (n > 0) keel_buf_put(out, line, (size_t)n);
}

static void reclaim_info(keel_buf *out) {
    uint64_t waiting = 0, steps = 0;
    for (uint32_t i = 0; i < nqueues; i++) {
        waiting += atomic_load_explicit(&queues[i].waiting, memory_order_relaxed);
        steps += atomic_load_explicit(&queues[i].steps, memory_order_relaxed);
    }
    info_line(out, "streams_freeing", waiting);
    info_line(out, "streams_free_steps", steps);
}

keel_status xs_reclaim_init(keel_module *m, const char **err) {
    uint32_t n = keel_thread_count();
    if (n && !(queues = keel_calloc(n, sizeof *queues))) {
        *err = "out of memory";
        return KEEL_ENOMEM;
    }
    nqueues = n;
    for (uint32_t i = 0; i < n; i++)
        queues[i].thread = i;
    return keel_register_info(m, "Streams", reclaim_info, err);
}

void xs_reclaim_fini(void) {
    for (uint32_t i = 0; i < nqueues; i++)
        free_all(&queues[i]);
    keel_free(queues);
    queues = NULL;
    nqueues = 0;
}
