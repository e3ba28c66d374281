/* text.c -- long double text as Redis reads and writes it, and human-readable times. */
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool map_ld_parse(const char *s, size_t n, long double *out) {
    char buf[MAP_LD_TEXT];
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

size_t map_ld_format(long double v, char *out) {
    int len = snprintf(out, MAP_LD_TEXT, "%.17Lf", v);
    if (len <= 0 || len >= MAP_LD_TEXT) return 0;
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

size_t map_nice_ms(int64_t ms, char *out) {
    if (ms < 0) return (size_t)snprintf(out, MAP_NICE_TEXT, "no expiry");
    int64_t d = ms / 86400000, h = ms / 3600000 % 24, m = ms / 60000 % 60, s = ms / 1000 % 60,
            r = ms % 1000;
    int n;
    if (d)
        n = snprintf(out, MAP_NICE_TEXT, "%lldd %lldh %lldm %lld.%03llds", (long long)d,
                     (long long)h, (long long)m, (long long)s, (long long)r);
    else if (h)
        n = snprintf(out, MAP_NICE_TEXT, "%lldh %lldm %lld.%03llds", (long long)h, (long long)m,
                     (long long)s, (long long)r);
    else if (m)
        n = snprintf(out, MAP_NICE_TEXT, "%lldm %lld.%03llds", (long long)m, (long long)s,
                     (long long)r);
    else
        n = snprintf(out, MAP_NICE_TEXT, "%lld.%03llds", (long long)s, (long long)r);
    return n < 0 ? 0 : (size_t)n;
}
