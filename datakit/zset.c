/* zset.c -- dk_zset: sorted set entries in a dk_sorted store plus a compact member index. */
#include <datakit/zset.h>

#include <math.h>
#include <string.h>

#include <datakit/box.h>
#include <datakit/mem.h>
#include <datakit/table.h>

#include "sorted.h"

/* Control bytes of the member index. */
#define CTRL_EMPTY 0u
#define CTRL_DELETED 1u
#define CTRL_FULL 0x80u /* | 7 bits of the member's hash */

/* Keys of at most this many bytes are built on the stack. */
#define KEY_STACK 256

struct dk_zset {
    dk_sorted s;      /* keys "s8 || member", no values */
    uint8_t *ctrl;    /* the index (NULL while small): cap control bytes, then cap codes */
    uint64_t *code;   /* inside the same block as ctrl */
    uint32_t cap;     /* slots */
    uint32_t used;    /* full slots (= members while indexed) */
    uint32_t deleted; /* deleted slots */
};

/* ======== score codes ======== */

uint64_t dk_zset_score_code(double s) {
    uint64_t b;
    if (s == 0) s = 0.0;
    memcpy(&b, &s, sizeof b);
    return (b >> 63) ? ~b : b | ((uint64_t)1 << 63);
}

double dk_zset_code_score(uint64_t c) {
    uint64_t b = (c >> 63) ? c & ~((uint64_t)1 << 63) : ~c;
    double s;
    memcpy(&s, &b, sizeof s);
    return s;
}

static void put_code(uint8_t *p, uint64_t c) {
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(c >> (56 - 8 * i));
}

static uint64_t get_code(const uint8_t *p) {
    uint64_t c = 0;
    for (int i = 0; i < 8; i++)
        c = (c << 8) | p[i];
    return c;
}

/* ======== keys ======== */

/* A key "s8 || member" being built: on the stack when short. */
typedef struct zkey {
    uint8_t stack[KEY_STACK];
    uint8_t *p;
    size_t n;
} zkey;

static bool key_init(zkey *k, uint64_t code, const void *m, size_t n) {
    k->n = n + 8;
    k->p = k->n <= KEY_STACK ? k->stack : dk_malloc(k->n);
    if (!k->p) return false;
    put_code(k->p, code);
    if (n) memcpy(k->p + 8, m, n);
    return true;
}

static void key_done(zkey *k) {
    if (k->p != k->stack) dk_free(k->p);
}

static dk_val key_box(const zkey *k) {
    return dk_bytes(k->p, k->n);
}

static void key_entry(const dk_val *k, dk_zentry *e) {
    const uint8_t *p = k->v.ptr;
    e->score = dk_zset_code_score(get_code(p));
    e->member = p + 8;
    e->len = k->len - 8;
}

/* ======== the member index ======== */

static uint64_t member_hash(const void *m, size_t n) {
    return dk_table_default_hash(m, n);
}

static uint32_t home(const dk_zset *z, uint64_t h) {
    return (uint32_t)(((unsigned __int128)h * z->cap) >> 64);
}

static uint8_t ctrl_of(uint64_t h) {
    return (uint8_t)(CTRL_FULL | (h & 0x7f));
}

static size_t index_block(uint32_t cap) {
    return ((size_t)cap + 7) / 8 * 8 + (size_t)cap * 8;
}

/* Puts code c of a member hashed h into the first free slot of its probe sequence. */
static void index_place(dk_zset *z, uint64_t h, uint64_t c) {
    uint32_t i = home(z, h);
    while (z->ctrl[i] >= CTRL_FULL)
        i = i + 1 == z->cap ? 0 : i + 1;
    if (z->ctrl[i] == CTRL_DELETED) z->deleted--;
    z->ctrl[i] = ctrl_of(h);
    z->code[i] = c;
    z->used++;
}

static void index_drop(dk_zset *z) {
    dk_free(z->ctrl);
    z->ctrl = NULL;
    z->code = NULL;
    z->cap = z->used = z->deleted = 0;
}

/* Rebuilds the index with room for the set's members (0.6 full), from the store. */
static bool index_rebuild(dk_zset *z) {
    size_t n = dk_sorted_count(&z->s);
    uint32_t cap = (uint32_t)(n + n * 2 / 3 + 16);
    uint8_t *block = dk_calloc(1, index_block(cap));
    if (!block) return false;
    dk_free(z->ctrl);
    z->ctrl = block;
    z->code = (uint64_t *)(void *)(block + ((size_t)cap + 7) / 8 * 8);
    z->cap = cap;
    z->used = z->deleted = 0;
    dk_iter it = dk_iter_at(0);
    dk_val k;
    while (dk_sorted_next(&z->s, &it, &k, NULL)) {
        const uint8_t *p = k.v.ptr;
        index_place(z, member_hash(p + 8, k.len - 8), get_code(p));
    }
    return true;
}

/* Finds member m's slot (hashed h): its index, or -1.  *code gets its score code. */
static int64_t index_find(const dk_zset *z, const void *m, size_t n, uint64_t h, uint64_t *code) {
    zkey k;
    if (!key_init(&k, 0, m, n)) return -1;
    uint8_t want = ctrl_of(h);
    int64_t found = -1;
    for (uint32_t i = home(z, h), probes = 0; probes < z->cap; probes++) {
        uint8_t c = z->ctrl[i];
        if (c == CTRL_EMPTY) break;
        if (c == want) {
            put_code(k.p, z->code[i]);
            dk_val b = key_box(&k);
            if (dk_sorted_get(&z->s, &b, NULL)) {
                found = i;
                *code = z->code[i];
                break;
            }
        }
        i = i + 1 == z->cap ? 0 : i + 1;
    }
    key_done(&k);
    return found;
}

/* Frees slot i, leaving no tombstone when the next slot is empty. */
static void index_free_slot(dk_zset *z, uint32_t i) {
    uint32_t next = i + 1 == z->cap ? 0 : i + 1;
    if (z->ctrl[next] == CTRL_EMPTY) {
        z->ctrl[i] = CTRL_EMPTY;
    } else {
        z->ctrl[i] = CTRL_DELETED;
        z->deleted++;
    }
    z->used--;
}

/* The slot holding code c for a member hashed h (any one of equal ones: they are alike). */
static uint32_t index_slot_of(const dk_zset *z, uint64_t h, uint64_t c) {
    uint8_t want = ctrl_of(h);
    uint32_t i = home(z, h);
    while (z->ctrl[i] != want || z->code[i] != c)
        i = i + 1 == z->cap ? 0 : i + 1;
    return i;
}

/* ======== the small tier ======== */

/* Scans the store for member m; true with its code. */
static bool scan_find(const dk_zset *z, const void *m, size_t n, uint64_t *code) {
    dk_iter it = dk_iter_at(0);
    dk_val k;
    while (dk_sorted_next(&z->s, &it, &k, NULL)) {
        const uint8_t *p = k.v.ptr;
        if (k.len - 8 == n && (n == 0 || memcmp(p + 8, m, n) == 0)) {
            *code = get_code(p);
            return true;
        }
    }
    return false;
}

static bool wants_index(const dk_zset *z) {
    return dk_sorted_count(&z->s) > DK_ZSET_SMALL || dk_sorted_chunks(&z->s) > 1;
}

/* Drops the index of a set that became small again (hysteresis: half the threshold). */
static void maybe_unindex(dk_zset *z) {
    if (!z->ctrl) return;
    size_t n = dk_sorted_count(&z->s);
    if (n < DK_ZSET_SMALL / 2 && dk_sorted_chunks(&z->s) <= 1) {
        index_drop(z);
        return;
    }
    if (z->cap > 64 && (size_t)z->used * 4 < z->cap) index_rebuild(z); /* best effort */
}

/* Looks m up: its code, true when present. */
static bool find_code(const dk_zset *z, const void *m, size_t n, uint64_t *code) {
    if (!z->ctrl) return scan_find(z, m, n, code);
    return index_find(z, m, n, member_hash(m, n), code) >= 0;
}

/* ======== the API ======== */

dk_zset *dk_zset_new(void) {
    dk_zset *z = dk_calloc(1, sizeof *z);
    if (z) dk_sorted_init(&z->s, false);
    return z;
}

void dk_zset_free(dk_zset *z) {
    if (!z) return;
    dk_sorted_clear(&z->s);
    dk_free(z->ctrl);
    dk_free(z);
}

dk_zset *dk_zset_copy(const dk_zset *z) {
    dk_zset *c = dk_zset_new();
    if (!c) return NULL;
    dk_iter it = dk_iter_at(0);
    dk_val k;
    while (dk_sorted_next(&z->s, &it, &k, NULL)) {
        if (dk_sorted_put(&c->s, &k, NULL, false) < 0) {
            dk_zset_free(c);
            return NULL;
        }
    }
    if (wants_index(c) && !index_rebuild(c)) {
        dk_zset_free(c);
        return NULL;
    }
    return c;
}

size_t dk_zset_count(const dk_zset *z) {
    return dk_sorted_count(&z->s);
}

size_t dk_zset_bytes(const dk_zset *z) {
    return dk_mem_footprint(z) + dk_sorted_bytes(&z->s) + dk_mem_footprint(z->ctrl);
}

bool dk_zset_indexed(const dk_zset *z) {
    return z->ctrl != NULL;
}

bool dk_zset_score(const dk_zset *z, const void *m, size_t n, double *score) {
    uint64_t c;
    if (!find_code(z, m, n, &c)) return false;
    *score = dk_zset_code_score(c);
    return true;
}

/* Makes room in the index for one more member (building it when the set outgrows small). */
static bool index_room(dk_zset *z) {
    if (!z->ctrl) return !wants_index(z) || index_rebuild(z);
    if ((size_t)(z->used + z->deleted + 1) * 8 <= (size_t)z->cap * 7) return true;
    return index_rebuild(z);
}

int dk_zset_set(dk_zset *z, const void *m, size_t n, double score) {
    if (isnan(score) || n > UINT32_MAX - 8) return -1;
    uint64_t h = member_hash(m, n), old = 0, c = dk_zset_score_code(score);
    bool present = z->ctrl ? index_find(z, m, n, h, &old) >= 0 : scan_find(z, m, n, &old);
    if (present && old == c) return 0;
    zkey k;
    if (!key_init(&k, c, m, n)) return -1;
    dk_val b = key_box(&k);
    int r = dk_sorted_put(&z->s, &b, NULL, false);
    if (r < 0) {
        key_done(&k);
        return -1;
    }
    if (present) {
        put_code(k.p, old);
        b = key_box(&k);
        dk_sorted_del(&z->s, &b);
        key_done(&k);
        if (z->ctrl) z->code[index_slot_of(z, h, old)] = c;
        return 0;
    }
    if (!index_room(z)) { /* keep the set as it was */
        dk_sorted_del(&z->s, &b);
        key_done(&k);
        return -1;
    }
    key_done(&k);
    if (z->ctrl && z->used < dk_sorted_count(&z->s)) index_place(z, h, c);
    return 1;
}

bool dk_zset_del(dk_zset *z, const void *m, size_t n) {
    uint64_t h = member_hash(m, n), c = 0;
    int64_t slot = -1;
    if (z->ctrl) {
        slot = index_find(z, m, n, h, &c);
        if (slot < 0) return false;
    } else if (!scan_find(z, m, n, &c)) {
        return false;
    }
    zkey k;
    if (!key_init(&k, c, m, n)) return false;
    dk_val b = key_box(&k);
    dk_sorted_del(&z->s, &b);
    key_done(&k);
    if (slot >= 0) index_free_slot(z, (uint32_t)slot);
    maybe_unindex(z);
    return true;
}

bool dk_zset_rank(const dk_zset *z, const void *m, size_t n, uint64_t *rank) {
    uint64_t c;
    if (!find_code(z, m, n, &c)) return false;
    zkey k;
    if (!key_init(&k, c, m, n)) return false;
    dk_val b = key_box(&k);
    *rank = dk_sorted_rank(&z->s, &b, NULL);
    key_done(&k);
    return true;
}

bool dk_zset_at(const dk_zset *z, uint64_t r, dk_zentry *e) {
    dk_val k;
    if (!dk_sorted_at(&z->s, r, &k, NULL)) return false;
    key_entry(&k, e);
    return true;
}

uint64_t dk_zset_score_rank(const dk_zset *z, double s, bool after) {
    uint64_t c = dk_zset_score_code(s);
    if (after) {
        if (c == UINT64_MAX) return dk_zset_count(z);
        c++;
    }
    uint8_t p[8];
    put_code(p, c);
    dk_val b = dk_bytes(p, 8);
    return dk_sorted_rank(&z->s, &b, NULL);
}

uint64_t dk_zset_lex_rank(const dk_zset *z, const void *m, size_t n, bool after) {
    dk_val first;
    if (!dk_sorted_at(&z->s, 0, &first, NULL)) return 0;
    zkey k;
    if (!key_init(&k, get_code(first.v.ptr), m, n)) return 0;
    dk_val b = key_box(&k);
    bool found;
    uint64_t r = dk_sorted_rank(&z->s, &b, &found);
    key_done(&k);
    return r + (after && found);
}

bool dk_zset_next(const dk_zset *z, dk_iter *it, dk_zentry *e) {
    dk_val k;
    if (!dk_sorted_next(&z->s, it, &k, NULL)) return false;
    key_entry(&k, e);
    return true;
}

bool dk_zset_prev(const dk_zset *z, dk_iter *it, dk_zentry *e) {
    dk_val k;
    if (!dk_sorted_prev(&z->s, it, &k, NULL)) return false;
    key_entry(&k, e);
    return true;
}
