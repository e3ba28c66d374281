/* hll_int.h -- internal to datakit: the dk_hll struct, Redis's HLL byte layout, register access.
 *
 * Layout: "HYLL", encoding byte (0 dense, 1 sparse), 3 zero bytes, 8-byte little-endian
 * cached cardinality whose top bit (bit 7 of byte 15) marks it stale, then the registers.
 * Dense: register i is bits [6i, 6i+6) of the register bytes, least significant bit first.
 * Sparse opcodes: 00xxxxxx ZERO run of x+1 zero registers; 01xxxxxx yyyyyyyy XZERO run of
 * (x<<8 | y)+1; 1vvvvvxx VAL run of x+1 registers valued v+1.
 */
#ifndef DATAKIT_HLL_INT_H
#define DATAKIT_HLL_INT_H

#include <datakit/hll.h>

#define HLL_P 14
#define HLL_Q (64 - HLL_P)
#define HLL_HDR 16
#define HLL_DENSE 0
#define HLL_SPARSE 1
#define HLL_DENSE_BYTES (DK_HLL_REGISTERS * 6 / 8)

#define HLL_VAL_MAX_VALUE 32
#define HLL_VAL_MAX_LEN 4
#define HLL_ZERO_MAX_LEN 64
#define HLL_XZERO_MAX_LEN 16384

struct dk_hll {
    uint8_t *buf;
    size_t len, cap;
    size_t sparse_max;
};

static inline bool hll_op_is_zero(const uint8_t *p) {
    return (*p & 0xc0) == 0x00;
}
static inline bool hll_op_is_xzero(const uint8_t *p) {
    return (*p & 0xc0) == 0x40;
}
static inline bool hll_op_is_val(const uint8_t *p) {
    return (*p & 0x80) != 0;
}
static inline unsigned hll_op_size(const uint8_t *p) {
    return hll_op_is_xzero(p) ? 2 : 1;
}
static inline unsigned hll_val_value(const uint8_t *p) {
    return ((*p >> 2) & 0x1f) + 1;
}
/* Registers an opcode covers. */
static inline unsigned hll_op_span(const uint8_t *p) {
    if (hll_op_is_zero(p)) return (*p & 0x3f) + 1u;
    if (hll_op_is_xzero(p)) return (((unsigned)(p[0] & 0x3f) << 8) | p[1]) + 1u;
    return (*p & 3) + 1u;
}

static inline unsigned hll_dense_get(const uint8_t *regs, unsigned i) {
    unsigned bit = i * 6, b = bit / 8, fb = bit & 7;
    unsigned v = regs[b] >> fb;
    if (fb > 2) v |= (unsigned)regs[b + 1] << (8 - fb);
    return v & 63;
}

static inline void hll_dense_put(uint8_t *regs, unsigned i, unsigned val) {
    unsigned bit = i * 6, b = bit / 8, fb = bit & 7;
    regs[b] = (uint8_t)((regs[b] & ~(63u << fb)) | (val << fb));
    if (fb > 2) regs[b + 1] = (uint8_t)((regs[b + 1] & ~(63u >> (8 - fb))) | (val >> (8 - fb)));
}

static inline void hll_invalidate(dk_hll *h) {
    h->buf[15] |= 0x80;
}

/* Makes room for len bytes in h->buf; false when memory ran out. */
bool hll_reserve(dk_hll *h, size_t len);

/* Sparse encoding (hll_sparse.c). */
/* Sets register i to count if that raises it: 1 changed, 0 not, -1 out of memory, -2 corrupt.
 * May turn h dense (count > 32, or growth past h->sparse_max). */
int hll_sparse_raise(dk_hll *h, unsigned i, unsigned count);
/* Converts h to dense; false when memory ran out or the sparse data is corrupt. */
bool hll_sparse_to_dense(dk_hll *h);
/* Calls each run of n registers from register `first` valued v; false if the runs do not
 * cover exactly the 16384 registers. */
typedef void (*hll_run_fn)(void *ctx, unsigned first, unsigned n, unsigned v);
bool hll_sparse_runs(const uint8_t *ops, size_t len, hll_run_fn fn, void *ctx);

#endif
