/* table_plain_expire.c -- the plain dk_table's expiry: a binary min-heap of entry pointers.
 *
 * heap[0] is the entry with the earliest expiry (ties broken by address, so the order is
 * total); each entry in the heap holds its index, so removing or re-keying one is O(log n).
 * The array doubles when full and halves when a quarter used; it is freed when empty.
 */
#include "table_plain_int.h"

#include <assert.h>

#include <datakit/mem.h>

#define HEAP_MIN 16

static bool before(const tp_entry *a, const tp_entry *b) {
    if (a->expire_ms != b->expire_ms) return a->expire_ms < b->expire_ms;
    return (uintptr_t)a < (uintptr_t)b;
}

static void place(dk_table *t, size_t i, tp_entry *e) {
    t->heap[i] = e;
    e->heap_pos = (uint32_t)i;
}

static void sift_up(dk_table *t, size_t i) {
    tp_entry *e = t->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(e, t->heap[parent])) break;
        place(t, i, t->heap[parent]);
        i = parent;
    }
    place(t, i, e);
}

static void sift_down(dk_table *t, size_t i) {
    tp_entry *e = t->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->heap_len) break;
        if (c + 1 < t->heap_len && before(t->heap[c + 1], t->heap[c])) c++;
        if (!before(t->heap[c], e)) break;
        place(t, i, t->heap[c]);
        i = c;
    }
    place(t, i, e);
}

/* Gives the array room for cap entries; false when memory ran out (nothing changed then). */
static bool heap_resize(dk_table *t, size_t cap) {
    size_t old = dk_mem_footprint(t->heap);
    tp_entry **h = dk_realloc(t->heap, cap * sizeof *h);
    if (!h) return false;
    t->heap = h;
    t->heap_cap = cap;
    t->bytes = t->bytes - old + dk_mem_footprint(h);
    return true;
}

bool tp_heap_reserve(dk_table *t) {
    if (t->heap_len < t->heap_cap) return true;
    if (t->heap_len >= UINT32_MAX) /* heap_pos is 32 bits */
        return false;
    return heap_resize(t, t->heap_cap ? t->heap_cap * 2 : HEAP_MIN);
}

void tp_heap_add(dk_table *t, tp_entry *e) {
    assert(t->heap_len < t->heap_cap);
    t->expires_sum += e->expire_ms;
    place(t, t->heap_len++, e);
    sift_up(t, e->heap_pos);
}

void tp_heap_del(dk_table *t, tp_entry *e) {
    size_t i = e->heap_pos;
    assert(i < t->heap_len && t->heap[i] == e);
    t->expires_sum -= e->expire_ms;
    tp_entry *last = t->heap[--t->heap_len];
    if (i < t->heap_len) {
        place(t, i, last);
        tp_heap_fix(t, last);
    }
    if (t->heap_len == 0)
        tp_heap_release(t);
    else if (t->heap_cap > HEAP_MIN && t->heap_len < t->heap_cap / 4)
        heap_resize(t, t->heap_cap / 2); /* a failed shrink keeps the bigger array */
}

void tp_heap_fix(dk_table *t, tp_entry *e) {
    size_t i = e->heap_pos;
    if (i > 0 && before(e, t->heap[(i - 1) / 2]))
        sift_up(t, i);
    else
        sift_down(t, i);
}

void tp_heap_release(dk_table *t) {
    t->bytes -= dk_mem_footprint(t->heap);
    dk_free(t->heap);
    t->heap = NULL;
    t->heap_len = t->heap_cap = 0;
}

size_t dk_table_expire_due(dk_table *t, int64_t now_ms, size_t max, dk_due_fn due, void *ctx) {
    size_t n = 0;
    while (n < max && t->heap_len && t->heap[0]->expire_ms <= now_ms) {
        tp_entry *e = t->heap[0];
        uintptr_t was = (uintptr_t)e;
        int64_t when = e->expire_ms;
        due(ctx, t, tp_ref(e));
        n++;
        /* A callback that neither deleted nor postponed the entry would loop forever (the
         * entry is only read again when it is still the heap's first, so still alive). */
        if (t->heap_len && (uintptr_t)t->heap[0] == was && t->heap[0]->expire_ms == when) break;
    }
    return n;
}

int64_t dk_table_next_expiry(const dk_table *t) {
    return t->heap_len ? t->heap[0]->expire_ms : DK_NO_EXPIRY;
}

dk_ref dk_table_soonest(const dk_table *t) {
    return t->heap_len ? tp_ref(t->heap[0]) : DK_REF_NONE;
}
