/* glob.h -- Redis-style glob patterns (KEYS, SCAN MATCH, CONFIG GET): * ? [abc] [^a-z] \x. */
#ifndef KEEL_CORE_GLOB_H
#define KEEL_CORE_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* True when s matches pattern.  Bounded work: patterns with many stars cannot blow up. */
bool glob_match(const char *pattern, size_t plen, const char *s, size_t slen, bool nocase);

#endif
