/* intset.h -- dk_intset: a sorted set of int64 values in packed 16/32/64-bit arrays.
 *
 * Tiers, hidden behind one API: a small set is one sorted array whose width is the narrowest
 * that holds every member (16, 32 or 64 bits: it widens when a wider member arrives and narrows
 * again when the members that needed the width leave, as Redis's intset but both ways).  A large
 * set is split into sorted chunks of at most DK_INTSET_CHUNK_BYTES, each with its own width,
 * found through a chunk index (binary search over each chunk's first member), so an insert or
 * delete moves at most one chunk's bytes: O(log n + chunk).  Chunks split when full and merge
 * when sparse; a set that shrinks to one chunk drops the index.
 *
 * Cursors (dk_iter) walk members in increasing order; see iter.h for their lifetime rules.
 * Single-threaded.
 */
#ifndef DATAKIT_INTSET_H
#define DATAKIT_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/iter.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DK_INTSET_CHUNK_BYTES 4096

typedef struct dk_intset dk_intset;

/* A new empty set (NULL when out of memory). */
dk_intset *dk_intset_new(void);
void dk_intset_free(dk_intset *s);

size_t dk_intset_count(const dk_intset *s);
/* Every byte the set owns: handle, chunks, index, allocator slack. */
size_t dk_intset_bytes(const dk_intset *s);
/* The widest member width in bytes (2, 4 or 8; 2 when empty). */
unsigned dk_intset_width(const dk_intset *s);

/* Adds v: 1 when added, 0 when already present, -1 when out of memory (set unchanged). */
int dk_intset_add(dk_intset *s, int64_t v);
/* Removes v; false when it was absent. */
bool dk_intset_remove(dk_intset *s, int64_t v);
bool dk_intset_contains(const dk_intset *s, int64_t v);

/* The member of rank r (0 = smallest); false when r >= count. */
bool dk_intset_at(const dk_intset *s, uint64_t r, int64_t *out);
/* How many members are smaller than v. */
uint64_t dk_intset_rank(const dk_intset *s, int64_t v);
/* A member chosen by rnd (uniform over members for uniform rnd); false when empty. */
bool dk_intset_random(const dk_intset *s, uint64_t rnd, int64_t *out);

/* Cursor steps: returns the member at it->pos in *out and moves to the next (or previous) one;
 * false when it->pos is past either end. */
bool dk_intset_next(const dk_intset *s, dk_iter *it, int64_t *out);
bool dk_intset_prev(const dk_intset *s, dk_iter *it, int64_t *out);

/* The set's modification count (cursors compare it; containers wrapping an intset use it to
 * validate their own cursors). */
uint32_t dk_intset_version(const dk_intset *s);

/* Chunks in the set (1 for the small tier, 0 when empty): for tests and stats. */
size_t dk_intset_chunks(const dk_intset *s);

#ifdef __cplusplus
}
#endif
#endif
