/* table_walk.c -- visiting a dk_table without a key: SCAN cursors and random entries. */
#include "table_int.h"
#include "table_shared.h"

#define SCAN_BUCKETS 16            /* buckets visited per dk_table_scan call, at least */
#define RANDOM_TRIES 64
#define RANDOM_DEPTH 4             /* chain positions drawn from, for uniformity */

static void visit(dk_table *t, uint32_t id, dk_scan_fn fn, void *ctx) {
    while (id) {
        uint32_t next = te_rd32(tbl_entry(t, id));
        fn(ctx, t, id);
        id = next;
    }
}

/* Redis's reverse-binary cursor: with the high bits incremented first, a bucket's expansions
 * in a bigger table and its merge in a smaller one are both visited in one go, so any resize
 * between calls neither skips nor (much) repeats.  While two arrays exist, each small-array
 * bucket is visited together with all its expansions in the big one. */
uint64_t dk_table_scan(dk_table *t, uint64_t cursor, dk_scan_fn fn, void *ctx) {
    uint64_t v = cursor;
    if (!t->size[0])
        return 0;
    for (unsigned visited = 0; visited < SCAN_BUCKETS;) {
        if (!t->bucket[1]) {
            uint64_t m0 = t->size[0] - 1;
            visit(t, t->bucket[0][v & m0], fn, ctx);
            visited++;
            v = dk_next_cursor(v, m0);
        } else {
            int s = t->size[0] <= t->size[1] ? 0 : 1, b = 1 - s;
            uint64_t m0 = t->size[s] - 1, m1 = t->size[b] - 1;
            visit(t, t->bucket[s][v & m0], fn, ctx);
            visited++;
            do {
                visit(t, t->bucket[b][v & m1], fn, ctx);
                visited++;
                v = dk_next_cursor(v, m1);
            } while (v & (m0 ^ m1));
        }
        if (v == 0)
            break;
    }
    return v;
}

/* Bucket k of the buckets still in use (bucket[0] from `rehash` on, then bucket[1]). */
static uint32_t bucket_at(const dk_table *t, uint64_t k) {
    size_t live0 = t->bucket[1] ? t->size[0] - t->rehash : t->size[0];
    if (k < live0)
        return t->bucket[0][(t->bucket[1] ? t->rehash : 0) + k];
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
    if (!t->count)
        return DK_REF_NONE;
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
        if (!len)
            continue;
        uint64_t u = x & 0xffff;
        if (len > RANDOM_DEPTH || i >= RANDOM_TRIES)
            return chain_nth(t, head, u % len);
        if (u % RANDOM_DEPTH < len)
            return chain_nth(t, head, u % RANDOM_DEPTH);
    }
}
