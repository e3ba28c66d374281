/* table_plain_walk.c -- visiting the plain dk_table without a key: SCAN cursors, random entries. */
#include "table_plain_int.h"
#include <datakit/table_shared.h>

#define RANDOM_TRIES 64
#define RANDOM_DEPTH 4 /* chain positions drawn from, for uniformity */

static void visit_bucket(dk_table *t, int a, uint64_t b, dk_scan_fn fn, void *ctx) {
    tp_entry *e = t->bucket[a][b];
    while (e) {
        tp_entry *next = e->next;
        fn(ctx, t, tp_ref(e));
        e = next;
    }
}

uint64_t dk_table_scan(dk_table *t, uint64_t cursor, dk_scan_fn fn, void *ctx) {
    return dk_table_scan_walk(t, t->size, t->bucket[1] != NULL, cursor, visit_bucket, fn, ctx);
}

/* Entries are allocations of their own here: the whole scan, bucket by bucket. */
void dk_table_each(dk_table *t, dk_scan_fn fn, void *ctx) {
    uint64_t c = 0;
    do {
        c = dk_table_scan(t, c, fn, ctx);
    } while (c != 0);
}

uint64_t dk_table_scan_shape(const dk_table *t) {
    return (uint64_t)t->size[0] ^ (t->bucket[1] ? (uint64_t)t->size[1] << 32 | 1u << 31 : 0);
}

/* Bucket k of the buckets still in use (bucket[0] from `rehash` on, then bucket[1]). */
static tp_entry *bucket_at(const dk_table *t, uint64_t k) {
    size_t from = t->bucket[1] ? t->rehash : 0;
    if (k < t->size[0] - from) return t->bucket[0][from + k];
    return t->bucket[1][k - (t->size[0] - from)];
}

static tp_entry *chain_nth(tp_entry *e, uint64_t n) {
    while (e && n--)
        e = e->next;
    return e;
}

/* Draws a bucket and keeps it with probability min(1, chain length / RANDOM_DEPTH), then
 * returns a uniform member of its chain: every entry of a chain up to RANDOM_DEPTH long is
 * equally likely.  After RANDOM_TRIES misses (a sparse table) the buckets are walked in order
 * from the last draw. */
dk_ref dk_table_random(dk_table *t, uint64_t rnd) {
    if (!t->count) return DK_REF_NONE;
    uint64_t nb = t->bucket[1] ? t->size[0] - t->rehash + t->size[1] : t->size[0];
    uint64_t x = rnd, k = 0;
    for (int i = 0;; i++) {
        x = dk_mix64(x);
        k = i < RANDOM_TRIES ? (x >> 16) % nb : (k + 1) % nb;
        tp_entry *head = bucket_at(t, k);
        uint64_t len = 0;
        for (tp_entry *e = head; e; e = e->next)
            len++;
        if (!len) continue;
        uint64_t u = x & 0xffff;
        if (len > RANDOM_DEPTH || i >= RANDOM_TRIES) return tp_ref(chain_nth(head, u % len));
        if (u % RANDOM_DEPTH < len) return tp_ref(chain_nth(head, u % RANDOM_DEPTH));
    }
}
