/* model_move.h -- memmove for the unit tests' reference models (sorted arrays that shift on
 * every insert and delete).
 *
 * AddressSanitizer checks a memmove's ranges and then copies one byte at a time, which made the
 * model-checking tests twenty times slower in the sanitizer build than in the normal one.  Two
 * memcpy calls through a scratch buffer are checked the same way and copy at full speed.
 */
#ifndef TESTS_UNIT_MODEL_MOVE_H
#define TESTS_UNIT_MODEL_MOVE_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

static inline void *model_move(void *dst, const void *src, size_t len) {
    static unsigned char *scratch; /* one per test program, kept until it exits */
    static size_t cap;
    if (len > cap) {
        cap = len > 2 * cap ? len : 2 * cap;
        scratch = realloc(scratch, cap);
        ck_assert_ptr_nonnull(scratch);
    }
    if (len) {
        memcpy(scratch, src, len);
        memcpy(dst, scratch, len);
    }
    return dst;
}

#endif
