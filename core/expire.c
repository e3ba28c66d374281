/* expire.c -- active expiry over a thread's shards (every database's table and the namespaces'
 * nested ones), bounded per tick. */
#include "config.h"
#include "expire.h"
#include "keyspace.h"
#include "notify.h"
#include "ns.h"
#include "server.h"
#include "thread.h"
#include "watch.h"

#include <time.h>

#define EXPIRE_BATCH 64
#define EXPIRE_BUDGET_NS 1000000

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct expire_ctx {
    ks_space sp;
    int64_t now_ms;
    uint64_t removed;
} expire_ctx;

/* A key locked by a process that left the CPU stays until the process is done: its expiry
 * moves a millisecond on and it is looked at again. */
static void expire_one(void *arg, dk_table *t, dk_ref r) {
    expire_ctx *cx = arg;
    dk_entry e;
    dk_table_view(t, r, &e);
    if (cx->sp.s->locks.count && !cx->sp.owner &&
        lock_find(&cx->sp.s->locks, e.key, e.klen, ks_hash(e.key, e.klen))) {
        dk_table_set_expiry(t, r, cx->now_ms + 1);
        return;
    }
    if (!cx->sp.owner && cx->sp.s->watch.count)
        watch_touch_expired(cx->sp.s, cx->sp.db, e.key, e.klen, ks_hash(e.key, e.klen));
    NOTIFY_GONE(&cx->sp, KEEL_NOTIFY_EXPIRED, "expired", e.key, e.klen);
    ks_delete_ref(&cx->sp, r);
    cx->removed++;
}

/* Keys inside namespaces: the namespace tables of s that have expiring keys, each visited from
 * the head of the list and moved to its tail (deleting a key may free nested namespaces, which
 * leave the list themselves).  Skipped while processes hold locks in the shard: a namespace is
 * locked through its top-level entry. */
static void expire_namespaces(shard *s, expire_ctx *top, int64_t deadline) {
    if (s->locks.count) return;
    for (uint32_t n = s->ns_expiring_n; n > 0 && s->ns_expiring && mono_ns() < deadline; n--) {
        ns_obj *o = s->ns_expiring;
        /* the database is not known here: only a database's own table needs it (ks_changed) */
        expire_ctx cx = {{s, o->t, o, 0, NULL, 0}, top->now_ms, 0};
        while (dk_table_expire_due(o->t, top->now_ms, EXPIRE_BATCH, expire_one, &cx) == EXPIRE_BATCH &&
               mono_ns() < deadline) {
        }
        top->removed += cx.removed;
        if (o->expiring) {   /* still has expiring keys: to the back of the line */
            ns_unlist(o);
            ns_list(o);
        }
    }
}

/* The due keys of every database's own table on s, until the deadline; returns how many went. */
static uint64_t expire_databases(shard *s, int64_t now_ms, int64_t deadline) {
    uint64_t removed = 0;
    for (uint32_t db = 0; db < s->ndbs; db++) {
        expire_ctx cx = {ks_top(s, db), now_ms, 0};
        if (!cx.sp.t || dk_table_expires_count(cx.sp.t) == 0) continue;
        size_t found;
        do {
            found = dk_table_expire_due(cx.sp.t, now_ms, EXPIRE_BATCH, expire_one, &cx);
        } while (found == EXPIRE_BATCH && mono_ns() < deadline);
        removed += cx.removed;
        if (mono_ns() >= deadline) break;
    }
    return removed;
}

void expire_cycle(thr *t) {
    if (t->nshards == 0) return;
    int64_t deadline = mono_ns() + EXPIRE_BUDGET_NS;
    for (int n = 0; n < t->nshards; n++) {
        shard *s = t->shards[(t->expire_cursor + (uint32_t)n) % (uint32_t)t->nshards];
        expire_ctx cx = {ks_top(s, 0), t->now_ms, 0};
        cx.removed = expire_databases(s, t->now_ms, deadline);
        expire_namespaces(s, &cx, deadline);
        if (cx.removed) {
            atomic_fetch_add_explicit(&srv->expired_keys, cx.removed, memory_order_relaxed);
            shard_sync_counts(s);
        }
        if (mono_ns() >= deadline) {
            t->expire_cursor = (t->expire_cursor + (uint32_t)n + 1) % (uint32_t)t->nshards;
            return;
        }
    }
}
