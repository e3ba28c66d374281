/* decimal.h -- plain decimal integers without locale, errno or stdio: parsing tokens of exactly
 * digits (memcached's protocol numbers) and writing numbers. */
#ifndef DATAKIT_DECIMAL_H
#define DATAKIT_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any number dk_dec_fmt_u64 / dk_dec_fmt_i64 writes. */
#define DK_DEC_TEXT 24

/* Parses s[0..n) as an unsigned decimal (digits only, leading zeros allowed) that fits 64 bits.
 * False for anything else, including the empty string. */
bool dk_dec_u64(const char *s, size_t n, uint64_t *out);

/* The same for a value that fits 32 bits (client flags). */
bool dk_dec_u32(const char *s, size_t n, uint32_t *out);

/* Parses s[0..n) as a signed decimal (an optional '-', then digits) that fits int64. */
bool dk_dec_i64(const char *s, size_t n, int64_t *out);

/* Writes v in decimal at out (DK_DEC_TEXT bytes of room, no NUL); returns the length. */
size_t dk_dec_fmt_u64(char *out, uint64_t v);
size_t dk_dec_fmt_i64(char *out, int64_t v);

#endif
