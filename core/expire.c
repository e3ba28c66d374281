/* expire.c -- active expiry over a thread's shards (every database's table and the namespaces'
 * nested ones), run by a timer armed for the earliest deadline, a bounded slice per loop turn. */
#include "config.h"
#include "expire.h"
#include "aof.h"
#include "clock.h"
#include "expire_lag.h"
#include "keyspace.h"
#include "log.h"
#include "notify.h"
#include "ns.h"
#include "ns_due.h"
#include "server.h"
#include "snap_pit.h"
#include "thread.h"
#include "watch.h"

#include <errno.h>
#include <event2/event.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define EXPIRE_BATCH 64
#define EXPIRE_NONE INT64_MAX

int64_t expire_wall_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the timer ---- */

/* The timer is a timerfd on the wall clock, armed for an absolute time: a key's deadline is a
 * wall-clock time, so it fires at it to the microsecond (libevent's own timers count from a
 * coarse clock that ticks every few milliseconds), follows a clock that is stepped, and costs a
 * system call only when the deadline changes.  A time already past fires at the next poll. */

/* Arms t's timer for wall-clock time at_ms (> 0), or disarms it (EXPIRE_NONE). */
static void expire_arm(thr *t, int64_t at_ms) {
    if (at_ms <= 0) at_ms = 1; /* an all-zero time disarms a timerfd: past is past */
    t->expire_at = at_ms;
    struct itimerspec it = {{0, 0}, {0, 0}};
    if (at_ms != EXPIRE_NONE) {
        it.it_value.tv_sec = (time_t)(at_ms / 1000);
        it.it_value.tv_nsec = (long)(at_ms % 1000) * 1000000;
    }
    if (t->expire_ev) timerfd_settime(t->expire_fd, TFD_TIMER_ABSTIME, &it, NULL);
}

static void expire_on_timer(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    uint64_t fired;
    ssize_t n = read(fd, &fired, sizeof fired); /* consumes the expiration (EAGAIN: none) */
    (void)n;
    expire_run(arg);
}

void expire_init(thr *t) {
    t->expire_at = EXPIRE_NONE;
    t->expire_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (t->expire_fd < 0) {
        log_warning("thread %d: no timerfd (%s): keys expire on the 10 ms tick", t->id,
                    strerror(errno));
        return;
    }
    t->expire_ev = event_new(t->base, t->expire_fd, EV_READ | EV_PERSIST, expire_on_timer, t);
    event_add(t->expire_ev, NULL);
}

void expire_fini(thr *t) {
    if (!t->expire_ev) return;
    event_free(t->expire_ev);
    close(t->expire_fd);
    t->expire_ev = NULL;
}

void expire_soon(shard *s, int64_t at_ms) {
    thr *t = s->owner;
    if (t && at_ms < t->expire_at) expire_arm(t, at_ms);
}

void expire_note_lazy(shard *s, int64_t expire_ms) {
    if (s->owner) expire_lag_add(&s->owner->lag, expire_wall_us() - expire_ms * 1000);
}

void expire_lag_all(expire_lag_summary *out) {
    static _Thread_local expire_lag_total acc; /* 4.7 KB: off the stack */
    acc = (expire_lag_total){{0}, 0};
    for (int i = 0; i < srv->nthreads; i++)
        if (srv->threads[i]) expire_lag_sum(&acc, &srv->threads[i]->lag);
    expire_lag_summarize(&acc, out);
}

/* The earliest expiry of any key in t's shards, EXPIRE_NONE when no key has one. */
static int64_t expire_next(const thr *t) {
    int64_t next = EXPIRE_NONE;
    for (int n = 0; n < t->nshards; n++) {
        const shard *s = t->shards[n];
        for (uint32_t db = 0; db < s->ndbs; db++) {
            const dk_table *tb = shard_table(s, db);
            if (!tb || dk_table_expires_count(tb) == 0) continue;
            int64_t at = dk_table_next_expiry(tb);
            if (at < next) next = at;
        }
        const ns_obj *o = ns_due_first(s);
        if (o && o->due < next) next = o->due;
    }
    return next;
}

/* ---- removing due keys ---- */

typedef struct expire_ctx {
    ks_space sp;
    int64_t now_ms;
    int64_t now_us; /* the wall clock for the lag, read before each batch */
    uint64_t removed;
    expire_lag *lag;
} expire_ctx;

/* A key locked by a process that left the CPU stays until the process is done: its expiry
 * moves a millisecond on and it is looked at again. */
static void expire_one(void *arg, dk_table *t, dk_ref r) {
    expire_ctx *cx = arg;
    dk_entry e;
    dk_table_view(t, r, &e);
    if (cx->sp.s->locks.count && !cx->sp.owner &&
        lock_find(&cx->sp.s->locks, e.key, e.klen, ks_hash(e.key, e.klen))) {
        snap_pit_note(cx->sp.s, cx->sp.db, e.key, e.klen, 0); /* before its expiry moves */
        dk_table_set_expiry(t, r, cx->now_ms + 1);
        return;
    }
    if (!cx->sp.owner && cx->sp.s->watch.count)
        watch_touch_expired(cx->sp.s, cx->sp.db, e.key, e.klen, ks_hash(e.key, e.klen));
    NOTIFY_GONE(&cx->sp, KEEL_NOTIFY_EXPIRED, "expired", e.key, e.klen);
    expire_lag_add(cx->lag, cx->now_us - e.expire_ms * 1000);
    ks_delete_ref(&cx->sp, r);
    cx->removed++;
}

/* One batch of table t's due keys; true when it found a whole batch (more may be due). */
static bool expire_batch(dk_table *t, expire_ctx *cx) {
    cx->now_us = expire_wall_us();
    return dk_table_expire_due(t, cx->now_ms, EXPIRE_BATCH, expire_one, cx) == EXPIRE_BATCH;
}

/* Keys inside namespaces: the nested tables of s whose earliest expiry is due, earliest first
 * (deleting a key may free nested namespaces, which leave the heap themselves).  Skipped while
 * processes hold locks in the shard (a namespace is locked through its top-level entry): they
 * are looked at again a millisecond later.  False when the slice ran out with due keys left. */
static bool expire_namespaces(shard *s, expire_ctx *top, int64_t deadline) {
    if (s->locks.count) return true;
    ns_obj *o;
    while ((o = ns_due_first(s)) && o->due <= top->now_ms) {
        if (mono_ns() >= deadline) return false;
        /* the database is not known here: only a database's own table needs it (ks_changed) */
        expire_ctx cx = {{s, o->t, o, 0, NULL, 0}, top->now_ms, 0, 0, top->lag};
        bool full = expire_batch(o->t, &cx);
        top->removed += cx.removed;
        if (!full && cx.removed == 0) { /* a stale place in the heap: never spin on it */
            ns_due_update(o);
            if (ns_due_first(s) == o && o->due <= top->now_ms) return true;
        }
    }
    return true;
}

/* The due keys of every database's own table on s; false when the slice ran out with due keys
 * left. */
static bool expire_databases(shard *s, expire_ctx *top, int64_t deadline) {
    for (uint32_t db = 0; db < s->ndbs; db++) {
        expire_ctx cx = {ks_top(s, db), top->now_ms, 0, 0, top->lag};
        if (!cx.sp.t || dk_table_expires_count(cx.sp.t) == 0) continue;
        bool more;
        do {
            more = expire_batch(cx.sp.t, &cx);
        } while (more && mono_ns() < deadline);
        top->removed += cx.removed;
        if (more) return false;
    }
    return true;
}

void expire_run(thr *t) {
    if (t->nshards == 0) return;
    if (atomic_load_explicit(&aof_replay_now, memory_order_relaxed)) {
        /* the log is replayed on its records' clocks (aof.h): no active expiry meanwhile, as
         * Redis while loading; a look every 100 ms of the real clock, and one at the end */
        expire_arm(t, expire_wall_us() / 1000 + 100);
        return;
    }
    thr_refresh_now(t);
    atomic_fetch_add_explicit(&t->st.expire_runs, 1,
                              memory_order_relaxed); /* before any key goes */
    int64_t start = mono_ns(), deadline = start + EXPIRE_SLICE_NS;
    bool done = true;
    for (int n = 0; n < t->nshards && done; n++) {
        uint32_t at = (t->expire_cursor + (uint32_t)n) % (uint32_t)t->nshards;
        shard *s = t->shards[at];
        expire_ctx cx = {ks_top(s, 0), t->now_ms, 0, 0, &t->lag};
        done = expire_databases(s, &cx, deadline) && expire_namespaces(s, &cx, deadline);
        if (cx.removed) {
            atomic_fetch_add_explicit(&srv->expired_keys, (int64_t)cx.removed,
                                      memory_order_relaxed);
            shard_sync_counts(s);
        }
        if (!done) t->expire_cursor = at; /* the next slice starts where this one stopped */
    }
    atomic_fetch_add_explicit(&t->st.expire_ns, (uint64_t)(mono_ns() - start),
                              memory_order_relaxed);
    if (!done) {
        atomic_fetch_add_explicit(&t->st.expire_capped, 1, memory_order_relaxed);
        expire_arm(t, t->now_ms); /* again at once, once the loop has served I/O */
        return;
    }
    int64_t next = expire_next(t);
    /* still due after a whole pass: only keys that may not go yet (locked), a millisecond on */
    if (next != EXPIRE_NONE && next <= t->now_ms) next = t->now_ms + 1;
    expire_arm(t, next);
}

void expire_tick(thr *t) {
    if (!t->expire_ev && t->expire_at <= t->now_ms) expire_run(t);
}
