/* bits.h -- bit arithmetic on string bytes shared by the bitmap commands: Redis's argument
 * rules, bit fields read and written most significant bit first, counting and searching. */
#ifndef KEEL_STRINGS_BITS_H
#define KEEL_STRINGS_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/sdk.h>

/* Bits a string may hold (STR_MAX_LEN bytes): offsets are below this. */
#define BITS_MAX_OFFSET ((uint64_t)512 * 1024 * 1024 * 8)

/* Bytes scanned per reduction by the counting and searching loops, and per slice step. */
#define BITS_BYTES_PER_REDUCTION 64
#define BITS_STEP ((size_t)64 * 1024)

/* Parses a bit offset as Redis does: an integer in [0, BITS_MAX_OFFSET); with hash, "#n"
 * means n * bits.  False on anything else (reply "bit offset is not an integer or out of
 * range"). */
bool bits_offset(const keel_arg *a, bool hash, unsigned bits, uint64_t *off);

/* Parses a BITFIELD type: i1..i64 or u1..u63.  False otherwise. */
bool bits_type(const keel_arg *a, bool *sign, unsigned *bits);

/* The bits wide field at bit offset off of p (which holds it whole), unsigned or sign-extended. */
uint64_t bits_get_u(const uint8_t *p, uint64_t off, unsigned bits);
int64_t bits_get_i(const uint8_t *p, uint64_t off, unsigned bits);
/* Writes the low bits of v as the field at bit offset off of p. */
void bits_set(uint8_t *p, uint64_t off, unsigned bits, uint64_t v);

/* BITFIELD's OVERFLOW modes. */
typedef enum bits_overflow { BITS_WRAP = 0, BITS_SAT, BITS_FAIL } bits_overflow;

/* Whether value + incr leaves the range of a bits wide field (Redis's checks, to the bit):
 * 0 when not; else 1 (too big) or -1 (too small) with *limit the WRAP or SAT result. */
int bits_overflow_u(uint64_t value, int64_t incr, unsigned bits, bits_overflow mode,
                    uint64_t *limit);
int bits_overflow_i(int64_t value, int64_t incr, unsigned bits, bits_overflow mode, int64_t *limit);

/* The number of set bits in p[0..n). */
uint64_t bits_count(const uint8_t *p, size_t n);

/* The index of the first bit equal to bit in p[0..n) (bit 0 is the top bit of p[0]), or -1. */
int64_t bits_find(const uint8_t *p, size_t n, int bit);

/* A BITCOUNT / BITPOS range turned into bits: [*first, *last] inclusive of a string of len
 * bytes, from start and end counted in bytes or (in_bits) in bits, negative from the end, with
 * Redis's clamping.  False when the range is empty. */
bool bits_range(int64_t len, int64_t start, int64_t end, bool in_bits, uint64_t *first,
                uint64_t *last);

#endif
