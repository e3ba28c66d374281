/* glob.h -- glob-style pattern matching for SSCAN MATCH, with Redis's rules. */
#ifndef KEEL_SETS_GLOB_H
#define KEEL_SETS_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) matches pat[0..plen): '*' any run of bytes, '?' one byte, '[abc]' '[a-z]'
 * '[^a]' one byte of (or not of) a class, '\x' the byte x literally.  Binary safe; an
 * unterminated class matches as if it were closed at the end of the pattern. */
bool sets_glob_match(const char *pat, size_t plen, const char *s, size_t n);

#endif
