/* table_shared.h -- internal to datakit: what both keyspace tables (the compact one and
 * --enable-plain-table's) share, so that they differ only in layout: the resize policy, Redis's
 * reverse-binary SCAN cursor, and the mixer that turns one random draw into bucket picks. */
#ifndef DATAKIT_TABLE_SHARED_H
#define DATAKIT_TABLE_SHARED_H

#include <stddef.h>
#include <stdint.h>

#define DK_TABLE_MIN_BUCKETS 4

static inline size_t dk_pow2_at_least(size_t n) {
    size_t p = DK_TABLE_MIN_BUCKETS;
    while (p < n)
        p *= 2;
    return p;
}

/* The bucket count a table of `count` keys in `size` buckets should move to, or 0 to stay:
 * grow once there are more keys than buckets, shrink once fewer than one bucket in eight is used
 * (to a size the keys fill at most half of), never below DK_TABLE_MIN_BUCKETS. */
static inline size_t dk_table_resize_target(size_t count, size_t size) {
    if (count > size)
        return dk_pow2_at_least(count + 1);
    if (size > DK_TABLE_MIN_BUCKETS && count < size / 8)
        return dk_pow2_at_least(count * 2);
    return 0;
}

static inline uint64_t dk_rev64(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
    return __builtin_bswap64(v);
}

/* The cursor's bits under mask, read from the top bit down, plus one. */
static inline uint64_t dk_next_cursor(uint64_t v, uint64_t mask) {
    v |= ~mask;
    return dk_rev64(dk_rev64(v) + 1);
}

/* splitmix64's finaliser: a well-spread next draw from the last one. */
static inline uint64_t dk_mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#endif
