/* hll.h -- HyperLogLog cardinality sketches, byte-compatible with Redis's.
 *
 * A dk_hll holds one sketch in Redis's own string layout, so the bytes can be stored as a
 * plain string value and exchanged with Redis (GET/SET, DUMP payloads): the "HYLL" header with
 * encoding and cached cardinality, then 16384 6-bit registers either dense (12288 bytes) or
 * sparse (run-length opcodes ZERO, XZERO, VAL).  Elements are hashed with MurmurHash64A
 * (seed 0xadc83b19); the low 14 bits pick the register, the run of zeros above them the rank;
 * counts use Ertl's improved estimator, as Redis 7 does, so counts equal Redis's for the same
 * elements.  A sparse sketch turns dense when a register passes 32 or when it would grow past
 * its sparse limit (Redis's hll-sparse-max-bytes, default 3000, header included).
 * Single-threaded; a sketch owns its buffer.
 */
#ifndef DATAKIT_HLL_H
#define DATAKIT_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DK_HLL_REGISTERS 16384
#define DK_HLL_DENSE_SIZE (16 + DK_HLL_REGISTERS * 6 / 8) /* header + 12288 */
#define DK_HLL_SPARSE_MAX_DEFAULT 3000

typedef struct dk_hll dk_hll;

/* A new empty (sparse, 18-byte) sketch, or NULL when memory ran out. */
dk_hll *dk_hll_new(void);
/* A sketch loaded from Redis-layout bytes; NULL when they are not a valid HLL (bad magic,
 * unknown encoding, wrong dense size, sparse runs not covering exactly 16384 registers) or
 * memory ran out. */
dk_hll *dk_hll_from_bytes(const void *p, size_t n);
void dk_hll_free(dk_hll *h);
/* Sets the sparse size limit (bytes, header included) for later additions. */
void dk_hll_set_sparse_max(dk_hll *h, size_t max_bytes);

/* The sketch's current bytes (Redis layout); valid until the next call that changes h. */
const uint8_t *dk_hll_data(const dk_hll *h, size_t *len);
bool dk_hll_is_sparse(const dk_hll *h);
/* Every byte the sketch owns, allocator slack included. */
size_t dk_hll_bytes(const dk_hll *h);

/* MurmurHash64A(p, n, 0xadc83b19): the element hash. */
uint64_t dk_hll_hash(const void *p, size_t n);

/* Adds an element: 1 if a register changed, 0 if not, -1 when memory ran out (h unchanged). */
int dk_hll_add(dk_hll *h, const void *ele, size_t len);
/* Raises register i to at least value (<= 63): 1 if it changed, 0 if not, -1 out of memory. */
int dk_hll_raise(dk_hll *h, unsigned i, unsigned value);
/* Register i's value. */
unsigned dk_hll_register(const dk_hll *h, unsigned i);
/* Converts to the dense encoding; false when memory ran out. */
bool dk_hll_to_dense(dk_hll *h);

/* The estimated cardinality; uses and refreshes the cached value in the header. */
uint64_t dk_hll_count(dk_hll *h);
/* The cardinality of the union of n sketches (none is changed; their caches are not used). */
uint64_t dk_hll_count_union(const dk_hll *const *hs, size_t n);
/* dst becomes the union of itself and n sources (PFMERGE): dense if any of them is dense,
 * else sparse as long as it fits.  false when memory ran out (dst may hold part of it). */
bool dk_hll_merge(dk_hll *dst, const dk_hll *const *srcs, size_t n);

#ifdef __cplusplus
}
#endif
#endif
