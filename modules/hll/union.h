/* union.h -- the walk PFCOUNT and PFMERGE share: the union of the sketches at every key, in a
 * sketch the process owns while it hops from shard to shard. */
#ifndef KEEL_HLL_UNION_H
#define KEEL_HLL_UNION_H

#include <stdint.h>
#include <datakit/hll.h>
#include <keel/sdk.h>

typedef struct pf_union {
    uint32_t next;     /* next key index (keel_key_nth's shard order) */
    uint32_t dest;     /* the key index of argv[1] (PFMERGE's destination) */
    dk_hll *acc;       /* the union so far (malloc'd: pf_union_free) */
    uint32_t err_argi; /* argv index of the first bad key in argument order (0 = none) */
    keel_status err;   /* ... and what pf_find said of it */
    bool *missing;     /* missing[argi]: no key there (argv-indexed, arena) */
} pf_union;

/* A new walk in the arena (r0 points to it on the opcode's first run). */
pf_union *pf_union_new(keel_proc *p);

/* Merges every key's sketch into acc, one key at a time (absent keys are empty), one hop per
 * shard.  Returns KEEL_NEXT when done (a bad key is then in err_argi/err: reply pf_fail(err),
 * as Redis would for the first bad key in argument order), KEEL_HOP / KEEL_BLOCK / KEEL_YIELD
 * to return as they are, KEEL_FAIL after replying "out of memory".  Reductions
 * PF_COST_SKETCH per key. */
keel_op_result pf_union_walk(keel_proc *p, pf_union *u);

/* Frees acc unless it was handed over (safe to call twice). */
void pf_union_free(pf_union *u);

#endif
