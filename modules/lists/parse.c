/* parse.c -- argument parsers shared by the list commands. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool lst_arg_long(keel_proc *p, const keel_arg *a, int64_t *out) {
    if (keel_arg_i64(a, out)) return true;
    keel_reply_error(p, "ERR value is not an integer or out of range");
    return false;
}

bool lst_arg_atleast(keel_proc *p, const keel_arg *a, int64_t min, const char *msg, int64_t *out) {
    if (keel_arg_i64(a, out) && *out >= min) return true;
    keel_reply_error(p, "ERR %s", msg);
    return false;
}

bool lst_arg_end(keel_proc *p, const keel_arg *a, dk_list_end *end) {
    if (keel_arg_is(a, "LEFT"))
        *end = DK_LIST_HEAD;
    else if (keel_arg_is(a, "RIGHT"))
        *end = DK_LIST_TAIL;
    else {
        keel_reply_error(p, "ERR syntax error");
        return false;
    }
    return true;
}

/* Longest timeout text Redis reads (its MAX_LONG_DOUBLE_CHARS). */
#define SECONDS_TEXT_MAX 5120

/* Reads a number of seconds the way Redis's string2ld does (strtold: long double range, hex,
 * "inf"; no spaces, no trailing junk, no NaN, no overflow or underflow to zero). */
static bool parse_seconds(const keel_arg *a, long double *out) {
    char buf[SECONDS_TEXT_MAX + 1];
    if (a->len == 0 || a->len > SECONDS_TEXT_MAX) return false;
    memcpy(buf, a->ptr, a->len);
    buf[a->len] = '\0';
    if (isspace((unsigned char)buf[0])) return false;
    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    if (*end != '\0' || isnan(v) || errno == EINVAL) return false;
    if (errno == ERANGE && (isinf(v) || v == 0)) return false;
    *out = v;
    return true;
}

bool lst_arg_timeout(keel_proc *p, const keel_arg *a, int64_t *ms) {
    long double secs;
    if (!parse_seconds(a, &secs)) {
        keel_reply_error(p, "ERR timeout is not a float or out of range");
        return false;
    }
    long double t = ceill(secs * 1000.0L);
    /* as Redis 7.0, where a timeout past 2^63 ms wraps to a negative number */
    if (t < 0 || t >= 9223372036854775808.0L) {
        keel_reply_error(p, "ERR timeout is negative");
        return false;
    }
    *ms = t > LST_TIMEOUT_FOREVER_MS ? 0 : (int64_t)t;
    return true;
}

void lst_clamp(int64_t start, int64_t stop, size_t len, size_t *first, size_t *n) {
    int64_t l = (int64_t)len;
    if (start < 0) start = l + start < 0 ? 0 : l + start;
    if (stop < 0) stop = l + stop;
    if (start > stop || start >= l) {
        *first = 0;
        *n = 0;
        return;
    }
    if (stop >= l) stop = l - 1;
    *first = (size_t)start;
    *n = (size_t)(stop - start + 1);
}

bool lst_index(int64_t index, size_t len, size_t *out) {
    int64_t l = (int64_t)len;
    if (index < 0) index += l;
    if (index < 0 || index >= l) return false;
    *out = (size_t)index;
    return true;
}
