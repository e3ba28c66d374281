/* limit.c -- parsing and showing the client limits' values (byte units, output buffer classes). */
#include "config.h"
#include "limit.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void limit_obuf_default(limit_obuf out[LIMIT_OBUF_CLASSES]) {
    out[LIMIT_OBUF_NORMAL] = (limit_obuf){0, 0, 0};
    out[LIMIT_OBUF_PUBSUB] = (limit_obuf){32ll * 1024 * 1024, 8ll * 1024 * 1024, 60};
}

bool limit_parse_bytes(const char *s, int64_t *out) {
    if (!s || !isdigit((unsigned char)*s)) return false;
    uint64_t v = 0;
    for (; isdigit((unsigned char)*s); s++) {
        if (v > (uint64_t)INT64_MAX / 10) return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    static const struct {
        const char *unit;
        uint64_t mul;
    } units[] = {{"", 1},        {"b", 1},        {"k", 1000},       {"kb", 1024},
                 {"m", 1000000}, {"mb", 1 << 20}, {"g", 1000000000}, {"gb", 1 << 30}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(s, units[i].unit) != 0) continue;
        if (v > (uint64_t)INT64_MAX / units[i].mul) return false;
        *out = (int64_t)(v * units[i].mul);
        return true;
    }
    return false;
}

int limit_obuf_class(const char *name, size_t len) {
    if (len == 6 && !strncasecmp(name, "normal", 6)) return LIMIT_OBUF_NORMAL;
    if (len == 6 && !strncasecmp(name, "pubsub", 6)) return LIMIT_OBUF_PUBSUB;
    return -1;
}

static bool is_replica_class(const char *name, size_t len) {
    return (len == 7 && !strncasecmp(name, "replica", 7)) ||
           (len == 5 && !strncasecmp(name, "slave", 5));
}

/* The next space-separated word of *s (at most cap - 1 bytes) into out; false at the end. */
static bool next_word(const char **s, char *out, size_t cap) {
    const char *p = *s;
    while (*p == ' ')
        p++;
    if (!*p) return false;
    size_t n = 0;
    while (p[n] && p[n] != ' ')
        n++;
    if (n >= cap) n = cap - 1; /* too long to be valid: what remains fails to parse */
    memcpy(out, p, n);
    out[n] = '\0';
    while (*p && *p != ' ')
        p++;
    *s = p;
    return true;
}

const char *limit_parse_obuf(const char *s, limit_obuf out[LIMIT_OBUF_CLASSES]) {
    limit_obuf next[LIMIT_OBUF_CLASSES];
    memcpy(next, out, sizeof next);
    char word[4][32];
    int classes = 0;
    for (;;) {
        int got = 0;
        while (got < 4 && next_word(&s, word[got], sizeof word[got]))
            got++;
        if (got == 0) break;
        if (got < 4) return "wrong number of arguments: expected class hard soft seconds";
        int cls = limit_obuf_class(word[0], strlen(word[0]));
        if (cls < 0 && !is_replica_class(word[0], strlen(word[0])))
            return "invalid client class: expected normal or pubsub";
        int64_t hard, soft, secs;
        char *end;
        if (!limit_parse_bytes(word[1], &hard) || !limit_parse_bytes(word[2], &soft))
            return "invalid memory amount";
        secs = strtoll(word[3], &end, 10);
        if (!isdigit((unsigned char)word[3][0]) || *end || secs < 0) return "invalid seconds";
        if (cls >= 0) next[cls] = (limit_obuf){hard, soft, secs};
        classes++;
    }
    if (classes == 0) return "wrong number of arguments: expected class hard soft seconds";
    memcpy(out, next, sizeof next);
    return NULL;
}

void limit_format_obuf(const limit_obuf in[LIMIT_OBUF_CLASSES], char *out, size_t cap) {
    snprintf(out, cap,
             "normal %" PRId64 " %" PRId64 " %" PRId64 " pubsub %" PRId64 " %" PRId64 " %" PRId64,
             limit_get(in[0].hard), limit_get(in[0].soft), limit_get(in[0].soft_seconds),
             limit_get(in[1].hard), limit_get(in[1].soft), limit_get(in[1].soft_seconds));
}
