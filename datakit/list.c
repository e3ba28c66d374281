/* list.c -- dk_list: one flat buffer, or flat chunks under a Fenwick-indexed row (see list.h). */
#include <datakit/list.h>

#include <datakit/cidx.h>
#include <datakit/flatbuf.h>
#include <datakit/mem.h>

struct dk_list {
    union {
        dk_flat *one; /* small tier: the only chunk, NULL when empty */
        dk_cidx *idx; /* chunked tier */
    } u;
    size_t bytes;     /* footprints of the chunks */
    uint32_t version; /* modification count, for cursors */
    bool chunked;
};

#define CHUNK DK_LIST_CHUNK_BYTES

/* ---- chunks ------------------------------------------------------------------------------ */

static uint32_t nchunks(const dk_list *l) {
    return l->chunked ? l->u.idx->n : (l->u.one ? 1 : 0);
}

static dk_flat **slot(dk_list *l, uint32_t ci) {
    return l->chunked ? (dk_flat **)&l->u.idx->chunk[ci] : &l->u.one;
}

static const dk_flat *chunk(const dk_list *l, uint32_t ci) {
    return l->chunked ? l->u.idx->chunk[ci] : l->u.one;
}

/* The chunk holding index i (i < len) and i's position inside it. */
static uint32_t locate(const dk_list *l, size_t i, uint32_t *within) {
    if (l->chunked) return dk_cidx_locate(l->u.idx, i, within);
    *within = (uint32_t)i;
    return 0;
}

static void count_add(dk_list *l, uint32_t ci, int64_t delta) {
    if (l->chunked) dk_cidx_add(l->u.idx, ci, delta);
}

/* Byte accounting around an edit of one chunk. */
#define ACCT_EDIT(l, sp, expr)                                                                     \
    do {                                                                                           \
        size_t b0_ = dk_flat_bytes(*(sp));                                                         \
        expr;                                                                                      \
        (l)->bytes = (l)->bytes - b0_ + dk_flat_bytes(*(sp));                                      \
    } while (0)

static void chunk_free(dk_list *l, dk_flat *f) {
    l->bytes -= dk_flat_bytes(f);
    dk_flat_free(f);
}

static bool chunk_insert(dk_list *l, uint32_t ci, size_t off, const dk_val *v) {
    dk_flat **sp = slot(l, ci);
    bool ok;
    ACCT_EDIT(l, sp, ok = dk_flat_insert(sp, off, v));
    if (ok) count_add(l, ci, 1);
    return ok;
}

/* A new chunk holding only v, placed as chunk ci. */
static bool new_chunk(dk_list *l, uint32_t ci, const dk_val *v) {
    dk_flat *f = dk_flat_new();
    if (!f || !dk_cidx_reserve(l->u.idx, l->u.idx->n + 1) || !dk_flat_insert(&f, 0, v)) {
        dk_flat_free(f);
        return false;
    }
    l->bytes += dk_flat_bytes(f);
    dk_cidx_insert(l->u.idx, ci, f, 1, 0);
    return true;
}

/* Offset of the element boundary nearest the middle of a chunk of two or more elements. */
static size_t split_point(const dk_flat *f) {
    size_t off = 0, half = dk_flat_end(f) / 2;
    while (off < half)
        off = dk_flat_next(f, off);
    if (off >= dk_flat_end(f)) off = dk_flat_last(f);
    return off ? off : dk_flat_next(f, 0);
}

/* Splits chunk ci at offset mid (0 < mid < end) into chunks ci and ci + 1. */
static bool split_chunk(dk_list *l, uint32_t ci, size_t mid) {
    dk_cidx *idx = l->u.idx;
    dk_flat *r;
    bool ok;
    if (!dk_cidx_reserve(idx, idx->n + 1)) return false;
    dk_flat **sp = slot(l, ci);
    ACCT_EDIT(l, sp, ok = dk_flat_split(sp, mid, &r));
    if (!ok) return false;
    l->bytes += dk_flat_bytes(r);
    dk_cidx_set_count(idx, ci, (uint32_t)dk_flat_count(*sp));
    dk_cidx_insert(idx, ci + 1, r, (uint32_t)dk_flat_count(r), 0);
    return true;
}

static bool to_chunked(dk_list *l) {
    dk_cidx *idx = dk_cidx_new(false);
    if (!idx || !dk_cidx_insert(idx, 0, l->u.one, (uint32_t)dk_flat_count(l->u.one), 0)) {
        dk_cidx_free(idx);
        return false;
    }
    l->u.idx = idx;
    l->chunked = true;
    return true;
}

static void to_small(dk_list *l) {
    dk_cidx *idx = l->u.idx;
    l->u.one = idx->n ? idx->chunk[0] : NULL;
    l->chunked = false;
    dk_cidx_free(idx);
}

/* Merges chunks a and a + 1. */
static void merge(dk_list *l, uint32_t a) {
    dk_cidx *idx = l->u.idx;
    dk_flat **sp = slot(l, a);
    bool ok;
    ACCT_EDIT(l, sp, ok = dk_flat_concat(sp, idx->chunk[a + 1]));
    if (!ok) return;
    chunk_free(l, idx->chunk[a + 1]);
    dk_cidx_set_count(idx, a, (uint32_t)dk_flat_count(*sp));
    dk_cidx_remove(idx, a + 1);
}

/* Merges chunk ci with a neighbour when one of them is sparse (or only two are left) and
 * together they fill at most three quarters of a chunk; drops the index at one chunk. */
static void maybe_merge(dk_list *l, uint32_t ci) {
    if (!l->chunked) return;
    dk_cidx *idx = l->u.idx;
    for (int side = 0; side < 2 && ci < idx->n; side++) {
        uint32_t a = side == 0 ? ci : ci - 1;
        if ((side == 1 && ci == 0) || a + 1 >= idx->n) continue;
        size_t ea = dk_flat_end(idx->chunk[a]), eb = dk_flat_end(idx->chunk[a + 1]);
        bool sparse = ea < CHUNK / 4 || eb < CHUNK / 4 || idx->n == 2;
        if (sparse && ea + eb <= CHUNK * 3 / 4) {
            merge(l, a);
            break;
        }
    }
    if (idx->n <= 1) to_small(l);
}

/* Inserts v at offset off of chunk ci (chunked tier), splitting or spilling when full. */
static bool insert_at(dk_list *l, uint32_t ci, size_t off, const dk_val *v) {
    dk_cidx *idx = l->u.idx;
    const dk_flat *c = idx->chunk[ci];
    size_t e = dk_flat_elem_size(v), end = dk_flat_end(c);
    if (end + e <= CHUNK || dk_flat_count(c) == 0) return chunk_insert(l, ci, off, v);
    if (off == 0) {
        if (ci > 0 && dk_flat_end(idx->chunk[ci - 1]) + e <= CHUNK)
            return chunk_insert(l, ci - 1, dk_flat_end(idx->chunk[ci - 1]), v);
        return new_chunk(l, ci, v);
    }
    if (off == end) {
        if (ci + 1 < idx->n && dk_flat_end(idx->chunk[ci + 1]) + e <= CHUNK)
            return chunk_insert(l, ci + 1, 0, v);
        return new_chunk(l, ci + 1, v);
    }
    size_t mid = split_point(c);
    if (!split_chunk(l, ci, mid)) return false;
    return off < mid ? insert_at(l, ci, off, v) : insert_at(l, ci + 1, off - mid, v);
}

/* ---- the list API ------------------------------------------------------------------------ */

dk_list *dk_list_new(void) {
    return dk_calloc(1, sizeof(dk_list));
}

void dk_list_free(dk_list *l) {
    if (!l) return;
    for (uint32_t i = 0; i < nchunks(l); i++)
        dk_flat_free(*slot(l, i));
    if (l->chunked) dk_cidx_free(l->u.idx);
    dk_free(l);
}

size_t dk_list_len(const dk_list *l) {
    if (l->chunked) return (size_t)l->u.idx->total;
    return l->u.one ? dk_flat_count(l->u.one) : 0;
}

size_t dk_list_bytes(const dk_list *l) {
    return dk_mem_footprint(l) + l->bytes + (l->chunked ? dk_cidx_bytes(l->u.idx) : 0);
}

size_t dk_list_chunks(const dk_list *l) {
    return nchunks(l);
}

bool dk_list_insert(dk_list *l, size_t i, const dk_val *v) {
    size_t len = dk_list_len(l);
    if (i > len || v->type == DK_PTR) return false;
    if (!l->chunked) {
        if (!l->u.one) {
            if (!(l->u.one = dk_flat_new())) return false;
            l->bytes += dk_flat_bytes(l->u.one);
        }
        const dk_flat *f = l->u.one;
        if (dk_flat_end(f) + dk_flat_elem_size(v) <= CHUNK || len == 0) {
            bool ok = chunk_insert(l, 0, i == len ? dk_flat_end(f) : dk_flat_seek(f, i), v);
            l->version += ok;
            return ok;
        }
        if (!to_chunked(l)) return false;
    }
    uint32_t ci, within;
    size_t off;
    if (i == len) {
        ci = l->u.idx->n - 1;
        off = dk_flat_end(chunk(l, ci));
    } else {
        ci = locate(l, i, &within);
        off = dk_flat_seek(chunk(l, ci), within);
    }
    bool ok = insert_at(l, ci, off, v);
    l->version += ok;
    if (!ok && l->u.idx->n == 1) to_small(l); /* undo the tier change made for this insert */
    return ok;
}

bool dk_list_push(dk_list *l, dk_list_end end, const dk_val *v) {
    return dk_list_insert(l, end == DK_LIST_HEAD ? 0 : dk_list_len(l), v);
}

bool dk_list_index(const dk_list *l, size_t i, dk_val *out) {
    if (i >= dk_list_len(l)) return false;
    uint32_t within, ci = locate(l, i, &within);
    const dk_flat *c = chunk(l, ci);
    dk_flat_get(c, dk_flat_seek(c, within), out);
    return true;
}

bool dk_list_peek(const dk_list *l, dk_list_end end, dk_val *out) {
    size_t len = dk_list_len(l);
    if (!len) return false;
    if (end == DK_LIST_HEAD) return dk_list_index(l, 0, out);
    const dk_flat *c = chunk(l, nchunks(l) - 1);
    dk_flat_get(c, dk_flat_last(c), out);
    return true;
}

size_t dk_list_delete(dk_list *l, size_t i, size_t n) {
    size_t len = dk_list_len(l);
    if (i >= len || n == 0) return 0;
    if (n > len - i) n = len - i;
    l->version++;
    if (!l->chunked) {
        dk_flat **sp = &l->u.one;
        ACCT_EDIT(l, sp, dk_flat_delete(sp, dk_flat_seek(*sp, i), n));
        if (dk_flat_count(*sp) == 0) {
            chunk_free(l, *sp);
            *sp = NULL;
        }
        return n;
    }
    dk_cidx *idx = l->u.idx;
    for (size_t left = n; left > 0;) {
        uint32_t within, ci = locate(l, i, &within);
        dk_flat **sp = slot(l, ci);
        size_t k = dk_flat_count(*sp) - within;
        if (k > left) k = left;
        if (k == dk_flat_count(*sp)) {
            chunk_free(l, *sp);
            dk_cidx_remove(idx, ci);
        } else {
            ACCT_EDIT(l, sp, dk_flat_delete(sp, dk_flat_seek(*sp, within), k));
            dk_cidx_add(idx, ci, -(int64_t)k);
        }
        left -= k;
    }
    if (idx->n == 0) {
        to_small(l);
        return n;
    }
    uint32_t within, ci = i < idx->total ? locate(l, i, &within) : idx->n - 1;
    maybe_merge(l, ci);
    if (l->chunked && ci > 0) maybe_merge(l, ci - 1);
    return n;
}

bool dk_list_pop(dk_list *l, dk_list_end end) {
    size_t len = dk_list_len(l);
    return len && dk_list_delete(l, end == DK_LIST_HEAD ? 0 : len - 1, 1) == 1;
}

bool dk_list_set(dk_list *l, size_t i, const dk_val *v) {
    if (i >= dk_list_len(l) || v->type == DK_PTR) return false;
    uint32_t within, ci = locate(l, i, &within);
    dk_flat **sp = slot(l, ci);
    bool ok;
    ACCT_EDIT(l, sp, ok = dk_flat_replace(sp, dk_flat_seek(*sp, within), v));
    if (!ok) return false;
    l->version++;
    if (dk_flat_end(*sp) > CHUNK && dk_flat_count(*sp) > 1) {
        if (l->chunked || to_chunked(l))
            split_chunk(l, ci, split_point(chunk(l, ci))); /* failure leaves it oversized */
    }
    return true;
}

/* ---- cursors ----------------------------------------------------------------------------- */

/* Fills the cursor's cache for it->pos (< len) unless it is current. */
static void iter_seek(const dk_list *l, dk_iter *it) {
    if (it->valid && it->version == l->version) return;
    uint32_t within;
    it->chunk = locate(l, it->pos, &within);
    it->off = (uint32_t)dk_flat_seek(chunk(l, it->chunk), within);
    it->version = l->version;
    it->valid = 1;
}

bool dk_list_next(const dk_list *l, dk_iter *it, dk_val *out) {
    if (it->pos >= dk_list_len(l)) return false;
    iter_seek(l, it);
    const dk_flat *c = chunk(l, it->chunk);
    size_t nx = dk_flat_get(c, it->off, out);
    it->pos++;
    if (nx >= dk_flat_end(c)) {
        it->chunk++;
        it->off = 0;
    } else {
        it->off = (uint32_t)nx;
    }
    return true;
}

bool dk_list_prev(const dk_list *l, dk_iter *it, dk_val *out) {
    if (it->pos >= dk_list_len(l)) return false;
    iter_seek(l, it);
    const dk_flat *c = chunk(l, it->chunk);
    dk_flat_get(c, it->off, out);
    it->pos--;
    if (it->off > 0) {
        it->off = (uint32_t)dk_flat_prev(c, it->off);
    } else if (it->chunk > 0) {
        it->chunk--;
        it->off = (uint32_t)dk_flat_last(chunk(l, it->chunk));
    } else {
        it->valid = 0;
    }
    return true;
}

size_t dk_list_find(const dk_list *l, size_t from, const dk_val *v) {
    dk_iter it = dk_iter_at(from);
    dk_val x;
    while (dk_list_next(l, &it, &x))
        if (dk_val_eq(&x, v)) return (size_t)it.pos - 1;
    return SIZE_MAX;
}
