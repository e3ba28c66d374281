/* number.h -- the arithmetic behind INCR, DECR, INCRBY, DECRBY, DECRBYFLOOR and INCRBYFLOAT.
 *
 * The INCRBY family (Keel's extension of Redis): an operand (the stored value or the increment)
 * is an integer when it is a canonical decimal integer in int64 or uint64 range, else a real
 * when it is a finite number in JSON syntax ("1.5", "-0", "1e3", "2.0"; not "012", "+1", ".5",
 * "0x10", "inf").  Integer + integer stays an integer as long as the result fits int64 or
 * uint64; anything with a real is computed in double precision.
 *
 * INCRBYFLOAT follows Redis exactly: long double arithmetic, strtold parsing and Redis's
 * human-friendly "%.17Lf" formatting with trailing zeros removed (datakit/ldtext.h).
 */
#ifndef KEEL_STRINGS_NUMBER_H
#define KEEL_STRINGS_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An INCRBY operand or result. */
typedef struct str_num {
    bool real;  /* d holds it; else i does */
    __int128 i; /* an integer in [INT64_MIN, UINT64_MAX] */
    double d;
} str_num;

/* Parses s[0..n) as an INCRBY operand (see above); false when it is not one. */
bool str_num_parse(const char *s, size_t n, str_num *out);

typedef enum str_num_status {
    STR_NUM_OK = 0,
    STR_NUM_OVERFLOW, /* an integer result outside both int64 and uint64 */
    STR_NUM_NONFINITE /* a real result that is NaN or infinite */
} str_num_status;

/* *out = a - b when negate, else a + b; when floor, a result below zero becomes zero. */
str_num_status str_num_add(const str_num *a, const str_num *b, bool negate, bool floor,
                           str_num *out);

#endif
