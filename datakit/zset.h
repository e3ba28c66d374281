/* zset.h -- dk_zset: a sorted set of (score, member) pairs with ranks (Redis sorted sets).
 *
 * Order: by score (a double, never NaN; -0.0 is stored as 0.0), then by member bytes (memcmp
 * on the common prefix, the shorter first on a tie), exactly as Redis orders a sorted set.
 *
 * Layout, and what it costs beyond each member's bytes and its 8-byte score:
 *   - the entries: one dk_sorted store (sorted.h) of bytes keys "s8 || member", where s8 is the
 *     score as 8 big-endian bytes whose unsigned order is the numeric order, so plain memcmp of
 *     keys is the set's order.  Each key is packed as a box (a type byte and a length byte for
 *     members under ~120 bytes) back to back in runs of at most DK_SORTED_CHUNK_BYTES, with no
 *     pointers; runs are indexed by a counted B+tree of run descriptors (ridx.h: each run's
 *     element count and first-key prefix), so rank, the k-th element, range bounds, and adding
 *     or removing a run (about 9,000 runs at 1M members) are O(log n) plus a scan of one run.
 *     About 2 bytes of box header plus the runs' free room (a quarter of a run on average) per
 *     entry, and under half a byte of index.
 *   - the member index, only once the set has more than DK_ZSET_SMALL members or more than one
 *     run: an open-addressing table of 9-byte slots (one control byte: empty, deleted, or 7 bits
 *     of the member's hash; and the member's s8), 2/3 to 17/20 full.  A member is found by
 *     hashing it, then for each slot whose control byte matches, looking "s8 || member" up in the
 *     store (a false match costs one store lookup, 1 in 128 slots).  The index holds no member
 *     bytes and no pointers.  It grows (and shrinks) by moving to a new table while writes go on:
 *     each write moves 64 members, in store order, behind a cursor key, and writes apply to both
 *     tables below the cursor, so no single call rebuilds a big index (bytes: both tables
 *     while a move lasts).
 *   - while small there is no index: a member is found by scanning the single run.
 * With 8-byte members that is about 13 bytes per element at 1M (Redis 7.0: 70-100).
 *
 * Views: a dk_zentry's member points into the store and is valid until the next modification.
 * Cursors (iter.h) walk by rank; forward steps are O(1), backward steps re-scan their run.
 */
#ifndef DATAKIT_ZSET_H
#define DATAKIT_ZSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/iter.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The member index is built past this many members (or once the store has several runs). */
#define DK_ZSET_SMALL 128

typedef struct dk_zset dk_zset;

/* One element, as read: member is a view (see above). */
typedef struct dk_zentry {
    double score;
    const void *member;
    size_t len;
} dk_zentry;

/* An empty set (NULL when out of memory). */
dk_zset *dk_zset_new(void);
void dk_zset_free(dk_zset *z);
/* A deep copy (NULL when out of memory). */
dk_zset *dk_zset_copy(const dk_zset *z);

size_t dk_zset_count(const dk_zset *z);
/* Every byte the set owns, allocator overhead included. */
size_t dk_zset_bytes(const dk_zset *z);
/* True when the member index exists (the set is past its small tier). */
bool dk_zset_indexed(const dk_zset *z);

/* The score of member m[0..n); false when absent. */
bool dk_zset_score(const dk_zset *z, const void *m, size_t n, double *score);
/* Sets m's score, adding m when absent: 1 added, 0 was there (now with `score`), -1 out of
 * memory or a NaN score (nothing changed). */
int dk_zset_set(dk_zset *z, const void *m, size_t n, double score);
/* Removes m; false when absent. */
bool dk_zset_del(dk_zset *z, const void *m, size_t n);

/* m's rank (0 = lowest); false when absent. */
bool dk_zset_rank(const dk_zset *z, const void *m, size_t n, uint64_t *rank);
/* The element of rank r; false when r >= count. */
bool dk_zset_at(const dk_zset *z, uint64_t r, dk_zentry *e);

/* The number of elements whose score is < s (after: <= s): the rank where a range starting at
 * s (after: just above s) begins, and where one ending below s (after: at s) ends. */
uint64_t dk_zset_score_rank(const dk_zset *z, double s, bool after);
/* The same by member, for a set whose elements all have one score (Redis's lex ranges): the
 * number of elements (score, member) < (first score, m) (after: <=).  Empty sets give 0. */
uint64_t dk_zset_lex_rank(const dk_zset *z, const void *m, size_t n, bool after);

/* Cursor steps: the element at it->pos, then move forward / backward. */
bool dk_zset_next(const dk_zset *z, dk_iter *it, dk_zentry *e);
bool dk_zset_prev(const dk_zset *z, dk_iter *it, dk_zentry *e);

/* The order-preserving 8-byte code of a score (-0.0 as 0.0) and back. */
uint64_t dk_zset_score_code(double s);
double dk_zset_code_score(uint64_t c);

#ifdef __cplusplus
}
#endif
#endif
