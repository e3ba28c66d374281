/* shard.c -- creating and freeing shards, and publishing their counters. */
#include "config.h"
#include "shard.h"
#include "keyspace.h"
#include "mem.h"

shard *shard_new(uint32_t id, struct thr *owner) {
    shard *s = mem_calloc(1, sizeof *s);
    s->id = id;
    s->owner = owner;
    s->table = dk_table_new();
    return s;
}

void shard_free(shard *s) {
    if (!s) return;
    dk_table_free(s->table, ks_free_obj, NULL);
    lock_table_free(&s->locks);
    wait_table_free(&s->waits);
    watch_table_free(&s->watch);
    mem_free(s);
}

void shard_sync_counts(shard *s) {
    atomic_store_explicit(&s->nkeys, dk_table_count(s->table), memory_order_relaxed);
    atomic_store_explicit(&s->nexpires, dk_table_expires_count(s->table), memory_order_relaxed);
    atomic_store_explicit(&s->bytes, dk_table_bytes(s->table), memory_order_relaxed);
    atomic_store_explicit(&s->expiry_mean, dk_table_expiry_mean(s->table), memory_order_relaxed);
    atomic_store_explicit(&s->expiry_mean_n, dk_table_expires_count(s->table),
                          memory_order_relaxed);
}
