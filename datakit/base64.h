/* base64.h -- standard base64 (RFC 4648, padded): memcached's meta protocol keys ('b' flag). */
#ifndef DATAKIT_BASE64_H
#define DATAKIT_BASE64_H

#include <stddef.h>

/* Bytes dk_base64_encode writes for n input bytes. */
#define DK_BASE64_LEN(n) ((((n) + 2) / 3) * 4)

/* Decodes s[0..n) (a multiple of 4 characters, '=' padding only at the end) into out, which has
 * room for cap bytes.  Returns the decoded length, or -1 for invalid input or too little room. */
long dk_base64_decode(const char *s, size_t n, char *out, size_t cap);

/* Encodes s[0..n) into out (DK_BASE64_LEN(n) bytes of room); returns the length written. */
size_t dk_base64_encode(const void *s, size_t n, char *out);

#endif
