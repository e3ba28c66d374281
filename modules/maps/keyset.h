/* keyset.h -- a set of keys in a process's arena: remembers the keys a walk has already shown,
 * so a table that resizes between two slices of a scan never shows a key twice.
 *
 * Every operation does bounded work, however big the set: the copies live in fixed-size chunks
 * (never moved), and growing the slot array is incremental (the old array is drained a few
 * slots per add while both are searched), so a walk over millions of keys never stalls.
 */
#ifndef KEEL_MAPS_KEYSET_H
#define KEEL_MAPS_KEYSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/sdk.h>

#define MAP_KEYSET_CHUNK_BITS 10 /* 1024 keys per chunk */

typedef struct map_keyset_ent {
    keel_arg key; /* a NUL-terminated copy */
    uint64_t hash;
} map_keyset_ent;

typedef struct map_keyset {
    map_keyset_ent **chunks; /* chunk i holds keys i << CHUNK_BITS ... */
    uint32_t nchunks, capchunks;
    uint32_t n;             /* keys */
    uint32_t *slots;        /* open addressing: key index + 1, 0 = empty */
    uint32_t nslots;        /* a power of two, kept at least twice n */
    uint32_t *old;          /* the previous slot array while it is drained (else NULL) */
    uint32_t nold, drained; /* its size, and how many of its slots are moved */
} map_keyset;

/* An empty set (no memory until the first add). */
static inline void map_keyset_init(map_keyset *s) {
    *s = (map_keyset){0};
}

/* Adds a copy of key[0..len) unless the set holds it.  Returns the set's copy when it was
 * added, NULL when it was already there.  The copy lives as long as p's arena.  Charges p a
 * reduction per slot moved. */
const keel_arg *map_keyset_add(keel_proc *p, map_keyset *s, const void *key, size_t len);

#endif
