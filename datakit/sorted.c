/* sorted.c -- the ordered store behind dk_map and dk_set: sorted packed runs (see sorted.h). */
#include <datakit/sorted.h>

#include <math.h>
#include <string.h>

#include <datakit/acct.h>
#include <datakit/boxfast.h>
#include <datakit/ridx.h>
#include <datakit/mem.h>

#define CHUNK DK_SORTED_CHUNK_BYTES
/* Runs grow by the allocator's own rounding only: entries arrive one at a time into thousands of
 * runs, and any fixed headroom per run costs more memory than the reallocs cost time. */
#define SORTED_HEADROOM 0
/* A run search compares one entry in this many until it passes the key (see run_search). */
#define RUN_STRIDE 8

/* A run of entries in key order. */
typedef struct srun {
    uint32_t used;  /* entry bytes */
    uint32_t count; /* entries */
    uint8_t data[];
} srun;

/* ---- key prefixes ------------------------------------------------------------------------ */

uint64_t dk_val_prefix64(const dk_val *v) {
    switch (v->type) {
    case DK_NULL:
        return 0;
    case DK_BOOL:
        return ((uint64_t)1 << 62) | (v->v.i != 0);
    case DK_BYTES: {
        const uint8_t *p = v->v.ptr;
        uint64_t x = 0;
        for (uint32_t i = 0; i < v->len && i < 8; i++)
            x |= (uint64_t)p[i] << (56 - 8 * i);
        return ((uint64_t)3 << 62) | (x >> 2);
    }
    default: {
        double d = dk_val_double(v);
        uint64_t b;
        if (isnan(d)) return ((uint64_t)2 << 62) | (UINT64_MAX >> 2);
        if (d == 0) d = 0.0; /* -0.0 equals 0.0 */
        memcpy(&b, &d, sizeof b);
        b = (b >> 63) ? ~b : b | ((uint64_t)1 << 63);
        return ((uint64_t)2 << 62) | (b >> 2);
    }
    }
}

/* ---- one run ----------------------------------------------------------------------------- */

/* Reads the entry at off (key, and value when vals; v may be NULL); returns the next offset. */
static size_t run_read(const srun *c, bool vals, size_t off, dk_val *k, dk_val *v) {
    dk_val tmp;
    off += dk_box_unpack(c->data + off, c->used - off, k);
    if (vals) off += dk_box_unpack(c->data + off, c->used - off, v ? v : &tmp);
    return off;
}

/* Offset of the entry after the one at off. */
static size_t run_skip(const srun *c, bool vals, size_t off) {
    off += dk_boxf_size(c->data + off, c->used - off);
    if (vals) off += dk_boxf_size(c->data + off, c->used - off);
    return off;
}

/* The first entry whose key is >= k: its offset, its index in *pos, *found when equal.  Stepping
 * over an entry (its size byte) is a few instructions and comparing it is a few dozen, so the scan
 * compares every RUN_STRIDE-th entry until one is >= k, then only the entries just before it. */
static size_t run_search(const srun *c, bool vals, const dk_val *k, uint32_t *pos, bool *found) {
    size_t off = 0, used = c->used, lo = 0;
    uint32_t i = 0, lo_i = 0;
    int cmp = 1;
    while (off < used) { /* every entry before lo is < k */
        size_t ks;
        cmp = dk_boxf_cmp(c->data + off, used - off, k, &ks);
        if (cmp >= 0) break;
        off += ks;
        if (vals) off += dk_boxf_size(c->data + off, used - off);
        lo = off;
        lo_i = ++i;
        for (uint32_t j = 1; j < RUN_STRIDE && off < used; j++, i++)
            off = run_skip(c, vals, off);
    }
    /* the entry at off (entry i) is >= k, or off is the end: the answer is in [lo, off] */
    for (size_t at = lo; at < off; lo_i++) {
        size_t ks;
        int cmp_at = dk_boxf_cmp(c->data + at, used - at, k, &ks);
        if (cmp_at >= 0) {
            *found = cmp_at == 0;
            *pos = lo_i;
            return at;
        }
        at += ks;
        if (vals) at += dk_boxf_size(c->data + at, used - at);
    }
    *found = off < used && cmp == 0;
    *pos = i;
    return off;
}

/* Offset of entry number i. */
static size_t run_seek(const srun *c, bool vals, uint32_t i) {
    size_t off = 0;
    for (; i > 0; i--)
        off = run_skip(c, vals, off);
    return off;
}

/* Opens `grow` bytes at off in place of `drop` bytes; false when out of memory. */
static bool run_splice(size_t *acct, srun **cp, size_t off, size_t drop, size_t grow) {
    srun *c = *cp;
    size_t used = c->used - drop + grow;
    if (grow > drop) {
        if (used > UINT32_MAX - sizeof(srun)) return false;
        c = dk_acct_grow(acct, c, sizeof(srun) + used, SORTED_HEADROOM);
        if (!c) return false;
    }
    memmove(c->data + off + grow, c->data + off + drop, c->used - off - drop);
    c->used = (uint32_t)used;
    if (grow < drop) c = dk_acct_trim(acct, c, sizeof(srun) + used);
    *cp = c;
    return true;
}

/* ---- tiers ------------------------------------------------------------------------------- */

static uint32_t nruns(const dk_sorted *s) {
    return s->chunked ? ((const dk_ridx *)s->p)->n : (s->p ? 1 : 0);
}

static srun **slot(dk_sorted *s, uint32_t ci) {
    return s->chunked ? (srun **)dk_ridx_slot(s->p, ci) : (srun **)&s->p;
}

static const srun *run_at(const dk_sorted *s, uint32_t ci) {
    return s->chunked ? dk_ridx_run(s->p, ci) : s->p;
}

/* ---- run keys ----------------------------------------------------------------------------
 * The index orders runs by a 64-bit key of each run's first entry: dk_val_prefix64, except for
 * byte strings.  Members of one set or hash often share their leading bytes ("user:", or
 * "element:000000"), which would give every run the same prefix and leave each lookup a binary
 * search of full compares.  So the index keeps P, bytes that every byte-string key shared when it
 * was built (x->kp), and a byte string's key is its bytes after P, ranked between the strings
 * that sort below every P-string and those that sort above: still order-preserving (a < b gives
 * key(a) <= key(b)) for any P, since a string that does not start with P compares the same way
 * with every string that does.  A new byte string that does not start with P shrinks P and
 * re-keys the runs: at most DK_RIDX_KP_MAX times an index, and only while it has at most
 * KP_REKEY_RUNS runs, so that no insert stalls (re-keying 2,040 runs took 65 us).  A bigger index
 * keeps its P, and the new strings rank below or above the rest, tied as every key was before. */
#define KP_REKEY_RUNS 2048

/* The first 8 of b's n bytes as a big-endian number (zero-padded). */
static uint64_t head64(const uint8_t *b, size_t n) {
    uint64_t v = 0;
    if (n >= 8) {
        memcpy(&v, b, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        v = __builtin_bswap64(v);
#endif
        return v;
    }
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (56 - 8 * i);
    return v;
}

/* The run-index key of k. */
static uint64_t run_key(const dk_ridx *x, const dk_val *k) {
    if (k->type != DK_BYTES) return dk_val_prefix64(k);
    const uint8_t *b = k->v.ptr;
    size_t n = k->len, plen = x->kplen <= DK_RIDX_KP_MAX ? x->kplen : 0, m = n < plen ? n : plen;
    int r = m ? memcmp(b, x->kp, m) : 0;
    uint64_t rank = 1; /* 0: below every string that starts with P, 1: starts with P, 2: above */
    if (r == 0 && n >= plen) {
        b += plen;
        n -= plen;
    } else {
        rank = r > 0 ? 2 : 0;
    }
    return ((uint64_t)3 << 62) | (rank << 60) | (head64(b, n) >> 4);
}

/* Length of the common prefix of a[0..an) and b[0..bn). */
static size_t common_len(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
    size_t i = 0;
    while (i < an && i < bn && a[i] == b[i])
        i++;
    return i;
}

/* Narrows x's P to what it shares with the byte string k; true when P changed.  While no byte
 * string has set P, kplen is above DK_RIDX_KP_MAX (keys are made as if P were empty) and k sets
 * it. */
static bool kp_narrow(dk_ridx *x, const dk_val *k) {
    size_t n = k->len < DK_RIDX_KP_MAX ? k->len : DK_RIDX_KP_MAX;
    if (x->kplen > DK_RIDX_KP_MAX) {
        if (n) memcpy(x->kp, k->v.ptr, n);
        x->kplen = (uint8_t)n;
        return true;
    }
    size_t c = common_len(x->kp, x->kplen, k->v.ptr, n);
    if (c == x->kplen) return false;
    x->kplen = (uint8_t)c;
    return true;
}

static uint64_t first_key(const dk_ridx *x, const srun *c, bool vals) {
    dk_val k;
    run_read(c, vals, 0, &k, NULL);
    return run_key(x, &k);
}

/* Recomputes every run's key (after P shrank). */
static void rekey(dk_sorted *s) {
    dk_ridx *x = s->p;
    for (uint32_t i = 0; i < x->n; i++)
        dk_ridx_set_key(x, i, first_key(x, dk_ridx_run(x, i), s->vals));
}

/* Before k goes in: a byte string that does not start with P narrows it, while that is cheap. */
static void kp_admit(dk_sorted *s, const dk_val *k) {
    dk_ridx *x = s->p;
    if (k->type != DK_BYTES || x->kplen == 0 || x->n > KP_REKEY_RUNS) return;
    bool set = x->kplen <= DK_RIDX_KP_MAX;
    if (set && x->kplen <= k->len && memcmp(k->v.ptr, x->kp, x->kplen) == 0) return; /* has P */
    if (kp_narrow(x, k)) rekey(s);
}

/* The run holding k, or where k would go (the store is not empty). */
static uint32_t run_for(const dk_sorted *s, const dk_val *k) {
    if (!s->chunked) return 0;
    const dk_ridx *x = s->p;
    uint64_t p = run_key(x, k), last = 0;
    uint32_t hi = dk_ridx_upper(x, p, &last);
    if (hi == 0) return 0;
    if (last < p) return hi - 1; /* the last run to start below k's key, and no run ties it */
    uint32_t lo = p ? dk_ridx_upper(x, p - 1, NULL) : 0;
    /* runs before lo start below k; runs from hi on start above it; compare the ties */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const srun *r = dk_ridx_run(x, mid);
        size_t ks;
        if (dk_boxf_cmp(r->data, r->used, k, &ks) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

void dk_sorted_init(dk_sorted *s, bool vals) {
    memset(s, 0, sizeof *s);
    s->vals = vals;
}

void dk_sorted_clear(dk_sorted *s) {
    for (uint32_t i = 0; i < nruns(s); i++)
        dk_free(*slot(s, i));
    if (s->chunked) dk_ridx_free(s->p);
    s->p = NULL;
    s->chunked = 0;
    s->bytes = 0;
    s->version++;
}

size_t dk_sorted_count(const dk_sorted *s) {
    if (s->chunked) return (size_t)((const dk_ridx *)s->p)->total;
    return s->p ? ((const srun *)s->p)->count : 0;
}

size_t dk_sorted_bytes(const dk_sorted *s) {
    return s->bytes + (s->chunked ? dk_ridx_bytes(s->p) : 0);
}

size_t dk_sorted_chunks(const dk_sorted *s) {
    return nruns(s);
}

static void count_add(dk_sorted *s, uint32_t ci, int64_t delta) {
    if (s->chunked) dk_ridx_add(s->p, ci, delta);
}

/* Sets a new index's P from the byte strings of c, the store's only run. */
static void kp_init(dk_ridx *x, const srun *c, bool vals) {
    x->kplen = DK_RIDX_KP_MAX + 1; /* none yet */
    for (size_t off = 0; off < c->used;) {
        dk_val k;
        off = run_read(c, vals, off, &k, NULL);
        if (k.type == DK_BYTES && kp_narrow(x, &k) && x->kplen == 0) return;
    }
}

/* Splits run ci in two when it is over size (indexing a small store first). */
static void split_run(dk_sorted *s, uint32_t ci) {
    const srun *c = run_at(s, ci);
    if (c->used <= CHUNK || c->count < 2) return;
    if (!s->chunked) {
        dk_ridx *x = dk_ridx_new();
        if (x) kp_init(x, c, s->vals);
        if (!x || !dk_ridx_insert(x, 0, s->p, c->count, first_key(x, c, s->vals))) {
            dk_ridx_free(x);
            return;
        }
        s->p = x;
        s->chunked = 1;
    }
    dk_ridx *x = s->p;
    size_t off = 0;
    uint32_t keep = 0;
    while (off < c->used / 2 || keep == 0) {
        off = run_skip(c, s->vals, off);
        keep++;
    }
    if (off >= c->used) return;
    size_t move = c->used - off;
    srun *r = dk_acct_malloc(&s->bytes, sizeof(srun) + move);
    if (!r) return;
    memcpy(r->data, c->data + off, move);
    r->used = (uint32_t)move;
    r->count = c->count - keep;
    /* index the new run first: the only step that can fail, and it reads no run */
    if (!dk_ridx_insert(x, ci + 1, r, r->count, first_key(x, r, s->vals))) {
        dk_acct_free(&s->bytes, r);
        return;
    }
    dk_ridx_set_count(x, ci, keep);
    srun **sp = slot(s, ci);
    (*sp)->used = (uint32_t)off;
    (*sp)->count = keep;
    *sp = dk_acct_trim(&s->bytes, *sp, sizeof(srun) + off);
}

static void to_small(dk_sorted *s) {
    dk_ridx *x = s->p;
    s->p = x->n ? dk_ridx_run(x, 0) : NULL;
    s->chunked = 0;
    dk_ridx_free(x);
}

/* Merges run ci with a neighbour when one is sparse (or only two are left) and together they
 * fill at most three quarters of a run; drops the index at one run. */
static void maybe_merge(dk_sorted *s, uint32_t ci) {
    dk_ridx *x = s->p;
    for (int side = 0; side < 2; side++) {
        if ((side == 0 && ci + 1 >= x->n) || (side == 1 && ci == 0)) continue;
        uint32_t a = side == 0 ? ci : ci - 1;
        const srun *ra = dk_ridx_run(x, a), *rb = dk_ridx_run(x, a + 1);
        bool sparse = ra->used < CHUNK / 4 || rb->used < CHUNK / 4 || x->n == 2;
        if (!sparse || ra->used + rb->used > CHUNK * 3 / 4) continue;
        srun *m = dk_acct_realloc(&s->bytes, dk_ridx_run(x, a), sizeof(srun) + ra->used + rb->used);
        if (!m) break;
        memcpy(m->data + m->used, rb->data, rb->used);
        m->used += rb->used;
        m->count += rb->count;
        *dk_ridx_slot(x, a) = m;
        dk_acct_free(&s->bytes, dk_ridx_run(x, a + 1));
        dk_ridx_set_count(x, a, m->count);
        dk_ridx_remove(x, a + 1);
        break;
    }
    if (x->n <= 1) to_small(s);
}

/* ---- the store API ----------------------------------------------------------------------- */

bool dk_sorted_get(const dk_sorted *s, const dk_val *k, dk_val *v) {
    if (!nruns(s)) return false;
    const srun *c = run_at(s, run_for(s, k));
    uint32_t pos;
    bool found;
    size_t off = run_search(c, s->vals, k, &pos, &found);
    if (found && v && s->vals) {
        dk_val key;
        run_read(c, true, off, &key, v);
    }
    return found;
}

/* Replaces the value of the entry at off in run ci. */
static int replace_value(dk_sorted *s, uint32_t ci, size_t off, const dk_val *v) {
    srun **sp = slot(s, ci);
    dk_val k, old;
    size_t voff = off + dk_box_unpack((*sp)->data + off, (*sp)->used - off, &k);
    size_t olds = dk_box_unpack((*sp)->data + voff, (*sp)->used - voff, &old);
    size_t news = dk_box_size(v);
    if (!run_splice(&s->bytes, sp, voff, olds, news)) return -1;
    dk_box_pack(v, (*sp)->data + voff);
    s->version++;
    split_run(s, ci);
    return 0;
}

int dk_sorted_put(dk_sorted *s, const dk_val *k, const dk_val *v, bool replace) {
    if (k->type == DK_PTR || (s->vals && v->type == DK_PTR)) return -1;
    if (!s->p) {
        srun *r = dk_acct_malloc(&s->bytes, sizeof(srun));
        if (!r) return -1;
        r->used = r->count = 0;
        s->p = r;
    }
    if (s->chunked) kp_admit(s, k);
    uint32_t ci = run_for(s, k), pos;
    bool found;
    srun **sp = slot(s, ci);
    size_t off = run_search(*sp, s->vals, k, &pos, &found);
    if (found) return s->vals && replace ? replace_value(s, ci, off, v) : 0;
    size_t ks = dk_box_size(k), vs = s->vals ? dk_box_size(v) : 0;
    if (!run_splice(&s->bytes, sp, off, 0, ks + vs)) {
        if (dk_sorted_count(s) == 0) dk_sorted_clear(s);
        return -1;
    }
    dk_box_pack(k, (*sp)->data + off);
    if (s->vals) dk_box_pack(v, (*sp)->data + off + ks);
    (*sp)->count++;
    count_add(s, ci, 1);
    if (pos == 0 && s->chunked) dk_ridx_set_key(s->p, ci, run_key(s->p, k));
    s->version++;
    split_run(s, ci);
    return 1;
}

bool dk_sorted_del(dk_sorted *s, const dk_val *k) {
    if (!nruns(s)) return false;
    uint32_t ci = run_for(s, k), pos;
    bool found;
    srun **sp = slot(s, ci);
    size_t off = run_search(*sp, s->vals, k, &pos, &found);
    if (!found) return false;
    size_t end = run_skip(*sp, s->vals, off);
    run_splice(&s->bytes, sp, off, end - off, 0);
    (*sp)->count--;
    count_add(s, ci, -1);
    s->version++;
    if ((*sp)->count == 0) {
        dk_acct_free(&s->bytes, *sp);
        if (!s->chunked) {
            s->p = NULL;
            return true;
        }
        dk_ridx_remove(s->p, ci);
        if (((dk_ridx *)s->p)->n <= 1) to_small(s);
        return true;
    }
    if (!s->chunked) return true;
    if (pos == 0) dk_ridx_set_key(s->p, ci, first_key(s->p, *sp, s->vals));
    maybe_merge(s, ci);
    return true;
}

uint64_t dk_sorted_rank(const dk_sorted *s, const dk_val *k, bool *found) {
    bool f = false;
    uint64_t r = 0;
    if (nruns(s)) {
        uint32_t ci = run_for(s, k), pos;
        run_search(run_at(s, ci), s->vals, k, &pos, &f);
        r = (s->chunked ? dk_ridx_before(s->p, ci) : 0) + pos;
    }
    if (found) *found = f;
    return r;
}

/* The run holding rank r (< count) and r's index inside it. */
static uint32_t locate(const dk_sorted *s, uint64_t r, uint32_t *within) {
    if (s->chunked) return dk_ridx_locate(s->p, r, within);
    *within = (uint32_t)r;
    return 0;
}

bool dk_sorted_at(const dk_sorted *s, uint64_t r, dk_val *k, dk_val *v) {
    if (r >= dk_sorted_count(s)) return false;
    uint32_t within, ci = locate(s, r, &within);
    const srun *c = run_at(s, ci);
    run_read(c, s->vals, run_seek(c, s->vals, within), k, v);
    return true;
}

/* ---- cursors ----------------------------------------------------------------------------- */

static void iter_seek(const dk_sorted *s, dk_iter *it) {
    if (it->valid && it->version == s->version) return;
    uint32_t within;
    it->chunk = locate(s, it->pos, &within);
    it->off = (uint32_t)run_seek(run_at(s, it->chunk), s->vals, within);
    it->version = s->version;
    it->valid = 1;
}

bool dk_sorted_next(const dk_sorted *s, dk_iter *it, dk_val *k, dk_val *v) {
    if (it->pos >= dk_sorted_count(s)) return false;
    iter_seek(s, it);
    const srun *c = run_at(s, it->chunk);
    size_t nx = run_read(c, s->vals, it->off, k, v);
    it->pos++;
    if (nx >= c->used) {
        it->chunk++;
        it->off = 0;
    } else {
        it->off = (uint32_t)nx;
    }
    return true;
}

/* Offset of the entry that ends at `end` in run c (end > 0). */
static size_t run_before(const srun *c, bool vals, size_t end) {
    size_t off = 0, prev = 0;
    while (off < end) {
        prev = off;
        off = run_skip(c, vals, off);
    }
    return prev;
}

bool dk_sorted_prev(const dk_sorted *s, dk_iter *it, dk_val *k, dk_val *v) {
    if (it->pos >= dk_sorted_count(s)) return false;
    iter_seek(s, it);
    const srun *c = run_at(s, it->chunk);
    run_read(c, s->vals, it->off, k, v);
    it->pos--;
    if (it->off > 0) {
        it->off = (uint32_t)run_before(c, s->vals, it->off);
    } else if (it->chunk > 0) {
        it->chunk--;
        c = run_at(s, it->chunk);
        it->off = (uint32_t)run_before(c, s->vals, c->used);
    } else {
        it->valid = 0;
    }
    return true;
}
