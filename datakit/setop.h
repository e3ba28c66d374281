/* setop.h -- resumable set algebra over dk_sets: union, intersection, difference.
 *
 * A dk_setop walks its input sets with cursors and hands out result members one at a time, in
 * dk_val_cmp order for unions (a k-way merge; each member once) and in the lead set's order for
 * intersections (the smallest set, probed against the others) and differences (the first set,
 * minus the others).  Every call does a bounded amount of work, so a zvm opcode can yield every
 * N elements and resume: the state lives in the dk_setop, not on the C stack.
 *
 * The input sets must outlive the operation and must not change while it runs (the zvm's key
 * locks ensure this); members handed out are views into the inputs, valid until they change.
 * To store the result (SUNIONSTORE), add members to a fresh dk_set and swap it in at the end.
 */
#ifndef DATAKIT_SETOP_H
#define DATAKIT_SETOP_H

#include <stddef.h>
#include <datakit/box.h>
#include <datakit/set.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_setop_kind {
    DK_SETOP_UNION = 0,
    DK_SETOP_INTER = 1,
    DK_SETOP_DIFF = 2, /* sets[0] minus every other set */
} dk_setop_kind;

typedef enum dk_setop_status {
    DK_SETOP_AGAIN = -1, /* budget spent before the next member: call again */
    DK_SETOP_DONE = 0,   /* no more members */
    DK_SETOP_MEMBER = 1, /* *out holds the next member */
} dk_setop_status;

typedef struct dk_setop dk_setop;

/* An operation over n sets (the array is copied; the sets are borrowed).  NULL when out of
 * memory. */
dk_setop *dk_setop_new(dk_setop_kind kind, const dk_set *const *sets, size_t n);
void dk_setop_free(dk_setop *op);

/* Produces the next result member, examining at most about *budget members of the inputs
 * (decremented by the work done). */
dk_setop_status dk_setop_next(dk_setop *op, dk_val *out, size_t *budget);

#ifdef __cplusplus
}
#endif
#endif
