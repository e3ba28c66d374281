/* stats.h -- the server's counters summed over threads and shards, for INFO, STATS and the
 * SDK's keel_server_stat. */
#ifndef KEEL_CORE_STATS_H
#define KEEL_CORE_STATS_H

#include <stdbool.h>
#include <stdint.h>

/* The value of a named counter (see keel_server_stat in include/keel/api.h). */
bool stats_get(const char *name, int64_t *out);

#endif
