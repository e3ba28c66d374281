/* timer.h -- an ordered set of (when, id) pairs for expiry: add, remove, earliest-first.
 *
 * A B+tree keyed by (when, id): O(log n) add and remove, the earliest pair in O(height), about
 * 12-24 bytes per pair, no pointer into the caller's objects.  A user finds its due items by
 * reading dk_timer_min() until it is later than now, removing what it handles.  Pairs are
 * unique: adding one that is present is a no-op.  Single-threaded.
 */
#ifndef DATAKIT_TIMER_H
#define DATAKIT_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_timer dk_timer;

/* A new empty timer, or NULL when memory ran out. */
dk_timer *dk_timer_new(void);
void dk_timer_free(dk_timer *t);
/* Removes every pair. */
void dk_timer_clear(dk_timer *t);

/* Makes sure the next dk_timer_add cannot fail for lack of memory; false if it could not. */
bool dk_timer_reserve(dk_timer *t);
/* Adds (when, id); false only when memory ran out (then nothing changed). */
bool dk_timer_add(dk_timer *t, int64_t when, uint32_t id);
/* Removes (when, id); false if it was not there.  Never allocates. */
bool dk_timer_del(dk_timer *t, int64_t when, uint32_t id);
/* The earliest pair (smallest when, then smallest id); false when empty. */
bool dk_timer_min(const dk_timer *t, int64_t *when, uint32_t *id);

size_t dk_timer_count(const dk_timer *t);
/* Every byte the timer owns (nodes, spare nodes, the struct), allocator slack included. */
size_t dk_timer_bytes(const dk_timer *t);

#ifdef __cplusplus
}
#endif
#endif
