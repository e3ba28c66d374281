/* glob.h -- Redis's glob patterns (HSCAN MATCH): * ? [abc] [^a-z] and \ escapes. */
#ifndef KEEL_MAPS_GLOB_H
#define KEEL_MAPS_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..slen) matches pattern p[0..plen), byte by byte (binary safe), with Redis's
 * rules: '*' any run, '?' one byte, '[...]' a class ('^' negates, 'a-z' ranges, '\' escapes),
 * '\x' the byte x.  Recursion is bounded by the number of '*' in the pattern. */
bool map_glob(const char *p, size_t plen, const char *s, size_t slen);

#endif
