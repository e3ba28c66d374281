/* keyset.c -- an arena set of keys: open addressing over indexes into chunks of copies, with an
 * incremental move to a bigger slot array. */
#include "keyset.h"

#include <datakit/table.h>
#include <string.h>

#define CHUNK (1u << MAP_KEYSET_CHUNK_BITS)
#define DRAIN_PER_ADD 8u /* old slots moved per add: done long before the next growth */

static map_keyset_ent *keyset_ent(const map_keyset *s, uint32_t idx) {
    return &s->chunks[idx >> MAP_KEYSET_CHUNK_BITS][idx & (CHUNK - 1)];
}

static void keyset_place(map_keyset *s, uint32_t idx) {
    uint32_t mask = s->nslots - 1;
    uint32_t i = (uint32_t)keyset_ent(s, idx)->hash & mask;
    while (s->slots[i])
        i = (i + 1) & mask;
    s->slots[i] = idx + 1;
}

static bool keyset_find(const map_keyset *s, const uint32_t *slots, uint32_t nslots,
                        const void *key, size_t len, uint64_t h) {
    uint32_t mask = nslots - 1;
    for (uint32_t i = (uint32_t)h & mask; slots[i]; i = (i + 1) & mask) {
        const map_keyset_ent *e = keyset_ent(s, slots[i] - 1);
        if (e->hash == h && e->key.len == len && memcmp(e->key.ptr, key, len) == 0) return true;
    }
    return false;
}

/* Moves up to max slots of the old array into the current one. */
static void keyset_drain(keel_proc *p, map_keyset *s, uint32_t max) {
    uint32_t moved = 0;
    while (s->old && moved < max) {
        uint32_t v = s->old[s->drained++];
        if (v) keyset_place(s, v - 1);
        moved++;
        if (s->drained == s->nold) s->old = NULL;
    }
    keel_charge(p, moved);
}

static void keyset_grow_slots(keel_proc *p, map_keyset *s) {
    if (s->old) keyset_drain(p, s, s->nold); /* cannot happen at DRAIN_PER_ADD, but be safe */
    uint32_t n = s->nslots ? s->nslots * 2 : 32;
    uint32_t *slots = keel_proc_alloc(p, sizeof *slots * n);
    memset(slots, 0, sizeof *slots * n);
    if (s->nslots) {
        s->old = s->slots;
        s->nold = s->nslots;
        s->drained = 0;
    }
    s->slots = slots;
    s->nslots = n;
    keel_charge(p, n / 256);
}

static map_keyset_ent *keyset_new_ent(keel_proc *p, map_keyset *s) {
    uint32_t idx = s->n;
    if ((idx >> MAP_KEYSET_CHUNK_BITS) == s->nchunks) {
        if (s->nchunks == s->capchunks) {
            uint32_t cap = s->capchunks ? s->capchunks * 2 : 8;
            map_keyset_ent **c = keel_proc_alloc(p, sizeof *c * cap);
            if (s->nchunks) memcpy(c, s->chunks, sizeof *c * s->nchunks);
            s->chunks = c;
            s->capchunks = cap;
        }
        s->chunks[s->nchunks++] = keel_proc_alloc(p, sizeof(map_keyset_ent) * CHUNK);
    }
    s->n++;
    return keyset_ent(s, idx);
}

const keel_arg *map_keyset_add(keel_proc *p, map_keyset *s, const void *key, size_t len) {
    uint64_t h = dk_table_default_hash(key, len);
    if (s->nslots && keyset_find(s, s->slots, s->nslots, key, len, h)) return NULL;
    if (s->old && keyset_find(s, s->old, s->nold, key, len, h)) return NULL;
    if ((uint64_t)(s->n + 1) * 2 > s->nslots) keyset_grow_slots(p, s);
    map_keyset_ent *e = keyset_new_ent(p, s);
    char *copy = keel_proc_alloc(p, len + 1);
    if (len) memcpy(copy, key, len);
    copy[len] = '\0';
    e->key.ptr = copy;
    e->key.len = len;
    e->hash = h;
    keyset_place(s, s->n - 1);
    keyset_drain(p, s, DRAIN_PER_ADD);
    return &e->key;
}
