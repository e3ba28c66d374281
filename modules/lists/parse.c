/* parse.c -- argument parsers shared by the list commands. */
#include "parse.h"

#include <math.h>

bool lst_arg_long(keel_proc *p, const keel_arg *a, int64_t *out) {
    if (keel_arg_i64(a, out)) return true;
    keel_reply_error(p, "ERR value is not an integer or out of range");
    return false;
}

bool lst_arg_atleast(keel_proc *p, const keel_arg *a, int64_t min, const char *msg,
                     int64_t *out) {
    if (keel_arg_i64(a, out) && *out >= min) return true;
    keel_reply_error(p, "ERR %s", msg);
    return false;
}

bool lst_arg_end(keel_proc *p, const keel_arg *a, dk_list_end *end) {
    if (keel_arg_is(a, "LEFT")) *end = DK_LIST_HEAD;
    else if (keel_arg_is(a, "RIGHT")) *end = DK_LIST_TAIL;
    else {
        keel_reply_error(p, "ERR syntax error");
        return false;
    }
    return true;
}

bool lst_arg_timeout(keel_proc *p, const keel_arg *a, int64_t *ms) {
    double secs;
    if (!keel_arg_double(a, &secs)) {
        keel_reply_error(p, "ERR timeout is not a float or out of range");
        return false;
    }
    double t = ceil(secs * 1000.0);
    /* as Redis: refused when "now + timeout" would overflow */
    if (t > (double)INT64_MAX || (t > 0 && t > (double)(INT64_MAX - keel_now_ms(p)))) {
        keel_reply_error(p, "ERR timeout is out of range");
        return false;
    }
    if (t < 0) {
        keel_reply_error(p, "ERR timeout is negative");
        return false;
    }
    *ms = (int64_t)t;
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
