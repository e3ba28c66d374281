/* stream.c -- dk_stream: packed, chunked stream entries (layout in stream.h). */
#include <datakit/stream.h>

#include <stdio.h>
#include <string.h>

#include <datakit/acct.h>

/* An entry's flags byte: three flags, the form of its ID in bits 3-4 and a small number in 5-7. */
#define F_DELETED 1u
#define F_SAMEFIELDS 2u /* the field names are the chunk's list in force */
#define F_SAMESHAPE 4u  /* values shaped as the list's own entry's: no tags (see value_shape) */
#define ID_SHIFT 3
#define ID_SEQ_SMALL 0u /* same ms; seq = the previous seq + 1 + small */
#define ID_SEQ 1u       /* same ms; a varint seq step follows */
#define ID_MS 2u        /* a varint ms step follows; seq = small, or (small 7) a varint seq */
#define SMALL_SHIFT 5
#define SMALL_MAX 7u

#define NO_TMPL UINT32_MAX
#define CHUNK_FIRST_CAP 256u

typedef struct schunk {
    dk_sid first, last;   /* IDs of the first and last entries stored (deleted ones too) */
    uint32_t len, cap;    /* bytes of data used and allocated */
    uint32_t tmpl;        /* offset of the field list in force for the next append */
    uint16_t count, live; /* entries stored, entries not deleted */
    uint8_t data[];
} schunk;

struct dk_stream {
    schunk **v; /* chunk i is v[head + i] */
    size_t head, n, cap;
    uint64_t live;
    size_t bytes; /* footprints of the chunks and the index */
};

/* ======== varints ======== */

static size_t varint_len(uint64_t x) {
    size_t n = 1;
    while (x >= 0x80)
        x >>= 7, n++;
    return n;
}

static uint8_t *varint_put(uint8_t *p, uint64_t x) {
    while (x >= 0x80) {
        *p++ = (uint8_t)(x | 0x80);
        x >>= 7;
    }
    *p++ = (uint8_t)x;
    return p;
}

static const uint8_t *varint_get(const uint8_t *p, uint64_t *x) {
    uint64_t r = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b = *p++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    *x = r;
    return p;
}

/* A canonical decimal int64 ("0", "-12", no '+', no leading zeros), as its value. */
static bool canonical_int(const void *ptr, size_t len, int64_t *out) {
    const char *s = ptr;
    if (len == 0 || len > 20) return false;
    size_t i = s[0] == '-';
    if (i == len || (s[i] == '0' && len > i + 1) || (i && s[i] == '0')) return false;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (s[0] == '-') {
        if (v > (uint64_t)INT64_MAX + 1) return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)v;
    }
    return true;
}

static uint64_t zigzag(int64_t v) {
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t u) {
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A value's tag: bit 0 set = an integer (zigzag in the rest), clear = a length. */
static uint64_t value_tag(const dk_sbytes *v) {
    int64_t i;
    if (canonical_int(v->ptr, v->len, &i) && zigzag(i) < (1ull << 63)) return zigzag(i) << 1 | 1;
    return (uint64_t)v->len << 1;
}

/* ======== one entry ======== */

/* An ID's form after prev (and the small number the flags byte carries). */
static unsigned id_form(dk_sid prev, dk_sid id, unsigned *small) {
    if (id.ms == prev.ms) {
        uint64_t d = id.seq - prev.seq;
        *small = d >= 1 && d <= SMALL_MAX + 1 ? (unsigned)(d - 1) : 0;
        return d >= 1 && d <= SMALL_MAX + 1 ? ID_SEQ_SMALL : ID_SEQ;
    }
    *small = id.seq < SMALL_MAX ? (unsigned)id.seq : SMALL_MAX;
    return ID_MS;
}

/* Bytes an ID takes after the flags byte. */
static size_t id_len(dk_sid prev, dk_sid id) {
    unsigned small, form = id_form(prev, id, &small);
    if (form == ID_SEQ_SMALL) return 0;
    if (form == ID_SEQ) return varint_len(id.seq - prev.seq);
    return varint_len(id.ms - prev.ms) + (small == SMALL_MAX ? varint_len(id.seq) : 0);
}

/* Writes the flags byte (with flags) and the ID at p; returns where the rest goes. */
static uint8_t *id_put(uint8_t *p, unsigned flags, dk_sid prev, dk_sid id) {
    unsigned small, form = id_form(prev, id, &small);
    *p++ = (uint8_t)(flags | form << ID_SHIFT | small << SMALL_SHIFT);
    if (form == ID_SEQ) return varint_put(p, id.seq - prev.seq);
    if (form == ID_MS) {
        p = varint_put(p, id.ms - prev.ms);
        if (small == SMALL_MAX) p = varint_put(p, id.seq);
    }
    return p;
}

static const uint8_t *id_get(const uint8_t *p, uint8_t flags, dk_sid prev, dk_sid *id) {
    unsigned form = (flags >> ID_SHIFT) & 3u, small = flags >> SMALL_SHIFT;
    uint64_t a;
    if (form == ID_SEQ_SMALL) {
        *id = (dk_sid){prev.ms, prev.seq + 1 + small};
    } else if (form == ID_SEQ) {
        p = varint_get(p, &a);
        *id = (dk_sid){prev.ms, prev.seq + a};
    } else {
        p = varint_get(p, &a);
        id->ms = prev.ms + a;
        id->seq = small;
        if (small == SMALL_MAX) p = varint_get(p, &id->seq);
    }
    return p;
}

/* The values of the entry that carries the field list at t (they follow its names). */
static const uint8_t *list_values(const uint8_t *t) {
    uint64_t n, len;
    t = varint_get(t, &n);
    for (uint64_t i = 0; i < n; i++) {
        t = varint_get(t, &len);
        t += len;
    }
    return t;
}

/* Whether fv's values have the shape of the values at tv (the list's own entry's): bytes of the
 * same length where those are bytes, canonical integers where those are integers.  Such values
 * are written without tags: bytes bare, integers as the zigzag varint of their difference from
 * the list entry's (a counter or a timestamp costs a byte or two). */
static bool value_shape(const uint8_t *tv, const dk_sbytes *fv, size_t npairs) {
    uint64_t tag;
    int64_t x;
    for (size_t i = 0; i < npairs; i++) {
        const dk_sbytes *v = &fv[2 * i + 1];
        tv = varint_get(tv, &tag);
        if (tag & 1) {
            if (!canonical_int(v->ptr, v->len, &x)) return false;
        } else {
            if (v->len != tag >> 1) return false;
            tv += tag >> 1;
        }
    }
    return true;
}

static uint64_t shape_delta(const dk_sbytes *v, uint64_t tag) {
    int64_t x;
    canonical_int(v->ptr, v->len, &x);
    int64_t base = unzigzag(tag >> 1);
    return zigzag((int64_t)((uint64_t)x - (uint64_t)base));
}

typedef struct decoded {
    dk_sid id;
    uint8_t flags;
    uint32_t npairs;
    uint32_t tmpl;         /* the field list in force for it (offset of its pair count) */
    const uint8_t *fields; /* first field name */
    const uint8_t *values;
    const uint8_t *tvals; /* F_SAMESHAPE: the list entry's values; else NULL */
} decoded;

/* Decodes the entry at off (prev: the entry before; *tmpl: the list in force, updated); returns
 * the offset of the next entry. */
static uint32_t entry_decode(const schunk *c, uint32_t off, dk_sid prev, uint32_t *tmpl,
                             decoded *d) {
    const uint8_t *p = c->data + off;
    uint64_t a;
    d->flags = *p++;
    p = id_get(p, d->flags, prev, &d->id);
    if (!(d->flags & F_SAMEFIELDS)) *tmpl = (uint32_t)(p - c->data);
    const uint8_t *t = varint_get(c->data + *tmpl, &a);
    d->npairs = (uint32_t)a;
    d->tmpl = *tmpl;
    d->fields = t;
    d->tvals = NULL;
    if (!(d->flags & F_SAMEFIELDS)) p = list_values(c->data + *tmpl);
    d->values = p;
    if (d->flags & F_SAMESHAPE) {
        const uint8_t *tv = d->tvals = list_values(c->data + *tmpl);
        for (uint32_t i = 0; i < d->npairs; i++) {
            tv = varint_get(tv, &a);
            if (a & 1) {
                p = varint_get(p, &a);
            } else {
                p += a >> 1;
                tv += a >> 1;
            }
        }
        return (uint32_t)(p - c->data);
    }
    for (uint32_t i = 0; i < d->npairs; i++) {
        p = varint_get(p, &a);
        if (!(a & 1)) p += a >> 1;
    }
    return (uint32_t)(p - c->data);
}

static dk_sid chunk_start_prev(const schunk *c) {
    return (dk_sid){c->first.ms, 0};
}

/* True when fv's field names are the list at c->tmpl. */
static bool same_fields(const schunk *c, const dk_sbytes *fv, size_t npairs) {
    if (c->tmpl == NO_TMPL) return false;
    uint64_t n, len;
    const uint8_t *t = varint_get(c->data + c->tmpl, &n);
    if (n != npairs) return false;
    for (size_t i = 0; i < npairs; i++) {
        t = varint_get(t, &len);
        if (len != fv[2 * i].len || (len && memcmp(t, fv[2 * i].ptr, len) != 0)) return false;
        t += len;
    }
    return true;
}

/* Bytes the entry takes encoded: with its field names (samefields false), with tags, or shaped
 * as the values at tv (non-NULL). */
static size_t entry_size(dk_sid prev, dk_sid id, const dk_sbytes *fv, size_t npairs,
                         bool samefields, const uint8_t *tv) {
    size_t n = 1 + id_len(prev, id);
    uint64_t tag;
    if (!samefields) {
        n += varint_len(npairs);
        for (size_t i = 0; i < npairs; i++)
            n += varint_len(fv[2 * i].len) + fv[2 * i].len;
    }
    for (size_t i = 0; i < npairs; i++) {
        const dk_sbytes *v = &fv[2 * i + 1];
        if (tv) {
            tv = varint_get(tv, &tag);
            if (tag & 1) {
                n += varint_len(shape_delta(v, tag));
            } else {
                n += v->len;
                tv += tag >> 1;
            }
            continue;
        }
        tag = value_tag(v);
        n += varint_len(tag) + ((tag & 1) ? 0 : v->len);
    }
    return n;
}

static void entry_write(schunk *c, dk_sid prev, dk_sid id, const dk_sbytes *fv, size_t npairs,
                        bool samefields, const uint8_t *tv) {
    uint8_t *p = c->data + c->len;
    uint64_t tag;
    unsigned flags = (samefields ? F_SAMEFIELDS : 0) | (tv ? F_SAMESHAPE : 0);
    p = id_put(p, flags, prev, id);
    if (!samefields) {
        c->tmpl = (uint32_t)(p - c->data);
        p = varint_put(p, npairs);
        for (size_t i = 0; i < npairs; i++) {
            p = varint_put(p, fv[2 * i].len);
            if (fv[2 * i].len) memcpy(p, fv[2 * i].ptr, fv[2 * i].len);
            p += fv[2 * i].len;
        }
    }
    for (size_t i = 0; i < npairs; i++) {
        const dk_sbytes *v = &fv[2 * i + 1];
        if (tv) {
            tv = varint_get(tv, &tag);
            if (tag & 1) {
                p = varint_put(p, shape_delta(v, tag));
                continue;
            }
            tv += tag >> 1;
        } else {
            tag = value_tag(v);
            p = varint_put(p, tag);
            if (tag & 1) continue;
        }
        if (v->len) memcpy(p, v->ptr, v->len);
        p += v->len;
    }
    c->len = (uint32_t)(p - c->data);
    c->count++;
    c->live++;
    c->last = id;
}

/* ======== the chunk index ======== */

static schunk *chunk_at(const dk_stream *s, size_t i) {
    return s->v[s->head + i];
}

static bool index_push(dk_stream *s, schunk *c) {
    if (s->head + s->n == s->cap) {
        if (s->head > 0) {
            memmove(s->v, s->v + s->head, s->n * sizeof *s->v);
            s->head = 0;
        } else {
            size_t cap = s->cap ? s->cap * 2 : 4;
            schunk **v = dk_acct_realloc(&s->bytes, s->v, cap * sizeof *v);
            if (!v) return false;
            s->v = v;
            s->cap = cap;
        }
    }
    s->v[s->head + s->n++] = c;
    return true;
}

static void index_remove(dk_stream *s, size_t i) {
    dk_acct_free(&s->bytes, chunk_at(s, i));
    if (i == 0) {
        s->head++;
    } else {
        memmove(&s->v[s->head + i], &s->v[s->head + i + 1], (s->n - i - 1) * sizeof *s->v);
    }
    s->n--;
    if (s->n == 0) s->head = 0;
}

/* The first chunk whose last ID is >= id (s->n when none). */
static size_t chunk_lower(const dk_stream *s, dk_sid id) {
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (dk_sid_cmp(chunk_at(s, mid)->last, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ======== the stream ======== */

dk_stream *dk_stream_new(void) {
    dk_stream *s = dk_calloc(1, sizeof *s);
    if (s) s->bytes = dk_mem_footprint(s);
    return s;
}

void dk_stream_free(dk_stream *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++)
        dk_free(chunk_at(s, i));
    dk_free(s->v);
    dk_free(s);
}

dk_stream *dk_stream_copy(const dk_stream *s) {
    dk_stream *d = dk_stream_new();
    if (!d) return NULL;
    for (size_t i = 0; i < s->n; i++) {
        const schunk *c = chunk_at(s, i);
        schunk *k = dk_acct_malloc(&d->bytes, sizeof *c + c->cap);
        if (!k || !index_push(d, k)) {
            if (k) dk_acct_free(&d->bytes, k);
            dk_stream_free(d);
            return NULL;
        }
        memcpy(k, c, sizeof *c + c->len);
    }
    d->live = s->live;
    return d;
}

uint64_t dk_stream_len(const dk_stream *s) {
    return s->live;
}

size_t dk_stream_bytes(const dk_stream *s) {
    return s->bytes;
}

size_t dk_stream_chunks(const dk_stream *s) {
    return s->n;
}

/* Shrinks a closed chunk to what it uses. */
static void chunk_close(dk_stream *s, size_t i) {
    schunk *c = chunk_at(s, i);
    if (c->cap == c->len) return;
    schunk *k = dk_acct_realloc(&s->bytes, c, sizeof *c + c->len);
    if (!k) return;
    k->cap = k->len;
    s->v[s->head + i] = k;
}

int dk_stream_append(dk_stream *s, dk_sid id, const dk_sbytes *fv, size_t npairs) {
    schunk *c = s->n ? chunk_at(s, s->n - 1) : NULL;
    if (c && dk_sid_cmp(id, c->last) <= 0) return -2;
    bool same = c && same_fields(c, fv, npairs);
    const uint8_t *tv = same ? list_values(c->data + c->tmpl) : NULL;
    if (tv && !value_shape(tv, fv, npairs)) tv = NULL;
    size_t need = c ? entry_size(c->last, id, fv, npairs, same, tv) : 0;
    if (!c || c->count >= DK_STREAM_CHUNK_ENTRIES ||
        (c->count > 0 && c->len + need > DK_STREAM_CHUNK_BYTES)) {
        dk_sid prev = {id.ms, 0};
        need = entry_size(prev, id, fv, npairs, false, NULL);
        size_t cap = need < CHUNK_FIRST_CAP ? CHUNK_FIRST_CAP : need;
        if (cap > UINT32_MAX - sizeof *c) return -1;
        schunk *k = dk_acct_malloc(&s->bytes, sizeof *k + cap);
        if (!k) return -1;
        memset(k, 0, sizeof *k);
        k->cap = (uint32_t)cap;
        k->tmpl = NO_TMPL;
        k->first = k->last = id;
        if (!index_push(s, k)) {
            dk_acct_free(&s->bytes, k);
            return -1;
        }
        if (c) chunk_close(s, s->n - 2);
        entry_write(k, prev, id, fv, npairs, false, NULL);
        s->live++;
        return 0;
    }
    if (c->len + need > c->cap) {
        size_t cap = (size_t)c->cap * 2;
        if (cap < c->len + need) cap = c->len + need;
        if (cap > UINT32_MAX - sizeof *c) return -1;
        size_t tv_at = tv ? (size_t)(tv - c->data) : 0;
        schunk *k = dk_acct_realloc(&s->bytes, c, sizeof *c + cap);
        if (!k) return -1;
        k->cap = (uint32_t)cap;
        s->v[s->head + s->n - 1] = c = k;
        if (tv) tv = c->data + tv_at; /* the chunk moved */
    }
    entry_write(c, c->last, id, fv, npairs, same, tv);
    s->live++;
    return 0;
}

/* Marks the entry at off of chunk i deleted, dropping the chunk when it has no live entry. */
static void mark_deleted(dk_stream *s, size_t i, uint32_t off) {
    schunk *c = chunk_at(s, i);
    c->data[off] |= F_DELETED;
    c->live--;
    s->live--;
    if (c->live == 0) index_remove(s, i);
}

/* Finds live entry id in chunk i: its offset, or UINT32_MAX. */
static uint32_t find_in_chunk(const dk_stream *s, size_t i, dk_sid id, decoded *d) {
    const schunk *c = chunk_at(s, i);
    dk_sid prev = chunk_start_prev(c);
    uint32_t tmpl = NO_TMPL;
    for (uint32_t off = 0; off < c->len;) {
        uint32_t next = entry_decode(c, off, prev, &tmpl, d);
        int cmp = dk_sid_cmp(d->id, id);
        if (cmp == 0) return (d->flags & F_DELETED) ? UINT32_MAX : off;
        if (cmp > 0) break;
        prev = d->id;
        off = next;
    }
    return UINT32_MAX;
}

bool dk_stream_del(dk_stream *s, dk_sid id) {
    size_t i = chunk_lower(s, id);
    if (i == s->n || dk_sid_cmp(chunk_at(s, i)->first, id) > 0) return false;
    decoded d;
    uint32_t off = find_in_chunk(s, i, id, &d);
    if (off == UINT32_MAX) return false;
    mark_deleted(s, i, off);
    return true;
}

bool dk_stream_get(const dk_stream *s, dk_sid id, dk_sentry *e) {
    size_t i = chunk_lower(s, id);
    if (i == s->n || dk_sid_cmp(chunk_at(s, i)->first, id) > 0) return false;
    decoded d;
    if (find_in_chunk(s, i, id, &d) == UINT32_MAX) return false;
    e->id = d.id;
    e->npairs = d.npairs;
    e->fields = d.fields;
    e->values = d.values;
    e->tvals = d.tvals;
    return true;
}

bool dk_stream_first(const dk_stream *s, dk_sid *id) {
    dk_scursor c;
    dk_sentry e;
    dk_stream_seek(s, &c, (dk_sid){0, 0}, false);
    if (!dk_stream_next(s, &c, &e)) return false;
    *id = e.id;
    return true;
}

bool dk_stream_last(const dk_stream *s, dk_sid *id) {
    dk_scursor c;
    dk_sentry e;
    dk_stream_seek(s, &c, (dk_sid){UINT64_MAX, UINT64_MAX}, true);
    if (!dk_stream_next(s, &c, &e)) return false;
    *id = e.id;
    return true;
}

bool dk_stream_front(const dk_stream *s, uint64_t *live, dk_sid *last) {
    if (s->n == 0) return false;
    *live = chunk_at(s, 0)->live;
    *last = chunk_at(s, 0)->last;
    return true;
}

uint64_t dk_stream_drop_front(dk_stream *s) {
    if (s->n == 0) return 0;
    uint64_t live = chunk_at(s, 0)->live;
    s->live -= live;
    index_remove(s, 0);
    return live;
}

bool dk_stream_del_first(dk_stream *s, dk_sid *id) {
    if (s->n == 0) return false;
    const schunk *c = chunk_at(s, 0);
    dk_sid prev = chunk_start_prev(c);
    uint32_t tmpl = NO_TMPL;
    decoded d;
    for (uint32_t off = 0; off < c->len;) {
        uint32_t next = entry_decode(c, off, prev, &tmpl, &d);
        if (!(d.flags & F_DELETED)) {
            *id = d.id;
            mark_deleted(s, 0, off);
            return true;
        }
        prev = d.id;
        off = next;
    }
    return false;
}

/* ======== cursors ======== */

/* Decodes every entry of chunk i into c's backward arrays; returns the count. */
static int32_t decode_all(const dk_stream *s, size_t i, dk_scursor *cur) {
    const schunk *c = chunk_at(s, i);
    dk_sid prev = chunk_start_prev(c);
    uint32_t tmpl = NO_TMPL;
    int32_t n = 0;
    decoded d;
    for (uint32_t off = 0; off < c->len && n < DK_STREAM_CHUNK_ENTRIES + 1; n++) {
        uint32_t next = entry_decode(c, off, prev, &tmpl, &d);
        cur->offs[n] = off;
        cur->tmpls[n] = d.tmpl;
        cur->ids[n] = d.id;
        prev = d.id;
        off = next;
    }
    return n;
}

void dk_stream_seek(const dk_stream *s, dk_scursor *c, dk_sid from, bool backward) {
    c->rev = backward;
    if (!backward) {
        c->chunk = chunk_lower(s, from);
        c->off = 0;
        c->tmpl = NO_TMPL;
        if (c->chunk == s->n) return;
        const schunk *k = chunk_at(s, c->chunk);
        c->prev = chunk_start_prev(k);
        decoded d;
        while (c->off < k->len) {
            uint32_t tmpl = c->tmpl;
            uint32_t next = entry_decode(k, c->off, c->prev, &tmpl, &d);
            if (dk_sid_cmp(d.id, from) >= 0) break;
            c->tmpl = tmpl;
            c->prev = d.id;
            c->off = next;
        }
        return;
    }
    /* the last chunk whose first ID is <= from */
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (dk_sid_cmp(chunk_at(s, mid)->first, from) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    c->idx = 0;
    c->chunk = lo; /* one past the chunk: 0 means none */
    if (lo == 0) return;
    int32_t n = decode_all(s, lo - 1, c);
    while (n > 0 && dk_sid_cmp(c->ids[n - 1], from) > 0)
        n--;
    c->idx = n;
}

void dk_stream_seek_chunk(const dk_stream *s, dk_scursor *c, size_t i) {
    c->rev = false;
    c->chunk = i;
    c->off = 0;
    c->tmpl = NO_TMPL;
    if (i < s->n) c->prev = chunk_start_prev(chunk_at(s, i));
}

bool dk_stream_chunk_done(const dk_stream *s, const dk_scursor *c) {
    return c->chunk >= s->n || c->off >= chunk_at(s, c->chunk)->len;
}

static void fill_entry(const schunk *k, uint32_t off, dk_sid prev, uint32_t tmpl, dk_sentry *e,
                       bool *deleted, uint32_t *next, uint32_t *tmpl_out) {
    decoded d;
    *next = entry_decode(k, off, prev, &tmpl, &d);
    *tmpl_out = tmpl;
    *deleted = d.flags & F_DELETED;
    e->id = d.id;
    e->npairs = d.npairs;
    e->fields = d.fields;
    e->values = d.values;
    e->tvals = d.tvals;
}

bool dk_stream_next(const dk_stream *s, dk_scursor *c, dk_sentry *e) {
    bool deleted;
    uint32_t next, tmpl;
    if (!c->rev) {
        while (c->chunk < s->n) {
            const schunk *k = chunk_at(s, c->chunk);
            if (c->off >= k->len) {
                c->chunk++;
                c->off = 0;
                c->tmpl = NO_TMPL;
                if (c->chunk < s->n) c->prev = chunk_start_prev(chunk_at(s, c->chunk));
                continue;
            }
            fill_entry(k, c->off, c->prev, c->tmpl, e, &deleted, &next, &tmpl);
            c->off = next;
            c->tmpl = tmpl;
            c->prev = e->id;
            if (!deleted) return true;
        }
        return false;
    }
    for (;;) {
        if (c->idx == 0) {
            if (c->chunk <= 1) return false;
            c->chunk--;
            c->idx = decode_all(s, c->chunk - 1, c);
            continue;
        }
        c->idx--;
        const schunk *k = chunk_at(s, c->chunk - 1);
        dk_sid prev = c->idx > 0 ? c->ids[c->idx - 1] : chunk_start_prev(k);
        /* the list in force before this entry: its own when it carries one (decode sets it) */
        fill_entry(k, c->offs[c->idx], prev, c->tmpls[c->idx], e, &deleted, &next, &tmpl);
        if (!deleted) return true;
    }
}

void dk_sentry_pairs(const dk_sentry *e, dk_spairs *w) {
    w->f = e->fields;
    w->v = e->values;
    w->tv = e->tvals;
    w->left = e->npairs;
}

static void int_text(dk_spairs *w, int64_t x, dk_sbytes *value) {
    int n = snprintf(w->num, sizeof w->num, "%lld", (long long)x);
    value->ptr = w->num;
    value->len = (size_t)n;
}

bool dk_spairs_next(dk_spairs *w, dk_sbytes *field, dk_sbytes *value) {
    if (w->left == 0) return false;
    uint64_t len, tag, z;
    w->f = varint_get(w->f, &len);
    field->ptr = w->f;
    field->len = len;
    w->f += len;
    w->left--;
    if (w->tv) { /* shaped as the list entry's values */
        w->tv = varint_get(w->tv, &tag);
        if (tag & 1) {
            w->v = varint_get(w->v, &z);
            int_text(w, (int64_t)((uint64_t)unzigzag(tag >> 1) + (uint64_t)unzigzag(z)), value);
        } else {
            value->ptr = w->v;
            value->len = tag >> 1;
            w->v += tag >> 1;
            w->tv += tag >> 1;
        }
        return true;
    }
    w->v = varint_get(w->v, &tag);
    if (tag & 1) {
        int_text(w, unzigzag(tag >> 1), value);
    } else {
        value->ptr = w->v;
        value->len = tag >> 1;
        w->v += tag >> 1;
    }
    return true;
}
