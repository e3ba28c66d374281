/* sbitset.c -- dk_sbitset: the directory of 2^16-bit containers (see sbitset.h, sbcont.h). */
#include <datakit/sbitset.h>

#include <string.h>

#include <datakit/acct.h>
#include <datakit/cidx.h>
#include <datakit/mem.h>
#include <datakit/sbcont.h>

/* A sorted run of container descriptors. */
typedef struct sbdir {
    uint32_t n;
    uint32_t pad;
    sbc c[];
} sbdir;

struct dk_sbitset {
    union {
        sbdir *one;   /* small tier: the only directory chunk, NULL when empty */
        dk_cidx *idx; /* chunked: keyed by first container key, counts are set bits */
    } u;
    size_t bytes; /* directory chunks and container storage */
    uint64_t card;
    bool chunked;
};

/* ---- directory --------------------------------------------------------------------------- */

static size_t dir_size(uint32_t n) {
    return sizeof(sbdir) + (size_t)n * sizeof(sbc);
}

static uint32_t ndirs(const dk_sbitset *s) {
    return s->chunked ? s->u.idx->n : (s->u.one ? 1 : 0);
}

static sbdir *dir_at(const dk_sbitset *s, uint32_t i) {
    return s->chunked ? s->u.idx->chunk[i] : s->u.one;
}

static void dir_put(dk_sbitset *s, uint32_t i, sbdir *d) {
    if (s->chunked)
        s->u.idx->chunk[i] = d;
    else
        s->u.one = d;
}

/* The directory chunk where key is or would go (ndirs(s) > 0). */
static uint32_t dir_for(const dk_sbitset *s, uint64_t key) {
    if (!s->chunked) return 0;
    uint32_t i = dk_cidx_upper(s->u.idx, key);
    return i ? i - 1 : 0;
}

/* First descriptor with key >= key. */
static uint32_t dir_lb(const sbdir *d, uint64_t key) {
    uint32_t lo = 0, hi = d->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (d->c[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t dir_card(const sbdir *d, uint32_t from, uint32_t to) {
    uint64_t n = 0;
    for (uint32_t i = from; i < to; i++)
        n += d->c[i].card;
    return n;
}

/* The container for key, or NULL. */
static const sbc *find(const dk_sbitset *s, uint64_t key) {
    if (!ndirs(s)) return NULL;
    const sbdir *d = dir_at(s, dir_for(s, key));
    uint32_t i = dir_lb(d, key);
    return i < d->n && d->c[i].key == key ? &d->c[i] : NULL;
}

static void count_add(dk_sbitset *s, uint32_t di, int64_t delta) {
    s->card = (uint64_t)((int64_t)s->card + delta);
    if (s->chunked) dk_cidx_add(s->u.idx, di, delta);
}

/* Splits directory chunk di when it is over size. */
static void dir_split(dk_sbitset *s, uint32_t di) {
    sbdir *d = dir_at(s, di);
    if (d->n <= DK_SBITSET_DIR_MAX) return;
    if (!s->chunked) {
        dk_cidx *idx = dk_cidx_new(true);
        if (!idx || !dk_cidx_insert(idx, 0, d, (uint32_t)s->card, d->c[0].key)) {
            dk_cidx_free(idx);
            return;
        }
        s->u.idx = idx;
        s->chunked = true;
    }
    dk_cidx *idx = s->u.idx;
    if (!dk_cidx_reserve(idx, idx->n + 1)) return;
    uint32_t keep = d->n / 2, move = d->n - keep;
    sbdir *r = dk_acct_malloc(&s->bytes, dir_size(move));
    if (!r) return;
    r->n = move;
    memcpy(r->c, d->c + keep, move * sizeof(sbc));
    d->n = keep;
    idx->chunk[di] = dk_acct_trim(&s->bytes, d, dir_size(keep));
    uint64_t moved = dir_card(r, 0, move);
    dk_cidx_add(idx, di, -(int64_t)moved);
    dk_cidx_insert(idx, di + 1, r, (uint32_t)moved, r->c[0].key);
}

/* Removes descriptor ci of directory chunk di (its storage already released). */
static void dir_remove(dk_sbitset *s, uint32_t di, uint32_t ci) {
    sbdir *d = dir_at(s, di);
    memmove(d->c + ci, d->c + ci + 1, (d->n - ci - 1) * sizeof(sbc));
    d->n--;
    if (d->n == 0) {
        dk_acct_free(&s->bytes, d);
        if (!s->chunked) {
            s->u.one = NULL;
            return;
        }
        dk_cidx_remove(s->u.idx, di);
    } else {
        d = dk_acct_trim(&s->bytes, d, dir_size(d->n));
        dir_put(s, di, d);
        if (s->chunked && ci == 0) s->u.idx->key[di] = d->c[0].key;
        if (s->chunked && d->n < DK_SBITSET_DIR_MAX / 4 && s->u.idx->n > 1) {
            dk_cidx *idx = s->u.idx;
            uint32_t l = di + 1 < idx->n ? di : di - 1;
            sbdir *a = idx->chunk[l], *b = idx->chunk[l + 1];
            if (a->n + b->n <= DK_SBITSET_DIR_MAX * 3 / 4) {
                sbdir *m = dk_acct_realloc(&s->bytes, a, dir_size(a->n + b->n));
                if (m) {
                    memcpy(m->c + m->n, b->c, b->n * sizeof(sbc));
                    m->n += b->n;
                    idx->chunk[l] = m;
                    dk_cidx_add(idx, l, idx->count[l + 1]);
                    dk_acct_free(&s->bytes, b);
                    dk_cidx_remove(idx, l + 1);
                }
            }
        }
    }
    if (s->chunked && s->u.idx->n <= 1) {
        dk_cidx *idx = s->u.idx;
        s->u.one = idx->n ? idx->chunk[0] : NULL;
        s->chunked = false;
        dk_cidx_free(idx);
    }
}

/* ---- single bits ------------------------------------------------------------------------- */

dk_sbitset *dk_sbitset_new(void) {
    return dk_calloc(1, sizeof(dk_sbitset));
}

void dk_sbitset_free(dk_sbitset *s) {
    if (!s) return;
    for (uint32_t i = 0; i < ndirs(s); i++) {
        sbdir *d = dir_at(s, i);
        for (uint32_t j = 0; j < d->n; j++)
            sbc_destroy(&s->bytes, &d->c[j]);
        dk_free(d);
    }
    if (s->chunked) dk_cidx_free(s->u.idx);
    dk_free(s);
}

uint64_t dk_sbitset_count(const dk_sbitset *s) {
    return s->card;
}

size_t dk_sbitset_bytes(const dk_sbitset *s) {
    return dk_mem_footprint(s) + s->bytes + (s->chunked ? dk_cidx_bytes(s->u.idx) : 0);
}

int dk_sbitset_set(dk_sbitset *s, uint64_t pos) {
    uint64_t key = pos >> 16;
    uint16_t o = (uint16_t)pos;
    if (!s->chunked && !s->u.one) {
        sbdir *d = dk_acct_malloc(&s->bytes, dir_size(1));
        if (!d) return -1;
        d->n = 0;
        s->u.one = d;
    }
    uint32_t di = dir_for(s, key);
    sbdir *d = dir_at(s, di);
    uint32_t ci = dir_lb(d, key);
    if (ci < d->n && d->c[ci].key == key) {
        int r = sbc_set(&s->bytes, &d->c[ci], o);
        if (r > 0) count_add(s, di, 1);
        return r < 0 ? -1 : !r;
    }
    d = dk_acct_reserve(&s->bytes, d, dir_size(d->n + 1));
    if (!d) return -1;
    dir_put(s, di, d);
    memmove(d->c + ci + 1, d->c + ci, (d->n - ci) * sizeof(sbc));
    sbc_init1(&d->c[ci], key, o);
    d->n++;
    count_add(s, di, 1);
    if (s->chunked && ci == 0) s->u.idx->key[di] = key;
    dir_split(s, di);
    return 0;
}

int dk_sbitset_clear(dk_sbitset *s, uint64_t pos) {
    uint64_t key = pos >> 16;
    if (!ndirs(s)) return 0;
    uint32_t di = dir_for(s, key);
    sbdir *d = dir_at(s, di);
    uint32_t ci = dir_lb(d, key);
    if (ci >= d->n || d->c[ci].key != key) return 0;
    int r = sbc_clear(&s->bytes, &d->c[ci], (uint16_t)pos);
    if (r <= 0) return r;
    count_add(s, di, -1);
    if (d->c[ci].card == 0) {
        sbc_destroy(&s->bytes, &d->c[ci]);
        dir_remove(s, di, ci);
    }
    return 1;
}

bool dk_sbitset_get(const dk_sbitset *s, uint64_t pos) {
    const sbc *c = find(s, pos >> 16);
    return c && sbc_test(c, (uint16_t)pos);
}

uint64_t dk_sbitset_rank(const dk_sbitset *s, uint64_t pos) {
    if (!ndirs(s)) return 0;
    uint64_t key = pos >> 16;
    uint32_t di = dir_for(s, key);
    const sbdir *d = dir_at(s, di);
    uint32_t ci = dir_lb(d, key);
    uint64_t n = (s->chunked ? dk_cidx_before(s->u.idx, di) : 0) + dir_card(d, 0, ci);
    if (ci < d->n && d->c[ci].key == key) n += sbc_rank(&d->c[ci], (uint16_t)pos);
    return n;
}

uint64_t dk_sbitset_count_range(const dk_sbitset *s, uint64_t from, uint64_t to) {
    if (from > to) return 0;
    uint64_t hi = to == UINT64_MAX ? s->card : dk_sbitset_rank(s, to + 1);
    return hi - dk_sbitset_rank(s, from);
}

bool dk_sbitset_select(const dk_sbitset *s, uint64_t k, uint64_t *out) {
    if (k >= s->card) return false;
    uint32_t di = 0, within = (uint32_t)k;
    if (s->chunked) di = dk_cidx_locate(s->u.idx, k, &within);
    const sbdir *d = dir_at(s, di);
    uint64_t left = s->chunked ? within : k;
    for (uint32_t i = 0;; i++) {
        if (left < d->c[i].card) {
            *out = (d->c[i].key << 16) | sbc_select(&d->c[i], (uint32_t)left);
            return true;
        }
        left -= d->c[i].card;
    }
}

bool dk_sbitset_next(const dk_sbitset *s, uint64_t from, uint64_t *out) {
    if (!ndirs(s)) return false;
    uint64_t key = from >> 16;
    uint32_t di = dir_for(s, key);
    const sbdir *d = dir_at(s, di);
    uint32_t ci = dir_lb(d, key);
    if (ci < d->n && d->c[ci].key == key) {
        int32_t o = sbc_next(&d->c[ci], (uint16_t)from);
        if (o >= 0) {
            *out = (key << 16) | (uint64_t)o;
            return true;
        }
        ci++;
    }
    while (ci >= d->n) {
        if (++di >= ndirs(s)) return false;
        d = dir_at(s, di);
        ci = 0;
    }
    *out = (d->c[ci].key << 16) | (uint64_t)sbc_next(&d->c[ci], 0);
    return true;
}

size_t dk_sbitset_next_many(const dk_sbitset *s, uint64_t from, uint64_t *out, size_t max) {
    size_t n = 0;
    uint64_t p;
    while (n < max && dk_sbitset_next(s, from, &p)) {
        uint64_t key = p >> 16;
        const sbc *c = find(s, key);
        int32_t o = (int32_t)(p & 0xffff);
        while (n < max && o >= 0) {
            out[n++] = (key << 16) | (uint64_t)o;
            o = sbc_next(c, (uint32_t)o + 1);
        }
        if (o >= 0 || key == (UINT64_MAX >> 16)) break;
        from = (key + 1) << 16;
    }
    return n;
}

bool dk_sbitset_next_clear(const dk_sbitset *s, uint64_t from, uint64_t *out) {
    for (;;) {
        uint64_t key = from >> 16;
        const sbc *c = find(s, key);
        if (!c) {
            *out = from;
            return true;
        }
        int32_t o = sbc_next_clear(c, (uint16_t)from);
        if (o >= 0) {
            *out = (key << 16) | (uint64_t)o;
            return true;
        }
        if (key == (UINT64_MAX >> 16)) return false;
        from = (key + 1) << 16;
    }
}

void dk_sbitset_stats_get(const dk_sbitset *s, dk_sbitset_stats *st) {
    memset(st, 0, sizeof *st);
    st->dir_chunks = ndirs(s);
    for (uint32_t i = 0; i < ndirs(s); i++) {
        const sbdir *d = dir_at(s, i);
        for (uint32_t j = 0; j < d->n; j++) {
            const sbc *c = &d->c[j];
            st->containers++;
            st->inline_containers += c->inl;
            st->arrays += c->kind == SB_ARRAY;
            st->bitmaps += c->kind == SB_BITMAP;
            st->runs += c->kind == SB_RUNS;
        }
    }
}

/* ---- binary operations ------------------------------------------------------------------- */

/* A walk over a bitset's containers in key order. */
typedef struct cwalk {
    const dk_sbitset *s;
    uint32_t di, ci;
} cwalk;

static const sbc *cwalk_cur(cwalk *w) {
    while (w->s && w->di < ndirs(w->s)) {
        const sbdir *d = dir_at(w->s, w->di);
        if (w->ci < d->n) return &d->c[w->ci];
        w->di++;
        w->ci = 0;
    }
    return NULL;
}

/* Appends container c (taking ownership of its storage) after every existing one. */
static bool append(dk_sbitset *s, const sbc *c) {
    uint32_t di = ndirs(s) ? ndirs(s) - 1 : 0;
    sbdir *d = ndirs(s) ? dir_at(s, di) : NULL;
    if (!d) {
        d = dk_acct_malloc(&s->bytes, dir_size(DK_SBITSET_DIR_MAX / 2));
        if (!d) return false;
        d->n = 0;
        s->u.one = d;
    } else if (d->n >= DK_SBITSET_DIR_MAX * 3 / 4) {
        /* start a new chunk: make the index if needed */
        if (!s->chunked) {
            dk_cidx *idx = dk_cidx_new(true);
            if (!idx || !dk_cidx_insert(idx, 0, d, (uint32_t)s->card, d->c[0].key)) {
                dk_cidx_free(idx);
                return false;
            }
            s->u.idx = idx;
            s->chunked = true;
        }
        sbdir *nd = dk_acct_malloc(&s->bytes, dir_size(DK_SBITSET_DIR_MAX / 2));
        if (!nd) return false;
        if (!dk_cidx_insert(s->u.idx, di + 1, nd, 0, c->key)) {
            dk_acct_free(&s->bytes, nd);
            return false;
        }
        nd->n = 0;
        d = nd;
        di++;
    }
    d = dk_acct_reserve(&s->bytes, d, dir_size(d->n + 1));
    if (!d) return false;
    dir_put(s, di, d);
    d->c[d->n++] = *c;
    count_add(s, di, c->card);
    return true;
}

/* Copies container c onto the end of s. */
static bool append_copy(dk_sbitset *s, const sbc *c) {
    sbc t;
    if (!sbc_copy(&s->bytes, &t, c)) return false;
    if (append(s, &t)) return true;
    sbc_destroy(&s->bytes, &t);
    return false;
}

dk_sbitset *dk_sbitset_combine(dk_sbitset_op op, const dk_sbitset *a, const dk_sbitset *b) {
    dk_sbitset *r = dk_sbitset_new();
    uint64_t *scratch = dk_malloc(2 * SB_BITMAP_WORDS * sizeof(uint64_t));
    if (!r || !scratch) goto fail;
    cwalk wa = {a, 0, 0}, wb = {b, 0, 0};
    for (;;) {
        const sbc *x = cwalk_cur(&wa), *y = cwalk_cur(&wb);
        if (!x && !y) break;
        if (x && (!y || x->key < y->key)) {
            if (op != DK_SBITSET_AND && !append_copy(r, x)) goto fail;
            wa.ci++;
        } else if (y && (!x || y->key < x->key)) {
            if ((op == DK_SBITSET_OR || op == DK_SBITSET_XOR) && !append_copy(r, y)) goto fail;
            wb.ci++;
        } else {
            sbc t;
            if (!sbc_op(&r->bytes, (int)op, x, y, &t, scratch)) goto fail;
            if (t.card && !append(r, &t)) {
                sbc_destroy(&r->bytes, &t);
                goto fail;
            }
            wa.ci++;
            wb.ci++;
        }
    }
    dk_free(scratch);
    return r;
fail:
    dk_free(scratch);
    dk_sbitset_free(r);
    return NULL;
}

/* ---- resumable combination and block access --------------------------------------------- */

/* A walk over s (NULL: empty) from its first container with key >= key. */
static cwalk cwalk_at(const dk_sbitset *s, uint64_t key) {
    cwalk w = {s, 0, 0};
    if (s && ndirs(s)) {
        w.di = dir_for(s, key);
        w.ci = dir_lb(dir_at(s, w.di), key);
    }
    return w;
}

/* The key of the last container of s; false when s is empty. */
static bool last_key(const dk_sbitset *s, uint64_t *key) {
    if (!ndirs(s)) return false;
    const sbdir *d = dir_at(s, ndirs(s) - 1);
    *key = d->c[d->n - 1].key;
    return true;
}

int dk_sbitset_combine_step(dk_sbitset *out, dk_sbitset_op op, const dk_sbitset *a,
                            const dk_sbitset *b, uint64_t *key, size_t max) {
    uint64_t *scratch = NULL;
    cwalk wa = cwalk_at(a, *key), wb = cwalk_at(b, *key);
    int done = 1;
    for (size_t visited = 0;; visited++) {
        const sbc *x = cwalk_cur(&wa), *y = cwalk_cur(&wb);
        if (!x && !y) break;
        if (visited >= max) {
            *key = x && (!y || x->key < y->key) ? x->key : y->key;
            done = 0;
            goto out;
        }
        if (x && (!y || x->key < y->key)) {
            if (op != DK_SBITSET_AND && !append_copy(out, x)) goto fail;
            wa.ci++;
        } else if (y && (!x || y->key < x->key)) {
            if ((op == DK_SBITSET_OR || op == DK_SBITSET_XOR) && !append_copy(out, y)) goto fail;
            wb.ci++;
        } else {
            sbc t;
            if (!scratch && !(scratch = dk_malloc(2 * SB_BITMAP_WORDS * sizeof(uint64_t))))
                goto fail;
            if (!sbc_op(&out->bytes, (int)op, x, y, &t, scratch)) goto fail;
            if (t.card && !append(out, &t)) {
                sbc_destroy(&out->bytes, &t);
                goto fail;
            }
            wa.ci++;
            wb.ci++;
        }
    }
    *key = DK_SBITSET_KEY_END;
out:
    dk_free(scratch);
    return done;
fail:
    dk_free(scratch);
    return -1;
}

uint32_t dk_sbitset_block_words(const dk_sbitset *s, uint64_t key, uint64_t *words) {
    const sbc *c = find(s, key);
    if (!c) {
        memset(words, 0, SB_BITMAP_WORDS * sizeof(uint64_t));
        return 0;
    }
    sbc_to_words(c, words);
    return c->card;
}

bool dk_sbitset_append_block(dk_sbitset *s, uint64_t key, const uint64_t *words) {
    uint64_t last;
    if (key >= DK_SBITSET_KEY_END || (last_key(s, &last) && last >= key)) return false;
    bool any = false;
    for (size_t i = 0; i < SB_BITMAP_WORDS && !any; i++)
        any = words[i] != 0;
    if (!any) return true;
    sbc c;
    if (!sbc_from_words(&s->bytes, &c, key, words)) return false;
    if (append(s, &c)) return true;
    sbc_destroy(&s->bytes, &c);
    return false;
}
