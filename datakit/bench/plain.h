/* plain.h -- the benchmark's reference: a plain chained hash table, timed like dk_table. */
#ifndef DATAKIT_BENCH_PLAIN_H
#define DATAKIT_BENCH_PLAIN_H

#include <stddef.h>
#include <stdint.h>

typedef struct plain_times {
    double insert_ns, lookup_ns, chained_ns, bytes_per_key;
} plain_times;

/* Inserts n keys (key i at keys + i * stride, klen bytes) into a presized table of malloc'd
 * entries with 8-byte bucket heads, then looks them up in `order`, independently and chained. */
plain_times plain_bench(const char *keys, size_t stride, size_t klen, const uint32_t *order,
                        size_t n);

#endif
