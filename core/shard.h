/* shard.h -- a slice of the keyspace owned by exactly one thread: its table, its locks and
 * its counters.  Only the owner touches the table; the atomic mirrors may be read anywhere. */
#ifndef KEEL_CORE_SHARD_H
#define KEEL_CORE_SHARD_H

#include "block.h"
#include "lock.h"
#include "watch.h"

#include <datakit/table.h>
#include <stdatomic.h>
#include <stdint.h>

struct thr;

typedef struct shard {
    uint32_t id;
    struct thr *owner;
    dk_table *table;
    lock_table locks;
    wait_table waits;              /* processes blocked on keys of this shard */
    watch_table watch;             /* keys clients WATCH, with their change counters */
    struct ns_obj *ns_expiring;    /* namespaces in this shard whose tables have expiring keys */
    struct ns_obj *ns_expiring_tail;
    uint32_t ns_expiring_n;
    _Atomic uint64_t nkeys;        /* mirror of dk_table_count, for other threads */
    _Atomic uint64_t nexpires;     /* mirror of dk_table_expires_count */
    _Atomic uint64_t bytes;        /* mirror of dk_table_bytes (updated periodically) */
    _Atomic int64_t expiry_mean;   /* mirror of dk_table_expiry_mean (updated periodically) ... */
    _Atomic uint64_t expiry_mean_n;   /* ... and the number of expiring keys it is the mean of */
    uint64_t hits, misses;         /* owner only; read racily by INFO */
} shard;

shard *shard_new(uint32_t id, struct thr *owner);
/* Frees the table and every object in it (types' free ops). */
void shard_free(shard *s);
/* Updates the atomic mirrors after the table changed. */
void shard_sync_counts(shard *s);

/* The shard of a key's hash (a remix of the hash, so the table's own bits stay independent). */
static inline uint32_t shard_of_hash(uint64_t h, uint32_t nshards) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)(((h & 0xffffffffull) * nshards) >> 32);
}

#endif
