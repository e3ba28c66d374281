/* flatbuf.c -- dk_flat, the packed box array with back lengths (see flatbuf.h). */
#include <datakit/flatbuf.h>

#include <assert.h>
#include <string.h>

#include <datakit/acct.h>
#include <datakit/boxfast.h>
#include <datakit/mem.h>

struct dk_flat {
    uint32_t used;  /* element bytes */
    uint32_t count; /* elements */
    uint8_t data[];
};

#define FLAT_MAX ((size_t)UINT32_MAX - sizeof(dk_flat))
/* Growth headroom: lists grow their tail chunk a couple of bytes per push; 16 bytes of room
 * halves the reallocs at a cost of about 8 bytes per chunk. */
#define FLAT_HEADROOM 16

/* ---- back lengths ------------------------------------------------------------------------ */

static size_t backlen_size(size_t s) {
    size_t n = 1;
    while (s >= 0x80) {
        s >>= 7;
        n++;
    }
    return n;
}

/* Writes s so that reading backwards from p + n recovers it (n = backlen_size(s)). */
static void backlen_put(uint8_t *p, size_t s, size_t n) {
    for (size_t k = 0; k < n; k++) {
        p[n - 1 - k] = (uint8_t)((s & 0x7f) | (k + 1 < n ? 0x80 : 0));
        s >>= 7;
    }
}

/* Reads the back length that ends at end; *n gets its own size. */
static size_t backlen_get(const uint8_t *end, size_t *n) {
    size_t s = 0, k = 0;
    uint8_t b;
    do {
        b = end[-1 - (ptrdiff_t)k];
        s |= (size_t)(b & 0x7f) << (7 * k);
        k++;
    } while (b & 0x80);
    *n = k;
    return s;
}

/* ---- reading ----------------------------------------------------------------------------- */

dk_flat *dk_flat_new(void) {
    return dk_calloc(1, sizeof(dk_flat));
}
void dk_flat_free(dk_flat *f) {
    dk_free(f);
}

size_t dk_flat_count(const dk_flat *f) {
    return f->count;
}
size_t dk_flat_end(const dk_flat *f) {
    return f->used;
}
size_t dk_flat_bytes(const dk_flat *f) {
    return dk_mem_footprint(f);
}

size_t dk_flat_elem_size(const dk_val *v) {
    size_t s = dk_box_size(v);
    return s + backlen_size(s);
}

size_t dk_flat_get(const dk_flat *f, size_t off, dk_val *out) {
    assert(off < f->used);
    size_t s = dk_box_unpack(f->data + off, f->used - off, out);
    assert(s > 0);
    return off + s + backlen_size(s);
}

size_t dk_flat_next(const dk_flat *f, size_t off) {
    assert(off < f->used);
    size_t s = dk_boxf_size(f->data + off, f->used - off);
    return off + s + (s < 0x80 ? 1 : backlen_size(s));
}

size_t dk_flat_prev(const dk_flat *f, size_t off) {
    assert(off > 0 && off <= f->used);
    size_t n, s = backlen_get(f->data + off, &n);
    return off - n - s;
}

size_t dk_flat_last(const dk_flat *f) {
    return dk_flat_prev(f, f->used);
}

size_t dk_flat_seek(const dk_flat *f, size_t i) {
    assert(i <= f->count);
    size_t off;
    if (i <= f->count / 2) {
        for (off = 0; i > 0; i--)
            off = dk_flat_next(f, off);
    } else {
        for (off = f->used, i = f->count - i; i > 0; i--)
            off = dk_flat_prev(f, off);
    }
    return off;
}

size_t dk_flat_find(const dk_flat *f, size_t from, const dk_val *v) {
    for (size_t off = from; off < f->used;) {
        size_t s;
        if (dk_boxf_cmp(f->data + off, f->used - off, v, &s) == 0) return off;
        off += s + backlen_size(s);
    }
    return DK_FLAT_NONE;
}

/* ---- editing ----------------------------------------------------------------------------- */

/* Makes room for `used` element bytes (growing with a little headroom). */
static dk_flat *flat_reserve(dk_flat *f, size_t used) {
    size_t acct = 0;
    return dk_acct_grow(&acct, f, sizeof(dk_flat) + used, FLAT_HEADROOM);
}

/* Opens a gap of `grow` bytes at off, replacing `drop` bytes there; false when out of memory. */
static bool flat_splice(dk_flat **fp, size_t off, size_t drop, size_t grow) {
    dk_flat *f = *fp;
    size_t used = f->used - drop + grow;
    if (grow > drop) {
        if (used > FLAT_MAX || !(f = flat_reserve(f, used))) return false;
    }
    memmove(f->data + off + grow, f->data + off + drop, f->used - off - drop);
    f->used = (uint32_t)used;
    *fp = f;
    return true;
}

/* Writes v (as an element of box size s) at p. */
static void elem_put(uint8_t *p, const dk_val *v, size_t s) {
    size_t w = dk_box_pack(v, p);
    assert(w == s);
    backlen_put(p + s, s, backlen_size(s));
}

bool dk_flat_insert(dk_flat **fp, size_t off, const dk_val *v) {
    size_t s = dk_box_size(v), e = s + backlen_size(s);
    assert(off <= (*fp)->used);
    if (!flat_splice(fp, off, 0, e)) return false;
    elem_put((*fp)->data + off, v, s);
    (*fp)->count++;
    return true;
}

bool dk_flat_replace(dk_flat **fp, size_t off, const dk_val *v) {
    size_t old = dk_flat_next(*fp, off) - off;
    size_t s = dk_box_size(v), e = s + backlen_size(s);
    if (!flat_splice(fp, off, old, e)) return false;
    elem_put((*fp)->data + off, v, s);
    if (e < old) {
        size_t acct = 0;
        *fp = dk_acct_trim(&acct, *fp, sizeof(dk_flat) + (*fp)->used);
    }
    return true;
}

void dk_flat_delete(dk_flat **fp, size_t off, size_t n) {
    dk_flat *f = *fp;
    size_t end = off, k = 0;
    for (; k < n && end < f->used; k++)
        end = dk_flat_next(f, end);
    memmove(f->data + off, f->data + end, f->used - end);
    f->used -= (uint32_t)(end - off);
    f->count -= (uint32_t)k;
    size_t acct = 0;
    *fp = dk_acct_trim(&acct, f, sizeof(dk_flat) + f->used);
}

bool dk_flat_split(dk_flat **fp, size_t off, dk_flat **right) {
    dk_flat *f = *fp;
    size_t move = f->used - off, k = 0;
    dk_flat *r = dk_malloc(sizeof(dk_flat) + move);
    if (!r) return false;
    for (size_t o = off; o < f->used; k++)
        o = dk_flat_next(f, o);
    memcpy(r->data, f->data + off, move);
    r->used = (uint32_t)move;
    r->count = (uint32_t)k;
    f->used = (uint32_t)off;
    f->count -= (uint32_t)k;
    size_t acct = 0;
    *fp = dk_acct_trim(&acct, f, sizeof(dk_flat) + f->used);
    *right = r;
    return true;
}

bool dk_flat_concat(dk_flat **fp, const dk_flat *src) {
    dk_flat *f = *fp;
    size_t used = (size_t)f->used + src->used;
    if (used > FLAT_MAX || !(f = flat_reserve(f, used))) return false;
    memcpy(f->data + f->used, src->data, src->used);
    f->used = (uint32_t)used;
    f->count += src->count;
    *fp = f;
    return true;
}
