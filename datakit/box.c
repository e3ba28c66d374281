/* box.c -- packing, unpacking, normalising and ordering dk_val boxes (see box.h).
 *
 * Packed layout: one code byte, then a payload whose size the code implies.
 *
 *   0x00            null                 0x01 / 0x02      false / true
 *   0x03            f64, 8 bytes LE      0x04             f32, 4 bytes LE
 *   0x05            binary16, 2 bytes    0x06             bfloat16, 2 bytes
 *   0x07            bytes: varint length (LEB128) then the bytes
 *   0x08 + (n-1)    integer >= 0, magnitude in n = 1..16 bytes LE (0x08..0x17)
 *   0x18 + (n-1)    integer < 0, stored as ~x (= -x-1) in n = 1..16 bytes LE (0x18..0x27)
 *   0x28 + h, b     the integer 64 + (h << 8 | b), h = 0..15: 64..4159 in 2 bytes (0x28..0x37)
 *   0x38..0x3f      reserved: unpack refuses them (table_entry.h uses 0x3e/0x3f as its tags)
 *   0x40 + k        the integer k, k = 0..63, no payload
 *   0x80 + n        bytes of length n = 0..127, the bytes follow
 *
 * So an integer below 64 costs 1 byte, one below 4160 costs 2, a 7-digit one 4, a 13-byte
 * string 14; larger integers take the fewest bytes of their magnitude and a real takes the
 * narrowest exact width.  Every value has exactly one encoding.
 */
#include <datakit/box.h>

#include <assert.h>
#include <math.h>
#include <string.h>

#include "box_num.h"

enum {
    BOX_NULL = 0x00,
    BOX_FALSE = 0x01,
    BOX_TRUE = 0x02,
    BOX_F64 = 0x03,
    BOX_F32 = 0x04,
    BOX_F16 = 0x05,
    BOX_BF16 = 0x06,
    BOX_BYTES = 0x07,
    BOX_POS = 0x08, /* + (payload bytes - 1) */
    BOX_NEG = 0x18, /* + (payload bytes - 1) */
    BOX_MID = 0x28, /* + high 4 bits of (value - 64), low 8 bits follow */
    BOX_RESERVED = 0x38,
    BOX_SMALL = 0x40, /* + value 0..63 */
    BOX_SHORT = 0x80, /* + length 0..127 */
};

#define BOX_SMALL_MAX 63
#define BOX_MID_MAX (BOX_SMALL_MAX + 1 + 0xfff)
#define BOX_SHORT_MAX 127

/* ---- half floats ---------------------------------------------------------------------- */

/* Decodes IEEE binary16 bits. */
static double half_to_double(uint16_t h) {
    int exp = (h >> 10) & 0x1f;
    int frac = h & 0x3ff;
    double d;
    if (exp == 0)
        d = ldexp((double)frac, -24);
    else if (exp == 31)
        d = frac ? NAN : INFINITY;
    else
        d = ldexp((double)(frac | 0x400), exp - 25);
    return (h & 0x8000) ? -d : d;
}

/* Encodes d as binary16 bits when that is exact (NaN becomes the canonical 0x7e00). */
static bool double_to_half(double d, uint16_t *out) {
    uint16_t sign = signbit(d) ? 0x8000 : 0;
    double a = fabs(d);
    if (isnan(d)) {
        *out = 0x7e00;
        return true;
    }
    if (isinf(d) || a == 0) {
        *out = sign | (isinf(d) ? 0x7c00 : 0);
        return true;
    }
    if (a > 65504.0 || a < 0x1p-24) return false;
    int e;
    (void)frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
    int lead = e - 1;   /* a in [2^lead, 2^(lead+1)) */
    int quantum = (lead < -14 ? -14 : lead) - 10;
    double units = ldexp(a, -quantum);
    if (units != floor(units)) return false;
    uint32_t u = (uint32_t)units;
    if (lead < -14) /* subnormal: units = frac, 1..1023 */
        *out = sign | (uint16_t)u;
    else
        *out = sign | (uint16_t)((lead + 15) << 10) | (uint16_t)(u - 0x400);
    return true;
}

static uint32_t float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bits_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static double bf16_to_double(uint16_t b) {
    return (double)bits_float((uint32_t)b << 16);
}

/* Encodes d as bfloat16 bits when that is exact. */
static bool double_to_bf16(double d, uint16_t *out) {
    if (isnan(d)) {
        *out = 0x7fc0;
        return true;
    }
    float f = (float)d;
    if ((double)f != d && !(isinf(d) && isinf(f))) return false;
    uint32_t u = float_bits(f);
    if (u & 0xffff) return false;
    *out = (uint16_t)(u >> 16);
    return true;
}

/* ---- numbers as (sign, magnitude) or double ---------------------------------------------- */

void dk_box_int_get(const dk_val *v, bool *neg, dk_u128 *mag) {
    dk_u128 w;
    switch (v->type) {
    case DK_I64:
    case DK_BOOL:
        *neg = v->v.i < 0;
        *mag = *neg ? (dk_u128)(-(uint64_t)v->v.i) : (dk_u128)(uint64_t)v->v.i;
        return;
    case DK_U64:
        *neg = false;
        *mag = v->v.u;
        return;
    case DK_I128:
        w = ((dk_u128)v->v.w.hi << 64) | v->v.w.lo;
        *neg = (v->v.w.hi >> 63) != 0;
        *mag = *neg ? -w : w;
        return;
    default: /* DK_U128 */
        *neg = false;
        *mag = ((dk_u128)v->v.w.hi << 64) | v->v.w.lo;
        return;
    }
}

dk_val dk_box_int_make(bool neg, dk_u128 mag) {
    dk_val x = {0};
    if (mag == 0) neg = false;
    if (!neg && mag <= (dk_u128)INT64_MAX) {
        x.type = DK_I64;
        x.v.i = (int64_t)mag;
    } else if (!neg && mag <= (dk_u128)UINT64_MAX) {
        x.type = DK_U64;
        x.v.u = (uint64_t)mag;
    } else if (neg && mag <= ((dk_u128)1 << 63)) {
        x.type = DK_I64;
        x.v.i = (int64_t)(0 - (uint64_t)mag);
    } else {
        dk_u128 w = neg ? -mag : mag;
        x.type = (neg || mag <= DK_I128_MAX) ? DK_I128 : DK_U128;
        x.v.w.lo = (uint64_t)w;
        x.v.w.hi = (uint64_t)(w >> 64);
    }
    return x;
}

double dk_box_real_get(const dk_val *v) {
    return v->type == DK_F32 ? (double)v->v.f : v->v.d;
}

/* ---- normalize ------------------------------------------------------------------------- */

static dk_val real_normalize(double d) {
    dk_val x = {0};
    uint16_t h = 0;
    if (double_to_half(d, &h)) {
        x.type = DK_F16;
        x.v.d = isnan(d) ? NAN : d;
    } else if (double_to_bf16(d, &h)) {
        x.type = DK_BF16;
        x.v.d = d;
    } else if ((double)(float)d == d) {
        x.type = DK_F32;
        x.v.f = (float)d;
    } else {
        x.type = DK_F64;
        x.v.d = d;
    }
    return x;
}

dk_val dk_val_normalize(const dk_val *v) {
    if (dk_is_int(v)) {
        bool neg;
        dk_u128 mag;
        dk_box_int_get(v, &neg, &mag);
        return dk_box_int_make(neg, mag);
    }
    if (dk_is_real(v)) return real_normalize(dk_box_real_get(v));
    if (v->type == DK_BOOL) return dk_bool(v->v.i != 0);
    return *v;
}

/* ---- pack / unpack ---------------------------------------------------------------------- */

static size_t varint_size(uint64_t n) {
    size_t s = 1;
    while (n >= 0x80) {
        n >>= 7;
        s++;
    }
    return s;
}

static size_t mag_bytes(dk_u128 m) {
    size_t n = 0;
    while (m) {
        m >>= 8;
        n++;
    }
    return n;
}

/* Code byte and payload size of an integer (sign, magnitude). */
static size_t int_code(bool neg, dk_u128 mag, uint8_t *code, dk_u128 *payload) {
    if (!neg && mag <= BOX_SMALL_MAX) {
        *code = (uint8_t)(BOX_SMALL + mag);
        *payload = 0;
        return 0;
    }
    if (!neg && mag <= BOX_MID_MAX) {
        unsigned m = (unsigned)(mag - (BOX_SMALL_MAX + 1));
        *code = (uint8_t)(BOX_MID + (m >> 8));
        *payload = m & 0xff;
        return 1;
    }
    dk_u128 p = neg ? mag - 1 : mag; /* negative: ~x = -x - 1 = mag - 1 */
    size_t n = mag_bytes(p);
    if (n == 0) n = 1;
    *code = (uint8_t)((neg ? BOX_NEG : BOX_POS) + n - 1);
    *payload = p;
    return n;
}

size_t dk_box_size(const dk_val *v) {
    switch (v->type) {
    case DK_NULL:
    case DK_BOOL:
        return 1;
    case DK_BYTES:
        if (v->len <= BOX_SHORT_MAX) return 1 + (size_t)v->len;
        return 1 + varint_size(v->len) + (size_t)v->len;
    case DK_PTR:
        return 0;
    default:
        break;
    }
    if (dk_is_int(v)) { /* normalizing keeps its sign and magnitude, all the code depends on */
        bool neg;
        dk_u128 mag, payload;
        uint8_t code;
        dk_box_int_get(v, &neg, &mag);
        return 1 + int_code(neg, mag, &code, &payload);
    }
    switch (dk_val_normalize(v).type) { /* a real: the narrowest width that holds it */
    case DK_F64:
        return 9;
    case DK_F32:
        return 5;
    default: /* DK_F16, DK_BF16 */
        return 3;
    }
}

static void put_le(uint8_t *out, uint64_t x, size_t n) {
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(x >> (8 * i));
}

static uint64_t get_le(const uint8_t *in, size_t n) {
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)in[i] << (8 * i);
    return x;
}

static size_t pack_real(const dk_val *n, uint8_t *out) {
    uint16_t h = 0;
    uint64_t bits;
    switch (n->type) {
    case DK_F16:
        double_to_half(n->v.d, &h);
        out[0] = BOX_F16;
        put_le(out + 1, h, 2);
        return 3;
    case DK_BF16:
        double_to_bf16(n->v.d, &h);
        out[0] = BOX_BF16;
        put_le(out + 1, h, 2);
        return 3;
    case DK_F32:
        out[0] = BOX_F32;
        put_le(out + 1, float_bits(n->v.f), 4);
        return 5;
    default:
        memcpy(&bits, &n->v.d, sizeof bits);
        out[0] = BOX_F64;
        put_le(out + 1, bits, 8);
        return 9;
    }
}

static size_t pack_int(const dk_val *n, uint8_t *out) {
    bool neg;
    dk_u128 mag, payload;
    uint8_t code;
    dk_box_int_get(n, &neg, &mag);
    size_t len = int_code(neg, mag, &code, &payload);
    out[0] = code;
    for (size_t i = 0; i < len; i++)
        out[1 + i] = (uint8_t)(payload >> (8 * i));
    return 1 + len;
}

size_t dk_box_bytes_header(size_t len, uint8_t *out) {
    uint8_t tmp[8];
    uint8_t *o = out ? out : tmp;
    size_t pos = 0;
    if (len <= BOX_SHORT_MAX) {
        o[pos++] = (uint8_t)(BOX_SHORT + len);
    } else {
        uint64_t n = len;
        o[pos++] = BOX_BYTES;
        while (n >= 0x80) {
            o[pos++] = (uint8_t)(n | 0x80);
            n >>= 7;
        }
        o[pos++] = (uint8_t)n;
    }
    return pos;
}

static size_t pack_bytes(const dk_val *v, uint8_t *out) {
    size_t pos = dk_box_bytes_header(v->len, out);
    if (v->len) memcpy(out + pos, v->v.ptr, v->len);
    return pos + v->len;
}

size_t dk_box_pack(const dk_val *v, uint8_t *out) {
    switch (v->type) {
    case DK_NULL:
        out[0] = BOX_NULL;
        return 1;
    case DK_BOOL:
        out[0] = v->v.i ? BOX_TRUE : BOX_FALSE;
        return 1;
    case DK_BYTES:
        return pack_bytes(v, out);
    case DK_PTR:
        assert(!"DK_PTR values cannot be packed");
        return 0;
    default:
        break;
    }
    if (dk_is_int(v)) return pack_int(v, out); /* (as dk_box_size) */
    dk_val n = dk_val_normalize(v);
    return pack_real(&n, out);
}

static size_t unpack_int(const uint8_t *in, size_t avail, bool neg, size_t len, dk_val *v) {
    if (avail < 1 + len) return 0;
    dk_u128 p = 0;
    for (size_t i = 0; i < len; i++)
        p |= (dk_u128)in[1 + i] << (8 * i);
    if (neg && p > DK_I128_MAX) return 0; /* below INT128_MIN */
    *v = dk_box_int_make(neg, neg ? p + 1 : p);
    return 1 + len;
}

static size_t unpack_bytes(const uint8_t *in, size_t avail, dk_val *v) {
    uint64_t n = 0;
    size_t pos = 1;
    for (int shift = 0;; shift += 7) {
        if (pos >= avail || shift > 28) return 0;
        uint8_t b = in[pos++];
        n |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    if (n > UINT32_MAX || avail - pos < n) return 0;
    *v = dk_bytes(in + pos, (size_t)n);
    return pos + (size_t)n;
}

size_t dk_box_unpack(const uint8_t *in, size_t avail, dk_val *v) {
    if (avail < 1) return 0;
    uint8_t c = in[0];
    if (c >= BOX_SHORT) {
        size_t n = c - BOX_SHORT;
        if (avail < 1 + n) return 0;
        *v = dk_bytes(in + 1, n);
        return 1 + n;
    }
    if (c >= BOX_SMALL) {
        *v = dk_i64(c - BOX_SMALL);
        return 1;
    }
    if (c >= BOX_RESERVED) return 0;
    if (c >= BOX_MID) {
        if (avail < 2) return 0;
        *v = dk_i64(BOX_SMALL_MAX + 1 + ((int64_t)(c - BOX_MID) << 8 | in[1]));
        return 2;
    }
    if (c >= BOX_NEG) return unpack_int(in, avail, true, (size_t)(c - BOX_NEG) + 1, v);
    if (c >= BOX_POS) return unpack_int(in, avail, false, (size_t)(c - BOX_POS) + 1, v);
    switch (c) {
    case BOX_NULL:
        *v = dk_null();
        return 1;
    case BOX_FALSE:
        *v = dk_bool(false);
        return 1;
    case BOX_TRUE:
        *v = dk_bool(true);
        return 1;
    case BOX_BYTES:
        return unpack_bytes(in, avail, v);
    default:
        break;
    }
    static const uint8_t width[] = {[BOX_F64] = 8, [BOX_F32] = 4, [BOX_F16] = 2, [BOX_BF16] = 2};
    size_t w = width[c];
    if (avail < 1 + w) return 0;
    uint64_t bits = get_le(in + 1, w);
    dk_val x = {0};
    switch (c) {
    case BOX_F64:
        x.type = DK_F64;
        memcpy(&x.v.d, &bits, sizeof x.v.d);
        break;
    case BOX_F32:
        x.type = DK_F32;
        x.v.f = bits_float((uint32_t)bits);
        break;
    case BOX_F16:
        x.type = DK_F16;
        x.v.d = half_to_double((uint16_t)bits);
        break;
    default:
        x.type = DK_BF16;
        x.v.d = bf16_to_double((uint16_t)bits);
        break;
    }
    *v = x;
    return 1 + w;
}

/* ---- ordering -------------------------------------------------------------------------- */

/* Rank of a type's class in the total order. */
static int type_class(uint8_t t) {
    switch (t) {
    case DK_NULL:
        return 0;
    case DK_BOOL:
        return 1;
    case DK_BYTES:
        return 3;
    case DK_PTR:
        return 4;
    default:
        return 2;
    }
}

static int cmp_signed(bool an, dk_u128 am, bool bn, dk_u128 bm) {
    if (an != bn) return an ? -1 : 1;
    if (am == bm) return 0;
    return ((am < bm) != an) ? -1 : 1;
}

/* Integer (neg, mag) against a double; NaN sorts after every number. */
static int cmp_int_real(bool neg, dk_u128 mag, double d) {
    if (isnan(d) || d >= 0x1p128) return -1;
    if (d <= -0x1p128) return 1;
    double fl = floor(d);
    bool fneg = fl < 0;
    dk_u128 fmag = (dk_u128)(fneg ? -fl : fl);
    int c = cmp_signed(neg, mag, fneg && fmag != 0, fmag);
    if (c) return c;
    return d > fl ? -1 : 0;
}

static int cmp_real(double a, double b) {
    if (isnan(a) || isnan(b)) return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

static int cmp_numbers(const dk_val *a, const dk_val *b) {
    bool an, bn;
    dk_u128 am, bm;
    if (dk_is_int(a) && dk_is_int(b)) {
        dk_box_int_get(a, &an, &am);
        dk_box_int_get(b, &bn, &bm);
        return cmp_signed(an, am, bn, bm);
    }
    if (dk_is_int(a)) {
        dk_box_int_get(a, &an, &am);
        return cmp_int_real(an, am, dk_box_real_get(b));
    }
    if (dk_is_int(b)) {
        dk_box_int_get(b, &bn, &bm);
        return -cmp_int_real(bn, bm, dk_box_real_get(a));
    }
    return cmp_real(dk_box_real_get(a), dk_box_real_get(b));
}

double dk_val_double(const dk_val *v) {
    unsigned __int128 w = ((unsigned __int128)v->v.w.hi << 64) | v->v.w.lo;
    switch (v->type) {
    case DK_I64:
        return (double)v->v.i;
    case DK_U64:
        return (double)v->v.u;
    case DK_I128:
        return (double)(__int128)w;
    case DK_U128:
        return (double)w;
    case DK_F32:
        return (double)v->v.f;
    default:
        return v->v.d;
    }
}

int dk_val_cmp(const dk_val *a, const dk_val *b) {
    int ca = type_class(a->type), cb = type_class(b->type);
    if (ca != cb) return ca < cb ? -1 : 1;
    switch (ca) {
    case 0:
        return 0;
    case 1:
        return (a->v.i != 0) - (b->v.i != 0);
    case 2:
        return cmp_numbers(a, b);
    case 3: {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = n ? memcmp(a->v.ptr, b->v.ptr, n) : 0;
        if (c) return c < 0 ? -1 : 1;
        return (a->len > b->len) - (a->len < b->len);
    }
    default:
        return ((uintptr_t)a->v.ptr > (uintptr_t)b->v.ptr) -
               ((uintptr_t)a->v.ptr < (uintptr_t)b->v.ptr);
    }
}

bool dk_val_eq(const dk_val *a, const dk_val *b) {
    return dk_val_cmp(a, b) == 0;
}
