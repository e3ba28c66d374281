/* glob.h -- Redis-style glob patterns (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE).
 * Syntax: * ? [abc] [^a-z] \x; binary safe; bounded work (one backtrack point per star). */
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
