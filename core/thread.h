/* thread.h -- worker threads: each runs a libevent loop, owns a set of shards and the
 * connections handed to it, and runs zvm processes.  Threads talk only through messages:
 * a lock-free MPSC inbox (Concurrency Kit stack, reversed on drain) plus an eventfd wake-up. */
#ifndef KEEL_CORE_THREAD_H
#define KEEL_CORE_THREAD_H

#include "expire_lag.h"
#include "zvm.h"

#include <ck_stack.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct event;
struct keel_conn;
struct shard;
struct lazy_item;

typedef struct thr_stats {
    _Atomic uint64_t commands;       /* requests finished on this thread as home, or answered here
                                        for another thread's connection (conn_direct.h) */
    _Atomic uint64_t hops;           /* processes received from other threads */
    _Atomic uint64_t direct_replies; /* replies written here for other threads' connections */
    _Atomic uint64_t yields;
    _Atomic uint64_t net_in, net_out; /* bytes */
    _Atomic uint64_t errors;          /* error replies */
    _Atomic uint64_t writes;          /* write commands that did not fail (INFO's changes) */
    _Atomic uint64_t expire_runs;     /* active expiry slices run */
    _Atomic uint64_t expire_ns;       /* time spent in them */
    _Atomic uint64_t expire_capped;   /* slices that ran out of time with due keys left */
    _Atomic uint64_t net_reads;       /* read events handled (INFO total_reads_processed) */
    _Atomic uint64_t net_writes;      /* output flushes (INFO total_writes_processed) */
    _Atomic uint64_t lazy_freed;      /* values freed in the background (lazyfreed_objects) */
    /* gauges the once-a-second client sweep sets (conn_sweep): its clients' buffers and
     * structures, and the largest input and output buffer among them */
    _Atomic uint64_t client_mem, client_max_in, client_max_out;
} thr_stats;

/* One more on a counter only its own thread writes (no locked instruction). */
static inline void thr_stat_bump(_Atomic uint64_t *c) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

typedef struct thr {
    int id;
    pthread_t pt;
    struct event_base *base;
    struct event *wake_ev;
    struct event *tick_ev;
    struct event *expire_ev; /* its timerfd: the earliest deadline of the shards (expire.h) */
    int expire_fd;
    int64_t expire_at; /* what the timer waits for (wall ms), INT64_MAX: nothing */
    int wake_fd;
    ck_stack_t inbox;
    _Atomic int wake_pending; /* 1 while a wake-up is pending or the thread is awake */
    int *to_wake;             /* threads this one sent messages to this turn */
    uint8_t *wake_marked;
    int nto_wake;
    zvm_proc *runq_head, *runq_tail; /* ready processes (yielded or woken) */
    zvm_proc *pool;                  /* recycled processes */
    int npool;
    int pool_low; /* fewest pooled since the last trim (zvm_pool_trim) */
    int trim_ticks;
    struct keel_conn *dirty; /* connections with output to flush this turn */
    struct keel_conn *conns; /* every connection of this thread */
    struct shard **shards;   /* shards this thread owns */
    int nshards;
    uint32_t expire_cursor; /* the owned shard the next expiry slice starts with */
    int64_t now_ms;         /* wall clock, refreshed every loop turn */
    uint64_t serial_next;
    uint64_t rng;           /* xorshift state for RANDOMKEY and friends */
    struct lazy_item *lazy; /* big values waiting to be freed (lazyfree.c) */
    _Atomic uint64_t nlazy;
    _Atomic bool stop;
    _Atomic int64_t live;      /* processes made here and not yet recycled (written here only) */
    struct keel_conn **direct; /* its connections whose one reply in flight another thread may
                                  write (conn_direct.h) */
    int ndirect, capdirect;
    keel_buf direct_buf; /* where it encodes the replies it writes for other threads */
    thr_stats st;
    expire_lag lag; /* expiry lag of the keys removed here (expire_lag.h) */
} thr;

/* The thread running now (NULL on the main thread). */
thr *thr_self(void);

/* Reads the wall clock into t->now_ms.  The loop does it every turn and every tick; a callback
 * that runs commands at once (a connection's read or write) does it first, because the turn's
 * reading is from before the thread slept: a key's expiry would be counted from then. */
void thr_refresh_now(thr *t);

/* Creates the thread's loop and inbox (not started yet). */
thr *thr_new(int id, int nthreads);
int thr_start(thr *t);
/* Asks t to stop; thr_join waits for it. */
void thr_stop(thr *t);
void thr_join(thr *t);
void thr_free(thr *t);

/* Sends a message to dst (any thread, also from the main thread).  The wake-up is batched
 * until the sender's loop turn ends (immediately when sent from outside a worker). */
void thr_send(thr *dst, msg *m);
/* Wakes the threads t sent messages to this turn now, not when its turn ends (t must be the
 * current thread). */
void thr_wake_now(thr *t);
/* Puts p at the back of t's run queue (t must be the current thread). */
void thr_ready(thr *t, zvm_proc *p);
/* A unique serial for a new process. */
static inline uint64_t thr_next_serial(thr *t) {
    return ((uint64_t)t->id << 48) | ++t->serial_next;
}

/* A pseudo-random 64-bit number (per-thread xorshift). */
static inline uint64_t thr_random(thr *t) {
    uint64_t x = t->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return t->rng = x;
}

/* One turn's work, also used by unit tests driving a thread by hand: handle every message in
 * the inbox, then run each process that is ready once. */
void thr_drain_inbox(thr *t);
void thr_run_ready(thr *t);

/* Generic cross-thread call: runs fn(arg) on dst's thread. */
typedef struct thr_call {
    msg m;
    void (*fn)(void *arg);
    void *arg;
} thr_call;
void thr_call_on(thr *dst, void (*fn)(void *), void *arg);
/* The same with a call the caller owns (fn and arg set): nothing is allocated or freed, so one
 * that is never run (its thread stopped) leaks nothing.  c must not be posted again before it
 * ran, and must outlive its run. */
void thr_call_kept(thr *dst, thr_call *c);

#endif
