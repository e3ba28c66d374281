/* counters.c -- per-thread statistics counters: each thread writes only its own block, "stats"
 * reads them all; a reset records a baseline instead of writing other threads' blocks. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <keel/sdk.h>
#include "counters.h"

const char *const mc_counter_names[MC_COUNTER_COUNT] = {
    [MC_CMD_GET] = "cmd_get",
    [MC_CMD_SET] = "cmd_set",
    [MC_CMD_FLUSH] = "cmd_flush",
    [MC_CMD_TOUCH] = "cmd_touch",
    [MC_CMD_META] = "cmd_meta",
    [MC_GET_HITS] = "get_hits",
    [MC_GET_MISSES] = "get_misses",
    [MC_DELETE_MISSES] = "delete_misses",
    [MC_DELETE_HITS] = "delete_hits",
    [MC_INCR_MISSES] = "incr_misses",
    [MC_INCR_HITS] = "incr_hits",
    [MC_DECR_MISSES] = "decr_misses",
    [MC_DECR_HITS] = "decr_hits",
    [MC_CAS_MISSES] = "cas_misses",
    [MC_CAS_HITS] = "cas_hits",
    [MC_CAS_BADVAL] = "cas_badval",
    [MC_TOUCH_HITS] = "touch_hits",
    [MC_TOUCH_MISSES] = "touch_misses",
    [MC_STORE_TOO_LARGE] = "store_too_large",
    [MC_TOTAL_ITEMS] = "total_items",
};

/* One thread's counters.  Only that thread writes them (relaxed atomics, so readers on other
 * threads see whole values). */
typedef struct block {
    _Atomic uint64_t n[MC_COUNTER_COUNT];
    struct block *next;
} block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static block *blocks;                       /* every thread's block (guarded by lock) */
static uint64_t baseline[MC_COUNTER_COUNT]; /* totals at the last reset (guarded by lock) */
static __thread block *mine;

static block *my_block(void) {
    if (mine) return mine;
    block *b = keel_calloc(1, sizeof *b);
    if (!b) return NULL;
    pthread_mutex_lock(&lock);
    b->next = blocks;
    blocks = b;
    pthread_mutex_unlock(&lock);
    return mine = b;
}

void mc_count_add(mc_counter c, uint64_t n) {
    block *b = my_block();
    if (!b) return;
    uint64_t v = atomic_load_explicit(&b->n[c], memory_order_relaxed);
    atomic_store_explicit(&b->n[c], v + n, memory_order_relaxed);
}

static uint64_t raw_total(mc_counter c) {
    uint64_t t = 0;
    for (block *b = blocks; b; b = b->next)
        t += atomic_load_explicit(&b->n[c], memory_order_relaxed);
    return t;
}

uint64_t mc_counter_total(mc_counter c) {
    pthread_mutex_lock(&lock);
    uint64_t t = raw_total(c) - baseline[c];
    pthread_mutex_unlock(&lock);
    return t;
}

void mc_counters_reset(void) {
    pthread_mutex_lock(&lock);
    for (int c = 0; c < MC_COUNTER_COUNT; c++)
        baseline[c] = raw_total((mc_counter)c);
    pthread_mutex_unlock(&lock);
}

void mc_counters_free(void) {
    pthread_mutex_lock(&lock);
    while (blocks) {
        block *b = blocks;
        blocks = b->next;
        keel_free(b);
    }
    for (int c = 0; c < MC_COUNTER_COUNT; c++)
        baseline[c] = 0;
    pthread_mutex_unlock(&lock);
    mine = NULL;
}
