/* sbobj.h -- the "sbitset" type of sbitset.so: one dk_sbitset per key, signed positions mapped
 * onto datakit's unsigned ones, and the lookup, store and error helpers its commands share.
 *
 * Positions are any int64.  datakit orders positions as uint64, so a position is stored with its
 * sign bit flipped (INT64_MIN -> 0, -1 -> 2^63 - 1, 0 -> 2^63, INT64_MAX -> 2^64 - 1): the
 * mapping keeps numeric order, so ranges, rank, select and iteration follow the numbers.
 * A key never holds an empty bitset: clearing its last bit deletes it (as SREM does a set's).
 */
#ifndef KEEL_SBITSET_SBOBJ_H
#define KEEL_SBITSET_SBOBJ_H

#include <stdbool.h>
#include <stdint.h>
#include <datakit/sbitset.h>
#include <keel/sdk.h>

/* Reductions (about 50 ns each): one bit read or written in O(log n), one position replied,
 * one 2^16-bit container combined or complemented (up to 8 KiB of words: a few microseconds). */
#define SBS_COST_BIT 2
#define SBS_COST_POS 1
#define SBS_COST_BLOCK 60

/* What a lookup or an operation found besides a bitset (see sbs_fail). */
#define SBS_ETOOWIDE ((keel_status)-110) /* SBITOP NOT over more than SBS_NOT_MAX_SPAN bits */

/* SBITOP NOT complements its source between the source's lowest and highest set bits, a span
 * of at most this many positions (65536 containers: at most 1.5 MiB when all are full). */
#define SBS_NOT_MAX_SPAN (1ULL << 32)

/* The type id the core gave "sbitset" (valid once sbs_register_type has run). */
extern keel_type_id sbs_type;

/* Registers the "sbitset" type (free, copy, memory usage, describe, GET's reply, snapshot
 * save/load, OBJECT ENCODING). */
keel_status sbs_register_type(keel_module *m, const char **err);

/* A position as datakit stores it, and back. */
static inline uint64_t sbs_to_u(int64_t pos) {
    return (uint64_t)pos ^ (1ULL << 63);
}
static inline int64_t sbs_to_i(uint64_t u) {
    return (int64_t)(u ^ (1ULL << 63));
}

/* Parses a position (a canonical int64, Redis's integer rules) into datakit's order. */
bool sbs_arg_pos(const keel_arg *a, uint64_t *u);

/* Looks key up as a sparse bitset.  KEEL_OK sets *s (the key's own: valid until this process
 * yields, hops, blocks or changes the key); KEEL_NOTFOUND when absent; KEEL_MOVED/KEEL_WAIT to
 * pass on; KEEL_EWRONGTYPE for another type.  Nothing is replied: see sbs_fail. */
keel_status sbs_find(keel_proc *p, const void *key, size_t klen, dk_sbitset **s);

/* Replies the error for a failed status (WRONGTYPE, SBITOP NOT's span, out of memory) after
 * dropping any partial reply; returns KEEL_FAIL. */
keel_op_result sbs_fail(keel_proc *p, keel_status st);

/* Replies a Redis-style error text and returns KEEL_FAIL. */
keel_op_result sbs_error(keel_proc *p, const char *msg);

#endif
