/* table_walk.c -- visiting a dk_table without a key: SCAN cursors and random entries. */
#include "table_int.h"
#include "table_shared.h"

#define RANDOM_TRIES 64
#define RANDOM_DEPTH 4 /* chain positions drawn from, for uniformity */

static void visit_bucket(dk_table *t, int a, uint64_t b, dk_scan_fn fn, void *ctx) {
    uint32_t id = t->bucket[a][b];
    while (id) {
        uint32_t next = te_rd32(tbl_entry(t, id));
        fn(ctx, t, id);
        id = next;
    }
}

/* A scan's reverse-binary order jumps all over the bucket array, and a walk that met each miss
 * in turn (a BGSAVE's, a SCAN's) waited for every one.  So each call fetches into the cache the
 * first entries of the buckets it is about to visit (their slots were fetched by the call
 * before) and the slots of the buckets the next call will visit. */
static void scan_prefetch(const dk_table *t, uint64_t v) {
    if (t->bucket[1] || !t->size[0]) return;
    uint64_t m = t->size[0] - 1, idx[2 * DK_SCAN_BUCKETS];
    int n = 0;
    while (n < 2 * DK_SCAN_BUCKETS) {
        idx[n++] = v & m;
        v = dk_next_cursor(v, m);
        if (v == 0) break;
    }
    for (int i = 0; i < n && i < DK_SCAN_BUCKETS; i++) {
        uint32_t id = t->bucket[0][idx[i]];
        if (id) __builtin_prefetch(tbl_entry(t, id));
    }
    for (int i = DK_SCAN_BUCKETS; i < n; i++)
        __builtin_prefetch(&t->bucket[0][idx[i]]);
}

uint64_t dk_table_scan(dk_table *t, uint64_t cursor, dk_scan_fn fn, void *ctx) {
    scan_prefetch(t, cursor);
    return dk_table_scan_walk(t, t->size, t->bucket[1] != NULL, cursor, visit_bucket, fn, ctx);
}

typedef struct each_ctx {
    dk_table *t;
    dk_scan_fn fn;
    void *ctx;
} each_ctx;

static void each_one(void *arg, uint32_t id) {
    each_ctx *e = arg;
    e->fn(e->ctx, e->t, id);
}

void dk_table_each(dk_table *t, dk_scan_fn fn, void *ctx) {
    each_ctx e = {t, fn, ctx};
    dk_slab_each(&t->slab, each_one, &e);
}

uint64_t dk_table_scan_shape(const dk_table *t) {
    return (uint64_t)t->size[0] ^ (t->bucket[1] ? (uint64_t)t->size[1] << 32 | 1u << 31 : 0);
}

/* Bucket k of the buckets still in use (bucket[0] from `rehash` on, then bucket[1]). */
static uint32_t bucket_at(const dk_table *t, uint64_t k) {
    size_t live0 = t->bucket[1] ? t->size[0] - t->rehash : t->size[0];
    if (k < live0) return t->bucket[0][(t->bucket[1] ? t->rehash : 0) + k];
    return t->bucket[1][k - live0];
}

static uint32_t chain_nth(const dk_table *t, uint32_t id, uint64_t n) {
    while (id && n--)
        id = te_rd32(tbl_entry(t, id));
    return id;
}

/* Rejection sampling: draw a bucket, walk its chain (length L), keep it with probability
 * min(1, L / RANDOM_DEPTH) and return a uniform member.  Every entry in a chain no longer than
 * RANDOM_DEPTH (nearly all at load <= 1) is then equally likely, longer chains are slightly
 * under-drawn, never skipped.  After RANDOM_TRIES rejections (a sparse table), the first
 * non-empty bucket's chain is used. */
dk_ref dk_table_random(dk_table *t, uint64_t rnd) {
    if (!t->count) return DK_REF_NONE;
    uint64_t nb = (t->bucket[1] ? t->size[0] - t->rehash + t->size[1] : t->size[0]);
    uint64_t x = rnd, k = 0;
    for (int i = 0;; i++) {
        x = dk_mix64(x);
        if (i < RANDOM_TRIES)
            k = (x >> 16) % nb;
        else
            k = (k + 1) % nb;
        uint32_t head = bucket_at(t, k);
        uint64_t len = 0;
        for (uint32_t id = head; id; id = te_rd32(tbl_entry(t, id)))
            len++;
        if (!len) continue;
        uint64_t u = x & 0xffff;
        if (len > RANDOM_DEPTH || i >= RANDOM_TRIES) return chain_nth(t, head, u % len);
        if (u % RANDOM_DEPTH < len) return chain_nth(t, head, u % RANDOM_DEPTH);
    }
}
