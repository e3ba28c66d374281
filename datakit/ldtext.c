/* ldtext.c -- long double text as Redis reads and writes it. */
#include "ldtext.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool dk_ld_parse(const char *s, size_t n, long double *out) {
    char buf[DK_LD_TEXT];
    if (n == 0 || n >= sizeof buf || isspace((unsigned char)s[0])) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    if (*end != '\0' || (size_t)(end - buf) != n || isnan(v)) return false;
    if (errno == ERANGE && (isinf(v) || v == 0)) return false;
    if (errno == EINVAL) return false;
    *out = v;
    return true;
}

size_t dk_ld_format(long double v, char *out) {
    int len = snprintf(out, DK_LD_TEXT, "%.17Lf", v);
    if (len <= 0 || len >= DK_LD_TEXT) return 0;
    size_t n = (size_t)len;
    if (memchr(out, '.', n)) {
        while (out[n - 1] == '0')
            n--;
        if (out[n - 1] == '.') n--;
    }
    if (n == 2 && out[0] == '-' && out[1] == '0') {
        out[0] = '0';
        n = 1;
    }
    return n;
}
