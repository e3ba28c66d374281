/* hll.c -- dk_hll: Redis-compatible HyperLogLog sketches (see hll.h), dense side and counting. */
#include "hll_int.h"

#include <math.h>
#include <string.h>

#include "mem.h"

static const uint8_t magic[4] = {'H', 'Y', 'L', 'L'};

/* ---- hashing ----------------------------------------------------------------------------- */

/* MurmurHash64A (Austin Appleby, public domain), input read little-endian. */
static uint64_t murmur64a(const uint8_t *p, size_t n, uint64_t seed) {
    const uint64_t m = 0xc6a4a7935bd1e995ull;
    const int r = 47;
    uint64_t h = seed ^ (n * m);
    size_t blocks = n / 8;
    for (size_t b = 0; b < blocks; b++, p += 8) {
        uint64_t k = 0;
        for (int j = 7; j >= 0; j--)
            k = (k << 8) | p[j];
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    size_t tail = n & 7;
    if (tail) {
        for (size_t j = tail; j-- > 0;)
            h ^= (uint64_t)p[j] << (8 * j);
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

uint64_t dk_hll_hash(const void *p, size_t n) {
    return murmur64a(p, n, 0xadc83b19ull);
}

/* Register index and rank (1 + zeros above the index bits, at most Q + 1) of an element. */
static unsigned element_pos(const void *ele, size_t len, unsigned *rank) {
    uint64_t h = dk_hll_hash(ele, len);
    unsigned index = (unsigned)(h & (DK_HLL_REGISTERS - 1));
    h >>= HLL_P;
    h |= (uint64_t)1 << HLL_Q;
    *rank = (unsigned)__builtin_ctzll(h) + 1;
    return index;
}

/* ---- lifecycle --------------------------------------------------------------------------- */

bool hll_reserve(dk_hll *h, size_t len) {
    if (len <= h->cap) return true;
    size_t cap = h->cap * 2 > len ? h->cap * 2 : len;
    uint8_t *b = dk_realloc(h->buf, cap);
    if (!b) return false;
    h->buf = b;
    h->cap = cap;
    return true;
}

static dk_hll *hll_alloc(size_t len) {
    dk_hll *h = dk_calloc(1, sizeof *h);
    if (!h) return NULL;
    h->sparse_max = DK_HLL_SPARSE_MAX_DEFAULT;
    if (!(h->buf = dk_calloc(1, len))) {
        dk_free(h);
        return NULL;
    }
    h->len = h->cap = len;
    return h;
}

dk_hll *dk_hll_new(void) {
    dk_hll *h = hll_alloc(HLL_HDR + 2);
    if (!h) return NULL;
    memcpy(h->buf, magic, 4);
    h->buf[4] = HLL_SPARSE;
    h->buf[HLL_HDR] = (uint8_t)(0x40 | ((HLL_XZERO_MAX_LEN - 1) >> 8)); /* XZERO: all 16384 */
    h->buf[HLL_HDR + 1] = (uint8_t)((HLL_XZERO_MAX_LEN - 1) & 0xff);
    return h;
}

dk_hll *dk_hll_from_bytes(const void *p, size_t n) {
    const uint8_t *b = p;
    if (n < HLL_HDR || memcmp(b, magic, 4) != 0 || b[4] > HLL_SPARSE) return NULL;
    if (b[4] == HLL_DENSE && n != DK_HLL_DENSE_SIZE) return NULL;
    if (b[4] == HLL_SPARSE && !hll_sparse_runs(b + HLL_HDR, n - HLL_HDR, NULL, NULL)) return NULL;
    dk_hll *h = hll_alloc(n);
    if (h) memcpy(h->buf, b, n);
    return h;
}

void dk_hll_free(dk_hll *h) {
    if (!h) return;
    dk_free(h->buf);
    dk_free(h);
}

void dk_hll_set_sparse_max(dk_hll *h, size_t max_bytes) {
    h->sparse_max = max_bytes;
}

const uint8_t *dk_hll_data(const dk_hll *h, size_t *len) {
    *len = h->len;
    return h->buf;
}

bool dk_hll_is_sparse(const dk_hll *h) {
    return h->buf[4] == HLL_SPARSE;
}

size_t dk_hll_bytes(const dk_hll *h) {
    return dk_mem_footprint(h) + dk_mem_footprint(h->buf);
}

bool dk_hll_to_dense(dk_hll *h) {
    return hll_sparse_to_dense(h);
}

/* ---- registers --------------------------------------------------------------------------- */

int dk_hll_raise(dk_hll *h, unsigned i, unsigned value) {
    if (i >= DK_HLL_REGISTERS || value == 0) return 0;
    if (value > 63) value = 63;
    if (h->buf[4] == HLL_SPARSE) {
        int r = hll_sparse_raise(h, i, value);
        return r < -1 ? -1 : r;
    }
    uint8_t *regs = h->buf + HLL_HDR;
    if (hll_dense_get(regs, i) >= value) return 0;
    hll_dense_put(regs, i, value);
    hll_invalidate(h);
    return 1;
}

int dk_hll_add(dk_hll *h, const void *ele, size_t len) {
    unsigned rank, i = element_pos(ele, len, &rank);
    return dk_hll_raise(h, i, rank);
}

typedef struct reg_lookup {
    unsigned index, value;
} reg_lookup;

static void run_lookup(void *ctx, unsigned first, unsigned n, unsigned v) {
    reg_lookup *q = ctx;
    if (q->index >= first && q->index < first + n) q->value = v;
}

unsigned dk_hll_register(const dk_hll *h, unsigned i) {
    if (i >= DK_HLL_REGISTERS) return 0;
    if (h->buf[4] == HLL_DENSE) return hll_dense_get(h->buf + HLL_HDR, i);
    reg_lookup q = {i, 0};
    hll_sparse_runs(h->buf + HLL_HDR, h->len - HLL_HDR, run_lookup, &q);
    return q.value;
}

/* ---- counting ---------------------------------------------------------------------------- */

/* Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (2017): sigma and
 * tau series, iterated until the sum stops changing. */
static double ertl_sigma(double x) {
    if (x == 1.0) return INFINITY;
    double y = 1.0, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (z != prev);
    return z;
}

static double ertl_tau(double x) {
    if (x == 0.0 || x == 1.0) return 0.0;
    double y = 1.0, z = 1.0 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
    } while (z != prev);
    return z / 3.0;
}

/* The improved estimator from the register histogram c[0..Q+1]. */
static uint64_t estimate(const int *c) {
    const double m = DK_HLL_REGISTERS;
    double z = m * ertl_tau((m - c[HLL_Q + 1]) / m);
    for (int k = HLL_Q; k >= 1; k--) {
        z += c[k];
        z *= 0.5;
    }
    z += m * ertl_sigma(c[0] / m);
    const double alpha_inf = 0.721347520444481703680; /* 1 / (2 ln 2) */
    return (uint64_t)llround(alpha_inf * m * m / z);
}

static void run_histo(void *ctx, unsigned first, unsigned n, unsigned v) {
    (void)first;
    ((int *)ctx)[v] += (int)n;
}

static void histogram(const dk_hll *h, int *c) {
    if (h->buf[4] == HLL_DENSE) {
        const uint8_t *regs = h->buf + HLL_HDR;
        for (unsigned i = 0; i < DK_HLL_REGISTERS; i++)
            c[hll_dense_get(regs, i)]++;
    } else {
        hll_sparse_runs(h->buf + HLL_HDR, h->len - HLL_HDR, run_histo, c);
    }
}

uint64_t dk_hll_count(dk_hll *h) {
    uint8_t *card = h->buf + 8;
    uint64_t e = 0;
    if (!(card[7] & 0x80)) {
        for (int j = 7; j >= 0; j--)
            e = (e << 8) | card[j];
        return e;
    }
    int c[64] = {0};
    histogram(h, c);
    e = estimate(c);
    for (int j = 0; j < 8; j++)
        card[j] = (uint8_t)(e >> (8 * j));
    return e;
}

static void run_max(void *ctx, unsigned first, unsigned n, unsigned v) {
    uint8_t *max = ctx;
    for (unsigned i = first; i < first + n; i++)
        if (v > max[i]) max[i] = (uint8_t)v;
}

/* Raises max[i] to each register of h. */
static void fold_max(const dk_hll *h, uint8_t *max) {
    if (h->buf[4] == HLL_DENSE) {
        const uint8_t *regs = h->buf + HLL_HDR;
        for (unsigned i = 0; i < DK_HLL_REGISTERS; i++) {
            unsigned v = hll_dense_get(regs, i);
            if (v > max[i]) max[i] = (uint8_t)v;
        }
    } else {
        hll_sparse_runs(h->buf + HLL_HDR, h->len - HLL_HDR, run_max, max);
    }
}

uint64_t dk_hll_count_union(const dk_hll *const *hs, size_t n) {
    uint8_t max[DK_HLL_REGISTERS] = {0};
    for (size_t k = 0; k < n; k++)
        fold_max(hs[k], max);
    int c[64] = {0};
    for (unsigned i = 0; i < DK_HLL_REGISTERS; i++)
        c[max[i]]++;
    return estimate(c);
}

bool dk_hll_merge(dk_hll *dst, const dk_hll *const *srcs, size_t n) {
    uint8_t max[DK_HLL_REGISTERS] = {0};
    bool dense = dst->buf[4] == HLL_DENSE;
    fold_max(dst, max);
    for (size_t k = 0; k < n; k++) {
        fold_max(srcs[k], max);
        dense |= srcs[k]->buf[4] == HLL_DENSE;
    }
    if (dense && !hll_sparse_to_dense(dst)) return false;
    for (unsigned i = 0; i < DK_HLL_REGISTERS; i++)
        if (max[i] && dk_hll_raise(dst, i, max[i]) < 0) return false;
    hll_invalidate(dst);
    return true;
}
