/* convert.h -- moving a set from datakit's integer tier to its general tier in slices.
 *
 * dk_set_add converts an integer-tier set in one call when its first non-integer member
 * arrives, inserting every member in ascending order, which datakit's sorted runs do slowly
 * (about 10 us a member: seconds for a million, with the thread stalled).  So sets.so never lets
 * it: before such a member goes into an integer-tier set, the command builds the general-tier
 * copy itself, a slice at a time, from the largest member down (the fast direction: about 0.2 us
 * a member), then puts the copy in the set's place.  The member that caused it goes into the
 * copy first.  The copy is malloc'd: a command that gives up frees it with sets_convert_abort.
 */
#ifndef KEEL_SETS_CONVERT_H
#define KEEL_SETS_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include <datakit/set.h>
#include <keel/sdk.h>

typedef struct sets_convert {
    dk_set *to;    /* the copy under construction, NULL when no conversion is under way */
    uint64_t left; /* ranks [0, left) of the source are still to copy */
} sets_convert;

/* Adds m to s, or, when m would convert s (an integer-tier set, m not an int64), starts a
 * conversion with m in the copy.  Returns 1 (added, or taken into the copy), 0 (already a
 * member), -1 (out of memory).  While sets_convert_busy(c), the caller must finish the
 * conversion (sets_convert_key / sets_convert_own) before it adds anything else to s. */
int sets_convert_add(sets_convert *c, dk_set *s, const dk_val *m);

static inline bool sets_convert_busy(const sets_convert *c) {
    return c->to != NULL;
}

/* Continues the conversion of the set stored at key (*s, looked up again by the caller after
 * every yield); once done, stores the copy at key in its place (keeping the key's TTL) and sets
 * *s to it.  Returns KEEL_NEXT when done, KEEL_YIELD when the budget ran out, KEEL_FAIL after
 * replying "out of memory" (the copy is freed).  Reductions SETS_COST_UPDATE per member. */
keel_op_result sets_convert_key(keel_proc *p, sets_convert *c, const keel_arg *key, dk_set **s);

/* The same for a set the process owns: once done, frees *s and sets it to the copy. */
keel_op_result sets_convert_own(keel_proc *p, sets_convert *c, dk_set **s);

/* Frees the copy of an unfinished conversion (safe when none). */
void sets_convert_abort(sets_convert *c);

#endif
