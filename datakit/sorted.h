/* sorted.h -- internal to datakit: the ordered store behind dk_map and dk_set.
 *
 * Entries (a key box, plus a value box when the store has values) are kept in key order
 * (dk_val_cmp) packed back to back in runs of at most DK_SORTED_CHUNK_BYTES: no pointers and no
 * per-entry header beyond the boxes' own type bytes.  A small store is one run; a larger one
 * indexes its runs (ridx.h, a counted B+tree) by an order-preserving 64-bit prefix of each run's
 * first key (for byte strings, of the bytes after the leading ones the store's strings share), so
 * a lookup is a descent by key, a few full compares where prefixes tie, and a scan of one run
 * that compares one entry in 8 until it passes the key; adding or removing a run, and every
 * position query, is O(log runs).  Runs split when full and merge when sparse; a store that
 * shrinks to one run drops the index.  Values and keys read are views valid until the next
 * modification.
 */
#ifndef DATAKIT_SORTED_H
#define DATAKIT_SORTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/box.h>
#include <datakit/iter.h>

#define DK_SORTED_CHUNK_BYTES 2048

typedef struct dk_sorted {
    void *p;          /* small tier: the only run (NULL when empty); chunked: a dk_ridx */
    size_t bytes;     /* footprints of the runs */
    uint32_t version; /* modification count, for cursors */
    uint8_t chunked;
    uint8_t vals; /* entries carry a value box */
} dk_sorted;

/* An empty store (allocates nothing). */
void dk_sorted_init(dk_sorted *s, bool vals);
/* Frees every run and the index; the store is empty again (its version keeps counting). */
void dk_sorted_clear(dk_sorted *s);

size_t dk_sorted_count(const dk_sorted *s);
/* Bytes of the runs and the index (not of the dk_sorted itself). */
size_t dk_sorted_bytes(const dk_sorted *s);
size_t dk_sorted_chunks(const dk_sorted *s);

/* Looks k up; *v (may be NULL) gets the value view.  False when absent. */
bool dk_sorted_get(const dk_sorted *s, const dk_val *k, dk_val *v);
/* Inserts k (-> v in stores with values).  When k exists: replaces the value if `replace`,
 * and returns 0; returns 1 when inserted, -1 when out of memory or not storable. */
int dk_sorted_put(dk_sorted *s, const dk_val *k, const dk_val *v, bool replace);
/* Deletes k; false when absent. */
bool dk_sorted_del(dk_sorted *s, const dk_val *k);

/* Keys smaller than k; *found (may be NULL) tells whether k is present. */
uint64_t dk_sorted_rank(const dk_sorted *s, const dk_val *k, bool *found);
/* The entry of rank r; false when r >= count.  v may be NULL. */
bool dk_sorted_at(const dk_sorted *s, uint64_t r, dk_val *k, dk_val *v);

/* Cursor steps (iter.h): the entry at it->pos, then move forward / backward.  A backward step
 * re-scans its run from the start (O(run)); forward steps are O(1).  v may be NULL. */
bool dk_sorted_next(const dk_sorted *s, dk_iter *it, dk_val *k, dk_val *v);
bool dk_sorted_prev(const dk_sorted *s, dk_iter *it, dk_val *k, dk_val *v);

/* An order-preserving 64-bit prefix of a value: a < b implies prefix(a) <= prefix(b). */
uint64_t dk_val_prefix64(const dk_val *v);

#endif
