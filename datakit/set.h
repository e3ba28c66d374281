/* set.h -- dk_set: an ordered set of boxes (the Redis set), with an integer fast path.
 *
 * Tiers, hidden behind one API: while every member is an integer that fits int64 the set is a
 * dk_intset (16/32/64-bit packed chunks, 2-8 bytes per member).  The first member of any other
 * kind (bytes, a real that is not already present, null, bool, a 128-bit or > INT64_MAX
 * integer) converts it once, in O(n), to the general tier: member boxes packed in sorted runs
 * (sorted.h), about one byte of overhead per member.  A set that empties forgets its tier.
 * Members compare with dk_val_cmp, so 2 and 2.0 are the same member.
 *
 * Reads return views valid until the next modification (integers come back by value as
 * DK_I64).  Members come out in dk_val_cmp order, which set algebra (setop.h) relies on.
 * Cursors: see iter.h.  Single-threaded.
 */
#ifndef DATAKIT_SET_H
#define DATAKIT_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/box.h>
#include <datakit/iter.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_set dk_set;

/* A new empty set (NULL when out of memory). */
dk_set *dk_set_new(void);
void dk_set_free(dk_set *s);
/* Removes every member. */
void dk_set_clear(dk_set *s);

size_t dk_set_count(const dk_set *s);
/* Every byte the set owns: handles, chunks, indexes, allocator slack. */
size_t dk_set_bytes(const dk_set *s);
/* True while the set is in the integer tier (OBJECT ENCODING "intset"). */
bool dk_set_is_intset(const dk_set *s);

/* Adds m: 1 added, 0 already present, -1 out of memory or not storable (unchanged). */
int dk_set_add(dk_set *s, const dk_val *m);
/* Removes m; false when absent. */
bool dk_set_remove(dk_set *s, const dk_val *m);
bool dk_set_contains(const dk_set *s, const dk_val *m);

/* The member of rank r in dk_val_cmp order; false when r >= count. */
bool dk_set_at(const dk_set *s, uint64_t r, dk_val *out);
/* A member chosen by rnd (uniform for uniform rnd); false when empty. */
bool dk_set_random(const dk_set *s, uint64_t rnd, dk_val *out);
/* Cursor step in dk_val_cmp order: the member at it->pos, then pos + 1; false at the end. */
bool dk_set_next(const dk_set *s, dk_iter *it, dk_val *out);

/* Resumable tests.  Start with it = dk_iter_at(0); each call examines at most *budget members
 * (decrementing it) and returns 1 (yes), 0 (no) or -1 (budget spent: call again with the same
 * cursor).  The sets must not change between calls. */
int dk_set_subset_step(const dk_set *a, const dk_set *b, dk_iter *it, size_t *budget); /* a <= b */
int dk_set_equal_step(const dk_set *a, const dk_set *b, dk_iter *it, size_t *budget);

#ifdef __cplusplus
}
#endif
#endif
