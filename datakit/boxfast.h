/* boxfast.h -- internal to datakit: inline fast paths over packed boxes for container scans.
 *
 * Containers walk thousands of packed boxes per lookup; calling dk_box_unpack + dk_val_cmp for
 * each is most of their cost.  These inline helpers decode the common codes of box.c's layout
 * directly (short bytes 0x80+n, small ints 0x40+k and 0x28+h,b, fixed-width ints and reals) and
 * fall back to the real functions for everything else.  They must agree exactly with dk_box_unpack
 * and dk_val_cmp: tests/unit/test_dk_flat.c checks them over every code byte.
 */
#ifndef DATAKIT_BOXFAST_H
#define DATAKIT_BOXFAST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <datakit/box.h>

/* Size of the packed box at p (avail bytes, avail >= 1); 0 when malformed. */
static inline size_t dk_boxf_size(const uint8_t *p, size_t avail) {
    uint8_t c = p[0];
    if (c >= 0x80) return 1 + (size_t)(c - 0x80);
    if (c >= 0x40) return 1;
    if (c >= 0x08 && c < 0x28) return 2 + (size_t)((c - 0x08) & 0x0f);
    if (c >= 0x28 && c < 0x38) return 2;
    if (c <= 0x02) return 1;
    dk_val v;
    return dk_box_unpack(p, avail, &v);
}

/* dk_val_cmp(box at p, k) (sign only matters); *size gets the box's size. */
static inline int dk_boxf_cmp(const uint8_t *p, size_t avail, const dk_val *k, size_t *size) {
    uint8_t c = p[0];
    if (k->type == DK_BYTES) {
        if (c >= 0x80) {
            size_t n = (size_t)(c - 0x80), m = n < k->len ? n : k->len;
            *size = 1 + n;
            int r = m ? memcmp(p + 1, k->v.ptr, m) : 0;
            if (r) return r;
            return (n > k->len) - (n < k->len);
        }
        if (c != 0x07) { /* every other code is a non-bytes value */
            *size = dk_boxf_size(p, avail);
            return -1;
        }
    } else if (c >= 0x40 && c < 0x80 && k->type == DK_I64) {
        int64_t a = c - 0x40;
        *size = 1;
        return (a > k->v.i) - (a < k->v.i);
    } else if (c >= 0x28 && c < 0x38 && k->type == DK_I64 && avail >= 2) {
        int64_t a = 64 + ((int64_t)(c - 0x28) << 8 | p[1]);
        *size = 2;
        return (a > k->v.i) - (a < k->v.i);
    }
    dk_val x;
    *size = dk_box_unpack(p, avail, &x);
    return dk_val_cmp(&x, k);
}

#endif
