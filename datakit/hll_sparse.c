/* hll_sparse.c -- the sparse HLL encoding: raising a register inside the run-length opcodes,
 * walking the runs, turning sparse into dense. */
#include "hll_int.h"

#include <string.h>

#include "mem.h"

bool hll_sparse_runs(const uint8_t *ops, size_t len, hll_run_fn fn, void *ctx) {
    const uint8_t *p = ops, *end = ops + len;
    unsigned first = 0;
    while (p < end) {
        if (hll_op_is_xzero(p) && p + 1 >= end) return false;
        unsigned n = hll_op_span(p);
        if (first + n > DK_HLL_REGISTERS) return false;
        if (fn) fn(ctx, first, n, hll_op_is_val(p) ? hll_val_value(p) : 0);
        first += n;
        p += hll_op_size(p);
    }
    return first == DK_HLL_REGISTERS;
}

static void run_to_dense(void *ctx, unsigned first, unsigned n, unsigned v) {
    uint8_t *regs = ctx;
    if (v)
        for (unsigned i = first; i < first + n; i++)
            hll_dense_put(regs, i, v);
}

bool hll_sparse_to_dense(dk_hll *h) {
    if (h->buf[4] == HLL_DENSE) return true;
    uint8_t *d = dk_calloc(1, DK_HLL_DENSE_SIZE);
    if (!d) return false;
    memcpy(d, h->buf, HLL_HDR);
    d[4] = HLL_DENSE;
    if (!hll_sparse_runs(h->buf + HLL_HDR, h->len - HLL_HDR, run_to_dense, d + HLL_HDR)) {
        dk_free(d);
        return false;
    }
    dk_free(h->buf);
    h->buf = d;
    h->len = h->cap = DK_HLL_DENSE_SIZE;
    return true;
}

/* Writes a zero run of n registers (ZERO or XZERO); returns bytes written. */
static unsigned put_zero(uint8_t *o, unsigned n) {
    if (n > HLL_ZERO_MAX_LEN) {
        o[0] = (uint8_t)(0x40 | ((n - 1) >> 8));
        o[1] = (uint8_t)((n - 1) & 0xff);
        return 2;
    }
    o[0] = (uint8_t)(n - 1);
    return 1;
}

static uint8_t val_op(unsigned v, unsigned n) {
    return (uint8_t)(0x80 | ((v - 1) << 2) | (n - 1));
}

/* After an update, merges adjacent VAL opcodes of equal value whose runs fit one opcode,
 * looking at no more than five opcodes from `from`. */
static void merge_vals(dk_hll *h, size_t from) {
    uint8_t *p = h->buf + from, *end = h->buf + h->len;
    for (int look = 5; p < end && look > 0; look--) {
        if (!hll_op_is_val(p)) {
            p += hll_op_size(p);
            continue;
        }
        if (p + 1 < end && hll_op_is_val(p + 1) && hll_val_value(p) == hll_val_value(p + 1)) {
            unsigned n = hll_op_span(p) + hll_op_span(p + 1);
            if (n <= HLL_VAL_MAX_LEN) {
                p[1] = val_op(hll_val_value(p), n);
                memmove(p, p + 1, (size_t)(end - p - 1));
                end--;
                h->len--;
                continue; /* look at the merged opcode again */
            }
        }
        p++;
    }
}

/* Turns h dense, then raises register i there. */
static int promote(dk_hll *h, unsigned i, unsigned count) {
    if (!hll_sparse_runs(h->buf + HLL_HDR, h->len - HLL_HDR, NULL, NULL)) return -2;
    if (!hll_sparse_to_dense(h)) return -1;
    uint8_t *regs = h->buf + HLL_HDR;
    if (hll_dense_get(regs, i) >= count) return 0;
    hll_dense_put(regs, i, count);
    hll_invalidate(h);
    return 1;
}

int hll_sparse_raise(dk_hll *h, unsigned i, unsigned count) {
    if (count > HLL_VAL_MAX_VALUE) return promote(h, i, count);
    /* Find the opcode holding register i, and the one before it. */
    size_t pos = HLL_HDR, prev = 0;
    unsigned first = 0, span = 0;
    bool found = false;
    while (pos < h->len) {
        span = hll_op_span(h->buf + pos);
        if (i < first + span) {
            found = true;
            break;
        }
        first += span;
        prev = pos;
        pos += hll_op_size(h->buf + pos);
    }
    if (!found || (hll_op_is_xzero(h->buf + pos) && pos + 1 >= h->len)) return -2;
    uint8_t *p = h->buf + pos;
    size_t merge_from = prev ? prev : HLL_HDR;
    if (hll_op_is_val(p) && hll_val_value(p) >= count) return 0;
    if (span == 1 && !hll_op_is_xzero(p)) { /* a one-register ZERO or VAL: rewrite it */
        *p = val_op(count, 1);
        merge_vals(h, merge_from);
        hll_invalidate(h);
        return 1;
    }
    /* Split the run into [before][register i][after]. */
    uint8_t seq[5];
    unsigned n = 0, last = first + span - 1;
    if (hll_op_is_val(p)) {
        unsigned cur = hll_val_value(p);
        if (i != first) seq[n++] = val_op(cur, i - first);
        seq[n++] = val_op(count, 1);
        if (i != last) seq[n++] = val_op(cur, last - i);
    } else {
        if (i != first) n += put_zero(seq + n, i - first);
        seq[n++] = val_op(count, 1);
        if (i != last) n += put_zero(seq + n, last - i);
    }
    unsigned oldlen = hll_op_size(p);
    size_t grow = n > oldlen ? n - oldlen : 0;
    if (grow && h->len + grow > h->sparse_max) return promote(h, i, count);
    if (!hll_reserve(h, h->len + grow)) return -1;
    p = h->buf + pos;
    memmove(p + n, p + oldlen, h->len - pos - oldlen);
    memcpy(p, seq, n);
    h->len = h->len + n - oldlen;
    merge_vals(h, merge_from);
    hll_invalidate(h);
    return 1;
}
