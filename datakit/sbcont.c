/* sbcont.c -- one 2^16-bit container of a sparse bitset: array, bitmap or runs (see sbcont.h). */
#include <datakit/sbcont.h>

#include <string.h>

#include <datakit/acct.h>

#define BITMAP_BYTES (SB_BITMAP_WORDS * sizeof(uint64_t))

/* ---- storage ----------------------------------------------------------------------------- */

static uint16_t *u16s(sbc *c) {
    return c->inl ? c->d.inl : c->d.arr;
}
static const uint16_t *cu16s(const sbc *c) {
    return c->inl ? c->d.inl : c->d.arr;
}

/* Makes the array / run storage hold `need` u16s, keeping the first `keep` of them.  Up to 4
 * live inline.  NULL when out of memory (then nothing changed). */
static uint16_t *u16_store(size_t *acct, sbc *c, uint32_t need, uint32_t keep) {
    if (keep > need) keep = need;
    if (need <= 4) {
        if (!c->inl) {
            uint16_t tmp[4];
            memcpy(tmp, c->d.arr, keep * sizeof *tmp);
            dk_acct_free(acct, c->d.arr);
            memcpy(c->d.inl, tmp, keep * sizeof *tmp);
            c->inl = 1;
        }
        return c->d.inl;
    }
    if (c->inl) {
        uint16_t *h = dk_acct_reserve(acct, NULL, need * sizeof *h);
        if (!h) return NULL;
        memcpy(h, c->d.inl, keep * sizeof *h);
        c->d.arr = h;
        c->inl = 0;
        return h;
    }
    uint16_t *h = dk_acct_reserve(acct, c->d.arr, need * sizeof *h);
    if (h) c->d.arr = h;
    return h;
}

/* After a delete: storage for `need` u16s (moves inline, or trims spare room). */
static void u16_shrink(size_t *acct, sbc *c, uint32_t need) {
    if (need <= 4)
        u16_store(acct, c, need, need);
    else if (!c->inl)
        c->d.arr = dk_acct_trim(acct, c->d.arr, need * sizeof(uint16_t));
}

size_t sbc_heap_bytes(const sbc *c) {
    return c->inl ? 0 : dk_mem_footprint(c->d.arr);
}

void sbc_destroy(size_t *acct, sbc *c) {
    if (!c->inl && c->d.arr) dk_acct_free(acct, c->d.arr);
    c->inl = 1;
    c->card = 0;
}

bool sbc_copy(size_t *acct, sbc *dst, const sbc *src) {
    *dst = *src;
    if (src->inl) return true;
    size_t n = src->kind == SB_BITMAP ? BITMAP_BYTES
               : src->kind == SB_RUNS ? (size_t)src->nruns * 4
                                      : (size_t)src->card * 2;
    void *p = dk_acct_malloc(acct, n);
    if (!p) return false;
    memcpy(p, src->d.arr, n);
    dst->d.arr = p;
    return true;
}

void sbc_init1(sbc *c, uint64_t key, uint16_t o) {
    memset(c, 0, sizeof *c);
    c->key = key;
    c->kind = SB_ARRAY;
    c->inl = 1;
    c->card = 1;
    c->nruns = 1;
    c->d.inl[0] = o;
}

/* ---- choosing an encoding ---------------------------------------------------------------- */

static size_t cost(unsigned kind, uint32_t card, uint32_t nruns) {
    switch (kind) {
    case SB_ARRAY:
        return card <= SB_INLINE_VALUES ? 0 : (size_t)card * 2;
    case SB_RUNS:
        return nruns <= SB_INLINE_RUNS ? 0 : (size_t)nruns * 4;
    default:
        return BITMAP_BYTES;
    }
}

static unsigned best_kind(uint32_t card, uint32_t nruns) {
    unsigned best = SB_ARRAY;
    if (cost(SB_RUNS, card, nruns) < cost(best, card, nruns)) best = SB_RUNS;
    if (cost(SB_BITMAP, card, nruns) < cost(best, card, nruns)) best = SB_BITMAP;
    return best;
}

/* Number of maximal runs of set bits in a bitmap. */
static uint32_t words_runs(const uint64_t *w) {
    uint32_t n = 0;
    uint64_t carry = 0;
    for (int i = 0; i < SB_BITMAP_WORDS; i++) {
        n += (uint32_t)__builtin_popcountll(w[i] & ~((w[i] << 1) | carry));
        carry = w[i] >> 63;
    }
    return n;
}

static uint32_t words_card(const uint64_t *w) {
    uint32_t n = 0;
    for (int i = 0; i < SB_BITMAP_WORDS; i++)
        n += (uint32_t)__builtin_popcountll(w[i]);
    return n;
}

/* The first offset >= o whose bit is `set`, or 65536. */
static uint32_t words_next(const uint64_t *w, uint32_t o, bool set) {
    uint32_t i = o >> 6;
    uint64_t flip = set ? 0 : ~(uint64_t)0;
    uint64_t x = (w[i] ^ flip) & (~(uint64_t)0 << (o & 63));
    while (!x) {
        if (++i == SB_BITMAP_WORDS) return 65536;
        x = w[i] ^ flip;
    }
    return i * 64 + (uint32_t)__builtin_ctzll(x);
}

/* Fills c (whose key is set, storage empty) from a bitmap in the given encoding. */
static bool build(size_t *acct, sbc *c, unsigned kind, const uint64_t *w, uint32_t card,
                  uint32_t nruns) {
    c->kind = (uint8_t)kind;
    c->card = card;
    c->nruns = (uint16_t)nruns;
    c->inl = 1;
    if (kind == SB_BITMAP) {
        uint64_t *b = dk_acct_malloc(acct, BITMAP_BYTES);
        if (!b) return false;
        memcpy(b, w, BITMAP_BYTES);
        c->d.bits = b;
        c->inl = 0;
        return true;
    }
    uint16_t *out = u16_store(acct, c, kind == SB_ARRAY ? card : nruns * 2, 0);
    if (!out) return false;
    uint32_t n = 0;
    if (kind == SB_ARRAY) {
        for (uint32_t i = 0; i < SB_BITMAP_WORDS; i++)
            for (uint64_t x = w[i]; x; x &= x - 1)
                out[n++] = (uint16_t)(i * 64 + (uint32_t)__builtin_ctzll(x));
        return true;
    }
    for (uint32_t o = words_next(w, 0, true); o < 65536;) {
        uint32_t e = words_next(w, o, false); /* one past the run */
        out[n++] = (uint16_t)o;
        out[n++] = (uint16_t)(e - o - 1);
        o = e < 65536 ? words_next(w, e, true) : 65536;
    }
    return true;
}

void sbc_to_words(const sbc *c, uint64_t *w) {
    if (c->kind == SB_BITMAP) {
        memcpy(w, c->d.bits, BITMAP_BYTES);
        return;
    }
    memset(w, 0, BITMAP_BYTES);
    const uint16_t *v = cu16s(c);
    if (c->kind == SB_ARRAY) {
        for (uint32_t i = 0; i < c->card; i++)
            w[v[i] >> 6] |= (uint64_t)1 << (v[i] & 63);
        return;
    }
    for (uint32_t r = 0; r < c->nruns; r++) {
        uint32_t s = v[2 * r], e = s + v[2 * r + 1]; /* inclusive */
        for (uint32_t o = s; o <= e;) {
            if ((o & 63) == 0 && e - o >= 63) {
                w[o >> 6] = ~(uint64_t)0;
                o += 64;
            } else {
                w[o >> 6] |= (uint64_t)1 << (o & 63);
                o++;
            }
        }
    }
}

/* Re-encodes c as kind (through a bitmap; conversions are rare thanks to the hysteresis). */
static bool convert(size_t *acct, sbc *c, unsigned kind) {
    uint64_t w[SB_BITMAP_WORDS];
    sbc_to_words(c, w);
    sbc t = {.key = c->key};
    if (!build(acct, &t, kind, w, c->card, c->nruns)) return false;
    sbc_destroy(acct, c);
    *c = t;
    return true;
}

/* Converts when the current encoding costs well above the best one (failure is harmless). */
static void maybe_convert(size_t *acct, sbc *c) {
    unsigned b = best_kind(c->card, c->nruns);
    size_t cb = cost(b, c->card, c->nruns);
    if (b != c->kind && cost(c->kind, c->card, c->nruns) > cb + cb / 4 + 32) convert(acct, c, b);
}

bool sbc_from_words(size_t *acct, sbc *c, uint64_t key, const uint64_t *w) {
    uint32_t card = words_card(w), nruns = words_runs(w);
    memset(c, 0, sizeof *c);
    c->key = key;
    return build(acct, c, best_kind(card, nruns), w, card, nruns);
}

bool sbc_from_sorted(size_t *acct, sbc *c, uint64_t key, const uint16_t *v, uint32_t n) {
    uint32_t nruns = 0;
    for (uint32_t i = 0; i < n; i++)
        nruns += (i == 0 || v[i] != v[i - 1] + 1);
    memset(c, 0, sizeof *c);
    c->key = key;
    unsigned kind = best_kind(n, nruns);
    if (kind != SB_ARRAY) {
        uint64_t w[SB_BITMAP_WORDS] = {0};
        for (uint32_t i = 0; i < n; i++)
            w[v[i] >> 6] |= (uint64_t)1 << (v[i] & 63);
        return build(acct, c, kind, w, n, nruns);
    }
    c->kind = SB_ARRAY;
    c->inl = 1;
    uint16_t *out = u16_store(acct, c, n, 0);
    if (!out) return false;
    memcpy(out, v, n * sizeof *v);
    c->card = n;
    c->nruns = (uint16_t)nruns;
    return true;
}

/* ---- array ------------------------------------------------------------------------------- */

/* First slot with value >= o. */
static uint32_t arr_lb(const uint16_t *v, uint32_t n, uint32_t o) {
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v[mid] < o)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int arr_set(size_t *acct, sbc *c, uint16_t o) {
    const uint16_t *v = cu16s(c);
    uint32_t n = c->card, pos = arr_lb(v, n, o);
    if (pos < n && v[pos] == o) return 0;
    bool left = pos > 0 && v[pos - 1] == o - 1, right = pos < n && v[pos] == o + 1;
    uint16_t *w = u16_store(acct, c, n + 1, n);
    if (!w) return -1;
    memmove(w + pos + 1, w + pos, (n - pos) * sizeof *w);
    w[pos] = o;
    c->card++;
    c->nruns = (uint16_t)(c->nruns + 1 - left - right);
    return 1;
}

static int arr_clear(size_t *acct, sbc *c, uint16_t o) {
    uint16_t *v = u16s(c);
    uint32_t n = c->card, pos = arr_lb(v, n, o);
    if (pos >= n || v[pos] != o) return 0;
    bool left = pos > 0 && v[pos - 1] == o - 1, right = pos + 1 < n && v[pos + 1] == o + 1;
    memmove(v + pos, v + pos + 1, (n - pos - 1) * sizeof *v);
    c->card--;
    c->nruns = (uint16_t)(c->nruns - 1 + left + right);
    u16_shrink(acct, c, c->card);
    return 1;
}

/* ---- bitmap ------------------------------------------------------------------------------ */

static bool bm_test(const uint64_t *w, uint32_t o) {
    return (w[o >> 6] >> (o & 63)) & 1;
}

static int bm_set(sbc *c, uint16_t o) {
    uint64_t *w = c->d.bits;
    if (bm_test(w, o)) return 0;
    bool left = o > 0 && bm_test(w, o - 1u), right = o < 65535 && bm_test(w, o + 1u);
    w[o >> 6] |= (uint64_t)1 << (o & 63);
    c->card++;
    c->nruns = (uint16_t)(c->nruns + 1 - left - right);
    return 1;
}

static int bm_clear(sbc *c, uint16_t o) {
    uint64_t *w = c->d.bits;
    if (!bm_test(w, o)) return 0;
    bool left = o > 0 && bm_test(w, o - 1u), right = o < 65535 && bm_test(w, o + 1u);
    w[o >> 6] &= ~((uint64_t)1 << (o & 63));
    c->card--;
    c->nruns = (uint16_t)(c->nruns - 1 + left + right);
    return 1;
}

/* ---- runs -------------------------------------------------------------------------------- */

/* The last run starting at or before o, or -1. */
static int32_t run_find(const uint16_t *r, uint32_t n, uint32_t o) {
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r[2 * mid] <= o)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int32_t)lo - 1;
}

static uint32_t run_end(const uint16_t *r, uint32_t i) {
    return (uint32_t)r[2 * i] + r[2 * i + 1];
}

static int runs_set(size_t *acct, sbc *c, uint16_t o) {
    uint16_t *r = u16s(c);
    uint32_t n = c->nruns;
    int32_t i = run_find(r, n, o);
    if (i >= 0 && o <= run_end(r, (uint32_t)i)) return 0;
    bool left = i >= 0 && run_end(r, (uint32_t)i) + 1 == o;
    bool right = (uint32_t)(i + 1) < n && r[2 * (i + 1)] == (uint32_t)o + 1;
    uint32_t j = (uint32_t)(i + 1);
    if (left && right) {
        r[2 * i + 1] = (uint16_t)(r[2 * i + 1] + r[2 * j + 1] + 2);
        memmove(r + 2 * j, r + 2 * j + 2, (n - j - 1) * 2 * sizeof *r);
        c->nruns--;
        u16_shrink(acct, c, c->nruns * 2u);
    } else if (left) {
        r[2 * i + 1]++;
    } else if (right) {
        r[2 * j]--;
        r[2 * j + 1]++;
    } else {
        r = u16_store(acct, c, (n + 1) * 2, n * 2);
        if (!r) return -1;
        memmove(r + 2 * j + 2, r + 2 * j, (n - j) * 2 * sizeof *r);
        r[2 * j] = o;
        r[2 * j + 1] = 0;
        c->nruns++;
    }
    c->card++;
    return 1;
}

static int runs_clear(size_t *acct, sbc *c, uint16_t o) {
    uint16_t *r = u16s(c);
    uint32_t n = c->nruns;
    int32_t i = run_find(r, n, o);
    if (i < 0 || o > run_end(r, (uint32_t)i)) return 0;
    uint32_t s = r[2 * i], e = run_end(r, (uint32_t)i);
    if (s == e) {
        memmove(r + 2 * i, r + 2 * i + 2, (n - (uint32_t)i - 1) * 2 * sizeof *r);
        c->nruns--;
        u16_shrink(acct, c, c->nruns * 2u);
    } else if (o == s) {
        r[2 * i]++;
        r[2 * i + 1]--;
    } else if (o == e) {
        r[2 * i + 1]--;
    } else {
        r = u16_store(acct, c, (n + 1) * 2, n * 2);
        if (!r) return -1;
        memmove(r + 2 * i + 4, r + 2 * i + 2, (n - (uint32_t)i - 1) * 2 * sizeof *r);
        r[2 * i + 1] = (uint16_t)(o - s - 1);
        r[2 * i + 2] = (uint16_t)(o + 1);
        r[2 * i + 3] = (uint16_t)(e - o - 1);
        c->nruns++;
    }
    c->card--;
    return 1;
}

/* ---- the container API ------------------------------------------------------------------- */

bool sbc_test(const sbc *c, uint16_t o) {
    const uint16_t *v = cu16s(c);
    switch (c->kind) {
    case SB_ARRAY: {
        uint32_t pos = arr_lb(v, c->card, o);
        return pos < c->card && v[pos] == o;
    }
    case SB_BITMAP:
        return bm_test(c->d.bits, o);
    default: {
        int32_t i = run_find(v, c->nruns, o);
        return i >= 0 && o <= run_end(v, (uint32_t)i);
    }
    }
}

int sbc_set(size_t *acct, sbc *c, uint16_t o) {
    int r = c->kind == SB_ARRAY    ? arr_set(acct, c, o)
            : c->kind == SB_BITMAP ? bm_set(c, o)
                                   : runs_set(acct, c, o);
    if (r > 0) maybe_convert(acct, c);
    return r;
}

int sbc_clear(size_t *acct, sbc *c, uint16_t o) {
    int r = c->kind == SB_ARRAY    ? arr_clear(acct, c, o)
            : c->kind == SB_BITMAP ? bm_clear(c, o)
                                   : runs_clear(acct, c, o);
    if (r > 0 && c->card > 0) maybe_convert(acct, c);
    return r;
}

uint32_t sbc_rank(const sbc *c, uint32_t o) {
    const uint16_t *v = cu16s(c);
    uint32_t n = 0;
    switch (c->kind) {
    case SB_ARRAY:
        return arr_lb(v, c->card, o);
    case SB_BITMAP:
        for (uint32_t i = 0; i < (o >> 6); i++)
            n += (uint32_t)__builtin_popcountll(c->d.bits[i]);
        if (o & 63)
            n +=
                (uint32_t)__builtin_popcountll(c->d.bits[o >> 6] & (((uint64_t)1 << (o & 63)) - 1));
        return n;
    default:
        for (uint32_t i = 0; i < c->nruns && v[2 * i] < o; i++) {
            uint32_t e = run_end(v, i) + 1;
            n += (e < o ? e : o) - v[2 * i];
        }
        return n;
    }
}

int32_t sbc_next(const sbc *c, uint32_t o) {
    if (o > 65535) return -1;
    const uint16_t *v = cu16s(c);
    switch (c->kind) {
    case SB_ARRAY: {
        uint32_t pos = arr_lb(v, c->card, o);
        return pos < c->card ? v[pos] : -1;
    }
    case SB_BITMAP: {
        uint32_t i = o >> 6;
        uint64_t x = c->d.bits[i] & (~(uint64_t)0 << (o & 63));
        while (!x) {
            if (++i == SB_BITMAP_WORDS) return -1;
            x = c->d.bits[i];
        }
        return (int32_t)(i * 64 + (uint32_t)__builtin_ctzll(x));
    }
    default: {
        int32_t i = run_find(v, c->nruns, o);
        if (i >= 0 && o <= run_end(v, (uint32_t)i)) return (int32_t)o;
        return (uint32_t)(i + 1) < c->nruns ? v[2 * (i + 1)] : -1;
    }
    }
}

int32_t sbc_next_clear(const sbc *c, uint32_t o) {
    if (o > 65535) return -1;
    const uint16_t *v = cu16s(c);
    switch (c->kind) {
    case SB_ARRAY: {
        uint32_t pos = arr_lb(v, c->card, o);
        while (pos < c->card && v[pos] == o) {
            pos++;
            o++;
        }
        return o > 65535 ? -1 : (int32_t)o;
    }
    case SB_BITMAP: {
        uint32_t i = o >> 6;
        uint64_t x = ~c->d.bits[i] & (~(uint64_t)0 << (o & 63));
        while (!x) {
            if (++i == SB_BITMAP_WORDS) return -1;
            x = ~c->d.bits[i];
        }
        return (int32_t)(i * 64 + (uint32_t)__builtin_ctzll(x));
    }
    default: {
        int32_t i = run_find(v, c->nruns, o);
        if (i < 0 || o > run_end(v, (uint32_t)i)) return (int32_t)o;
        uint32_t e = run_end(v, (uint32_t)i) + 1;
        return e > 65535 ? -1 : (int32_t)e;
    }
    }
}

uint16_t sbc_select(const sbc *c, uint32_t k) {
    const uint16_t *v = cu16s(c);
    switch (c->kind) {
    case SB_ARRAY:
        return v[k];
    case SB_BITMAP:
        for (uint32_t i = 0;; i++) {
            uint64_t x = c->d.bits[i];
            uint32_t p = (uint32_t)__builtin_popcountll(x);
            if (k < p) {
                for (; k; k--)
                    x &= x - 1;
                return (uint16_t)(i * 64 + (uint32_t)__builtin_ctzll(x));
            }
            k -= p;
        }
    default:
        for (uint32_t i = 0;; i++) {
            uint32_t len = (uint32_t)v[2 * i + 1] + 1;
            if (k < len) return (uint16_t)(v[2 * i] + k);
            k -= len;
        }
    }
}

/* ---- binary operations ------------------------------------------------------------------- */

enum { OP_AND, OP_OR, OP_XOR, OP_ANDNOT };

/* Members of array a kept (keep_if_in: those in b; else those not in b) into out. */
static bool filter_array(size_t *acct, const sbc *a, const sbc *b, bool keep_if_in, sbc *out,
                         uint16_t *tmp) {
    const uint16_t *v = cu16s(a);
    uint32_t n = 0;
    for (uint32_t i = 0; i < a->card; i++)
        if (sbc_test(b, v[i]) == keep_if_in) tmp[n++] = v[i];
    memset(out, 0, sizeof *out);
    out->key = a->key;
    out->inl = 1;
    return n == 0 || sbc_from_sorted(acct, out, a->key, tmp, n);
}

bool sbc_op(size_t *acct, int op, const sbc *a, const sbc *b, sbc *out, uint64_t *scratch) {
    uint16_t *tmp = (uint16_t *)scratch; /* room for 8192 offsets */
    if (op == OP_AND && a->kind == SB_ARRAY && a->card <= 8192)
        return filter_array(acct, a, b, true, out, tmp);
    if (op == OP_AND && b->kind == SB_ARRAY && b->card <= 8192)
        return filter_array(acct, b, a, true, out, tmp);
    if (op == OP_ANDNOT && a->kind == SB_ARRAY && a->card <= 8192)
        return filter_array(acct, a, b, false, out, tmp);
    uint64_t *x = scratch, *y = scratch + SB_BITMAP_WORDS;
    sbc_to_words(a, x);
    sbc_to_words(b, y);
    uint64_t any = 0;
    for (int i = 0; i < SB_BITMAP_WORDS; i++) {
        switch (op) {
        case OP_AND:
            x[i] &= y[i];
            break;
        case OP_OR:
            x[i] |= y[i];
            break;
        case OP_XOR:
            x[i] ^= y[i];
            break;
        default:
            x[i] &= ~y[i];
            break;
        }
        any |= x[i];
    }
    memset(out, 0, sizeof *out);
    out->key = a->key;
    out->inl = 1;
    return !any || sbc_from_words(acct, out, a->key, x);
}
