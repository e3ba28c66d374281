/* glob.c -- glob matching for SSCAN MATCH (see glob.h): iterative, with one backtrack point per
 * '*', so a pattern costs O(pattern x text) at worst and never recurses. */
#include "glob.h"

/* Matches one byte c against the class starting after '[' at pat[*i]; moves *i past ']'. */
static bool class_match(const char *pat, size_t plen, size_t *i, unsigned char c) {
    bool negate = *i < plen && pat[*i] == '^';
    if (negate) (*i)++;
    bool hit = false;
    while (*i < plen && pat[*i] != ']') {
        unsigned char lo = (unsigned char)pat[*i];
        if (lo == '\\' && *i + 1 < plen) lo = (unsigned char)pat[++*i];
        if (*i + 2 < plen && pat[*i + 1] == '-' && pat[*i + 2] != ']') {
            unsigned char hi = (unsigned char)pat[*i + 2];
            *i += 2;
            if (hi == '\\' && *i + 1 < plen) hi = (unsigned char)pat[++*i];
            if (lo > hi) {
                unsigned char t = lo;
                lo = hi;
                hi = t;
            }
            if (c >= lo && c <= hi) hit = true;
        } else if (c == lo) {
            hit = true;
        }
        (*i)++;
    }
    if (*i < plen) (*i)++; /* the closing ']' */
    return hit != negate;
}

bool sets_glob_match(const char *pat, size_t plen, const char *s, size_t n) {
    size_t pi = 0, si = 0;
    size_t star_p = (size_t)-1, star_s = 0;
    while (si < n) {
        if (pi < plen) {
            char c = pat[pi];
            if (c == '*') {
                while (pi < plen && pat[pi] == '*')
                    pi++;
                if (pi == plen) return true;
                star_p = pi;
                star_s = si;
                continue;
            }
            if (c == '?') {
                pi++;
                si++;
                continue;
            }
            if (c == '[') {
                size_t i = pi + 1;
                if (class_match(pat, plen, &i, (unsigned char)s[si])) {
                    pi = i;
                    si++;
                    continue;
                }
            } else {
                if (c == '\\' && pi + 1 < plen) c = pat[pi + 1];
                if (c == s[si]) {
                    pi += pat[pi] == '\\' && pi + 1 < plen ? 2 : 1;
                    si++;
                    continue;
                }
            }
        }
        if (star_p == (size_t)-1) return false;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < plen && pat[pi] == '*')
        pi++;
    return pi == plen;
}
