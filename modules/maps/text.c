/* text.c -- human-readable times (KEYSANDEXPIRES NICE). */
#include "text.h"

#include <stdio.h>

size_t map_nice_ms(int64_t ms, char *out) {
    if (ms < 0) return (size_t)snprintf(out, MAP_NICE_TEXT, "no expiry");
    int64_t d = ms / 86400000, h = ms / 3600000 % 24, m = ms / 60000 % 60, s = ms / 1000 % 60,
            r = ms % 1000;
    int n;
    if (d)
        n = snprintf(out, MAP_NICE_TEXT, "%lldd %lldh %lldm %lld.%03llds", (long long)d,
                     (long long)h, (long long)m, (long long)s, (long long)r);
    else if (h)
        n = snprintf(out, MAP_NICE_TEXT, "%lldh %lldm %lld.%03llds", (long long)h, (long long)m,
                     (long long)s, (long long)r);
    else if (m)
        n = snprintf(out, MAP_NICE_TEXT, "%lldm %lld.%03llds", (long long)m, (long long)s,
                     (long long)r);
    else
        n = snprintf(out, MAP_NICE_TEXT, "%lld.%03llds", (long long)s, (long long)r);
    return n < 0 ? 0 : (size_t)n;
}
