/* savepoint.c -- reading and writing Redis's "save" setting. */
#include "config.h"
#include "savepoint.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Reads one positive integer at *s (after blanks): true and *s past it. */
static bool read_positive(const char **s, int64_t *v) {
    while (isspace((unsigned char)**s))
        (*s)++;
    if (!isdigit((unsigned char)**s)) return false;
    char *end;
    errno = 0;
    long long x = strtoll(*s, &end, 10);
    if (errno || x <= 0 || (*end && !isspace((unsigned char)*end))) return false;
    *v = x;
    *s = end;
    return true;
}

int savepoint_parse(const char *s, savepoint *out, int max) {
    int n = 0;
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s) return n;
        if (n == max) return -1;
        if (!read_positive(&s, &out[n].secs) || !read_positive(&s, &out[n].changes)) return -1;
        n++;
    }
}

void savepoint_format(const savepoint *p, int n, char *out, size_t cap) {
    size_t at = 0;
    if (cap) out[0] = '\0';
    for (int i = 0; i < n && at < cap; i++) {
        int w = snprintf(out + at, cap - at, "%s%lld %lld", i ? " " : "", (long long)p[i].secs,
                         (long long)p[i].changes);
        if (w < 0) break;
        at += (size_t)w;
    }
}
