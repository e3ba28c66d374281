/* expire_lag.h -- expiry lag (a key's removal time minus its deadline) per thread, in a
 * fixed-size log-linear histogram of microseconds, merged across threads when read.
 *
 * Buckets: values below 32 us each have their own; above, every power of two is cut into 16
 * equal buckets (at most 1/16 = 6.25% wide relative to the value), up to 2^40 us (about 12
 * days; anything later lands in one last bucket, the maximum stays exact).  593 counters, 4.7 KB
 * a thread.  Written only by the owning thread, read from any thread (relaxed atomics). */
#ifndef KEEL_CORE_EXPIRE_LAG_H
#define KEEL_CORE_EXPIRE_LAG_H

#include <stdatomic.h>
#include <stdint.h>

#define EXPIRE_LAG_EXACT 32
#define EXPIRE_LAG_SUB 16
#define EXPIRE_LAG_TOP_BIT 40
#define EXPIRE_LAG_BUCKETS (EXPIRE_LAG_EXACT + (EXPIRE_LAG_TOP_BIT - 5) * EXPIRE_LAG_SUB + 1)

typedef struct expire_lag {
    _Atomic uint64_t bucket[EXPIRE_LAG_BUCKETS];
    _Atomic uint64_t max_us;
} expire_lag;

/* Counts one key removed lag_us microseconds after its deadline (negative counts as 0).  Owner
 * thread only. */
void expire_lag_add(expire_lag *h, int64_t lag_us);

/* Histograms added up (start zeroed), as read from any thread. */
typedef struct expire_lag_total {
    uint64_t bucket[EXPIRE_LAG_BUCKETS];
    uint64_t max_us;
} expire_lag_total;
void expire_lag_sum(expire_lag_total *acc, const expire_lag *h);

typedef struct expire_lag_summary {
    uint64_t count;
    uint64_t p50_us, p99_us, p999_us, max_us;
} expire_lag_summary;

/* The count and percentiles of a total; a percentile is the upper end of the bucket holding it,
 * never above the maximum, so p50 <= p99 <= p999 <= max.  All zero when nothing was counted. */
void expire_lag_summarize(const expire_lag_total *acc, expire_lag_summary *out);

/* The bucket a lag falls in and the largest lag that bucket holds (exposed for unit tests). */
unsigned expire_lag_bucket(uint64_t lag_us);
uint64_t expire_lag_bucket_top(unsigned bucket);

#endif
