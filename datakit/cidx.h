/* cidx.h -- internal to datakit: the chunk index behind every chunked container.
 *
 * A chunked container keeps its elements in chunks (flat buffers, sorted runs, integer arrays);
 * the index keeps the chunks in order with each chunk's element count, a Fenwick tree over the
 * counts (element position -> chunk, and chunk -> elements before it, both O(log chunks)) and,
 * when `keyed`, one 64-bit order-preserving key per chunk (its first element's key prefix) so
 * containers sorted by key find a chunk by binary search over one contiguous array.
 *
 * Adding or removing a chunk is O(chunks) (a memmove) and marks the tree stale; the next
 * position query rebuilds it in O(chunks), so bursts of splits (random inserts) cost no
 * rebuilds until someone asks for a position.  Changing a count is O(log chunks).  The index
 * never frees or looks inside the chunks.
 */
#ifndef DATAKIT_CIDX_H
#define DATAKIT_CIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dk_cidx {
    void **chunk;    /* n chunk pointers, in order */
    uint32_t *count; /* elements in each chunk */
    uint64_t *fen;   /* Fenwick tree over count, 1-based (fen[0] unused); rebuilt lazily */
    uint64_t *key;   /* keyed indexes only: per-chunk sort key */
    uint32_t n, cap;
    uint64_t total; /* sum of all counts */
    bool keyed;
    bool dirty; /* fen is stale (chunks were added or removed since it was built) */
} dk_cidx;

/* Allocates an empty index (NULL when out of memory). */
dk_cidx *dk_cidx_new(bool keyed);
/* Frees the index's own arrays and itself; never the chunks. */
void dk_cidx_free(dk_cidx *x);

/* Makes room for n chunks, so that inserts up to n chunks cannot fail. */
bool dk_cidx_reserve(dk_cidx *x, uint32_t n);
/* Inserts a chunk so it becomes chunk i (i <= n).  False when out of memory (nothing changed). */
bool dk_cidx_insert(dk_cidx *x, uint32_t i, void *chunk, uint32_t count, uint64_t key);
/* Removes chunk i from the index (the caller frees the chunk). */
void dk_cidx_remove(dk_cidx *x, uint32_t i);
/* Adds delta (may be negative) to chunk i's count. */
void dk_cidx_add(dk_cidx *x, uint32_t i, int64_t delta);
/* Sets chunk i's count. */
static inline void dk_cidx_set_count(dk_cidx *x, uint32_t i, uint32_t count) {
    dk_cidx_add(x, i, (int64_t)count - (int64_t)x->count[i]);
}

/* The chunk holding element `pos` (pos < total); *within gets its position inside the chunk. */
uint32_t dk_cidx_locate(const dk_cidx *x, uint64_t pos, uint32_t *within);
/* Elements in the chunks before chunk i (i <= n). */
uint64_t dk_cidx_before(const dk_cidx *x, uint32_t i);
/* Keyed: the number of chunks whose key is <= k (so the last such chunk is that minus one). */
uint32_t dk_cidx_upper(const dk_cidx *x, uint64_t k);

/* Every byte the index owns (its arrays and itself, allocator slack included). */
size_t dk_cidx_bytes(const dk_cidx *x);

#endif
