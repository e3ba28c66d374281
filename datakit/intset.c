/* intset.c -- dk_intset: sorted int64 sets in width-tiered chunks (see intset.h). */
#include <datakit/intset.h>

#include <string.h>

#include <datakit/intset_int.h>

#include <datakit/acct.h>
#include <datakit/cidx.h>
#include <datakit/mem.h>

/* One sorted run of members, all stored at the chunk's width (2, 4 or 8 bytes). */
typedef struct isc {
    uint32_t count;
    uint32_t width;
    uint8_t data[];
} isc;

/* ---- one chunk --------------------------------------------------------------------------- */

static unsigned width_of(int64_t v) {
    if (v >= INT16_MIN && v <= INT16_MAX) return 2;
    if (v >= INT32_MIN && v <= INT32_MAX) return 4;
    return 8;
}

static inline int64_t load(const uint8_t *data, unsigned w, uint32_t i) {
    int16_t a;
    int32_t b;
    int64_t c;
    switch (w) {
    case 2:
        memcpy(&a, data + 2 * (size_t)i, 2);
        return a;
    case 4:
        memcpy(&b, data + 4 * (size_t)i, 4);
        return b;
    default:
        memcpy(&c, data + 8 * (size_t)i, 8);
        return c;
    }
}

static inline void store(uint8_t *data, unsigned w, uint32_t i, int64_t v) {
    int16_t a = (int16_t)v;
    int32_t b = (int32_t)v;
    switch (w) {
    case 2:
        memcpy(data + 2 * (size_t)i, &a, 2);
        break;
    case 4:
        memcpy(data + 4 * (size_t)i, &b, 4);
        break;
    default:
        memcpy(data + 8 * (size_t)i, &v, 8);
        break;
    }
}

static inline int64_t isc_get(const isc *c, uint32_t i) {
    return load(c->data, c->width, i);
}

static size_t isc_size(unsigned w, uint32_t n) {
    return sizeof(isc) + (size_t)w * n;
}

static bool isc_full(const isc *c) {
    return (size_t)c->count * c->width > DK_INTSET_CHUNK_BYTES;
}

/* Lower bound: the first slot whose member is >= v; *found when it equals v. */
static uint32_t isc_search(const isc *c, int64_t v, bool *found) {
    uint32_t lo = 0, hi = c->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (isc_get(c, mid) < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < c->count && isc_get(c, lo) == v;
    return lo;
}

static isc *isc_new(size_t *acct, unsigned w, uint32_t cap) {
    isc *c = dk_acct_malloc(acct, isc_size(w, cap));
    if (c) {
        c->count = 0;
        c->width = w;
    }
    return c;
}

/* Re-encodes the chunk's members at width w in place (the buffer must already hold them). */
static void isc_recode(isc *c, unsigned w) {
    unsigned ow = c->width;
    if (w > ow) {
        for (uint32_t i = c->count; i-- > 0;)
            store(c->data, w, i, load(c->data, ow, i));
    } else if (w < ow) {
        for (uint32_t i = 0; i < c->count; i++)
            store(c->data, w, i, load(c->data, ow, i));
    }
    c->width = w;
}

/* Narrows the chunk when its extreme members (the first and last) allow it. */
static isc *isc_narrow(size_t *acct, isc *c) {
    if (c->count == 0 || c->width == 2) return c;
    unsigned a = width_of(isc_get(c, 0)), b = width_of(isc_get(c, c->count - 1));
    unsigned w = a > b ? a : b;
    if (w >= c->width) return c;
    isc_recode(c, w);
    return dk_acct_trim(acct, c, isc_size(w, c->count));
}

/* Inserts v at slot pos, widening the chunk when v needs it.  False when out of memory. */
static bool isc_insert(size_t *acct, isc **cp, uint32_t pos, int64_t v) {
    isc *c = *cp;
    unsigned w = width_of(v) > c->width ? width_of(v) : c->width;
    c = dk_acct_reserve(acct, c, isc_size(w, c->count + 1));
    if (!c) return false;
    isc_recode(c, w);
    memmove(c->data + (size_t)(pos + 1) * w, c->data + (size_t)pos * w,
            (size_t)(c->count - pos) * w);
    store(c->data, w, pos, v);
    c->count++;
    *cp = c;
    return true;
}

/* Deletes slot pos; narrows when an extreme left and trims spare room. */
static isc *isc_delete(size_t *acct, isc *c, uint32_t pos) {
    unsigned w = c->width;
    memmove(c->data + (size_t)pos * w, c->data + (size_t)(pos + 1) * w,
            (size_t)(c->count - pos - 1) * w);
    c->count--;
    if (pos == 0 || pos == c->count) c = isc_narrow(acct, c);
    return dk_acct_trim(acct, c, isc_size(c->width, c->count));
}

/* Moves the upper half of *cp into a new chunk (returned; NULL when out of memory). */
static isc *isc_split(size_t *acct, isc **cp) {
    isc *c = *cp;
    uint32_t keep = c->count / 2, move = c->count - keep;
    isc *r = isc_new(acct, c->width, move);
    if (!r) return NULL;
    memcpy(r->data, c->data + (size_t)keep * c->width, (size_t)move * c->width);
    r->count = move;
    c->count = keep;
    r = isc_narrow(acct, r);
    c = isc_narrow(acct, c);
    *cp = dk_acct_trim(acct, c, isc_size(c->width, c->count));
    return r;
}

/* Appends all of r to l (at the wider of both widths); false when out of memory. */
static bool isc_append(size_t *acct, isc **lp, const isc *r) {
    isc *l = *lp;
    unsigned w = l->width > r->width ? l->width : r->width;
    l = dk_acct_realloc(acct, l, isc_size(w, l->count + r->count));
    if (!l) return false;
    isc_recode(l, w);
    for (uint32_t i = 0; i < r->count; i++)
        store(l->data, w, l->count + i, isc_get(r, i));
    l->count += r->count;
    *lp = l;
    return true;
}

/* ---- tiers ------------------------------------------------------------------------------- */

static uint64_t okey(int64_t v) {
    return (uint64_t)v ^ ((uint64_t)1 << 63);
}

void dk_intset_init(dk_intset *s, uint32_t version) {
    memset(s, 0, sizeof *s);
    s->version = version;
}

void dk_intset_destroy(dk_intset *s) {
    if (s->chunked) {
        for (uint32_t i = 0; i < s->u.idx->n; i++)
            dk_free(s->u.idx->chunk[i]);
        dk_cidx_free(s->u.idx);
    } else {
        dk_free(s->u.one);
    }
    s->u.one = NULL;
    s->chunked = false;
    s->bytes = 0;
}

dk_intset *dk_intset_new(void) {
    return dk_calloc(1, sizeof(dk_intset));
}

void dk_intset_free(dk_intset *s) {
    if (!s) return;
    dk_intset_destroy(s);
    dk_free(s);
}

size_t dk_intset_count(const dk_intset *s) {
    if (s->chunked) return (size_t)s->u.idx->total;
    return s->u.one ? s->u.one->count : 0;
}

size_t dk_intset_inner_bytes(const dk_intset *s) {
    return s->bytes + (s->chunked ? dk_cidx_bytes(s->u.idx) : 0);
}

size_t dk_intset_bytes(const dk_intset *s) {
    return dk_mem_footprint(s) + dk_intset_inner_bytes(s);
}

uint32_t dk_intset_version(const dk_intset *s) {
    return s->version;
}

size_t dk_intset_chunks(const dk_intset *s) {
    if (s->chunked) return s->u.idx->n;
    return s->u.one ? 1 : 0;
}

unsigned dk_intset_width(const dk_intset *s) {
    unsigned w = 2;
    if (!s->chunked) return s->u.one ? s->u.one->width : 2;
    for (uint32_t i = 0; i < s->u.idx->n; i++) {
        const isc *c = s->u.idx->chunk[i];
        if (c->width > w) w = c->width;
    }
    return w;
}

/* The chunk that holds v or where v would go (chunked tier). */
static uint32_t chunk_for(const dk_cidx *idx, int64_t v) {
    uint32_t i = dk_cidx_upper(idx, okey(v));
    return i ? i - 1 : 0;
}

static const isc *chunk_at(const dk_intset *s, uint32_t i) {
    return s->chunked ? s->u.idx->chunk[i] : s->u.one;
}

/* Splits chunk ci of the index in two when it is over size. */
static void split_chunk(dk_intset *s, dk_cidx *idx, uint32_t ci) {
    if (!isc_full(idx->chunk[ci]) || !dk_cidx_reserve(idx, idx->n + 1)) return;
    isc *r = isc_split(&s->bytes, (isc **)&idx->chunk[ci]);
    if (!r) return; /* stays over size; a later insert retries */
    isc *l = idx->chunk[ci];
    dk_cidx_set_count(idx, ci, l->count);
    dk_cidx_insert(idx, ci + 1, r, r->count, okey(isc_get(r, 0)));
}

/* Small tier grown past one chunk: build the index. */
static void to_chunked(dk_intset *s) {
    dk_cidx *idx = dk_cidx_new(true);
    if (!idx) return;
    isc *c = s->u.one;
    if (!dk_cidx_insert(idx, 0, c, c->count, okey(isc_get(c, 0)))) {
        dk_cidx_free(idx);
        return;
    }
    s->u.idx = idx;
    s->chunked = true;
    split_chunk(s, idx, 0);
}

/* Chunked tier down to one chunk: drop the index. */
static void to_small(dk_intset *s) {
    dk_cidx *idx = s->u.idx;
    s->u.one = idx->n ? idx->chunk[0] : NULL;
    s->chunked = false;
    dk_cidx_free(idx);
}

/* Merges chunk ci with a neighbour when both are sparse enough. */
static void maybe_merge(dk_intset *s, dk_cidx *idx, uint32_t ci) {
    const isc *c = idx->chunk[ci];
    if ((size_t)c->count * c->width >= DK_INTSET_CHUNK_BYTES / 4 || idx->n < 2) return;
    uint32_t l = ci + 1 < idx->n ? ci : ci - 1, r = l + 1;
    const isc *a = idx->chunk[l], *b = idx->chunk[r];
    unsigned w = a->width > b->width ? a->width : b->width;
    if ((size_t)(a->count + b->count) * w > DK_INTSET_CHUNK_BYTES * 3 / 4) return;
    if (!isc_append(&s->bytes, (isc **)&idx->chunk[l], b)) return;
    dk_acct_free(&s->bytes, idx->chunk[r]);
    dk_cidx_set_count(idx, l, ((isc *)idx->chunk[l])->count);
    dk_cidx_remove(idx, r);
    if (idx->n == 1) to_small(s);
}

int dk_intset_add(dk_intset *s, int64_t v) {
    bool found;
    if (!s->chunked) {
        if (!s->u.one && !(s->u.one = isc_new(&s->bytes, width_of(v), 1))) return -1;
        uint32_t pos = isc_search(s->u.one, v, &found);
        if (found) return 0;
        if (!isc_insert(&s->bytes, &s->u.one, pos, v)) return -1;
        s->version++;
        if (isc_full(s->u.one)) to_chunked(s);
        return 1;
    }
    dk_cidx *idx = s->u.idx;
    uint32_t ci = chunk_for(idx, v);
    uint32_t pos = isc_search(idx->chunk[ci], v, &found);
    if (found) return 0;
    if (!isc_insert(&s->bytes, (isc **)&idx->chunk[ci], pos, v)) return -1;
    s->version++;
    dk_cidx_add(idx, ci, 1);
    if (pos == 0) idx->key[ci] = okey(v);
    split_chunk(s, idx, ci);
    return 1;
}

bool dk_intset_remove(dk_intset *s, int64_t v) {
    bool found;
    if (!s->chunked) {
        if (!s->u.one) return false;
        uint32_t pos = isc_search(s->u.one, v, &found);
        if (!found) return false;
        s->version++;
        if (s->u.one->count == 1) {
            dk_acct_free(&s->bytes, s->u.one);
            s->u.one = NULL;
        } else {
            s->u.one = isc_delete(&s->bytes, s->u.one, pos);
        }
        return true;
    }
    dk_cidx *idx = s->u.idx;
    uint32_t ci = chunk_for(idx, v);
    uint32_t pos = isc_search(idx->chunk[ci], v, &found);
    if (!found) return false;
    s->version++;
    isc *c = idx->chunk[ci];
    if (c->count == 1) {
        dk_acct_free(&s->bytes, c);
        dk_cidx_remove(idx, ci);
        if (idx->n <= 1) to_small(s);
        return true;
    }
    c = idx->chunk[ci] = isc_delete(&s->bytes, c, pos);
    dk_cidx_add(idx, ci, -1);
    if (pos == 0) idx->key[ci] = okey(isc_get(c, 0));
    maybe_merge(s, idx, ci);
    return true;
}

bool dk_intset_contains(const dk_intset *s, int64_t v) {
    bool found = false;
    if (!s->chunked) {
        if (s->u.one) isc_search(s->u.one, v, &found);
        return found;
    }
    isc_search(s->u.idx->chunk[chunk_for(s->u.idx, v)], v, &found);
    return found;
}

bool dk_intset_at(const dk_intset *s, uint64_t r, int64_t *out) {
    if (r >= dk_intset_count(s)) return false;
    if (!s->chunked) {
        *out = isc_get(s->u.one, (uint32_t)r);
        return true;
    }
    uint32_t within;
    uint32_t ci = dk_cidx_locate(s->u.idx, r, &within);
    *out = isc_get(s->u.idx->chunk[ci], within);
    return true;
}

uint64_t dk_intset_rank(const dk_intset *s, int64_t v) {
    bool found;
    if (!s->chunked) return s->u.one ? isc_search(s->u.one, v, &found) : 0;
    uint32_t ci = chunk_for(s->u.idx, v);
    return dk_cidx_before(s->u.idx, ci) + isc_search(s->u.idx->chunk[ci], v, &found);
}

bool dk_intset_random(const dk_intset *s, uint64_t rnd, int64_t *out) {
    size_t n = dk_intset_count(s);
    return n && dk_intset_at(s, rnd % n, out);
}

/* ---- cursors ----------------------------------------------------------------------------- */

/* Points the cursor's cache at it->pos (which must be < count). */
static void iter_seek(const dk_intset *s, dk_iter *it) {
    if (it->valid && it->version == s->version) return;
    if (s->chunked) {
        it->chunk = dk_cidx_locate(s->u.idx, it->pos, &it->off);
    } else {
        it->chunk = 0;
        it->off = (uint32_t)it->pos;
    }
    it->version = s->version;
    it->valid = 1;
}

bool dk_intset_next(const dk_intset *s, dk_iter *it, int64_t *out) {
    if (it->pos >= dk_intset_count(s)) return false;
    iter_seek(s, it);
    const isc *c = chunk_at(s, it->chunk);
    *out = isc_get(c, it->off);
    it->pos++;
    if (++it->off >= c->count) {
        it->chunk++;
        it->off = 0;
    }
    return true;
}

bool dk_intset_prev(const dk_intset *s, dk_iter *it, int64_t *out) {
    if (it->pos >= dk_intset_count(s)) return false;
    iter_seek(s, it);
    *out = isc_get(chunk_at(s, it->chunk), it->off);
    it->pos--;
    if (it->off > 0) {
        it->off--;
    } else if (it->chunk > 0) {
        it->chunk--;
        it->off = chunk_at(s, it->chunk)->count - 1;
    } else {
        it->valid = 0;
    }
    return true;
}
