/* glob.h -- Redis-style glob patterns (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE): * ? [abc] [^a-z] \x.
 * Binary safe; bounded work (one backtrack point per '*'); no state. */
#ifndef DATAKIT_GLOB_H
#define DATAKIT_GLOB_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True when s matches pattern.  Bounded work: patterns with many stars cannot blow up. */
bool dk_glob_match(const char *pattern, size_t plen, const char *s, size_t slen, bool nocase);

#ifdef __cplusplus
}
#endif

#endif
