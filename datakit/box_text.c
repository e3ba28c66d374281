/* box_text.c -- boxes to and from text: decimal integers (128-bit too), shortest reals. */
#include <datakit/box.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box_num.h"

/* Writes the decimal digits of mag (with '-' when neg) into out; returns length or 0. */
static size_t format_int(bool neg, dk_u128 mag, char *out, size_t cap) {
    char tmp[41];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(mag % 10));
        mag /= 10;
    } while (mag);
    if (neg) tmp[n++] = '-';
    if (n >= cap) return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Shortest "%.Ng" text that reads back as exactly d. */
static size_t format_real(double d, char *out, size_t cap) {
    char buf[40];
    int len = 0;
    if (isnan(d))
        len = snprintf(buf, sizeof buf, "nan");
    else if (isinf(d))
        len = snprintf(buf, sizeof buf, d < 0 ? "-inf" : "inf");
    else {
        for (int prec = 1; prec <= 17; prec++) {
            len = snprintf(buf, sizeof buf, "%.*g", prec, d);
            if (strtod(buf, NULL) == d) break;
        }
    }
    if (len <= 0 || (size_t)len >= cap) return 0;
    memcpy(out, buf, (size_t)len);
    return (size_t)len;
}

static size_t format_lit(const char *s, char *out, size_t cap) {
    size_t n = strlen(s);
    if (n >= cap) return 0;
    memcpy(out, s, n);
    return n;
}

size_t dk_val_format(const dk_val *v, char *out, size_t cap) {
    if (dk_is_int(v)) {
        bool neg;
        dk_u128 mag;
        dk_box_int_get(v, &neg, &mag);
        return format_int(neg, mag, out, cap);
    }
    if (dk_is_real(v)) return format_real(dk_box_real_get(v), out, cap);
    switch (v->type) {
    case DK_NULL:
        return format_lit("null", out, cap);
    case DK_BOOL:
        return format_lit(v->v.i ? "true" : "false", out, cap);
    case DK_BYTES:
        if (v->len >= cap) return 0;
        if (v->len) memcpy(out, v->v.ptr, v->len);
        return v->len;
    default: {
        char buf[32];
        snprintf(buf, sizeof buf, "ptr:%p", v->v.ptr);
        return format_lit(buf, out, cap);
    }
    }
}

bool dk_parse_int(const char *s, size_t n, dk_val *out) {
    size_t i = 0;
    bool neg = false;
    if (n == 0) return false;
    if (s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == n) return false;
    if (s[i] == '0') /* "0" alone; never "-0" nor leading zeros */
        return !neg && n == 1 && (*out = dk_i64(0), true);
    dk_u128 mag = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (mag > (DK_U128_MAX - d) / 10) return false;
        mag = mag * 10 + d;
    }
    if (neg && mag > DK_I128_MAX + 1) return false;
    *out = dk_box_int_make(neg, mag);
    return true;
}

bool dk_parse_real(const char *s, size_t n, double *out) {
    char stackbuf[128];
    char *buf = stackbuf;
    bool ok = false;
    if (n == 0 || isspace((unsigned char)s[0]) || memchr(s, '\0', n)) return false;
    if (n >= sizeof stackbuf && !(buf = malloc(n + 1))) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (end == buf + n && !isnan(d) && !(errno == ERANGE && (isinf(d) || d == 0))) {
        *out = d;
        ok = true;
    }
    if (buf != stackbuf) free(buf);
    return ok;
}

/* Reals longer than this are never the shortest text of a double. */
#define REAL_TEXT_MAX 32

dk_val dk_box_from_text(const char *s, size_t n) {
    dk_val v;
    if (n > 0 && n < 42 && dk_parse_int(s, n, &v)) return v;
    double d;
    if (n > 0 && n <= REAL_TEXT_MAX && dk_parse_real(s, n, &d)) {
        char text[DK_BOX_TEXT_MAX];
        v = dk_f64(d);
        size_t len = dk_val_format(&v, text, sizeof text);
        if (len == n && memcmp(text, s, n) == 0) return v;
    }
    return dk_bytes(s, n);
}

size_t dk_box_text(const dk_val *v, char buf[DK_BOX_TEXT_MAX], const char **s) {
    if (v->type == DK_BYTES) {
        *s = v->len ? (const char *)v->v.ptr : "";
        return v->len;
    }
    *s = buf;
    return dk_val_format(v, buf, DK_BOX_TEXT_MAX);
}
