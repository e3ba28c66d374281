/* dk_kvmodel.h -- the reference model for ordered-container tests: a sorted array of owned
 * key/value pairs searched with dk_val_cmp. */
#ifndef TESTS_UNIT_DK_KVMODEL_H
#define TESTS_UNIT_DK_KVMODEL_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model_move.h"
#include "dk_vals.h"

typedef struct kv {
    owned k, v;
} kv;

typedef struct kvmodel {
    kv *e;
    size_t n, cap;
} kvmodel;

/* First index whose key is >= k; *found when equal. */
static inline size_t kv_lb(const kvmodel *m, const dk_val *k, bool *found) {
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (dk_val_cmp(&m->e[mid].k.v, k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < m->n && dk_val_cmp(&m->e[lo].k.v, k) == 0;
    return lo;
}

/* Inserts or (when replace) overwrites; returns 1 inserted, 0 existed. */
static inline int kv_put(kvmodel *m, const dk_val *k, const dk_val *v, bool replace) {
    bool found;
    size_t i = kv_lb(m, k, &found);
    if (found) {
        if (replace) {
            owned_free(&m->e[i].v);
            m->e[i].v = owned_copy(v);
        }
        return 0;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->e = realloc(m->e, m->cap * sizeof *m->e);
    }
    model_move(m->e + i + 1, m->e + i, (m->n - i) * sizeof *m->e);
    m->e[i].k = owned_copy(k);
    m->e[i].v = owned_copy(v);
    m->n++;
    return 1;
}

static inline bool kv_del(kvmodel *m, const dk_val *k) {
    bool found;
    size_t i = kv_lb(m, k, &found);
    if (!found) return false;
    owned_free(&m->e[i].k);
    owned_free(&m->e[i].v);
    model_move(m->e + i, m->e + i + 1, (m->n - i - 1) * sizeof *m->e);
    m->n--;
    return true;
}

static inline void kv_free(kvmodel *m) {
    for (size_t i = 0; i < m->n; i++) {
        owned_free(&m->e[i].k);
        owned_free(&m->e[i].v);
    }
    free(m->e);
    memset(m, 0, sizeof *m);
}

/* Packed bytes of every key (and value when vals). */
static inline size_t kv_payload(const kvmodel *m, bool vals) {
    size_t p = 0;
    for (size_t i = 0; i < m->n; i++)
        p += dk_box_size(&m->e[i].k.v) + (vals ? dk_box_size(&m->e[i].v.v) : 0);
    return p;
}

/* Numbers that stress cross-type ordering: values near 2^53 and 2^63/2^64 as ints and reals,
 * signed zeros, infinities, NaN, small reals. */
static inline dk_val tricky_number(dk_rand *r) {
    static const double reals[] = {0.0,    -0.0,    0.5,   -0.5,   1.0,       0x1p53,    0x1p63,
                                   0x1p64, -0x1p63, 1e300, -1e300, 1.0 / 0.0, -1.0 / 0.0};
    static const int64_t ints[] = {
        0, 1, -1, 9007199254740992LL, 9007199254740993LL, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    switch (dk_rand_below(r, 5)) {
    case 0:
        return dk_f64(reals[dk_rand_below(r, 13)]);
    case 1:
        return dk_i64(ints[dk_rand_below(r, 8)]);
    case 2:
        return dk_u64(UINT64_MAX - dk_rand_below(r, 3));
    case 3:
        return dk_f64(__builtin_nan(""));
    default: {
        dk_val v = {0};
        v.type = dk_rand_below(r, 2) ? DK_I128 : DK_U128;
        v.v.w.lo = dk_rand_u64(r);
        v.v.w.hi = dk_rand_below(r, 3) == 0 ? UINT64_MAX : dk_rand_below(r, 4);
        return v;
    }
    }
}

#endif
