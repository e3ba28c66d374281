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

/* Sums of the worker threads' counters (a thr_stats field offset) and of the shards' (a shard
 * field offset), read with relaxed atomics from any thread. */
uint64_t stats_threads_sum(size_t offset);
uint64_t stats_shards_sum(size_t offset);

#endif
