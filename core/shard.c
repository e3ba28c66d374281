/* shard.c -- creating and freeing shards and their databases' tables, and publishing their
 * counters. */
#include "config.h"
#include "shard.h"
#include "memtype.h"
#include "snap_pit.h"
#include "keyspace.h"
#include "mem.h"
#include "ns_due.h"

shard *shard_new(uint32_t id, struct thr *owner, uint32_t ndbs) {
    shard *s = mem_calloc(1, sizeof *s);
    s->id = id;
    s->owner = owner;
    s->ndbs = ndbs ? ndbs : 1;
    s->dbs = mem_calloc(s->ndbs, sizeof *s->dbs);
    s->dbs[0].table = dk_table_new_meta(); /* keyspace tables keep eviction's word */
    return s;
}

void shard_free(shard *s) {
    if (!s) return;
    snap_pit_disarm(s, NULL, NULL);
    memtype_free(s);
    ns_due_free(s); /* first: a namespace freed with the tables or later leaves s alone */
    for (uint32_t db = 0; db < s->ndbs; db++)
        dk_table_free(s->dbs[db].table, ks_free_obj, NULL);
    mem_free(s->dbs);
    mem_free(s->gate);
    lock_table_free(&s->locks);
    wait_table_free(&s->waits);
    watch_table_free(&s->watch);
    mem_free(s);
}

dk_table *shard_table_make(shard *s, uint32_t db) {
    if (!s->dbs[db].table) s->dbs[db].table = dk_table_new_meta();
    return s->dbs[db].table;
}

void shard_sync_db(shard *s, uint32_t db) {
    shard_db *d = &s->dbs[db];
    const dk_table *t = d->table;
    atomic_store_explicit(&d->nkeys, t ? dk_table_count(t) : 0, memory_order_relaxed);
    atomic_store_explicit(&d->nexpires, t ? dk_table_expires_count(t) : 0, memory_order_relaxed);
    atomic_store_explicit(&d->bytes, t ? dk_table_bytes(t) : 0, memory_order_relaxed);
    int64_t mean = t ? dk_table_expiry_mean(t) : DK_NO_EXPIRY;
    atomic_store_explicit(&d->expiry_mean, mean, memory_order_relaxed);
    atomic_store_explicit(&d->expiry_mean_n,
                          atomic_load_explicit(&d->nexpires, memory_order_relaxed),
                          memory_order_relaxed);
}

void shard_sync_counts(shard *s) {
    for (uint32_t db = 0; db < s->ndbs; db++)
        if (s->dbs[db].table) shard_sync_db(s, db); /* a database without one reads 0 already */
}

void shard_swap_dbs(shard *s, uint32_t a, uint32_t b) {
    snap_pit_finish_walk(s); /* a point-in-time BGSAVE writes every key of s first */
    dk_table *t = s->dbs[a].table;
    s->dbs[a].table = s->dbs[b].table;
    s->dbs[b].table = t;
    shard_sync_db(s, a);
    shard_sync_db(s, b);
}
