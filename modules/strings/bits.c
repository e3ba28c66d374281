/* bits.c -- bit arithmetic on string bytes for SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD. */
#include "bits.h"

#include <string.h>

/* Parses a whole decimal int64 as Redis's string2ll does (no spaces, no '+', no leading 0). */
static bool parse_i64(const char *s, size_t n, int64_t *out) {
    keel_arg a = {.ptr = s, .len = n};
    return keel_arg_i64(&a, out);
}

bool bits_offset(const keel_arg *a, bool hash, unsigned bits, uint64_t *off) {
    const char *s = a->ptr;
    size_t n = a->len;
    bool use_hash = hash && bits > 0 && n > 0 && s[0] == '#';
    int64_t v;
    if (!parse_i64(s + use_hash, n - use_hash, &v)) return false;
    if (use_hash) v = (int64_t)((uint64_t)v * bits); /* wraps as Redis's multiplication does */
    if (v < 0 || (uint64_t)v >= BITS_MAX_OFFSET) return false;
    *off = (uint64_t)v;
    return true;
}

bool bits_type(const keel_arg *a, bool *sign, unsigned *bits) {
    const char *s = a->ptr;
    if (a->len < 2 || (s[0] != 'i' && s[0] != 'u')) return false;
    const char *nul = memchr(s, '\0', a->len); /* Redis reads the type up to a NUL */
    size_t n = (nul ? (size_t)(nul - s) : a->len) - 1;
    int64_t v;
    if (n == 0 || !parse_i64(s + 1, n, &v)) return false;
    *sign = s[0] == 'i';
    if (v < 1 || v > (*sign ? 64 : 63)) return false;
    *bits = (unsigned)v;
    return true;
}

uint64_t bits_get_u(const uint8_t *p, uint64_t off, unsigned bits) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bits; i++, off++)
        v = (v << 1) | ((p[off >> 3] >> (7 - (off & 7))) & 1u);
    return v;
}

int64_t bits_get_i(const uint8_t *p, uint64_t off, unsigned bits) {
    uint64_t v = bits_get_u(p, off, bits);
    if (bits < 64 && (v & ((uint64_t)1 << (bits - 1)))) v |= UINT64_MAX << bits;
    return (int64_t)v;
}

void bits_set(uint8_t *p, uint64_t off, unsigned bits, uint64_t v) {
    for (unsigned i = 0; i < bits; i++, off++) {
        unsigned bit = (unsigned)((v >> (bits - 1 - i)) & 1u);
        uint8_t mask = (uint8_t)(1u << (7 - (off & 7)));
        if (bit)
            p[off >> 3] |= mask;
        else
            p[off >> 3] &= (uint8_t)~mask;
    }
}

int bits_overflow_u(uint64_t value, int64_t incr, unsigned bits, bits_overflow mode,
                    uint64_t *limit) {
    uint64_t max = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    int64_t maxincr = (int64_t)(max - value), minincr = (int64_t)(0 - value);
    int dir = 0;
    if (value > max || (incr > 0 && incr > maxincr))
        dir = 1;
    else if (incr < 0 && incr < minincr)
        dir = -1;
    if (dir == 0) return 0;
    if (mode == BITS_WRAP)
        *limit = (value + (uint64_t)incr) & ~(UINT64_MAX << bits);
    else if (mode == BITS_SAT)
        *limit = dir > 0 ? max : 0;
    return dir;
}

int bits_overflow_i(int64_t value, int64_t incr, unsigned bits, bits_overflow mode,
                    int64_t *limit) {
    int64_t max = bits == 64 ? INT64_MAX : (int64_t)(((uint64_t)1 << (bits - 1)) - 1);
    int64_t min = -max - 1;
    /* as Redis: these may wrap, but are only used once value is known to be in range */
    int64_t maxincr = (int64_t)((uint64_t)max - (uint64_t)value);
    int64_t minincr = (int64_t)((uint64_t)min - (uint64_t)value);
    int dir = 0;
    if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr))
        dir = 1;
    else if (value < min || (bits != 64 && incr < minincr) ||
             (value < 0 && incr < 0 && incr < minincr))
        dir = -1;
    if (dir == 0) return 0;
    if (mode == BITS_WRAP) {
        uint64_t c = (uint64_t)value + (uint64_t)incr;
        if (bits < 64) {
            uint64_t mask = UINT64_MAX << bits;
            c = (c & ((uint64_t)1 << (bits - 1))) ? c | mask : c & ~mask;
        }
        *limit = (int64_t)c;
    } else if (mode == BITS_SAT) {
        *limit = dir > 0 ? max : min;
    }
    return dir;
}

uint64_t bits_count(const uint8_t *p, size_t n) {
    uint64_t count = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        count += (uint64_t)__builtin_popcountll(w);
    }
    for (; i < n; i++)
        count += (uint64_t)__builtin_popcount(p[i]);
    return count;
}

int64_t bits_find(const uint8_t *p, size_t n, int bit) {
    uint8_t skip = bit ? 0x00 : 0xff; /* a byte with no such bit */
    size_t i = 0;
    uint64_t skipw = bit ? 0 : UINT64_MAX;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w != skipw) break;
    }
    for (; i < n; i++) {
        if (p[i] == skip) continue;
        uint8_t b = bit ? p[i] : (uint8_t)~p[i];
        return (int64_t)(i * 8) + (__builtin_clz(b) - 24);
    }
    return -1;
}

bool bits_range(int64_t len, int64_t start, int64_t end, bool in_bits, uint64_t *first,
                uint64_t *last) {
    int64_t total = in_bits ? len * 8 : len;
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
    if (start > end) return false;
    *first = in_bits ? (uint64_t)start : (uint64_t)start * 8;
    *last = in_bits ? (uint64_t)end : (uint64_t)end * 8 + 7;
    return true;
}
