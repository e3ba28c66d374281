/* decimal.c -- decimal parsing and formatting without locale, errno or stdio (see decimal.h). */
#include "decimal.h"

bool dk_dec_u64(const char *s, size_t n, uint64_t *out) {
    if (n == 0 || n > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9) return false;
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool dk_dec_u32(const char *s, size_t n, uint32_t *out) {
    uint64_t v;
    if (!dk_dec_u64(s, n, &v) || v > UINT32_MAX) return false;
    *out = (uint32_t)v;
    return true;
}

bool dk_dec_i64(const char *s, size_t n, int64_t *out) {
    bool neg = n > 0 && s[0] == '-';
    uint64_t v;
    if (!dk_dec_u64(s + neg, n - neg, &v)) return false;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)v;
    }
    return true;
}

size_t dk_dec_fmt_u64(char *out, uint64_t v) {
    char tmp[DK_DEC_TEXT];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t dk_dec_fmt_i64(char *out, int64_t v) {
    if (v >= 0) return dk_dec_fmt_u64(out, (uint64_t)v);
    out[0] = '-';
    return 1 + dk_dec_fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
}
