/* text.h -- the time texts maps.so writes: KEYSANDEXPIRES NICE's human-readable times (its
 * long doubles are datakit's, datakit/ldtext.h).  Pure functions, tested on their own. */
#ifndef KEEL_MAPS_TEXT_H
#define KEEL_MAPS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room map_nice_ms needs. */
#define MAP_NICE_TEXT 48

/* Writes a remaining time in ms for people: "1d 2h 3m 4.005s", "3m 0.000s", "0.250s" (units
 * above the largest non-zero one left out); negative ms writes "no expiry".  Returns the
 * length (out holds MAP_NICE_TEXT bytes, NUL-terminated). */
size_t map_nice_ms(int64_t ms, char *out);

#endif
