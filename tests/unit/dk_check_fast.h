/* dk_check_fast.h -- Check assertions that cost nothing when they pass, for datakit's hot test
 * loops.
 *
 * Check's ck_assert* record every passing assertion (a write to its log pipe), which makes a
 * loop of millions of assertions take most of a test's time.  These variants test first and
 * call the Check assertion (for its message) only on failure.
 */
#ifndef DK_CHECK_FAST_H
#define DK_CHECK_FAST_H

#include <check.h>
#include <stdint.h>

#define DK_FAST_(cond, ck)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ck;                                                                                    \
        }                                                                                          \
    } while (0)

#define fast_assert(c) DK_FAST_(c, ck_assert(c))
#define fast_assert_msg(c, ...) DK_FAST_(c, ck_assert_msg(c, __VA_ARGS__))
#define fast_assert_int_eq(x, y) DK_FAST_((intmax_t)(x) == (intmax_t)(y), ck_assert_int_eq(x, y))
#define fast_assert_int_ne(x, y) DK_FAST_((intmax_t)(x) != (intmax_t)(y), ck_assert_int_ne(x, y))
#define fast_assert_int_lt(x, y) DK_FAST_((intmax_t)(x) < (intmax_t)(y), ck_assert_int_lt(x, y))
#define fast_assert_int_le(x, y) DK_FAST_((intmax_t)(x) <= (intmax_t)(y), ck_assert_int_le(x, y))
#define fast_assert_int_gt(x, y) DK_FAST_((intmax_t)(x) > (intmax_t)(y), ck_assert_int_gt(x, y))
#define fast_assert_int_ge(x, y) DK_FAST_((intmax_t)(x) >= (intmax_t)(y), ck_assert_int_ge(x, y))
#define fast_assert_uint_eq(x, y)                                                                  \
    DK_FAST_((uintmax_t)(x) == (uintmax_t)(y), ck_assert_uint_eq(x, y))
#define fast_assert_uint_ne(x, y)                                                                  \
    DK_FAST_((uintmax_t)(x) != (uintmax_t)(y), ck_assert_uint_ne(x, y))
#define fast_assert_uint_lt(x, y) DK_FAST_((uintmax_t)(x) < (uintmax_t)(y), ck_assert_uint_lt(x, y))
#define fast_assert_uint_le(x, y)                                                                  \
    DK_FAST_((uintmax_t)(x) <= (uintmax_t)(y), ck_assert_uint_le(x, y))
#define fast_assert_uint_gt(x, y) DK_FAST_((uintmax_t)(x) > (uintmax_t)(y), ck_assert_uint_gt(x, y))
#define fast_assert_uint_ge(x, y)                                                                  \
    DK_FAST_((uintmax_t)(x) >= (uintmax_t)(y), ck_assert_uint_ge(x, y))
#define fast_assert_ptr_eq(x, y)                                                                   \
    DK_FAST_((const void *)(x) == (const void *)(y), ck_assert_ptr_eq(x, y))
#define fast_assert_ptr_null(x) DK_FAST_((const void *)(x) == NULL, ck_assert_ptr_null(x))
#define fast_assert_ptr_nonnull(x) DK_FAST_((const void *)(x) != NULL, ck_assert_ptr_nonnull(x))

#endif
