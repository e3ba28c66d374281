/* number.h -- the decimal numbers of the memcached protocol: parsing tokens, writing replies. */
#ifndef MC_NUMBER_H
#define MC_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any number mc_fmt_u64 / mc_fmt_i64 writes. */
#define MC_NUM_TEXT 24

/* Parses s[0..n) as an unsigned decimal (digits only, leading zeros allowed) that fits 64 bits.
 * False for anything else, including the empty string. */
bool mc_num_u64(const char *s, size_t n, uint64_t *out);

/* The same for a value that fits 32 bits (client flags). */
bool mc_num_u32(const char *s, size_t n, uint32_t *out);

/* Parses s[0..n) as a signed decimal (an optional '-', then digits) that fits int64. */
bool mc_num_i64(const char *s, size_t n, int64_t *out);

/* Writes v in decimal at out (MC_NUM_TEXT bytes of room, no NUL); returns the length. */
size_t mc_fmt_u64(char *out, uint64_t v);
size_t mc_fmt_i64(char *out, int64_t v);

#endif
