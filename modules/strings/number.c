/* number.c -- INCRBY-family operands and arithmetic. */
#include "number.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <datakit/box.h>

/* True when s[0..n) is a number in JSON syntax: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number(const char *s, size_t n) {
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    if (i == n) return false;
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
    else
        return false;
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i == start) return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t start = i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i == start) return false;
    }
    return i == n;
}

bool str_num_parse(const char *s, size_t n, str_num *out) {
    dk_val v;
    memset(out, 0, sizeof *out);
    if (n < 42 && dk_parse_int(s, n, &v)) {
        if (v.type == DK_I64)
            out->i = v.v.i;
        else if (v.type == DK_U64)
            out->i = v.v.u;
        else
            return false; /* beyond 64 bits: out of range, as in Redis */
        return true;
    }
    if (!json_number(s, n) || !dk_parse_real(s, n, &out->d) || !isfinite(out->d)) return false;
    out->real = true;
    return true;
}

str_num_status str_num_add(const str_num *a, const str_num *b, bool negate, bool floor,
                           str_num *out) {
    memset(out, 0, sizeof *out);
    if (!a->real && !b->real) {
        /* both in [INT64_MIN, UINT64_MAX]: the 128-bit sum cannot overflow */
        __int128 r = negate ? a->i - b->i : a->i + b->i;
        if (floor && r < 0) r = 0;
        if (r < (__int128)INT64_MIN || r > (__int128)UINT64_MAX) return STR_NUM_OVERFLOW;
        out->i = r;
        return STR_NUM_OK;
    }
    double x = a->real ? a->d : (double)a->i;
    double y = b->real ? b->d : (double)b->i;
    double r = negate ? x - y : x + y;
    if (!isfinite(r)) return STR_NUM_NONFINITE;
    if (floor && !(r > 0)) r = 0;
    out->real = true;
    out->d = r;
    return STR_NUM_OK;
}
