/* sbcont.h -- internal to datakit: one 2^16-bit container of a dk_sbitset.
 *
 * A container holds the set bits whose positions share the same high 48 bits (its key) as
 * 16-bit offsets, in whichever of three encodings is smallest for its content:
 *   array   the sorted offsets (2 bytes each; up to 4 of them live inline in the descriptor),
 *   bitmap  65536 bits (8 KiB),
 *   runs    sorted (start, length - 1) pairs (4 bytes each; up to 2 runs inline).
 * Every change keeps the cardinality and the number of runs exact (O(1) extra work), so the
 * best encoding is known at once; a container converts when its encoding costs more than a
 * quarter (plus 32 bytes) above the best one, which keeps single-bit toggles from thrashing.
 */
#ifndef DATAKIT_SBCONT_H
#define DATAKIT_SBCONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { SB_ARRAY = 0, SB_BITMAP = 1, SB_RUNS = 2 };

#define SB_BITMAP_WORDS 1024
#define SB_INLINE_VALUES 4
#define SB_INLINE_RUNS 2

typedef struct sbc {
    uint64_t key; /* position >> 16 */
    union {
        uint16_t *arr;   /* SB_ARRAY (heap) */
        uint64_t *bits;  /* SB_BITMAP */
        uint16_t *runs;  /* SB_RUNS (heap): start, len-1, start, len-1, ... */
        uint16_t inl[4]; /* inline array values or runs */
    } d;
    uint32_t card;  /* set bits, 1..65536 (0 only transiently) */
    uint16_t nruns; /* maximal runs of set bits (a full container has 1) */
    uint8_t kind;
    uint8_t inl; /* data lives in d.inl */
} sbc;

/* Heap bytes behind the descriptor (footprint; 0 for inline data). */
size_t sbc_heap_bytes(const sbc *c);
void sbc_destroy(size_t *acct, sbc *c);
/* Deep copy; false when out of memory. */
bool sbc_copy(size_t *acct, sbc *dst, const sbc *src);
/* A container holding only offset o. */
void sbc_init1(sbc *c, uint64_t key, uint16_t o);

bool sbc_test(const sbc *c, uint16_t o);
/* Sets / clears bit o: 1 when it changed, 0 when it already had that value, -1 when out of
 * memory.  May change the encoding. */
int sbc_set(size_t *acct, sbc *c, uint16_t o);
int sbc_clear(size_t *acct, sbc *c, uint16_t o);
/* Set bits below offset o. */
uint32_t sbc_rank(const sbc *c, uint32_t o);
/* The first set offset >= o, or -1. */
int32_t sbc_next(const sbc *c, uint32_t o);
/* The first clear offset >= o, or -1. */
int32_t sbc_next_clear(const sbc *c, uint32_t o);
/* The k-th set offset (k < card). */
uint16_t sbc_select(const sbc *c, uint32_t k);

/* Writes the container as a bitmap into words[SB_BITMAP_WORDS]. */
void sbc_to_words(const sbc *c, uint64_t *words);
/* Builds a container from a bitmap (card > 0), in its best encoding. */
bool sbc_from_words(size_t *acct, sbc *c, uint64_t key, const uint64_t *words);
/* Builds a container from sorted offsets (n > 0), in its best encoding. */
bool sbc_from_sorted(size_t *acct, sbc *c, uint64_t key, const uint16_t *v, uint32_t n);

/* Bitwise op of two containers with the same key; *out gets card 0 when the result is empty
 * (and then owns nothing).  op: 0 and, 1 or, 2 xor, 3 andnot.  scratch holds 2 * 1024 words.
 * False when out of memory. */
bool sbc_op(size_t *acct, int op, const sbc *a, const sbc *b, sbc *out, uint64_t *scratch);

#endif
