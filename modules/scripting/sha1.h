/* sha1.h -- SHA-1 digests as scripts are named by (EVALSHA, SCRIPT LOAD, redis.sha1hex). */
#ifndef KEEL_SCRIPTING_SHA1_H
#define KEEL_SCRIPTING_SHA1_H

#include <stddef.h>

/* Writes the SHA-1 of data[0..n) as 40 lower-case hex digits and a NUL into hex[41]. */
void sha1_hex(const void *data, size_t n, char hex[41]);

#endif
