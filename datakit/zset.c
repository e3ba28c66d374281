/* zset.c -- dk_zset: sorted set entries in a dk_sorted store plus a compact member index. */
#include <datakit/zset.h>

#include <math.h>
#include <string.h>

#include <datakit/table.h>

#include "zset_int.h"

/* The index grows (or shrinks) by moving to a new table once it is this full (20ths), and a
 * new table starts this full (members * 3 / 2 slots, plus a few). */
#define GROW_TWENTIETHS 17
/* Members moved to the new table by each write while a move is under way: the move ends within
 * members / MOVE_STEP writes, before the old table can fill. */
#define MOVE_STEP 64

struct dk_zset {
    dk_sorted s;     /* keys "s8 || member", no values */
    zset_index cur;  /* the member index (cur.ctrl NULL while small) */
    zset_index nxt;  /* while moving: the table replacing cur */
    uint8_t *cursor; /* while moving: store keys below this one are in nxt too */
    size_t cursor_len;
    bool moving;
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

static void key_entry(const dk_val *k, dk_zentry *e) {
    const uint8_t *p = k->v.ptr;
    e->score = dk_zset_code_score(zset_get_code(p));
    e->member = p + 8;
    e->len = k->len - 8;
}

static uint64_t member_hash(const void *m, size_t n) {
    return dk_table_default_hash(m, n);
}

/* ======== the small tier ======== */

/* Scans the store for member m; true with its code. */
static bool scan_find(const dk_zset *z, const void *m, size_t n, uint64_t *code) {
    dk_iter it = dk_iter_at(0);
    dk_val k;
    while (dk_sorted_next(&z->s, &it, &k, NULL)) {
        const uint8_t *p = k.v.ptr;
        if (k.len - 8 == n && (n == 0 || memcmp(p + 8, m, n) == 0)) {
            *code = zset_get_code(p);
            return true;
        }
    }
    return false;
}

static bool wants_index(const dk_zset *z) {
    return dk_sorted_count(&z->s) > DK_ZSET_SMALL || dk_sorted_chunks(&z->s) > 1;
}

/* ======== building and moving the index ======== */

static uint32_t cap_for(size_t n) {
    return (uint32_t)(n + n / 2 + 16);
}

static void stop_move(dk_zset *z) {
    zset_index_free(&z->nxt);
    dk_free(z->cursor);
    z->cursor = NULL;
    z->cursor_len = 0;
    z->moving = false;
}

static void drop_index(dk_zset *z) {
    stop_move(z);
    zset_index_free(&z->cur);
}

/* Fills table x with every member of the store. */
static void fill_from_store(const dk_zset *z, zset_index *x, uint64_t from, uint64_t n) {
    dk_iter it = dk_iter_at(from);
    dk_val k;
    for (uint64_t i = 0; i < n && dk_sorted_next(&z->s, &it, &k, NULL); i++) {
        const uint8_t *p = k.v.ptr;
        zset_index_place(x, member_hash(p + 8, k.len - 8), zset_get_code(p));
    }
}

/* Builds a new index in one go (O(n): a set just past its small tier, or a copy). */
static bool build_index(dk_zset *z) {
    zset_index x;
    if (!zset_index_alloc(&x, cap_for(dk_sorted_count(&z->s)))) return false;
    fill_from_store(z, &x, 0, dk_sorted_count(&z->s));
    drop_index(z);
    z->cur = x;
    return true;
}

/* Starts moving to a table sized for the members now (best effort: on failure, later). */
static void start_move(dk_zset *z) {
    if (!zset_index_alloc(&z->nxt, cap_for(dk_sorted_count(&z->s)))) return;
    z->cursor = dk_malloc(1);
    if (!z->cursor) {
        zset_index_free(&z->nxt);
        return;
    }
    z->cursor_len = 0; /* "": nothing is below it, nothing moved yet */
    z->moving = true;
}

/* Whether store key k[0..n) has been moved (lies below the cursor). */
static bool moved(const dk_zset *z, const uint8_t *k, size_t n) {
    if (!z->moving) return false;
    size_t m = n < z->cursor_len ? n : z->cursor_len;
    int c = m ? memcmp(k, z->cursor, m) : 0;
    return c < 0 || (c == 0 && n < z->cursor_len);
}

/* Moves up to `count` more members to the new table; ends the move after the last. */
static void move_step(dk_zset *z, uint64_t count) {
    dk_val cur = dk_bytes(z->cursor, z->cursor_len), k;
    uint64_t from = z->cursor_len ? dk_sorted_rank(&z->s, &cur, NULL) : 0;
    uint64_t left = dk_sorted_count(&z->s) - from;
    if (left > count) { /* the key after this step becomes the cursor: copy it first */
        dk_sorted_at(&z->s, from + count, &k, NULL);
        uint8_t *c = dk_realloc(z->cursor, k.len);
        if (!c) return; /* try again at the next write */
        memcpy(c, k.v.ptr, k.len);
        fill_from_store(z, &z->nxt, from, count);
        z->cursor = c;
        z->cursor_len = k.len;
        return;
    }
    fill_from_store(z, &z->nxt, from, left);
    zset_index_free(&z->cur);
    z->cur = z->nxt;
    z->nxt = (zset_index){0};
    stop_move(z);
}

/* After a write: moves a step, and starts a move when the table is too full or too empty. */
static void index_upkeep(dk_zset *z) {
    if (!z->cur.ctrl) return;
    if (z->moving) {
        move_step(z, MOVE_STEP);
        return;
    }
    size_t n = dk_sorted_count(&z->s);
    if (n < DK_ZSET_SMALL / 2 && dk_sorted_chunks(&z->s) <= 1) {
        drop_index(z);
        return;
    }
    uint64_t load = (uint64_t)z->cur.used + z->cur.deleted;
    if (load * 20 > (uint64_t)z->cur.cap * GROW_TWENTIETHS ||
        (z->cur.cap > 64 && (uint64_t)z->cur.used * 4 < z->cur.cap))
        start_move(z);
}

/* Room for one more member in cur: 1 when the index was just built from the store (the new
 * member included), 0 when the caller places it, -1 when out of memory. */
static int index_room(dk_zset *z) {
    if (!z->cur.ctrl) return !wants_index(z) ? 0 : build_index(z) ? 1 : -1;
    if ((uint64_t)z->cur.used + z->cur.deleted + 2 < z->cur.cap) return 0;
    return build_index(z) ? 1 : -1; /* a safety net: moves normally end long before */
}

/* The index's part of a new member with key k (code c, hashed h). */
static void index_add(dk_zset *z, const zset_key *k, uint64_t h, uint64_t c) {
    zset_index_place(&z->cur, h, c);
    if (moved(z, k->p, k->n)) zset_index_place(&z->nxt, h, c);
}

/* ... of a member whose code changes from c to c2 (k holds its member). */
static void index_recode(dk_zset *z, zset_key *k, uint64_t h, uint64_t c, uint64_t c2) {
    zset_index_recode(&z->cur, h, c, c2);
    if (!z->moving) return;
    zset_put_code(k->p, c);
    if (moved(z, k->p, k->n)) zset_index_remove(&z->nxt, h, c);
    zset_put_code(k->p, c2);
    if (moved(z, k->p, k->n)) zset_index_place(&z->nxt, h, c2);
}

/* ... of a member leaving (k holds its key). */
static void index_del(dk_zset *z, const zset_key *k, uint64_t h, uint64_t c) {
    zset_index_remove(&z->cur, h, c);
    if (moved(z, k->p, k->n)) zset_index_remove(&z->nxt, h, c);
}

/* Looks the member in k up (k: "????????" || member): its code, true when present. */
static bool find_code(const dk_zset *z, zset_key *k, uint64_t h, uint64_t *code) {
    if (!z->cur.ctrl) return scan_find(z, k->p + 8, k->n - 8, code);
    return zset_index_find(&z->cur, &z->s, k, h, code);
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
    drop_index(z);
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
    if (wants_index(c) && !build_index(c)) {
        dk_zset_free(c);
        return NULL;
    }
    return c;
}

size_t dk_zset_count(const dk_zset *z) {
    return dk_sorted_count(&z->s);
}

size_t dk_zset_bytes(const dk_zset *z) {
    return dk_mem_footprint(z) + dk_sorted_bytes(&z->s) + zset_index_bytes(&z->cur) +
           zset_index_bytes(&z->nxt) + dk_mem_footprint(z->cursor);
}

bool dk_zset_indexed(const dk_zset *z) {
    return z->cur.ctrl != NULL;
}

bool dk_zset_score(const dk_zset *z, const void *m, size_t n, double *score) {
    zset_key k;
    if (!zset_key_init(&k, 0, m, n)) return false;
    uint64_t c;
    bool found = find_code(z, &k, member_hash(m, n), &c);
    zset_key_done(&k);
    if (found) *score = dk_zset_code_score(c);
    return found;
}

/* dk_zset_set for a member whose key k ("????????" || member) is built. */
static int set_key(dk_zset *z, zset_key *k, uint64_t h, double score) {
    uint64_t old = 0, c = dk_zset_score_code(score);
    bool present = find_code(z, k, h, &old);
    if (present && old == c) return 0;
    zset_put_code(k->p, c);
    dk_val b = zset_key_box(k);
    if (dk_sorted_put(&z->s, &b, NULL, false) < 0) return -1;
    if (present) {
        zset_put_code(k->p, old);
        b = zset_key_box(k);
        dk_sorted_del(&z->s, &b);
        if (z->cur.ctrl) index_recode(z, k, h, old, c);
        index_upkeep(z);
        return 0;
    }
    int room = index_room(z);
    if (room < 0) { /* keep the set as it was */
        dk_sorted_del(&z->s, &b);
        return -1;
    }
    if (room == 0 && z->cur.ctrl) index_add(z, k, h, c);
    index_upkeep(z);
    return 1;
}

int dk_zset_set(dk_zset *z, const void *m, size_t n, double score) {
    if (isnan(score) || n > UINT32_MAX - 8) return -1;
    zset_key k;
    if (!zset_key_init(&k, 0, m, n)) return -1;
    int r = set_key(z, &k, member_hash(m, n), score);
    zset_key_done(&k);
    return r;
}

bool dk_zset_del(dk_zset *z, const void *m, size_t n) {
    zset_key k;
    if (!zset_key_init(&k, 0, m, n)) return false;
    uint64_t h = member_hash(m, n), c = 0;
    bool found = find_code(z, &k, h, &c);
    if (found) {
        zset_put_code(k.p, c);
        dk_val b = zset_key_box(&k);
        dk_sorted_del(&z->s, &b);
        if (z->cur.ctrl) index_del(z, &k, h, c);
        index_upkeep(z);
    }
    zset_key_done(&k);
    return found;
}

bool dk_zset_rank(const dk_zset *z, const void *m, size_t n, uint64_t *rank) {
    zset_key k;
    if (!zset_key_init(&k, 0, m, n)) return false;
    uint64_t c;
    bool found = find_code(z, &k, member_hash(m, n), &c);
    if (found) {
        zset_put_code(k.p, c);
        dk_val b = zset_key_box(&k);
        *rank = dk_sorted_rank(&z->s, &b, NULL);
    }
    zset_key_done(&k);
    return found;
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
    zset_put_code(p, c);
    dk_val b = dk_bytes(p, 8);
    return dk_sorted_rank(&z->s, &b, NULL);
}

uint64_t dk_zset_lex_rank(const dk_zset *z, const void *m, size_t n, bool after) {
    dk_val first;
    if (!dk_sorted_at(&z->s, 0, &first, NULL)) return 0;
    zset_key k;
    if (!zset_key_init(&k, zset_get_code(first.v.ptr), m, n)) return 0;
    dk_val b = zset_key_box(&k);
    bool found;
    uint64_t r = dk_sorted_rank(&z->s, &b, &found);
    zset_key_done(&k);
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
