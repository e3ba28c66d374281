/* hllobj.h -- the "hll" type of hll.so: one dk_hll (a HyperLogLog sketch in Redis's own byte
 * layout) per key, and the lookup, creation and reply helpers its commands share.
 *
 * Redis keeps a HyperLogLog in a string; Keel gives it a type of its own, so TYPE answers "hll"
 * (Redis: "string") and GET answers its count.  A string that holds a valid Redis HyperLogLog
 * (copied from Redis with GET/SET or DUMP) still works: PFCOUNT reads it, PFADD and PFMERGE turn
 * it into an "hll" value (keeping its TTL).  Any other string is refused with Redis's
 * "WRONGTYPE Key is not a valid HyperLogLog string value.".
 */
#ifndef KEEL_HLL_HLLOBJ_H
#define KEEL_HLL_HLLOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <datakit/hll.h>
#include <keel/sdk.h>

/* Reductions: one element added (a hash and a register, or a sparse opcode edit), and one
 * whole sketch read (a count or a merge walks 16384 registers: tens of microseconds). */
#define PF_COST_ADD 2
#define PF_COST_SKETCH 400

/* What pf_find found besides a sketch. */
#define PF_ENOTHLL ((keel_status)-100) /* a string that is not a HyperLogLog */

/* The type id the core gave "hll" (valid once pf_register_type has run). */
extern keel_type_id pf_type;

/* Registers the "hll" type (free, copy, memory usage, describe, to-reply). */
keel_status pf_register_type(keel_module *m, const char **err);

/* Looks key up as a HyperLogLog.  KEEL_OK sets *h: the key's own sketch (*borrowed true; valid
 * until this process yields, hops, blocks or changes the key), or a sketch loaded from a string
 * value (*borrowed false: the caller frees it or stores it).  KEEL_NOTFOUND when absent,
 * KEEL_MOVED/KEEL_WAIT to pass on, KEEL_EWRONGTYPE for another type, PF_ENOTHLL for a string
 * that is not a HyperLogLog, KEEL_ENOMEM.  Nothing is replied: see pf_fail. */
keel_status pf_find(keel_proc *p, const void *key, size_t klen, dk_hll **h, bool *borrowed);

/* Replies the error for a pf_find status (WRONGTYPE in its two wordings, or out of memory);
 * returns KEEL_FAIL. */
keel_op_result pf_fail(keel_proc *p, keel_status st);

/* Stores h at key as an "hll" value: KEEL_OK (the keyspace owns h from then on), KEEL_MOVED /
 * KEEL_WAIT (h is still the caller's), or a failure (h has been freed).
 * keep_ttl keeps the key's expiry (a string HyperLogLog turned into a sketch). */
keel_status pf_store(keel_proc *p, const void *key, size_t klen, dk_hll *h, bool keep_ttl);

#endif
