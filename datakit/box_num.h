/* box_num.h -- internal to datakit: box integers as (sign, 128-bit magnitude), reals as double. */
#ifndef DATAKIT_BOX_NUM_H
#define DATAKIT_BOX_NUM_H

#include <stdbool.h>
#include <datakit/box.h>

#ifndef __SIZEOF_INT128__
#error "datakit needs a compiler with unsigned __int128"
#endif

typedef unsigned __int128 dk_u128;
#define DK_U128_MAX (~(dk_u128)0)
#define DK_I128_MAX (DK_U128_MAX >> 1)

/* Sign and magnitude of an integer box (DK_I64, DK_U64, DK_I128, DK_U128, DK_BOOL). */
void dk_box_int_get(const dk_val *v, bool *neg, dk_u128 *mag);
/* The normalised integer box of (neg, mag): I64, else U64, else I128, else U128.  A negative
 * magnitude must be <= 2^127. */
dk_val dk_box_int_make(bool neg, dk_u128 mag);
/* The double value of a real box (exact for every real type). */
double dk_box_real_get(const dk_val *v);

#endif
