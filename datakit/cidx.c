/* cidx.c -- the chunk index of datakit's chunked containers (see cidx.h). */
#include <datakit/cidx.h>

#include <assert.h>
#include <string.h>

#include <datakit/mem.h>

dk_cidx *dk_cidx_new(bool keyed) {
    dk_cidx *x = dk_calloc(1, sizeof *x);
    if (x) x->keyed = keyed;
    return x;
}

void dk_cidx_free(dk_cidx *x) {
    if (!x) return;
    dk_free(x->chunk);
    dk_free(x->count);
    dk_free(x->fen);
    dk_free(x->key);
    dk_free(x);
}

/* Grows every array to hold cap chunks.  On failure the arrays that did grow stay grown, which
 * is harmless: x->cap only moves when all of them succeeded. */
static bool cidx_reserve(dk_cidx *x, uint32_t cap) {
    if (cap <= x->cap) return true;
    void **c = dk_realloc(x->chunk, cap * sizeof *c);
    if (!c) return false;
    x->chunk = c;
    uint32_t *n = dk_realloc(x->count, cap * sizeof *n);
    if (!n) return false;
    x->count = n;
    uint64_t *f = dk_realloc(x->fen, (cap + 1) * sizeof *f);
    if (!f) return false;
    x->fen = f;
    if (x->keyed) {
        uint64_t *k = dk_realloc(x->key, cap * sizeof *k);
        if (!k) return false;
        x->key = k;
    }
    x->cap = cap;
    return true;
}

bool dk_cidx_reserve(dk_cidx *x, uint32_t n) {
    if (n <= x->cap) return true;
    uint32_t cap = x->cap + x->cap / 2 + 1;
    return cidx_reserve(x, cap > n ? cap : n);
}

/* Rebuilds the Fenwick tree from the counts in O(n) when stale.  Logically const: the tree is
 * a cache of the counts (containers are single-threaded). */
static void cidx_fresh(const dk_cidx *cx) {
    dk_cidx *x = (dk_cidx *)cx;
    if (!x->dirty) return;
    x->dirty = false;
    uint32_t n = x->n;
    for (uint32_t i = 1; i <= n; i++)
        x->fen[i] = x->count[i - 1];
    for (uint32_t i = 1; i <= n; i++) {
        uint32_t j = i + (i & -i);
        if (j <= n) x->fen[j] += x->fen[i];
    }
}

bool dk_cidx_insert(dk_cidx *x, uint32_t i, void *chunk, uint32_t count, uint64_t key) {
    assert(i <= x->n);
    if (!dk_cidx_reserve(x, x->n + 1)) return false;
    uint32_t tail = x->n - i;
    memmove(x->chunk + i + 1, x->chunk + i, tail * sizeof *x->chunk);
    memmove(x->count + i + 1, x->count + i, tail * sizeof *x->count);
    if (x->keyed) {
        memmove(x->key + i + 1, x->key + i, tail * sizeof *x->key);
        x->key[i] = key;
    }
    x->chunk[i] = chunk;
    x->count[i] = count;
    x->n++;
    x->total += count;
    x->dirty = true;
    return true;
}

void dk_cidx_remove(dk_cidx *x, uint32_t i) {
    assert(i < x->n);
    uint32_t tail = x->n - i - 1;
    x->total -= x->count[i];
    memmove(x->chunk + i, x->chunk + i + 1, tail * sizeof *x->chunk);
    memmove(x->count + i, x->count + i + 1, tail * sizeof *x->count);
    if (x->keyed) memmove(x->key + i, x->key + i + 1, tail * sizeof *x->key);
    x->n--;
    x->dirty = true;
    /* Give memory back when the index is mostly empty.  Each array either shrinks to `cap` or
     * (if its realloc fails) keeps its larger size, so every one still holds `cap` entries. */
    if (x->cap > 16 && x->n < x->cap / 4) {
        uint32_t cap = x->n * 2 > 4 ? x->n * 2 : 4;
        void **c = dk_realloc(x->chunk, cap * sizeof *c);
        if (c) x->chunk = c;
        uint32_t *n = dk_realloc(x->count, cap * sizeof *n);
        if (n) x->count = n;
        uint64_t *f = dk_realloc(x->fen, (cap + 1) * sizeof *f);
        if (f) x->fen = f;
        if (x->keyed) {
            uint64_t *k = dk_realloc(x->key, cap * sizeof *k);
            if (k) x->key = k;
        }
        x->cap = cap;
    }
}

void dk_cidx_add(dk_cidx *x, uint32_t i, int64_t delta) {
    assert(i < x->n);
    x->count[i] = (uint32_t)((int64_t)x->count[i] + delta);
    x->total = (uint64_t)((int64_t)x->total + delta);
    if (x->dirty) return;
    for (uint32_t j = i + 1; j <= x->n; j += j & -j)
        x->fen[j] = (uint64_t)((int64_t)x->fen[j] + delta);
}

uint32_t dk_cidx_locate(const dk_cidx *x, uint64_t pos, uint32_t *within) {
    assert(pos < x->total);
    cidx_fresh(x);
    uint32_t at = 0, step = 1;
    while (step * 2 <= x->n)
        step *= 2;
    for (; step; step /= 2) {
        uint32_t nx = at + step;
        if (nx <= x->n && x->fen[nx] <= pos) {
            at = nx;
            pos -= x->fen[nx];
        }
    }
    *within = (uint32_t)pos;
    return at; /* chunks 0..at-1 hold fewer than pos+1 elements */
}

uint64_t dk_cidx_before(const dk_cidx *x, uint32_t i) {
    uint64_t s = 0;
    cidx_fresh(x);
    for (uint32_t j = i; j > 0; j -= j & -j)
        s += x->fen[j];
    return s;
}

uint32_t dk_cidx_upper(const dk_cidx *x, uint64_t k) {
    uint32_t lo = 0, hi = x->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (x->key[mid] <= k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t dk_cidx_bytes(const dk_cidx *x) {
    if (!x) return 0;
    return dk_mem_footprint(x) + dk_mem_footprint(x->chunk) + dk_mem_footprint(x->count) +
           dk_mem_footprint(x->fen) + dk_mem_footprint(x->key);
}
