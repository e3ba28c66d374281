/* text.h -- the number and time texts maps.so reads and writes: HINCRBYFLOAT's long doubles
 * (as Redis reads and formats them) and KEYSANDEXPIRES NICE's human-readable times.  Pure
 * functions, tested on their own. */
#ifndef KEEL_MAPS_TEXT_H
#define KEEL_MAPS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room map_ld_format needs (Redis's MAX_LONG_DOUBLE_CHARS). */
#define MAP_LD_TEXT 5120

/* Parses s[0..n) as Redis's string2ld does: strtold over the whole text, no leading space, no
 * NaN, no overflow.  False otherwise. */
bool map_ld_parse(const char *s, size_t n, long double *out);

/* Writes v as Redis's ld2string(LD_STR_HUMAN) does ("%.17Lf", trailing zeros and dot
 * removed, "-0" as "0") into out (MAP_LD_TEXT bytes, not NUL-terminated); returns the length,
 * 0 when it does not fit. */
size_t map_ld_format(long double v, char *out);

/* Room map_nice_ms needs. */
#define MAP_NICE_TEXT 48

/* Writes a remaining time in ms for people: "1d 2h 3m 4.005s", "3m 0.000s", "0.250s" (units
 * above the largest non-zero one left out); negative ms writes "no expiry".  Returns the
 * length (out holds MAP_NICE_TEXT bytes, NUL-terminated). */
size_t map_nice_ms(int64_t ms, char *out);

#endif
