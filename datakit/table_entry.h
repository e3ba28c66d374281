/* table_entry.h -- internal to datakit: the byte layout of one keyspace table entry.
 *
 *   [next id: u32][hdr: u8][meta: u16, in tables made with it][klen varint, only when hdr's
 *   klen field is 31]
 *   [expiry: i64 if TE_EXP][aux32: u32 if TE_AUX32][aux64: u64 if TE_AUX64]
 *   [key bytes][value]
 *
 * hdr holds three presence bits and the key length when it is below 31.  meta is the caller's
 * 16 bits of recency/frequency state (eviction), at a fixed offset so it is read and written
 * without decoding the entry; it follows the entry through rewrites.  Only the tables that need
 * it have it (dk_table_new_meta: the keyspace's own tables); the others' entries start their
 * key length right after hdr, so `fixed` (TE_FIXED or TE_FIXED_META) is passed to every call.  The
 * value is a packed box (dk_box_pack), or, using two codes the box format leaves free, TE_V_EXT + a
 * pointer to an out-of-line packed box (big values) or TE_V_OBJ + u16 type + object pointer.
 * Integers are little-endian and unaligned; everything is read and written with memcpy.
 */
#ifndef DATAKIT_TABLE_ENTRY_H
#define DATAKIT_TABLE_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <datakit/box.h>

#define TE_EXP 0x80
#define TE_AUX32 0x40
#define TE_AUX64 0x20
#define TE_KLEN_MASK 0x1f
#define TE_KLEN_VARINT 31
#define TE_META_OFF 5   /* offset of the meta word */
#define TE_FIXED 5      /* next id + hdr */
#define TE_FIXED_META 7 /* next id + hdr + meta */

#define TE_V_EXT 0x3e /* reserved box codes (see box.c) */
#define TE_V_OBJ 0x3f
#define TE_EXT_SIZE 9  /* code + pointer */
#define TE_OBJ_SIZE 11 /* code + type + pointer */

enum te_kind { TE_BOX, TE_RAW, TE_EXT_PTR, TE_OBJ_PTR };

/* What an entry is made of, for writing one. */
typedef struct te_parts {
    const void *key;
    size_t klen;
    uint8_t flags; /* TE_EXP | TE_AUX32 | TE_AUX64 */
    uint16_t meta;
    int64_t exp;
    uint32_t aux32;
    uint64_t aux64;
    uint8_t kind;       /* te_kind */
    const dk_val *box;  /* TE_BOX: packed from this */
    const uint8_t *raw; /* TE_RAW: an already packed box */
    size_t rawlen;
    void *ptr; /* TE_EXT_PTR: the out-of-line box; TE_OBJ_PTR: the object */
    uint16_t obj_type;
} te_parts;

/* One decoded entry (pointers into the entry). */
typedef struct te_view {
    uint8_t flags;
    uint16_t meta;
    const uint8_t *key;
    size_t klen;
    int64_t exp;
    uint32_t aux32;
    uint64_t aux64;
    const uint8_t *val; /* the value field */
    size_t vlen;        /* its size */
    size_t size;        /* the whole entry */
} te_view;

static inline uint32_t te_rd32(const uint8_t *p) {
    uint32_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

static inline void te_wr32(uint8_t *p, uint32_t x) {
    memcpy(p, &x, sizeof x);
}

/* The key of entry e. */
static inline const uint8_t *te_key(const uint8_t *e, size_t fixed, size_t *klen) {
    static const uint8_t skip[8] = {0, 8, 4, 12, 8, 16, 12, 20}; /* by (hdr >> 5) */
    uint8_t hdr = e[4];
    const uint8_t *p = e + fixed;
    size_t k = hdr & TE_KLEN_MASK;
    if (k == TE_KLEN_VARINT) {
        k = 0;
        for (int shift = 0;; shift += 7) {
            uint8_t b = *p++;
            k |= (size_t)(b & 0x7f) << shift;
            if (!(b & 0x80)) break;
        }
    }
    *klen = k;
    return p + skip[hdr >> 5];
}

static inline uint16_t te_meta(const uint8_t *e) {
    uint16_t m;
    memcpy(&m, e + TE_META_OFF, sizeof m);
    return m;
}

static inline void te_set_meta(uint8_t *e, uint16_t m) {
    memcpy(e + TE_META_OFF, &m, sizeof m);
}

/* Bytes the entry takes (with the value written as p says). */
size_t te_size(const te_parts *p, size_t fixed);
/* Writes the entry to dst (te_size(p, fixed) bytes), with next as its chain link (meta only
 * when fixed is TE_FIXED_META). */
void te_write(uint8_t *dst, const te_parts *p, uint32_t next, size_t fixed);
/* Decodes entry e, which lies within `room` bytes (v->meta is 0 without a meta word). */
void te_decode(const uint8_t *e, size_t room, size_t fixed, te_view *v);
/* The parts of a decoded entry, its value carried over as is. */
void te_parts_of(const te_view *v, te_parts *p);

/* The out-of-line box or object pointer of a value field. */
static inline void *te_val_ptr(const te_view *v) {
    void *ptr;
    memcpy(&ptr, v->val + (v->val[0] == TE_V_OBJ ? 3 : 1), sizeof ptr);
    return ptr;
}

static inline uint16_t te_val_obj_type(const te_view *v) {
    uint16_t t;
    memcpy(&t, v->val + 1, sizeof t);
    return t;
}

#endif
