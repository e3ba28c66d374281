/* thread.c -- the worker loop: poll I/O, drain the inbox, run ready processes, flush output,
 * then wake the threads this turn sent messages to. */
#include "config.h"
#include "aof.h"
#include "busy.h"
#include "clock.h"
#include "thread.h"
#include "memtype.h"
#include "client_pause.h"
#include "inst_rate.h"
#include "conn.h"
#include "conn_direct.h"
#include "evict.h"
#include "expire.h"
#include "lazyfree.h"
#include "log.h"
#include "mem.h"
#include "persist.h"
#include "server.h"
#include "shard.h"

#include <ck_pr.h>
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static __thread thr *thr_current;

thr *thr_self(void) {
    return thr_current;
}

void thr_refresh_now(thr *t) {
    int64_t replay = atomic_load_explicit(&aof_replay_now, memory_order_relaxed); /* aof.h */
    t->now_ms = replay ? replay : wall_ms();
}

static void thr_on_wake(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    (void)arg;
    uint64_t v;
    ssize_t n = read(fd, &v, sizeof v);
    (void)n;
}

#define TICKS_PER_POOL_TRIM 100
#define TICKS_PER_MEMORY_SAMPLE 10

/* Says when allocations failed and the emergency reserve was spent (they are not logged where
 * they happen: the log itself allocates), and takes the reserve again once memory allows. */
static void thr_watch_reserve(void) {
    static int64_t reported;
    int64_t uses = mem_reserve_used();
    if (uses != reported) {
        log_warning("out of memory: allocations failed and the %u MB emergency reserve was handed "
                    "back %lld "
                    "time(s) since start; requests that found no memory were answered with errors",
                    MEM_RESERVE_BYTES >> 20, (long long)uses);
        reported = uses;
    }
    mem_reserve_refill();
}

/* Every 10 ms: incremental table resizing, counters, eviction over maxmemory (active expiry has
 * a timer of its own, expire.h; the tick runs it only for a thread that could not make one);
 * every 100 ms on thread 0 (every tick with a memory limit), the process's memory
 * (used_memory_peak follows it without INFO, eviction reads it); every second, the process pool
 * gives back what it did not use and idle or over-limit clients are closed. */
/* Thread 0's sample of the server's totals for INFO's instantaneous rates (inst_rate.h). */
static void inst_rate_sample(thr *t) {
    uint64_t ops = 0, in = 0, out = 0;
    for (int i = 0; i < srv->nthreads; i++) {
        const thr_stats *st = &srv->threads[i]->st;
        ops += atomic_load_explicit(&st->commands, memory_order_relaxed);
        in += atomic_load_explicit(&st->net_in, memory_order_relaxed);
        out += atomic_load_explicit(&st->net_out, memory_order_relaxed);
    }
    inst_rate_tick(t->now_ms, ops, in, out);
}

static void thr_on_tick(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    thr *t = arg;
    thr_refresh_now(t);
    expire_tick(t);
    busy_sweep(t);
    client_pause_tick(t);
    if (t->id == 0) inst_rate_sample(t);
    for (int i = 0; i < t->nshards; i++) {
        shard *s = t->shards[i];
        for (uint32_t db = 0; db < s->ndbs; db++)
            if (shard_table(s, db)) dk_table_step(shard_table(s, db), 256);
        shard_sync_counts(s);
        memtype_tick(s, MEMTYPE_TICK_WORK, t->now_ms);
    }
    if (t->id == 0 &&
        (t->trim_ticks % TICKS_PER_MEMORY_SAMPLE == 0 || limit_get(srv->cf.maxmemory) > 0))
        evict_sample_memory(); /* every tick while there is a memory limit */
    if (t->id == 0 && t->trim_ticks % TICKS_PER_MEMORY_SAMPLE == 0) thr_watch_reserve();
    evict_cycle(t);
    if (++t->trim_ticks >= TICKS_PER_POOL_TRIM) {
        t->trim_ticks = 0;
        zvm_pool_trim(t);
        conn_sweep(t);
        if (t->id == 0) persist_cron(t->now_ms); /* save points, once a second */
    }
}

thr *thr_new(int id, int nthreads) {
    thr *t = mem_calloc(1, sizeof *t);
    t->id = id;
    struct event_config *cfg = event_config_new();
    event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
    t->base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!t->base || t->wake_fd < 0) {
        log_error("thread %d: cannot create its event loop: %s", id, strerror(errno));
        return NULL;
    }
    ck_stack_init(&t->inbox);
    t->wake_ev = event_new(t->base, t->wake_fd, EV_READ | EV_PERSIST, thr_on_wake, t);
    event_add(t->wake_ev, NULL);
    t->tick_ev = event_new(t->base, -1, EV_PERSIST, thr_on_tick, t);
    struct timeval tick = {0, 10000};
    event_add(t->tick_ev, &tick);
    expire_init(t);
    t->to_wake = mem_calloc((size_t)nthreads + 1, sizeof *t->to_wake);
    t->wake_marked = mem_calloc((size_t)nthreads + 1, 1);
    t->now_ms = wall_ms();
    t->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)id << 32) ^ (uint64_t)t->now_ms;
    return t;
}

void thr_send(thr *dst, msg *m) {
    ck_stack_push_upmc(&dst->inbox, &m->link);
    thr *self = thr_current;
    if (self && self != dst) {
        if (!self->wake_marked[dst->id]) {
            self->wake_marked[dst->id] = 1;
            self->to_wake[self->nto_wake++] = dst->id;
        }
        return;
    }
    if (self == dst) return; /* drained at the end of this very turn */
    ck_pr_fence_memory();
    if (!atomic_exchange(&dst->wake_pending, 1)) {
        uint64_t one = 1;
        ssize_t n = write(dst->wake_fd, &one, sizeof one);
        (void)n;
    }
}

void thr_wake_now(thr *t) {
    if (t->nto_wake == 0) return;
    ck_pr_fence_memory();
    for (int i = 0; i < t->nto_wake; i++) {
        thr *dst = srv->threads[t->to_wake[i]];
        t->wake_marked[dst->id] = 0;
        if (!atomic_exchange(&dst->wake_pending, 1)) {
            uint64_t one = 1;
            ssize_t n = write(dst->wake_fd, &one, sizeof one);
            (void)n;
        }
    }
    t->nto_wake = 0;
}

void thr_ready(thr *t, zvm_proc *p) {
    p->next = NULL;
    p->state = ZVM_READY;
    if (t->runq_tail)
        t->runq_tail->next = p;
    else
        t->runq_head = p;
    t->runq_tail = p;
}

void thr_call_on(thr *dst, void (*fn)(void *), void *arg) {
    thr_call *c = mem_alloc(sizeof *c);
    c->m.kind = MSG_CALL;
    c->fn = fn;
    c->arg = arg;
    thr_send(dst, &c->m);
}

void thr_call_kept(thr *dst, thr_call *c) {
    c->m.kind = MSG_CALL_KEPT;
    thr_send(dst, &c->m);
}

static void thr_handle(thr *t, msg *m) {
    switch (m->kind) {
    case MSG_RUN: {
        zvm_proc *p = zvm_of_msg(m);
        atomic_fetch_add_explicit(&t->st.hops, 1, memory_order_relaxed);
        p->cur = t;
        p->pub.budget = ZVM_SLICE;
        zvm_step(p);
        break;
    }
    case MSG_DONE: {
        zvm_proc *p = zvm_of_msg(m);
        p->done(p);
        break;
    }
    case MSG_CONN:
        conn_accept_msg(t, m);
        break;
    case MSG_UNLOCK:
        zvm_unlock_msg(t, m);
        break;
    case MSG_CALL: {
        thr_call *c = (thr_call *)m;
        c->fn(c->arg);
        mem_free(c);
        break;
    }
    case MSG_CALL_KEPT: {
        thr_call *c = (thr_call *)m;
        c->fn(c->arg);
        break;
    }
    default:
        log_error("thread %d: unknown message kind %d", t->id, m->kind);
    }
}

void thr_drain_inbox(thr *t) {
    ck_stack_entry_t *e = ck_stack_batch_pop_upmc(&t->inbox);
    ck_stack_entry_t *fifo = NULL;
    while (e) { /* the stack is newest-first: reverse it so messages run in send order */
        ck_stack_entry_t *next = e->next;
        e->next = fifo;
        fifo = e;
        e = next;
    }
    for (int stage = 0; stage < 2; stage++) /* overlap the table lookups' misses */
        for (ck_stack_entry_t *e2 = fifo; e2; e2 = e2->next)
            if (((msg *)e2)->kind == MSG_RUN) zvm_prefetch(zvm_of_msg((msg *)e2), t, stage);
    while (fifo) {
        ck_stack_entry_t *next = fifo->next;
        thr_handle(t, (msg *)fifo);
        fifo = next;
    }
}

/* Runs each process that was ready at the start of the call once; processes that yield again
 * queue up for the next turn, after I/O has been polled. */
void thr_run_ready(thr *t) {
    zvm_proc *p = t->runq_head;
    t->runq_head = t->runq_tail = NULL;
    while (p) {
        zvm_proc *next = p->next;
        p->next = NULL;
        p->cur = t;
        p->pub.budget = ZVM_SLICE;
        zvm_step(p);
        p = next;
    }
}

/* One turn of the loop: I/O (waiting for it only when idle), messages, ready processes, output. */
static void thr_turn(thr *t, bool may_wait) {
    bool busy = t->runq_head != NULL || t->dirty != NULL || t->lazy != NULL ||
                !CK_STACK_ISEMPTY(&t->inbox) || aof_thread_owes(t);
    if (!busy) {
        atomic_store(&t->wake_pending, 0);
        ck_pr_fence_memory();
        busy = ck_pr_load_ptr(&t->inbox.head) != NULL;
    }
    event_base_loop(t->base, busy || !may_wait ? EVLOOP_NONBLOCK : EVLOOP_ONCE);
    thr_refresh_now(t);
    thr_drain_inbox(t);
    conn_direct_collect(t); /* requests whose replies other threads wrote */
    thr_run_ready(t);
    thr_wake_now(t);     /* before the writes: the threads we sent work to start sooner */
    aof_thread_flush(t); /* this turn's log records to the writer (group commit) */
    conn_flush_dirty(t);
    thr_wake_now(t);
    if (t->lazy) lazy_free_run(t, 300000); /* big deletions free between turns */
}

/* Processes alive on every thread (made and not yet recycled). */
static int64_t thr_live_everywhere(void) {
    int64_t n = 0;
    for (int i = 0; i < srv->nthreads; i++)
        n += atomic_load_explicit(&srv->threads[i]->live, memory_order_relaxed);
    return n;
}

#define THR_STOP_GRACE_MS 10000

static void *thr_main(void *arg) {
    thr *t = arg;
    thr_current = t;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    while (!atomic_load(&t->stop))
        thr_turn(t, true);
    /* Stopping: close the clients (parked requests end), and let the requests still in flight,
     * on any thread, finish (they may hop here), so closed connections and processes are freed.
     * A busy process (a script past busy-reply-threshold, that may never end) is not waited
     * for: as SHUTDOWN NOSAVE in Redis, the exit cuts it off before it ends, so none of its
     * writes reaches the append-only log (a script's are logged when it ends). */
    conn_close_all(t);
    int64_t until = t->now_ms + THR_STOP_GRACE_MS;
    while (thr_live_everywhere() > (int64_t)busy_procs() && t->now_ms < until) {
        thr_turn(t, false);
        if (!t->runq_head && CK_STACK_ISEMPTY(&t->inbox)) usleep(1000);
    }
    /* every call posted is run, those a call posts again included (a module freeing a big value
     * a slice per turn) */
    while (!CK_STACK_ISEMPTY(&t->inbox))
        thr_drain_inbox(t);
    return NULL;
}

int thr_start(thr *t) {
    return pthread_create(&t->pt, NULL, thr_main, t);
}

void thr_stop(thr *t) {
    atomic_store(&t->stop, true);
    uint64_t one = 1;
    ssize_t n = write(t->wake_fd, &one, sizeof one);
    (void)n;
}

void thr_join(thr *t) {
    pthread_join(t->pt, NULL);
}

void thr_free(thr *t) {
    if (!t) return;
    lazy_free_drain(t);
    while (t->pool) {
        zvm_proc *p = t->pool;
        t->pool = p->next;
        zvm_proc_destroy(p);
    }
    if (t->wake_ev) event_free(t->wake_ev);
    if (t->tick_ev) event_free(t->tick_ev);
    expire_fini(t);
    if (t->base) event_base_free(t->base);
    if (t->wake_fd >= 0) close(t->wake_fd);
    mem_free(t->direct);
    mem_free(t->direct_buf.data);
    mem_free(t->to_wake);
    mem_free(t->wake_marked);
    mem_free(t->shards);
    mem_free(t);
}
