/* args.h -- small helpers for reading command arguments, shared by the core and modules. */
#ifndef KEEL_ARGS_H
#define KEEL_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <strings.h>
#include <datakit/box.h>
#include <keel/vm.h>

/* True when the argument equals word, ignoring ASCII case ("ex" matches "EX"). */
static inline bool keel_arg_is(const keel_arg *a, const char *word) {
    size_t n = 0;
    while (word[n])
        n++;
    return a->len == n && strncasecmp(a->ptr, word, n) == 0;
}

/* Parses a canonical decimal integer that fits int64 (Redis's rules: no spaces, no '+', no
 * leading zeros).  False otherwise. */
static inline bool keel_arg_i64(const keel_arg *a, int64_t *out) {
    dk_val v;
    if (!dk_parse_int(a->ptr, a->len, &v) || v.type != DK_I64) return false;
    *out = v.v.i;
    return true;
}

/* Parses a real number (strtod rules, "inf" allowed, NaN and trailing junk refused). */
static inline bool keel_arg_double(const keel_arg *a, double *out) {
    return dk_parse_real(a->ptr, a->len, out);
}

#endif
