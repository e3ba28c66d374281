/* pattern.c -- substituting an element into a SORT pattern (see pattern.h).  As in Redis, the
 * pattern is read as a C string: it ends at its first NUL byte. */
#include "pattern.h"

#include <string.h>

pat_kind sort_pattern(keel_proc *p, const keel_arg *pat, const char *e, size_t elen, keel_arg *key,
                      keel_arg *field) {
    size_t plen = strnlen(pat->ptr, pat->len);
    const char *s = pat->ptr;
    if (plen == 1 && s[0] == '#') return PAT_ELEMENT;
    const char *star = memchr(s, '*', plen);
    if (!star) return PAT_NONE;
    const char *arrow = NULL;
    for (const char *q = star + 1; q + 1 < s + plen; q++)
        if (q[0] == '-' && q[1] == '>') {
            arrow = q;
            break;
        }
    if (arrow && arrow + 2 == s + plen) arrow = NULL; /* "->" with no field: part of the key */
    size_t prefix = (size_t)(star - s), suffix = (size_t)((arrow ? arrow : s + plen) - (star + 1));
    char *k = keel_proc_alloc(p, prefix + elen + suffix + 1);
    memcpy(k, s, prefix);
    memcpy(k + prefix, e, elen);
    memcpy(k + prefix + elen, star + 1, suffix);
    k[prefix + elen + suffix] = '\0';
    key->ptr = k;
    key->len = prefix + elen + suffix;
    if (!arrow) return PAT_KEY;
    field->ptr = arrow + 2;
    field->len = (size_t)(s + plen - (arrow + 2));
    return PAT_FIELD;
}
