/* sample.h -- choosing k distinct ranks of n at random and visiting them in increasing order,
 * in bounded steps (SPOP and SRANDMEMBER with a count).
 *
 * A few ranks (k <= SETS_SAMPLE_SMALL) are kept in a sorted array; more are marked in a bitmap of
 * n bits, marking the ranks left out instead when k > n / 2, so drawing never needs more than
 * about 2k random numbers.  All memory is the process arena's.
 */
#ifndef KEEL_SETS_SAMPLE_H
#define KEEL_SETS_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/sdk.h>

#define SETS_SAMPLE_SMALL 1024

typedef struct sets_sample {
    uint64_t n, k;   /* choose k of [0, n), 0 < k < n */
    uint64_t marked; /* ranks drawn so far */
    uint64_t *ranks; /* small: the drawn ranks, sorted */
    uint64_t *bits;  /* large: n bits, set = drawn */
    bool invert;     /* large: a set bit means "left out" */
    uint64_t next;   /* visiting: the small array's index, or the next rank to test */
} sets_sample;

/* Prepares to draw k of n (arena memory). */
void sets_sample_init(keel_proc *p, sets_sample *s, uint64_t n, uint64_t k);

/* Draws more ranks, charging a reduction per draw; true once all are drawn, false when the
 * budget ran out first (call again after a yield). */
bool sets_sample_draw(keel_proc *p, sets_sample *s);

/* The next chosen rank in increasing order (after every draw is done); false after the last.
 * Charges a reduction per 64 ranks skipped. */
bool sets_sample_next(keel_proc *p, sets_sample *s, uint64_t *rank);

#endif
