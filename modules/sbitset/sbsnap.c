/* sbsnap.c -- writing and checking the snapshot form of a sparse bitset (layout: sbsnap.h). */
#include "sbsnap.h"

#include <datakit/sbitset.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { ENC_ARRAY = 0, ENC_BITMAP = 1, ENC_RUNS = 2 };
#define SNAP_VERSION 1
#define BLOCK_BITS 65536u
#define ARRAY_MAX 4096u

/* ======== bits of one block ======== */

/* The first set (want 1) or clear (want 0) offset >= i, or BLOCK_BITS. */
static uint32_t block_seek(const uint64_t *w, uint32_t i, int want) {
    while (i < BLOCK_BITS) {
        uint64_t word = want ? w[i >> 6] : ~w[i >> 6];
        word &= ~0ULL << (i & 63);
        if (word) return (i & ~63u) + (uint32_t)__builtin_ctzll(word);
        i = (i | 63u) + 1;
    }
    return BLOCK_BITS;
}

static uint32_t block_runs(const uint64_t *w) {
    uint32_t n = 0;
    for (uint32_t i = block_seek(w, 0, 1); i < BLOCK_BITS; i = block_seek(w, i, 1)) {
        n++;
        i = block_seek(w, i, 0);
    }
    return n;
}

/* ======== writing ======== */

typedef struct out {
    uint8_t buf[16 + 8 * DK_SBITSET_BLOCK_WORDS];
    size_t n;
} out;

static void put_varint(out *o, uint64_t v) {
    while (v >= 0x80) {
        o->buf[o->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    o->buf[o->n++] = (uint8_t)v;
}

static void put_u16(out *o, uint32_t v) {
    o->buf[o->n++] = (uint8_t)v;
    o->buf[o->n++] = (uint8_t)(v >> 8);
}

/* Writes the body of one block in encoding enc (the header is already in o). */
static keel_status put_body(out *o, keel_sink *sink, const uint64_t *w, int enc, uint32_t card,
                            uint32_t nruns) {
    if (enc == ENC_BITMAP) {
        for (uint32_t j = 0; j < DK_SBITSET_BLOCK_WORDS; j++)
            for (int b = 0; b < 8; b++)
                o->buf[o->n++] = (uint8_t)(w[j] >> (8 * b));
        return keel_sink_write(sink, o->buf, o->n);
    }
    put_varint(o, enc == ENC_ARRAY ? card : nruns);
    for (uint32_t i = block_seek(w, 0, 1); i < BLOCK_BITS; i = block_seek(w, i + 1, 1)) {
        put_u16(o, i);
        if (enc == ENC_RUNS) {
            uint32_t end = block_seek(w, i, 0);
            put_u16(o, end - i - 1);
            i = end;
        }
        if (o->n > sizeof o->buf - 8) {
            keel_status st = keel_sink_write(sink, o->buf, o->n);
            if (st != KEEL_OK) return st;
            o->n = 0;
        }
    }
    return keel_sink_write(sink, o->buf, o->n);
}

keel_status sbs_snap_save(const void *obj, keel_sink *sink) {
    const dk_sbitset *s = obj;
    out *o = malloc(sizeof *o);
    uint64_t *w = malloc(DK_SBITSET_BLOCK_WORDS * sizeof *w);
    keel_status st = o && w ? KEEL_OK : KEEL_ENOMEM;
    uint64_t from = 0, at, next_key = 0;
    if (st == KEEL_OK) {
        o->n = 0;
        o->buf[o->n++] = SNAP_VERSION;
    }
    while (st == KEEL_OK && dk_sbitset_next(s, from, &at)) {
        uint64_t key = at >> 16;
        uint32_t card = dk_sbitset_block_words(s, key, w), nruns = block_runs(w);
        size_t cost_array = 2 * (size_t)card, cost_runs = 4 * (size_t)nruns;
        int enc = ENC_BITMAP;
        if (cost_runs < cost_array && cost_runs < 8192)
            enc = ENC_RUNS;
        else if (card <= ARRAY_MAX && cost_array <= 8192)
            enc = ENC_ARRAY;
        put_varint(o, key - next_key);
        o->buf[o->n++] = (uint8_t)enc;
        st = put_body(o, sink, w, enc, card, nruns);
        o->n = 0;
        next_key = key + 1;
        if (next_key == DK_SBITSET_KEY_END) break;
        from = next_key << 16;
    }
    free(o);
    free(w);
    return st;
}

/* ======== reading ======== */

typedef struct in {
    const uint8_t *p, *end;
} in;

static bool get_varint(in *r, uint64_t *v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return false;
        uint8_t b = *r->p++;
        if (shift == 63 && b > 1) return false;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

static bool get_u16(in *r, uint32_t *v) {
    if (r->end - r->p < 2) return false;
    *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8;
    r->p += 2;
    return true;
}

/* Reads one block body of encoding enc into w (zeroed); false when malformed. */
static bool get_body(in *r, int enc, uint64_t *w) {
    memset(w, 0, DK_SBITSET_BLOCK_WORDS * sizeof *w);
    if (enc == ENC_BITMAP) {
        if (r->end - r->p < 8 * DK_SBITSET_BLOCK_WORDS) return false;
        bool any = false;
        for (uint32_t j = 0; j < DK_SBITSET_BLOCK_WORDS; j++) {
            for (int b = 0; b < 8; b++)
                w[j] |= (uint64_t)r->p[8 * j + (uint32_t)b] << (8 * b);
            any = any || w[j];
        }
        r->p += 8 * DK_SBITSET_BLOCK_WORDS;
        return any;
    }
    uint64_t n;
    if (enc != ENC_ARRAY && enc != ENC_RUNS) return false;
    if (!get_varint(r, &n) || n == 0 || n > (enc == ENC_ARRAY ? ARRAY_MAX : BLOCK_BITS / 2))
        return false;
    uint32_t next = 0; /* the smallest offset the next entry may start at */
    for (uint64_t i = 0; i < n; i++) {
        uint32_t start, len1 = 0;
        if (!get_u16(r, &start) || (i > 0 && start < next)) return false;
        if (enc == ENC_RUNS && (!get_u16(r, &len1) || start + len1 >= BLOCK_BITS)) return false;
        for (uint32_t o = start; o <= start + len1; o++)
            w[o >> 6] |= 1ULL << (o & 63);
        next = start + len1 + (enc == ENC_RUNS ? 2 : 1);
    }
    return true;
}

void *sbs_snap_load(const void *data, size_t len, const char **err) {
    in r = {data, (const uint8_t *)data + len};
    dk_sbitset *s = dk_sbitset_new();
    uint64_t *w = malloc(DK_SBITSET_BLOCK_WORDS * sizeof *w);
    uint64_t next_key = 0;
    *err = "malformed sparse bitset";
    if (!s || !w) {
        *err = "out of memory";
        goto fail;
    }
    if (len < 1 || *r.p++ != SNAP_VERSION) goto fail;
    while (r.p < r.end) {
        uint64_t gap;
        if (!get_varint(&r, &gap) || gap >= DK_SBITSET_KEY_END - next_key || r.p >= r.end)
            goto fail;
        int enc = *r.p++;
        if (!get_body(&r, enc, w)) goto fail;
        if (!dk_sbitset_append_block(s, next_key + gap, w)) {
            *err = "out of memory";
            goto fail;
        }
        next_key += gap + 1;
    }
    if (dk_sbitset_count(s) == 0) goto fail;
    free(w);
    return s;
fail:
    free(w);
    dk_sbitset_free(s);
    return NULL;
}
