/* counters.h -- the memcached statistics counters (cmd_get, get_hits, ...), kept per thread so
 * that counting costs two plain memory accesses, and summed when "stats" asks. */
#ifndef MC_COUNTERS_H
#define MC_COUNTERS_H

#include <stdint.h>

/* In the order "stats" lists them; mc_counter_names gives each one's stats name. */
typedef enum mc_counter {
    MC_CMD_GET = 0,
    MC_CMD_SET,
    MC_CMD_FLUSH,
    MC_CMD_TOUCH,
    MC_CMD_META,
    MC_GET_HITS,
    MC_GET_MISSES,
    MC_DELETE_MISSES,
    MC_DELETE_HITS,
    MC_INCR_MISSES,
    MC_INCR_HITS,
    MC_DECR_MISSES,
    MC_DECR_HITS,
    MC_CAS_MISSES,
    MC_CAS_HITS,
    MC_CAS_BADVAL,
    MC_TOUCH_HITS,
    MC_TOUCH_MISSES,
    MC_STORE_TOO_LARGE,
    MC_TOTAL_ITEMS,
    MC_COUNTER_COUNT
} mc_counter;

extern const char *const mc_counter_names[MC_COUNTER_COUNT];

/* Adds n to counter c on the calling thread's counters (allocated on the thread's first count;
 * an allocation failure drops the count). */
void mc_count_add(mc_counter c, uint64_t n);
static inline void mc_count(mc_counter c) {
    mc_count_add(c, 1);
}

/* The total of counter c over every thread, since the last reset. */
uint64_t mc_counter_total(mc_counter c);

/* "stats reset": totals start again from zero. */
void mc_counters_reset(void);

/* Frees every thread's counters (module unload, when no thread counts any more). */
void mc_counters_free(void);

#endif
