/* stats.h -- the server's counters summed over threads and shards, for INFO, STATS and the
 * SDK's keel_server_stat. */
#ifndef KEEL_CORE_STATS_H
#define KEEL_CORE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of a named counter (see keel_server_stat in include/keel/api.h). */
bool stats_get(const char *name, int64_t *out);

/* Records the moment the server became ready (main thread, once every network listens). */
void stats_note_ready(void);
/* That moment in unix ms (0 before). */
int64_t stats_ready_ms(void);
/* The process's allocated bytes at that moment (MEMORY STATS's startup.allocated; 0 before). */
int64_t stats_startup_bytes(void);

/* Sums of the worker threads' counters (a thr_stats field offset) and of the shards' databases'
 * (a shard_db field offset: every database, or database db), read with relaxed atomics from any
 * thread. */
uint64_t stats_threads_sum(size_t offset);
uint64_t stats_shards_sum(size_t offset);
uint64_t stats_db_sum(uint32_t db, size_t offset);

/* The mean time to live left (ms) of database db's top-level keys with an expiry at now_ms, 0
 * when there are none (INFO keyspace's avg_ttl): exact as of each shard's last tick (every 10
 * ms), from the tables' running sums of expiry times.  stats_avg_ttl: of every database. */
int64_t stats_avg_ttl_db(uint32_t db, int64_t now_ms);
int64_t stats_avg_ttl(int64_t now_ms);

#endif
