/* base64.h -- standard base64 (RFC 4648, padded) for the meta protocol's binary keys ('b'). */
#ifndef MC_BASE64_H
#define MC_BASE64_H

#include <stddef.h>

/* Bytes mc_base64_encode writes for n input bytes. */
#define MC_BASE64_LEN(n) ((((n) + 2) / 3) * 4)

/* Decodes s[0..n) (a multiple of 4 characters, '=' padding only at the end) into out, which has
 * room for cap bytes.  Returns the decoded length, or -1 for invalid input or too little room. */
long mc_base64_decode(const char *s, size_t n, char *out, size_t cap);

/* Encodes s[0..n) into out (MC_BASE64_LEN(n) bytes of room); returns the length written. */
size_t mc_base64_encode(const void *s, size_t n, char *out);

#endif
