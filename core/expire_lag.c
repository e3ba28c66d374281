/* expire_lag.c -- the per-thread expiry-lag histogram and its merged percentiles (see
 * expire_lag.h). */
#include "config.h"
#include "expire_lag.h"

unsigned expire_lag_bucket(uint64_t v) {
    if (v < EXPIRE_LAG_EXACT) return (unsigned)v;
    unsigned bit = 63u - (unsigned)__builtin_clzll(v); /* >= 5 */
    if (bit >= EXPIRE_LAG_TOP_BIT) return EXPIRE_LAG_BUCKETS - 1;
    unsigned sub = (unsigned)(v >> (bit - 4)) & (EXPIRE_LAG_SUB - 1);
    return EXPIRE_LAG_EXACT + (bit - 5) * EXPIRE_LAG_SUB + sub;
}

uint64_t expire_lag_bucket_top(unsigned b) {
    if (b < EXPIRE_LAG_EXACT) return b;
    if (b >= EXPIRE_LAG_BUCKETS - 1) return UINT64_MAX;
    unsigned bit = 5 + (b - EXPIRE_LAG_EXACT) / EXPIRE_LAG_SUB;
    uint64_t sub = (b - EXPIRE_LAG_EXACT) % EXPIRE_LAG_SUB;
    uint64_t low = (EXPIRE_LAG_SUB + sub) << (bit - 4);
    return low + (1ull << (bit - 4)) - 1;
}

/* Single writer: a relaxed load and store each, no read-modify-write. */
static void bump(_Atomic uint64_t *c, uint64_t by) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by,
                          memory_order_relaxed);
}

void expire_lag_add(expire_lag *h, int64_t lag_us) {
    uint64_t v = lag_us > 0 ? (uint64_t)lag_us : 0;
    bump(&h->bucket[expire_lag_bucket(v)], 1);
    if (v > atomic_load_explicit(&h->max_us, memory_order_relaxed))
        atomic_store_explicit(&h->max_us, v, memory_order_relaxed);
}

/* The value at rank (1-based) of the merged counts, capped at the maximum. */
static uint64_t value_at(const uint64_t *merged, uint64_t rank, uint64_t max_us) {
    uint64_t seen = 0;
    for (unsigned b = 0; b < EXPIRE_LAG_BUCKETS; b++) {
        seen += merged[b];
        if (seen >= rank) {
            uint64_t top = expire_lag_bucket_top(b);
            return top < max_us ? top : max_us;
        }
    }
    return max_us;
}

/* The rank of quantile num/den among n values: ceil(n * num / den), at least 1. */
static uint64_t rank_of(uint64_t n, uint64_t num, uint64_t den) {
    uint64_t r = (uint64_t)(((unsigned __int128)n * num + den - 1) / den);
    return r ? r : 1;
}

void expire_lag_sum(expire_lag_total *acc, const expire_lag *h) {
    uint64_t m = atomic_load_explicit(&h->max_us, memory_order_relaxed);
    if (m > acc->max_us) acc->max_us = m;
    for (unsigned b = 0; b < EXPIRE_LAG_BUCKETS; b++)
        acc->bucket[b] += atomic_load_explicit(&h->bucket[b], memory_order_relaxed);
}

void expire_lag_summarize(const expire_lag_total *acc, expire_lag_summary *out) {
    *out = (expire_lag_summary){0};
    for (unsigned b = 0; b < EXPIRE_LAG_BUCKETS; b++)
        out->count += acc->bucket[b];
    if (out->count == 0) return;
    out->max_us = acc->max_us;
    out->p50_us = value_at(acc->bucket, rank_of(out->count, 50, 100), out->max_us);
    out->p99_us = value_at(acc->bucket, rank_of(out->count, 99, 100), out->max_us);
    out->p999_us = value_at(acc->bucket, rank_of(out->count, 999, 1000), out->max_us);
}
