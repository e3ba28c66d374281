/* glob.c -- glob matching with one backtrack point per star (linear-ish, never exponential). */
#include "glob.h"

#include <ctype.h>

static int fold(int c, bool nocase) {
    return nocase ? tolower(c) : c;
}

/* Matches one character against the class starting at p[0] == '['; sets *used to the class
 * length.  A class without a closing ']' matches the rest literally, as Redis does. */
static bool class_match(const char *p, size_t plen, int c, bool nocase, size_t *used) {
    size_t i = 1;
    bool negate = i < plen && p[i] == '^';
    if (negate) i++;
    bool hit = false;
    while (i < plen && p[i] != ']') {
        if (p[i] == '\\' && i + 1 < plen) {
            i++;
            hit |= fold((unsigned char)p[i], nocase) == fold(c, nocase);
            i++;
        } else if (i + 2 < plen && p[i + 1] == '-') { /* "[a-]" too: a range up to ']', as Redis */
            int lo = fold((unsigned char)p[i], nocase), hi = fold((unsigned char)p[i + 2], nocase);
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            int fc = fold(c, nocase);
            hit |= fc >= lo && fc <= hi;
            i += 3;
        } else {
            hit |= fold((unsigned char)p[i], nocase) == fold(c, nocase);
            i++;
        }
    }
    *used = i < plen ? i + 1 : i;
    return negate ? !hit : hit;
}

bool dk_glob_match(const char *p, size_t plen, const char *s, size_t slen, bool nocase) {
    size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
    while (si < slen) {
        if (pi < plen) {
            char pc = p[pi];
            if (pc == '*') {
                while (pi < plen && p[pi] == '*')
                    pi++;
                if (pi == plen) return true;
                star_p = pi;
                star_s = si;
                continue;
            }
            if (pc == '?') {
                pi++;
                si++;
                continue;
            }
            if (pc == '[') {
                size_t used;
                if (class_match(p + pi, plen - pi, (unsigned char)s[si], nocase, &used)) {
                    pi += used;
                    si++;
                    continue;
                }
            } else {
                size_t adv = 1;
                if (pc == '\\' && pi + 1 < plen) {
                    pc = p[pi + 1];
                    adv = 2;
                }
                if (fold((unsigned char)pc, nocase) == fold((unsigned char)s[si], nocase)) {
                    pi += adv;
                    si++;
                    continue;
                }
            }
        }
        if (star_p == (size_t)-1) return false;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < plen && p[pi] == '*')
        pi++;
    return pi == plen;
}
