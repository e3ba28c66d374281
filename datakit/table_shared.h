/* table_shared.h -- internal to datakit: what both keyspace tables (the compact one and
 * --enable-plain-table's) share, so that they differ only in layout: the resize policy, Redis's
 * reverse-binary SCAN cursor and walk, and the mixer that turns one random draw into bucket picks.
 */
#ifndef DATAKIT_TABLE_SHARED_H
#define DATAKIT_TABLE_SHARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <datakit/table.h>

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
    if (count > size) return dk_pow2_at_least(count + 1);
    if (size > DK_TABLE_MIN_BUCKETS && count < size / 8) return dk_pow2_at_least(count * 2);
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

/* Appends n bytes to the packed bytes box in its own block ext (table_ext.c), growing the block
 * with room for more: returns the block (maybe moved) and adds its footprint change to *bytes,
 * or NULL with nothing changed when ext is not a bytes box or memory ran out.  p NULL appends
 * n zero bytes. */
uint8_t *dk_ext_append(uint8_t *ext, const void *p, size_t n, size_t *bytes);
/* A new out-of-line block holding a bytes box of len bytes whose content is left for the
 * caller to write (at *data); its footprint is added to *bytes.  NULL when memory ran out. */
uint8_t *dk_ext_reserve(size_t len, uint8_t **data, size_t *bytes);

#define DK_SCAN_BUCKETS 16 /* buckets visited per dk_table_scan call, at least */

/* Calls fn for every entry of bucket `b` of bucket array `a` (0 or 1). */
typedef void (*dk_bucket_visit_fn)(dk_table *t, int a, uint64_t b, dk_scan_fn fn, void *ctx);

/* dk_table_scan for a table of bucket arrays of size[0] and (while `resizing`) size[1] buckets.
 * Redis's reverse-binary cursor: with the high bits incremented first, a bucket's expansions in
 * a bigger array and its merge in a smaller one are visited in one go, so no resize between
 * calls skips a key (and few are repeated).  While two arrays exist, each bucket of the smaller
 * is visited together with all its expansions in the bigger. */
static inline uint64_t dk_table_scan_walk(dk_table *t, const size_t size[2], bool resizing,
                                          uint64_t cursor, dk_bucket_visit_fn visit, dk_scan_fn fn,
                                          void *ctx) {
    uint64_t v = cursor;
    if (!size[0]) return 0;
    for (unsigned visited = 0; visited < DK_SCAN_BUCKETS;) {
        if (!resizing) {
            uint64_t m0 = size[0] - 1;
            visit(t, 0, v & m0, fn, ctx);
            visited++;
            v = dk_next_cursor(v, m0);
        } else {
            int small = size[0] <= size[1] ? 0 : 1, big = 1 - small;
            uint64_t ms = size[small] - 1, mb = size[big] - 1;
            visit(t, small, v & ms, fn, ctx);
            visited++;
            do {
                visit(t, big, v & mb, fn, ctx);
                visited++;
                v = dk_next_cursor(v, mb);
            } while (v & (ms ^ mb));
        }
        if (v == 0) break;
    }
    return v;
}

#endif
