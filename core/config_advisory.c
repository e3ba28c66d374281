/* config_advisory.c -- Redis's tuning parameters Keel accepts and stores without using them
 * (config_advisory.h).  Ranges and messages are Redis 7.0's. */
#include "config.h"
#include "config_advisory.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

enum kind { ADV_INT, ADV_BOOL, ADV_HZ };

typedef struct advisory {
    const char *name;
    int kind;
    long long lo, hi, initial;
    int alias; /* index of the parameter it is another name for, or -1 */
} advisory;

/* An alias shares its target's value (the older "ziplist" names of the "listpack" ones). */
static const advisory params[] = {
    {"hash-max-listpack-entries", ADV_INT, 0, LLONG_MAX, 512, -1},
    {"hash-max-ziplist-entries", ADV_INT, 0, LLONG_MAX, 512, 0},
    {"hash-max-listpack-value", ADV_INT, 0, LLONG_MAX, 64, -1},
    {"hash-max-ziplist-value", ADV_INT, 0, LLONG_MAX, 64, 2},
    {"list-max-listpack-size", ADV_INT, INT_MIN, INT_MAX, -2, -1},
    {"list-max-ziplist-size", ADV_INT, INT_MIN, INT_MAX, -2, 4},
    {"list-compress-depth", ADV_INT, 0, INT_MAX, 0, -1},
    {"set-max-intset-entries", ADV_INT, 0, LLONG_MAX, 512, -1},
    {"zset-max-listpack-entries", ADV_INT, 0, LLONG_MAX, 128, -1},
    {"zset-max-ziplist-entries", ADV_INT, 0, LLONG_MAX, 128, 8},
    {"zset-max-listpack-value", ADV_INT, 0, LLONG_MAX, 64, -1},
    {"zset-max-ziplist-value", ADV_INT, 0, LLONG_MAX, 64, 10},
    {"stream-node-max-bytes", ADV_INT, 0, LLONG_MAX, 4096, -1},
    {"stream-node-max-entries", ADV_INT, 0, LLONG_MAX, 100, -1},
    {"hll-sparse-max-bytes", ADV_INT, 0, LLONG_MAX, 3000, -1},
    {"active-expire-effort", ADV_INT, 1, 10, 1, -1},
    {"hz", ADV_HZ, 0, INT_MAX, 10, -1},
    {"dynamic-hz", ADV_BOOL, 0, 1, 1, -1},
    {"activerehashing", ADV_BOOL, 0, 1, 1, -1},
    {"lazyfree-lazy-eviction", ADV_BOOL, 0, 1, 0, -1},
    {"lazyfree-lazy-expire", ADV_BOOL, 0, 1, 0, -1},
    {"lazyfree-lazy-server-del", ADV_BOOL, 0, 1, 0, -1},
    {"lazyfree-lazy-user-del", ADV_BOOL, 0, 1, 0, -1},
    {"lazyfree-lazy-user-flush", ADV_BOOL, 0, 1, 0, -1},
};
#define NPARAMS (sizeof params / sizeof params[0])

static _Atomic long long values[NPARAMS];
static _Atomic bool changed[NPARAMS]; /* set once: values[] holds it (else the initial one) */

static size_t target(size_t i) {
    return params[i].alias >= 0 ? (size_t)params[i].alias : i;
}

size_t advisory_count(void) {
    return NPARAMS;
}

const char *advisory_name(size_t i) {
    return params[i].name;
}

void advisory_get(size_t i, char *out, size_t cap) {
    size_t t = target(i);
    long long v = atomic_load(&changed[t]) ? atomic_load(&values[t]) : params[t].initial;
    if (params[t].kind == ADV_BOOL)
        snprintf(out, cap, "%s", v ? "yes" : "no");
    else
        snprintf(out, cap, "%lld", v);
}

long advisory_find(const char *name) {
    for (size_t i = 0; i < NPARAMS; i++)
        if (!strcasecmp(params[i].name, name)) return (long)i;
    return -1;
}

const char *advisory_set(size_t i, const char *value) {
    size_t t = target(i);
    const advisory *a = &params[t];
    long long v;
    if (a->kind == ADV_BOOL) {
        if (!strcasecmp(value, "yes"))
            v = 1;
        else if (!strcasecmp(value, "no"))
            v = 0;
        else
            return "argument must be 'yes' or 'no'";
    } else {
        char *end;
        errno = 0;
        v = strtoll(value, &end, 10);
        if (!*value || *end || errno == ERANGE)
            return "argument couldn't be parsed into an integer";
        if (v < a->lo || v > a->hi) {
            static _Thread_local char why[96];
            snprintf(why, sizeof why, "argument must be between %lld and %lld inclusive", a->lo,
                     a->hi);
            return why;
        }
        if (a->kind == ADV_HZ) v = v < 1 ? 1 : v > 500 ? 500 : v; /* Redis clamps hz */
    }
    atomic_store(&values[t], v);
    atomic_store(&changed[t], true);
    return NULL;
}
