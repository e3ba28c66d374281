/* dk_vals.h -- random boxes and owned value copies for datakit's container unit tests. */
#ifndef TESTS_UNIT_DK_VALS_H
#define TESTS_UNIT_DK_VALS_H

#include <stdlib.h>
#include <string.h>

#include <datakit/box.h>

#include "dk_rand.h"

/* A value that owns its bytes (the reference models keep these). */
typedef struct owned {
    dk_val v;
    void *buf;
} owned;

static inline owned owned_copy(const dk_val *v) {
    owned o = {*v, NULL};
    if (v->type == DK_BYTES) {
        o.buf = malloc(v->len ? v->len : 1);
        if (v->len) memcpy(o.buf, v->v.ptr, v->len);
        o.v.v.ptr = o.buf;
    }
    return o;
}

static inline void owned_free(owned *o) {
    free(o->buf);
    o->buf = NULL;
}

/* Fills buf (at least 5000 bytes) and returns a random value of a random kind: small and large
 * integers of both signs and the int64/uint64 edges, reals, null, bools, and byte strings from
 * empty to larger than a chunk. */
static inline dk_val rand_val(dk_rand *r, uint8_t *buf) {
    static const int64_t edges[] = {INT64_MIN, INT64_MAX, 0, -1, 63, 64, 255, 256, -129};
    size_t n;
    switch (dk_rand_below(r, 12)) {
    case 0:
    case 1:
    case 2:
        return dk_i64((int64_t)dk_rand_below(r, 100));
    case 3:
        return dk_i64((int64_t)dk_rand_u64(r) >> dk_rand_below(r, 64));
    case 4:
        return dk_i64(edges[dk_rand_below(r, 9)]);
    case 5:
        return dk_u64(dk_rand_below(r, 2) ? UINT64_MAX : UINT64_MAX - dk_rand_below(r, 1000));
    case 6:
        return dk_f64((double)(int64_t)dk_rand_u64(r) / 1024.0);
    case 7:
        return dk_rand_below(r, 2) ? dk_null() : dk_bool(dk_rand_below(r, 2));
    case 11:
        n = dk_rand_below(r, 20) == 0 ? 4000 + dk_rand_below(r, 1000) : dk_rand_below(r, 300);
        break;
    default:
        n = dk_rand_below(r, 12);
        break;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)('a' + dk_rand_below(r, 4));
    return dk_bytes(buf, n);
}

#endif
