/* list.h -- dk_list: a sequence of boxes (the Redis list), compact at every size.
 *
 * Tiers, hidden behind one API: a small list is one flat buffer (flatbuf.h: about 1-2 bytes of
 * overhead per element, no pointers).  Past DK_LIST_CHUNK_BYTES it becomes a row of flat chunks
 * of at most that size with a chunk index (a Fenwick tree of chunk lengths), so reaching any
 * position costs O(log chunks) plus a walk inside one chunk, pushes and pops at either end are
 * amortised O(1), and an insert or delete in the middle moves at most one chunk's bytes.  Chunks
 * split when full and merge with a neighbour when sparse; a list that shrinks back to one chunk
 * drops the index, and an empty list holds no chunk at all.
 *
 * Values returned by reads are views into the list (bytes point inside a chunk): they stay
 * valid until the next call that modifies the list.  Copy a value before you pop or delete it.
 * Cursors (dk_iter, see iter.h) give O(1) steps while the list is unmodified and re-seek by
 * position otherwise; to delete while walking forward, delete position p with dk_list_delete and
 * set the cursor's pos back to p.  Single-threaded.
 */
#ifndef DATAKIT_LIST_H
#define DATAKIT_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/box.h>
#include <datakit/iter.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DK_LIST_CHUNK_BYTES 2048

typedef struct dk_list dk_list;

typedef enum dk_list_end { DK_LIST_HEAD = 0, DK_LIST_TAIL = 1 } dk_list_end;

/* A new empty list (NULL when out of memory). */
dk_list *dk_list_new(void);
void dk_list_free(dk_list *l);

size_t dk_list_len(const dk_list *l);
/* Every byte the list owns: handle, chunks, index, allocator slack. */
size_t dk_list_bytes(const dk_list *l);
/* Chunks in the list (0 when empty, 1 for the small tier): for tests and stats. */
size_t dk_list_chunks(const dk_list *l);

/* Adds v at one end; false when out of memory or v is not storable (unchanged). */
bool dk_list_push(dk_list *l, dk_list_end end, const dk_val *v);
/* The value at one end (a view); false when empty. */
bool dk_list_peek(const dk_list *l, dk_list_end end, dk_val *out);
/* Removes the value at one end; false when empty.  Copy it first with dk_list_peek. */
bool dk_list_pop(dk_list *l, dk_list_end end);

/* The value at index i (a view); false when i >= len. */
bool dk_list_index(const dk_list *l, size_t i, dk_val *out);
/* Replaces the value at index i; false when i >= len or out of memory. */
bool dk_list_set(dk_list *l, size_t i, const dk_val *v);
/* Inserts v so it becomes index i (i <= len); false when out of memory. */
bool dk_list_insert(dk_list *l, size_t i, const dk_val *v);
/* Deletes n values starting at index i (clamped to the end); returns how many went. */
size_t dk_list_delete(dk_list *l, size_t i, size_t n);
/* Index of the first value equal to v (dk_val_eq) at or after index from, or SIZE_MAX.
 * O(n): it does not yield; long searches should walk with a cursor instead. */
size_t dk_list_find(const dk_list *l, size_t from, const dk_val *v);

/* Cursor steps: the value at it->pos (a view) and moves to pos + 1 (next) or pos - 1 (prev);
 * false when pos is outside the list. */
bool dk_list_next(const dk_list *l, dk_iter *it, dk_val *out);
bool dk_list_prev(const dk_list *l, dk_iter *it, dk_val *out);

#ifdef __cplusplus
}
#endif
#endif
