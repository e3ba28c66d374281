/* base64.c -- standard base64 decoding and encoding (see base64.h). */
#include <stdint.h>
#include <stdbool.h>
#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The 6-bit value of c, or -1. */
static int sextet(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

long dk_base64_decode(const char *s, size_t n, char *out, size_t cap) {
    if (n == 0 || n % 4 != 0) return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        bool last = i + 4 == n;
        int pad = 0;
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)s[i + k];
            int x;
            if (c == '=' && last && k >= 2) {
                pad++;
                x = 0;
            } else {
                x = sextet(c);
                if (x < 0 || pad) return -1;
            }
            v = v << 6 | (uint32_t)x;
        }
        size_t bytes = 3 - (size_t)pad;
        if (o + bytes > cap) return -1;
        out[o++] = (char)(v >> 16);
        if (bytes > 1) out[o++] = (char)(v >> 8);
        if (bytes > 2) out[o++] = (char)v;
    }
    return (long)o;
}

size_t dk_base64_encode(const void *src, size_t n, char *out) {
    const unsigned char *s = src;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return o;
}
