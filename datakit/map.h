/* map.h -- dk_map: an ordered map from box keys to box values (Redis hashes, nested maps).
 *
 * Keys are ordered by dk_val_cmp (null < bool < numbers by value < bytes).  Entries are packed
 * key box + value box in sorted runs (sorted.h): a small map is one run with no index; a large
 * one indexes its runs by key prefix, so get/set/delete are O(log n + run) and rank/select by
 * position are O(log n + run).  Overhead per entry is the boxes' type bytes plus a fraction of a
 * byte of run and index bookkeeping.  The map shrinks back to one run, then to nothing.
 *
 * Reads return views (bytes point inside the map) valid until the next modification: copy a
 * value before changing the map.  Cursors: see iter.h; dk_map_seek starts one at a key, so a
 * range is seek(low) + next until the key passes high.  Single-threaded.
 */
#ifndef DATAKIT_MAP_H
#define DATAKIT_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/box.h>
#include <datakit/iter.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_map dk_map;

/* A new empty map (NULL when out of memory). */
dk_map *dk_map_new(void);
void dk_map_free(dk_map *m);
/* Removes every entry. */
void dk_map_clear(dk_map *m);

size_t dk_map_count(const dk_map *m);
/* Every byte the map owns: handle, runs, index, allocator slack. */
size_t dk_map_bytes(const dk_map *m);
/* Runs in the map (0 when empty, 1 for the small tier): for tests and stats. */
size_t dk_map_chunks(const dk_map *m);

/* Sets k to v: 1 when k was added, 0 when its value was replaced, -1 when out of memory or k/v
 * is not storable (a DK_PTR); the map is unchanged on -1. */
int dk_map_set(dk_map *m, const dk_val *k, const dk_val *v);
/* Adds k -> v only when k is absent (HSETNX): 1 added, 0 present (unchanged), -1 error. */
int dk_map_add(dk_map *m, const dk_val *k, const dk_val *v);
/* The value of k (a view; v may be NULL to test presence); false when absent. */
bool dk_map_get(const dk_map *m, const dk_val *k, dk_val *v);
/* Deletes k; false when absent. */
bool dk_map_delete(dk_map *m, const dk_val *k);

/* Keys smaller than k; *found (may be NULL) tells whether k is present. */
uint64_t dk_map_rank(const dk_map *m, const dk_val *k, bool *found);
/* The entry of rank r (0 = smallest key); false when r >= count.  v may be NULL. */
bool dk_map_at(const dk_map *m, uint64_t r, dk_val *k, dk_val *v);
/* An entry chosen by rnd (uniform for uniform rnd); false when empty. */
bool dk_map_random(const dk_map *m, uint64_t rnd, dk_val *k, dk_val *v);

/* A cursor at the first key >= k. */
dk_iter dk_map_seek(const dk_map *m, const dk_val *k);
/* Cursor steps in key order (forward O(1); backward re-scans one run).  v may be NULL. */
bool dk_map_next(const dk_map *m, dk_iter *it, dk_val *k, dk_val *v);
bool dk_map_prev(const dk_map *m, dk_iter *it, dk_val *k, dk_val *v);

#ifdef __cplusplus
}
#endif
#endif
