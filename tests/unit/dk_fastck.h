/* dk_fastck.h -- quiet assertions for the hot loops of datakit's randomized unit tests.
 *
 * Check's ck_assert_* record every passing assertion (a write to its log), which dominates
 * loops of millions of checks; these test first and call Check only on a failure. */
#ifndef TESTS_UNIT_DK_FASTCK_H
#define TESTS_UNIT_DK_FASTCK_H

#include <check.h>
#include <stdint.h>

#define FCK(expr)                                                                                  \
    do {                                                                                           \
        if (!(expr))                                                                               \
            ck_assert(expr);                                                                       \
    } while (0)
#define FCK_INT_EQ(a, b)                                                                           \
    do {                                                                                           \
        if ((intmax_t)(a) != (intmax_t)(b))                                                        \
            ck_assert_int_eq(a, b);                                                                \
    } while (0)
#define FCK_UINT_EQ(a, b)                                                                          \
    do {                                                                                           \
        if ((uintmax_t)(a) != (uintmax_t)(b))                                                      \
            ck_assert_uint_eq(a, b);                                                               \
    } while (0)

#endif
