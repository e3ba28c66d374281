/* glob.c -- Redis-style glob matching without recursion: one backtracking point per '*'. */
#include "glob.h"

#include <stdint.h>

/* Matches the class starting at p[i] == '[' against c; *next = the index after it. */
static bool glob_class(const char *p, size_t plen, size_t i, unsigned char c, size_t *next) {
    i++;
    bool neg = i < plen && p[i] == '^';
    if (neg) i++;
    bool hit = false;
    while (i < plen && p[i] != ']') {
        if (p[i] == '\\' && i + 1 < plen) {
            if ((unsigned char)p[i + 1] == c) hit = true;
            i += 2;
        } else if (i + 2 < plen && p[i + 1] == '-') {
            unsigned char lo = (unsigned char)p[i], hi = (unsigned char)p[i + 2];
            if (lo > hi) {
                unsigned char t = lo;
                lo = hi;
                hi = t;
            }
            if (c >= lo && c <= hi) hit = true;
            i += 3;
        } else {
            if ((unsigned char)p[i] == c) hit = true;
            i++;
        }
    }
    if (i < plen) i++; /* the closing ']' */
    *next = i;
    return neg ? !hit : hit;
}

/* Matches the one-byte element at p[i] (not '*') against c; *next = the index after it. */
static bool glob_one(const char *p, size_t plen, size_t i, unsigned char c, size_t *next) {
    switch (p[i]) {
    case '?':
        *next = i + 1;
        return true;
    case '[':
        return glob_class(p, plen, i, c, next);
    case '\\':
        if (i + 1 < plen) {
            *next = i + 2;
            return (unsigned char)p[i + 1] == c;
        }
        break; /* a trailing backslash is itself */
    default:
        break;
    }
    *next = i + 1;
    return (unsigned char)p[i] == c;
}

bool map_glob(const char *p, size_t plen, const char *s, size_t slen) {
    size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
    while (si < slen) {
        if (pi < plen && p[pi] == '*') {
            while (pi < plen && p[pi] == '*')
                pi++;
            if (pi == plen) return true;
            star_p = pi;
            star_s = si;
            continue;
        }
        size_t next;
        if (pi < plen && glob_one(p, plen, pi, (unsigned char)s[si], &next)) {
            pi = next;
            si++;
            continue;
        }
        if (star_p == SIZE_MAX) return false;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < plen && p[pi] == '*')
        pi++;
    return pi == plen;
}
