/* table_entry.c -- encoding and decoding keyspace table entries (see table_entry.h). */
#include "table_entry.h"

#include "mem.h"

static size_t varint_size(size_t n) {
    size_t s = 1;
    while (n >= 0x80) {
        n >>= 7;
        s++;
    }
    return s;
}

static size_t fields_size(uint8_t flags) {
    return ((flags & TE_EXP) ? 8 : 0) + ((flags & TE_AUX32) ? 4 : 0) + ((flags & TE_AUX64) ? 8 : 0);
}

static size_t value_size(const te_parts *p) {
    switch (p->kind) {
    case TE_BOX:
        return dk_box_size(p->box);
    case TE_RAW:
        return p->rawlen;
    case TE_EXT_PTR:
        return TE_EXT_SIZE;
    default:
        return TE_OBJ_SIZE;
    }
}

size_t te_size(const te_parts *p, size_t fixed) {
    size_t n = fixed + fields_size(p->flags) + p->klen + value_size(p);
    if (p->klen >= TE_KLEN_VARINT) n += varint_size(p->klen);
    return n;
}

void te_write(uint8_t *dst, const te_parts *p, uint32_t next, size_t fixed) {
    uint8_t *o = dst;
    te_wr32(o, next);
    o += 4;
    uint8_t flags = p->flags & (TE_EXP | TE_AUX32 | TE_AUX64);
    *o++ = flags | (uint8_t)(p->klen < TE_KLEN_VARINT ? p->klen : TE_KLEN_VARINT);
    if (fixed == TE_FIXED_META) {
        memcpy(o, &p->meta, sizeof p->meta);
        o += sizeof p->meta;
    }
    if (p->klen >= TE_KLEN_VARINT) {
        size_t k = p->klen;
        while (k >= 0x80) {
            *o++ = (uint8_t)(k | 0x80);
            k >>= 7;
        }
        *o++ = (uint8_t)k;
    }
    if (flags & TE_EXP) {
        memcpy(o, &p->exp, 8);
        o += 8;
    }
    if (flags & TE_AUX32) {
        memcpy(o, &p->aux32, 4);
        o += 4;
    }
    if (flags & TE_AUX64) {
        memcpy(o, &p->aux64, 8);
        o += 8;
    }
    if (p->klen) memcpy(o, p->key, p->klen);
    o += p->klen;
    switch (p->kind) {
    case TE_BOX:
        dk_box_pack(p->box, o);
        break;
    case TE_RAW:
        memcpy(o, p->raw, p->rawlen);
        break;
    case TE_EXT_PTR:
        *o = TE_V_EXT;
        memcpy(o + 1, &p->ptr, sizeof p->ptr);
        break;
    default:
        *o = TE_V_OBJ;
        memcpy(o + 1, &p->obj_type, 2);
        memcpy(o + 3, &p->ptr, sizeof p->ptr);
        break;
    }
}

void te_decode(const uint8_t *e, size_t room, size_t fixed, te_view *v) {
    v->flags = e[4] & (TE_EXP | TE_AUX32 | TE_AUX64);
    v->meta = fixed == TE_FIXED_META ? te_meta(e) : 0;
    v->key = te_key(e, fixed, &v->klen);
    const uint8_t *f = v->key - fields_size(v->flags);
    v->exp = -1;
    v->aux32 = 0;
    v->aux64 = 0;
    if (v->flags & TE_EXP) {
        memcpy(&v->exp, f, 8);
        f += 8;
    }
    if (v->flags & TE_AUX32) {
        memcpy(&v->aux32, f, 4);
        f += 4;
    }
    if (v->flags & TE_AUX64) memcpy(&v->aux64, f, 8);
    v->val = v->key + v->klen;
    size_t off = (size_t)(v->val - e);
    if (v->val[0] == TE_V_EXT) {
        v->vlen = TE_EXT_SIZE;
    } else if (v->val[0] == TE_V_OBJ) {
        v->vlen = TE_OBJ_SIZE;
    } else {
        dk_val tmp;
        v->vlen = dk_box_unpack(v->val, room - off, &tmp);
    }
    v->size = off + v->vlen;
}

void te_parts_of(const te_view *v, te_parts *p) {
    memset(p, 0, sizeof *p);
    p->key = v->key;
    p->klen = v->klen;
    p->flags = v->flags;
    p->meta = v->meta;
    p->exp = v->exp;
    p->aux32 = v->aux32;
    p->aux64 = v->aux64;
    p->kind = TE_RAW;
    p->raw = v->val;
    p->rawlen = v->vlen;
}
