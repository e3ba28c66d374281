/* evict.c -- eviction: the used-memory sample, the per-thread pool of candidates sampled from
 * the thread's shards, the removal of the best one, and the check of commands that grow memory
 * (see evict.h). */
#include "config.h"
#include "evict.h"
#include "clock.h"
#include "evict_policy.h"
#include "keyspace.h"
#include "limit.h"
#include "lock.h"
#include "mem.h"
#include "net.h"
#include "notify.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "watch.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define POOL_SIZE 16            /* Redis's EVPOOL_SIZE */
#define ADMIT_MAX_KEYS 64       /* keys one command's admission evicts at most */
#define CYCLE_BUDGET_NS 1000000 /* a tick's eviction time */
#define VOLATILE_TRIES 8        /* random picks per sample looking for a key with a TTL */
#define MAX_THREADS 257         /* more than conf allows */

/* A candidate: a copy of its name (it is looked up again before it goes), where it lives, and its
 * meta word when sampled (a key touched since is passed over). */
typedef struct pool_ent {
    uint64_t score; /* the higher, the better to evict */
    uint64_t hash;
    uint32_t shard_ix, db; /* t->shards[shard_ix], database db */
    uint16_t meta;
    size_t klen;
    char *key;
} pool_ent;

/* A thread's candidates, sorted by score, the best last. */
typedef struct evict_pool {
    pool_ent e[POOL_SIZE];
    int n;
    uint32_t cursor; /* the shard sampled next */
} evict_pool;

static evict_pool *pools[MAX_THREADS];
static _Atomic bool starved[MAX_THREADS];  /* the thread's last attempt found no candidate */
static _Atomic int64_t spare[MAX_THREADS]; /* free slots in the thread's tables' pages */
static _Atomic int64_t used_sample, evicted;
/* What evictions freed that the figures above do not show yet: table slots a thread freed since
 * it last published its spare bytes (note_spare), and objects freed since the last sample. */
static _Atomic int64_t freed_slots[MAX_THREADS], freed_objs;

/* ---- used memory ---------------------------------------------------------------------------- */

/* Memory the allocator counts as used, less the free slots of the keyspace tables' pages: an
 * evicted key's slot goes back to its page, not to the allocator, and the next key stored
 * takes it, so it counts as free (as the allocator's own free lists do). */
int64_t evict_spare_bytes(void) {
    int64_t n = 0;
    for (int i = 0; i < srv->nthreads && i < MAX_THREADS; i++)
        n += atomic_load_explicit(&spare[i], memory_order_relaxed);
    return n;
}

int64_t evict_memory_used(void) {
    return mem_process_sample() - evict_spare_bytes();
}

/* freed_objs is taken before the allocator is read: an object freed in between counts twice
 * for a moment (used memory looks lower), never not at all (which would evict more keys). */
void evict_sample_memory(void) {
    atomic_store_explicit(&freed_objs, 0, memory_order_relaxed);
    atomic_store_explicit(&used_sample, mem_process_sample(), memory_order_relaxed);
}

/* The allocator's last sample, less the tables' spare bytes as each thread last published them,
 * less what was freed since either. */
int64_t evict_used(void) {
    int64_t slots = 0;
    for (int i = 0; i < srv->nthreads && i < MAX_THREADS; i++)
        slots += atomic_load_explicit(&freed_slots[i], memory_order_relaxed);
    return atomic_load_explicit(&used_sample, memory_order_relaxed) - evict_spare_bytes() - slots -
           atomic_load_explicit(&freed_objs, memory_order_relaxed);
}

bool evict_over(void) {
    int64_t max = limit_get(srv->cf.maxmemory);
    return max > 0 && evict_used() > max;
}

int64_t evict_count(void) {
    return atomic_load_explicit(&evicted, memory_order_relaxed);
}

void evict_removed(shard *s, uint32_t db, const void *key, size_t klen) {
    atomic_fetch_add_explicit(&evicted, 1, memory_order_relaxed);
    ks_space sp = ks_top(s, db);
    notify_evicted(&sp, key, klen); /* the `evicted` keyspace event (key: a copy of the name) */
}

/* ---- the pool ------------------------------------------------------------------------------- */

static evict_pool *pool_of(thr *t) {
    if (!pools[t->id]) pools[t->id] = mem_calloc(1, sizeof(evict_pool));
    return pools[t->id];
}

static void ent_clear(pool_ent *e) {
    mem_free(e->key);
    memset(e, 0, sizeof *e);
}

static bool pool_has(const evict_pool *pl, uint32_t ix, uint32_t db, const void *key, size_t klen) {
    for (int i = 0; i < pl->n; i++) {
        const pool_ent *e = &pl->e[i];
        if (e->shard_ix == ix && e->db == db && e->klen == klen && !memcmp(e->key, key, klen))
            return true;
    }
    return false;
}

/* Adds the entry r of t (shard ix, database db) with score, keeping the POOL_SIZE best. */
static void pool_add(evict_pool *pl, uint32_t ix, uint32_t db, dk_table *t, dk_ref r,
                     uint64_t score) {
    if (pl->n == POOL_SIZE && score <= pl->e[0].score) return;
    dk_entry e;
    dk_table_view(t, r, &e);
    if (pool_has(pl, ix, db, e.key, e.klen)) return;
    int k = 0;
    while (k < pl->n && pl->e[k].score < score)
        k++;
    if (pl->n == POOL_SIZE) { /* the worst goes; those below k move down */
        ent_clear(&pl->e[0]);
        memmove(&pl->e[0], &pl->e[1], (size_t)(k - 1) * sizeof pl->e[0]);
        k--;
    } else {
        memmove(&pl->e[k + 1], &pl->e[k], (size_t)(pl->n - k) * sizeof pl->e[0]);
        pl->n++;
    }
    pool_ent *p = &pl->e[k];
    p->score = score;
    p->hash = ks_hash(e.key, e.klen);
    p->shard_ix = ix;
    p->db = db;
    p->meta = dk_table_meta(t, r);
    p->klen = e.klen;
    p->key = mem_alloc(e.klen ? e.klen : 1);
    memcpy(p->key, e.key, e.klen);
}

/* ---- sampling ------------------------------------------------------------------------------- */

static uint64_t score_of(int policy, dk_table *t, dk_ref r, int64_t now_ms) {
    if (policy == EVICT_VOLATILE_TTL) {
        dk_entry e;
        dk_table_view(t, r, &e);
        return UINT64_MAX - (uint64_t)e.expire_ms;
    }
    uint16_t meta = dk_table_meta(t, r);
    if (evict_policy_lfu(policy)) return 256 - evict_meta_freq(meta, now_ms);
    return (uint64_t)evict_meta_idle_s(meta, now_ms) + 1;
}

/* A random entry of t; under a volatile policy one with a TTL (after a few random picks, the one
 * expiring soonest), DK_REF_NONE when there is none. */
static dk_ref pick(thr *th, dk_table *t, int policy) {
    if (!evict_policy_volatile(policy)) return dk_table_random(t, thr_random(th));
    if (dk_table_expires_count(t) == 0) return DK_REF_NONE;
    for (int i = 0; i < VOLATILE_TRIES; i++) {
        dk_ref r = dk_table_random(t, thr_random(th));
        dk_entry e;
        dk_table_view(t, r, &e);
        if (e.expire_ms != DK_NO_EXPIRY) return r;
    }
    return dk_table_soonest(t);
}

/* Samples shard ix of th into the pool: maxmemory-samples keys of each database's table (the one
 * expiring soonest under volatile-ttl). */
static void sample_shard(thr *th, evict_pool *pl, uint32_t ix, int policy) {
    shard *s = th->shards[ix];
    int samples = limit_get(srv->cf.maxmemory_samples);
    for (uint32_t db = 0; db < s->ndbs; db++) {
        dk_table *t = shard_table(s, db);
        if (!t || dk_table_count(t) == 0) continue;
        if (policy == EVICT_VOLATILE_TTL) {
            dk_ref r = dk_table_soonest(t);
            if (r != DK_REF_NONE) pool_add(pl, ix, db, t, r, score_of(policy, t, r, th->now_ms));
            continue;
        }
        for (int i = 0; i < samples; i++) {
            dk_ref r = pick(th, t, policy);
            if (r == DK_REF_NONE) break;
            pool_add(pl, ix, db, t, r, score_of(policy, t, r, th->now_ms));
        }
    }
}

/* ---- removing a key ------------------------------------------------------------------------- */

/* Whether the key may go now: no process holds it and no gate is up on its shard. */
static bool removable(shard *s, const char *key, size_t klen, uint64_t hash) {
    if (s->gate) return false;
    return !s->locks.count || !lock_find(&s->locks, key, klen, hash);
}

/* Removes entry r (key, klen, hash: a copy of its name) of database db of s as DEL would, so a
 * client watching it sees the change; returns about how many bytes that frees. */
static int64_t remove_key(shard *s, uint32_t db, dk_ref r, const char *key, size_t klen,
                          uint64_t hash) {
    ks_space sp = ks_top(s, db);
    dk_entry e;
    dk_table_view(sp.t, r, &e);
    int64_t slot = (int64_t)dk_table_entry_bytes(sp.t, r), obj = 0;
    if (e.kind == DK_ENTRY_OBJ) {
        const type_entry *te = type_by_id(e.obj_type);
        if (te && te->def.memory_usage) obj = (int64_t)te->def.memory_usage(e.obj);
    }
    atomic_fetch_add_explicit(&freed_slots[s->owner->id], slot, memory_order_relaxed);
    atomic_fetch_add_explicit(&freed_objs, obj, memory_order_relaxed);
    int64_t bytes = slot + obj;
    ks_delete_ref(&sp, r);
    shard_sync_db(s, db); /* other threads' admissions read whether candidates are left */
    if (s->watch.count) watch_touch(s, db, key, klen, hash);
    evict_removed(s, db, key, klen);
    return bytes;
}

/* Evicts the best candidate of the pool still there and untouched since it was sampled; returns
 * the bytes freed, -1 when the pool ran dry. */
static int64_t evict_best(thr *th, evict_pool *pl) {
    while (pl->n > 0) {
        pool_ent *b = &pl->e[--pl->n];
        shard *s = th->shards[b->shard_ix];
        dk_table *t = shard_table(s, b->db);
        dk_ref r = t ? dk_table_find(t, b->key, b->klen, b->hash) : DK_REF_NONE;
        int64_t freed = -1;
        if (r != DK_REF_NONE && dk_table_meta(t, r) == b->meta &&
            removable(s, b->key, b->klen, b->hash))
            freed = remove_key(s, b->db, r, b->key, b->klen, b->hash);
        ent_clear(b);
        if (freed >= 0) return freed;
    }
    return -1;
}

/* allkeys-random, volatile-random: a random key of shard ix; -1 when it has none. */
static int64_t evict_random(thr *th, uint32_t ix, int policy) {
    shard *s = th->shards[ix];
    uint32_t first = (uint32_t)(thr_random(th) % s->ndbs);
    for (uint32_t n = 0; n < s->ndbs; n++) {
        uint32_t db = (first + n) % s->ndbs;
        dk_table *t = shard_table(s, db);
        if (!t || dk_table_count(t) == 0) continue;
        dk_ref r = pick(th, t, policy);
        if (r == DK_REF_NONE) continue;
        dk_entry e;
        dk_table_view(t, r, &e);
        char stack[256];
        char *key = e.klen <= sizeof stack ? stack : mem_alloc(e.klen);
        size_t klen = e.klen;
        memcpy(key, e.key, klen);
        uint64_t hash = ks_hash(key, klen);
        int64_t freed = removable(s, key, klen, hash) ? remove_key(s, db, r, key, klen, hash) : -1;
        if (key != stack) mem_free(key);
        if (freed >= 0) return freed;
    }
    return -1;
}

/* Evicts one key of th's shards under policy, sampling its shards in turn; returns the bytes
 * freed, or -1 when no shard of th has a candidate. */
static int64_t evict_one(thr *th, int policy) {
    if (th->nshards == 0) return -1;
    evict_pool *pl = pool_of(th);
    bool random = policy == EVICT_ALLKEYS_RANDOM || policy == EVICT_VOLATILE_RANDOM;
    for (int tries = 0; tries < th->nshards; tries++) {
        uint32_t ix = pl->cursor++ % (uint32_t)th->nshards;
        int64_t freed;
        if (random) {
            freed = evict_random(th, ix, policy);
        } else {
            sample_shard(th, pl, ix, policy);
            freed = evict_best(th, pl);
        }
        if (freed >= 0) {
            atomic_store_explicit(&starved[th->id], false, memory_order_relaxed);
            return freed;
        }
    }
    atomic_store_explicit(&starved[th->id], true, memory_order_relaxed);
    return -1;
}

/* ---- when to evict -------------------------------------------------------------------------- */

/* The policy a write over the limit on network net evicts with, or EVICT_NOEVICTION to refuse. */
static int policy_for(const listener *net) {
    int policy = limit_get(srv->cf.maxmemory_policy);
    int mode = net ? net->cf->eviction : EVICT_NET_POLICY;
    if (mode == EVICT_NET_DEFAULT)
        mode =
            net && !strcmp(net->proto->def.name, "memcache") ? EVICT_NET_EVICT : EVICT_NET_POLICY;
    if (mode == EVICT_NET_REFUSE) return EVICT_NOEVICTION;
    if (mode == EVICT_NET_EVICT && policy == EVICT_NOEVICTION) return EVICT_ALLKEYS_LRU;
    return policy;
}

/* Whether a shard of another thread than t still holds a key policy may evict (from the shards'
 * mirrors, which eviction and every tick keep current). */
static bool others_have_candidates(const thr *t, int policy) {
    bool volatile_only = evict_policy_volatile(policy);
    for (uint32_t i = 0; i < srv->nshards; i++) {
        shard *s = shard_get(i);
        if (s->owner == t) continue;
        for (uint32_t db = 0; db < s->ndbs; db++) {
            const shard_db *d = &s->dbs[db];
            if (atomic_load_explicit(volatile_only ? &d->nexpires : &d->nkeys,
                                     memory_order_relaxed))
                return true;
        }
    }
    return false;
}

/* Keys on the shards of thread id (all threads when id < 0), from the shards' mirrors. */
static uint64_t keys_of(int id);

/* Another thread's part of an excess found by a write: it evicts its share now (evict_cycle),
 * not at its next tick.  One call in flight per thread. */
static _Atomic bool cycle_posted[MAX_THREADS];

static void cycle_call(void *arg) {
    (void)arg;
    thr *t = thr_self();
    atomic_store_explicit(&cycle_posted[t->id], false, memory_order_relaxed);
    evict_cycle(t);
}

static void ask_others(const thr *t) {
    for (int i = 0; i < srv->nthreads; i++) {
        if (i == t->id) continue; /* a starved thread too: its last look may be stale */
        if (!atomic_exchange_explicit(&cycle_posted[i], true, memory_order_relaxed))
            thr_call_on(srv->threads[i], cycle_call, NULL);
    }
}

/* A write over the limit evicts this thread's share of the excess (by its keys, as evict_cycle
 * does) and asks the other threads for theirs: each thread's shards lose keys in proportion, so
 * a client writing from one thread does not empty that thread's shards of their coldest keys
 * and start on the hot ones while the other threads keep theirs. */
bool evict_admit(thr *t, const listener *net) {
    int64_t max = limit_get(srv->cf.maxmemory);
    if (max <= 0 || evict_used() <= max) return true;
    int policy = policy_for(net);
    if (policy == EVICT_NOEVICTION) return false;
    int64_t excess = evict_used() - max;
    uint64_t mine = keys_of(t->id), all = keys_of(-1);
    int64_t target = all > mine ? (int64_t)((double)excess * (double)mine / (double)all) : excess;
    int n = 0;
    for (int64_t freed = 0; n < ADMIT_MAX_KEYS && (n == 0 || freed < target) && evict_used() > max;
         n++) {
        int64_t f = evict_one(t, policy);
        if (f < 0) break;
        freed += f > 0 ? f : 1;
    }
    if (evict_used() > max) ask_others(t);
    /* freed enough, made progress (the rest follows), or other threads still have candidates */
    return n > 0 || evict_used() <= max || others_have_candidates(t, policy);
}

static uint64_t keys_of(int id) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < srv->nshards; i++) {
        shard *s = shard_get(i);
        if (id >= 0 && s->owner->id != id) continue;
        if (id < 0 && atomic_load_explicit(&starved[s->owner->id], memory_order_relaxed)) continue;
        for (uint32_t db = 0; db < s->ndbs; db++)
            n += atomic_load_explicit(&s->dbs[db].nkeys, memory_order_relaxed);
    }
    return n;
}

/* Publishes the spare bytes of t's tables for the next sample. */
static void note_spare(thr *t) {
    int64_t n = 0;
    for (int i = 0; i < t->nshards; i++)
        for (uint32_t db = 0; db < t->shards[i]->ndbs; db++) {
            dk_table *tb = shard_table(t->shards[i], db);
            if (tb) n += (int64_t)dk_table_spare_bytes(tb);
        }
    atomic_store_explicit(&spare[t->id], n, memory_order_relaxed);
    atomic_store_explicit(&freed_slots[t->id], 0, memory_order_relaxed); /* n shows them now */
}

void evict_cycle(thr *t) {
    int64_t max = limit_get(srv->cf.maxmemory);
    int policy = limit_get(srv->cf.maxmemory_policy);
    note_spare(t);
    if (max <= 0 || policy == EVICT_NOEVICTION) return;
    int64_t excess = evict_used() - max;
    if (excess <= 0) return;
    /* this thread's share, by its keys among those of the threads that still have candidates */
    uint64_t mine = keys_of(t->id), all = keys_of(-1);
    if (mine == 0) return;
    int64_t target = all > mine ? (int64_t)((double)excess * (double)mine / (double)all) : excess;
    int64_t deadline = mono_ns() + CYCLE_BUDGET_NS, freed = 0;
    while (freed < target && evict_used() > max && mono_ns() < deadline) {
        int64_t f = evict_one(t, policy);
        if (f < 0) break;
        freed += f > 0 ? f : 1;
    }
}

void evict_free_all(void) {
    for (int i = 0; i < MAX_THREADS; i++) {
        if (!pools[i]) continue;
        for (int k = 0; k < pools[i]->n; k++)
            ent_clear(&pools[i]->e[k]);
        mem_free(pools[i]);
        pools[i] = NULL;
    }
}
