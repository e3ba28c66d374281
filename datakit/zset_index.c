/* zset_index.c -- the member index of a dk_zset: score codes in an open-addressing table keyed
 * by the member's hash, with no member bytes (a match is confirmed in the store). */
#include "zset_int.h"

#define CTRL_EMPTY 0u
#define CTRL_DELETED 1u
#define CTRL_FULL 0x80u

static uint32_t home(const zset_index *x, uint64_t h) {
    return (uint32_t)(((unsigned __int128)h * x->cap) >> 64);
}

static uint8_t ctrl_of(uint64_t h) {
    return (uint8_t)(CTRL_FULL | (h & 0x7f));
}

static uint32_t next_slot(const zset_index *x, uint32_t i) {
    return i + 1 == x->cap ? 0 : i + 1;
}

bool zset_index_alloc(zset_index *x, uint32_t cap) {
    size_t ctrl_bytes = ((size_t)cap + 7) / 8 * 8;
    uint8_t *block = dk_calloc(1, ctrl_bytes + (size_t)cap * 8);
    if (!block) return false;
    x->ctrl = block;
    x->code = (uint64_t *)(void *)(block + ctrl_bytes);
    x->cap = cap;
    x->used = x->deleted = 0;
    return true;
}

void zset_index_free(zset_index *x) {
    dk_free(x->ctrl);
    x->ctrl = NULL;
    x->code = NULL;
    x->cap = x->used = x->deleted = 0;
}

size_t zset_index_bytes(const zset_index *x) {
    return dk_mem_footprint(x->ctrl);
}

void zset_index_place(zset_index *x, uint64_t h, uint64_t c) {
    uint32_t i = home(x, h);
    while (x->ctrl[i] >= CTRL_FULL)
        i = next_slot(x, i);
    if (x->ctrl[i] == CTRL_DELETED) x->deleted--;
    x->ctrl[i] = ctrl_of(h);
    x->code[i] = c;
    x->used++;
}

/* The slot holding code c for a member hashed h.  Two members with the same 7 hash bits and the
 * same code are interchangeable here: whichever slot is found, every member's probe sequence
 * still reaches a slot with its code (deleted slots keep the runs whole). */
static uint32_t slot_of(const zset_index *x, uint64_t h, uint64_t c) {
    uint8_t want = ctrl_of(h);
    uint32_t i = home(x, h);
    while (x->ctrl[i] != want || x->code[i] != c)
        i = next_slot(x, i);
    return i;
}

void zset_index_remove(zset_index *x, uint64_t h, uint64_t c) {
    uint32_t i = slot_of(x, h, c);
    if (x->ctrl[next_slot(x, i)] == CTRL_EMPTY) { /* the end of a run: no tombstone needed */
        x->ctrl[i] = CTRL_EMPTY;
    } else {
        x->ctrl[i] = CTRL_DELETED;
        x->deleted++;
    }
    x->used--;
}

void zset_index_recode(zset_index *x, uint64_t h, uint64_t c, uint64_t c2) {
    x->code[slot_of(x, h, c)] = c2;
}

bool zset_index_find(const zset_index *x, const dk_sorted *s, zset_key *k, uint64_t h,
                     uint64_t *code) {
    uint8_t want = ctrl_of(h);
    uint32_t i = home(x, h);
    for (uint32_t probes = 0; probes < x->cap && x->ctrl[i] != CTRL_EMPTY; probes++) {
        if (x->ctrl[i] == want) {
            zset_put_code(k->p, x->code[i]);
            dk_val b = zset_key_box(k);
            if (dk_sorted_get(s, &b, NULL)) {
                *code = x->code[i];
                return true;
            }
        }
        i = next_slot(x, i);
    }
    return false;
}
