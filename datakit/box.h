/* box.h -- datakit's one value type: dk_val (unpacked, 24 bytes) and its packed encoding.
 *
 * A value is a typed scalar: integers (64 and 128 bit, signed and unsigned), reals (double,
 * float, IEEE binary16 and bfloat16), bool, null, or a byte string.  In memory it travels as a
 * dk_val (the "unpacked" form used in registers and APIs).  In containers it is stored packed:
 * one type byte followed by the fewest payload bytes its magnitude needs (integers) or the
 * smallest width that round-trips exactly (reals).
 *
 * Round trips: packing keeps the numeric VALUE, not always the declared type.  A non-negative
 * int64 may come back as DK_U64; a double that is exactly a float comes back as DK_F32; a
 * 128-bit integer that fits in 64 bits comes back as a 64-bit one.  dk_val_cmp() and
 * dk_val_eq() compare numbers by value across all numeric types, so this never changes how
 * values compare.  Bytes, bool and null always round-trip exactly.  NaN packs as one canonical
 * NaN; -0.0 keeps its sign.
 */
#ifndef DATAKIT_BOX_H
#define DATAKIT_BOX_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_type {
    DK_NULL = 0,
    DK_BOOL,
    DK_I64,
    DK_U64,
    DK_I128,
    DK_U128,
    DK_F64,
    DK_F32,
    DK_F16,  /* IEEE 754 binary16, held unpacked as a double */
    DK_BF16, /* bfloat16, held unpacked as a double */
    DK_BYTES,
    DK_PTR, /* not storable: an opaque pointer carried in a register (unpacked only) */
    DK_TYPE_COUNT
} dk_type;

/* The unpacked value.  Bytes are a borrowed view: the dk_val never owns them. */
typedef struct dk_val {
    union {
        int64_t i;       /* DK_I64, DK_BOOL (0/1) */
        uint64_t u;      /* DK_U64 */
        double d;        /* DK_F64, DK_F16, DK_BF16 */
        float f;         /* DK_F32 */
        const void *ptr; /* DK_BYTES data, DK_PTR */
        struct {
            uint64_t lo, hi;
        } w; /* DK_I128 / DK_U128 (two's complement) */
    } v;
    uint32_t len; /* DK_BYTES length (values over 4 GiB are not boxes) */
    uint8_t type; /* dk_type */
    uint8_t pad[3];
} dk_val;

/* Constructors (all inline, no allocation). */
static inline dk_val dk_null(void) {
    dk_val x = {0};
    x.type = DK_NULL;
    return x;
}
static inline dk_val dk_bool(bool b) {
    dk_val x = {0};
    x.type = DK_BOOL;
    x.v.i = b;
    return x;
}
static inline dk_val dk_i64(int64_t i) {
    dk_val x = {0};
    x.type = DK_I64;
    x.v.i = i;
    return x;
}
static inline dk_val dk_u64(uint64_t u) {
    dk_val x = {0};
    x.type = DK_U64;
    x.v.u = u;
    return x;
}
static inline dk_val dk_f64(double d) {
    dk_val x = {0};
    x.type = DK_F64;
    x.v.d = d;
    return x;
}
static inline dk_val dk_f32(float f) {
    dk_val x = {0};
    x.type = DK_F32;
    x.v.f = f;
    return x;
}
static inline dk_val dk_bytes(const void *p, size_t n) {
    dk_val x = {0};
    x.type = DK_BYTES;
    x.v.ptr = p;
    x.len = (uint32_t)n;
    return x;
}
static inline dk_val dk_ptr(const void *p) {
    dk_val x = {0};
    x.type = DK_PTR;
    x.v.ptr = p;
    return x;
}

static inline bool dk_is_int(const dk_val *x) {
    return x->type == DK_I64 || x->type == DK_U64 || x->type == DK_I128 || x->type == DK_U128;
}
static inline bool dk_is_real(const dk_val *x) {
    return x->type == DK_F64 || x->type == DK_F32 || x->type == DK_F16 || x->type == DK_BF16;
}
static inline bool dk_is_number(const dk_val *x) {
    return dk_is_int(x) || dk_is_real(x);
}

/* Largest packed size of any non-bytes value (type byte + 16 payload bytes). */
#define DK_BOX_MAX_SCALAR 17

/* Packed size of v in bytes (type byte included).  Bytes cost 1 + varint(len) + len. */
size_t dk_box_size(const dk_val *v);
/* Packs v into out (which must hold dk_box_size(v) bytes); returns bytes written. */
size_t dk_box_pack(const dk_val *v, uint8_t *out);
/* The header dk_box_pack writes before the bytes of a bytes value of length len (len below
 * 4 GiB): writes it to out unless out is NULL; returns its size (1 to 6 bytes). */
size_t dk_box_bytes_header(size_t len, uint8_t *out);
/* Unpacks the box at in (at most avail bytes) into *v; returns bytes read, 0 if malformed.
 * A DK_BYTES result points into in. */
size_t dk_box_unpack(const uint8_t *in, size_t avail, dk_val *v);

/* Total order over values: null < bool < numbers (by value, across all numeric types;
 * NaN after every other number) < bytes (memcmp, then length).  Returns <0, 0, >0. */
int dk_val_cmp(const dk_val *a, const dk_val *b);
/* A number's value as a double (rounded for wide integers); undefined for other types. */
double dk_val_double(const dk_val *v);
bool dk_val_eq(const dk_val *a, const dk_val *b);

/* Narrowest exact form: integers as I64 if they fit, else U64, else 128-bit; reals as the
 * narrowest real type that round-trips.  Used before packing. */
dk_val dk_val_normalize(const dk_val *v);

/* Text conversions used by protocols: decimal integers, shortest round-trip reals
 * ("%.17g" style, but shortest), "inf"/"-inf"/"nan".  Returns bytes written (< cap), or 0 if
 * cap is too small.  dk_val_format never writes a NUL. */
size_t dk_val_format(const dk_val *v, char *out, size_t cap);

/* Parses text the way Redis does for integers: optional '-', no spaces, no leading '+', no
 * leading zeros (except "0"); fits int64 -> DK_I64, else fits uint64 -> DK_U64, else 128-bit.
 * Returns false if s is not a canonical decimal integer. */
bool dk_parse_int(const char *s, size_t n, dk_val *out);
/* Parses a real (strtod rules, no trailing junk, no spaces, "inf"/"-inf" allowed, NaN refused). */
bool dk_parse_real(const char *s, size_t n, double *out);

/* Text values (strings, list elements, set members, ...) kept as compactly as possible without
 * ever changing their bytes: the narrowest box whose text form is exactly s[0..n) -- an integer
 * for canonical decimal integers, a real when its shortest text is s, else the bytes (a view
 * of s). */
dk_val dk_box_from_text(const char *s, size_t n);

/* Room dk_box_text needs for the text of any number. */
#define DK_BOX_TEXT_MAX 64
/* The text form of a box made by dk_box_from_text: sets *s (into the box's bytes, or into buf,
 * which holds DK_BOX_TEXT_MAX bytes, for numbers) and returns its length. */
size_t dk_box_text(const dk_val *v, char buf[DK_BOX_TEXT_MAX], const char **s);

#ifdef __cplusplus
}
#endif
#endif
