/* sbitset.h -- dk_sbitset: a sparse bitset over 64-bit positions (roaring-like).
 *
 * Positions are split into a 48-bit key and a 16-bit offset.  Each key with at least one set bit
 * has a container holding its offsets in the smallest of three encodings, re-chosen as density
 * changes: a sorted array of 16-bit offsets (up to 4 inline, no allocation), an 8 KiB bitmap, or
 * sorted runs (start, length) (up to 2 inline).  Container descriptors (24 bytes each) live in
 * sorted directory chunks of up to DK_SBITSET_DIR_MAX; a large set indexes the directory chunks
 * (binary search by key, Fenwick tree of set-bit counts for rank and select), so every single-bit
 * operation is O(log n) and no operation moves more than one directory chunk.
 *
 * Positions are stateless cursors: iterate with dk_sbitset_next(s, last + 1, &p), which stays
 * correct across modifications.  Single-threaded.
 */
#ifndef DATAKIT_SBITSET_H
#define DATAKIT_SBITSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DK_SBITSET_DIR_MAX 128

typedef struct dk_sbitset dk_sbitset;

typedef enum dk_sbitset_op {
    DK_SBITSET_AND = 0,
    DK_SBITSET_OR = 1,
    DK_SBITSET_XOR = 2,
    DK_SBITSET_ANDNOT = 3, /* a AND NOT b */
} dk_sbitset_op;

/* A new empty bitset (NULL when out of memory). */
dk_sbitset *dk_sbitset_new(void);
void dk_sbitset_free(dk_sbitset *s);

/* Number of set bits. */
uint64_t dk_sbitset_count(const dk_sbitset *s);
/* Every byte the bitset owns: handle, directory, containers, index, allocator slack. */
size_t dk_sbitset_bytes(const dk_sbitset *s);

/* Sets bit pos: returns its previous value (0 or 1), or -1 when out of memory (unchanged). */
int dk_sbitset_set(dk_sbitset *s, uint64_t pos);
/* Clears bit pos: returns its previous value (0 or 1), or -1 when out of memory (unchanged). */
int dk_sbitset_clear(dk_sbitset *s, uint64_t pos);
bool dk_sbitset_get(const dk_sbitset *s, uint64_t pos);

/* Set bits at positions < pos. */
uint64_t dk_sbitset_rank(const dk_sbitset *s, uint64_t pos);
/* Set bits in [from, to] (inclusive; 0 when from > to). */
uint64_t dk_sbitset_count_range(const dk_sbitset *s, uint64_t from, uint64_t to);
/* The position of the k-th set bit (k = 0 is the lowest); false when k >= count. */
bool dk_sbitset_select(const dk_sbitset *s, uint64_t k, uint64_t *out);
/* The first set bit at a position >= from; false when there is none. */
bool dk_sbitset_next(const dk_sbitset *s, uint64_t from, uint64_t *out);
/* Batch iteration: fills out with up to max set positions >= from, in order, and returns how
 * many it wrote (fewer than max only at the end).  Resume from the last position + 1. */
size_t dk_sbitset_next_many(const dk_sbitset *s, uint64_t from, uint64_t *out, size_t max);
/* The first clear bit at a position >= from; false only when every bit from there up is set. */
bool dk_sbitset_next_clear(const dk_sbitset *s, uint64_t from, uint64_t *out);

/* A new bitset a OP b (the inputs are unchanged; NULL reads as empty, so OR with NULL copies);
 * NULL when out of memory. */
dk_sbitset *dk_sbitset_combine(dk_sbitset_op op, const dk_sbitset *a, const dk_sbitset *b);

/* Resumable dk_sbitset_combine, for callers that must stop between slices (a server charging
 * work per slice): appends to out the containers of a OP b whose keys (position >> 16) are
 * >= *key, visiting at most max containers of a and b together, and leaves in *key where to
 * resume.  out must hold only what earlier steps of the same walk appended (start with an empty
 * set and *key = 0); a or b NULL reads as empty.  Returns 1 when the walk is done, 0 when there
 * is more, -1 when out of memory (out then holds a prefix: free it). */
int dk_sbitset_combine_step(dk_sbitset *out, dk_sbitset_op op, const dk_sbitset *a,
                            const dk_sbitset *b, uint64_t *key, size_t max);

/* Block access, 2^16 bits at a time (block key = position >> 16; bit i of words[j] is offset
 * 64 * j + i): what snapshot writers and block-wise builders use.  dk_sbitset_block_words fills
 * words[1024] with block key's bits (zeros when it has none) and returns how many are set.
 * dk_sbitset_append_block adds block key from words, in its best encoding, after every existing
 * block: false when key is not above every block s holds (nothing changed) or when out of
 * memory; an all-zero block adds nothing. */
#define DK_SBITSET_BLOCK_WORDS 1024
#define DK_SBITSET_KEY_END (1ULL << 48) /* one past the last block key */
uint32_t dk_sbitset_block_words(const dk_sbitset *s, uint64_t key, uint64_t *words);
bool dk_sbitset_append_block(dk_sbitset *s, uint64_t key, const uint64_t *words);

/* Container statistics for tests and MEMORY reports: how many use each encoding. */
typedef struct dk_sbitset_stats {
    size_t containers, arrays, bitmaps, runs, inline_containers, dir_chunks;
} dk_sbitset_stats;
void dk_sbitset_stats_get(const dk_sbitset *s, dk_sbitset_stats *st);

#ifdef __cplusplus
}
#endif
#endif
