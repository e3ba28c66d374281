/* zset_int.h -- internal to datakit: what zset.c and zset_index.c share -- the keys of a
 * dk_zset's store ("s8 || member") and its member index (an open-addressing table of score codes
 * keyed by the member's hash; zset.h explains the layout and its cost). */
#ifndef DATAKIT_ZSET_INT_H
#define DATAKIT_ZSET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <datakit/box.h>
#include <datakit/mem.h>

#include "sorted.h"

/* Keys of at most this many bytes are built on the stack. */
#define ZSET_KEY_STACK 256

static inline void zset_put_code(uint8_t *p, uint64_t c) {
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(c >> (56 - 8 * i));
}

static inline uint64_t zset_get_code(const uint8_t *p) {
    uint64_t c = 0;
    for (int i = 0; i < 8; i++)
        c = (c << 8) | p[i];
    return c;
}

/* A key "s8 || member" being built: on the stack when short. */
typedef struct zset_key {
    uint8_t stack[ZSET_KEY_STACK];
    uint8_t *p;
    size_t n;
} zset_key;

/* Builds code || m; false when out of memory. */
static inline bool zset_key_init(zset_key *k, uint64_t code, const void *m, size_t n) {
    k->n = n + 8;
    k->p = k->n <= ZSET_KEY_STACK ? k->stack : dk_malloc(k->n);
    if (!k->p) return false;
    zset_put_code(k->p, code);
    if (n) memcpy(k->p + 8, m, n);
    return true;
}

static inline void zset_key_done(zset_key *k) {
    if (k->p != k->stack) dk_free(k->p);
}

static inline dk_val zset_key_box(const zset_key *k) {
    return dk_bytes(k->p, k->n);
}

/* The member index: cap slots, each a control byte (empty, deleted, or 0x80 | 7 bits of the
 * member's hash) and the member's score code, in one allocation (ctrl first). */
typedef struct zset_index {
    uint8_t *ctrl; /* NULL: no table */
    uint64_t *code;
    uint32_t cap, used, deleted;
} zset_index;

/* An empty table of cap slots (cap > 0); false when out of memory. */
bool zset_index_alloc(zset_index *x, uint32_t cap);
void zset_index_free(zset_index *x);
size_t zset_index_bytes(const zset_index *x);

/* Adds code c of a member hashed h (room is the caller's business: used + deleted < cap). */
void zset_index_place(zset_index *x, uint64_t h, uint64_t c);
/* Removes the slot of code c of a member hashed h (it must be there). */
void zset_index_remove(zset_index *x, uint64_t h, uint64_t c);
/* Changes that slot's code to c2. */
void zset_index_recode(zset_index *x, uint64_t h, uint64_t c, uint64_t c2);
/* Finds the member whose key k holds ("????????" || member; its first 8 bytes are overwritten),
 * hashed h: true with its code, when "code || member" is a key of store s. */
bool zset_index_find(const zset_index *x, const dk_sorted *s, zset_key *k, uint64_t h,
                     uint64_t *code);

#endif
