/* flush.c -- the scheduled flush time: an atomic word any connection thread may claim. */
#include <stdatomic.h>
#include "flush.h"

static _Atomic int64_t flush_at; /* 0 = none */

void mc_flush_schedule(int64_t at_ms) {
    atomic_store_explicit(&flush_at, at_ms > 0 ? at_ms : 1, memory_order_relaxed);
}

void mc_flush_cancel(void) {
    atomic_store_explicit(&flush_at, 0, memory_order_relaxed);
}

bool mc_flush_pending(void) {
    return atomic_load_explicit(&flush_at, memory_order_relaxed) != 0;
}

bool mc_flush_take_due(int64_t now_ms) {
    int64_t at = atomic_load_explicit(&flush_at, memory_order_relaxed);
    if (at == 0 || at > now_ms) return false;
    return atomic_compare_exchange_strong(&flush_at, &at, 0);
}
