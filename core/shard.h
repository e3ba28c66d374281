/* shard.h -- a slice of the keyspace owned by exactly one thread: one table per numbered
 * database, its locks and its counters.  Only the owner touches the tables; the atomic mirrors
 * may be read anywhere. */
#ifndef KEEL_CORE_SHARD_H
#define KEEL_CORE_SHARD_H

#include "block.h"
#include "lock.h"
#include "watch.h"

#include <datakit/table.h>
#include <stdatomic.h>
#include <stdint.h>

struct thr;

/* One database's part of a shard: its table and the counters other threads read. */
typedef struct shard_db {
    dk_table *table;                /* NULL until a key of this database is stored on the shard */
    _Atomic uint64_t nkeys;         /* mirror of dk_table_count, for other threads */
    _Atomic uint64_t nexpires;      /* mirror of dk_table_expires_count */
    _Atomic uint64_t bytes;         /* mirror of dk_table_bytes (updated periodically) */
    _Atomic int64_t expiry_mean;    /* mirror of dk_table_expiry_mean (updated periodically) ... */
    _Atomic uint64_t expiry_mean_n; /* ... and the number of expiring keys it is the mean of */
} shard_db;

typedef struct shard {
    uint32_t id;
    struct thr *owner;
    uint32_t ndbs;  /* the configured number of databases */
    shard_db *dbs;  /* [ndbs] */
    lock_ent *gate; /* a process holding the whole shard (SWAPDB, FLUSHALL): see
                       gate.h; others wait behind it */
    lock_table locks;
    wait_table waits;       /* processes blocked on keys of this shard */
    watch_table watch;      /* keys clients WATCH, with their change counters */
    struct ns_obj **ns_due; /* namespaces whose tables have expiring keys, a min-heap on
                               their earliest expiry (ns_due.h) */
    uint32_t ns_due_n, ns_due_cap;
    uint64_t hits, misses;        /* owner only; read racily by INFO */
    struct snap_pit *pit;         /* a point-in-time BGSAVE writing this shard (snap_pit.h),
                                     NULL when none */
    struct memtype_walk *memtype; /* memory by type, walked by the tick (memtype.h); read by
                                     any thread */
} shard;

/* A shard with ndbs databases (at least 1); database 0's table is made at once. */
shard *shard_new(uint32_t id, struct thr *owner, uint32_t ndbs);
/* Frees the tables and every object in them (types' free ops). */
void shard_free(shard *s);

/* Database db's table on s, or NULL when it has never held a key here (db < s->ndbs). */
static inline dk_table *shard_table(const shard *s, uint32_t db) {
    return s->dbs[db].table;
}
/* The same, made when missing; NULL only when there is no memory for it. */
dk_table *shard_table_make(shard *s, uint32_t db);

/* Updates the atomic mirrors of every database after the tables changed (the tick). */
void shard_sync_counts(shard *s);
/* The same for one database. */
void shard_sync_db(shard *s, uint32_t db);
/* Swaps databases a and b of s: their tables and their mirrors (SWAPDB, on s's owner). */
void shard_swap_dbs(shard *s, uint32_t a, uint32_t b);

/* The shard of a key's hash (a remix of the hash, so the table's own bits stay independent). */
static inline uint32_t shard_of_hash(uint64_t h, uint32_t nshards) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)(((h & 0xffffffffull) * nshards) >> 32);
}

#endif
