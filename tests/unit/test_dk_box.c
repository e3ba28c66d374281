/* test_dk_box.c -- datakit boxes: packing sizes, round trips, ordering, text conversions. */
#include <check.h>

#include "dk_check_fast.h"
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/box.h>

static dk_val i128(__int128 x) {
    dk_val v = {0};
    v.type = DK_I128;
    v.v.w.lo = (uint64_t)x;
    v.v.w.hi = (uint64_t)((unsigned __int128)x >> 64);
    return v;
}

static dk_val u128(unsigned __int128 x) {
    dk_val v = {0};
    v.type = DK_U128;
    v.v.w.lo = (uint64_t)x;
    v.v.w.hi = (uint64_t)(x >> 64);
    return v;
}

static dk_val realv(uint8_t type, double d) {
    dk_val v = {0};
    v.type = type;
    if (type == DK_F32)
        v.v.f = (float)d;
    else
        v.v.d = d;
    return v;
}

#define I128_MAX ((__int128)(~(unsigned __int128)0 >> 1))
#define I128_MIN (-I128_MAX - 1)
#define U128_MAX (~(unsigned __int128)0)

/* Packs v, checks the size, unpacks, and checks the value (and its normal form) is the same.
 * The returned copy's bytes, if any, point into a dead buffer: callers use only scalars. */
static dk_val roundtrip(const dk_val *v) {
    uint8_t buf[64];
    size_t n = dk_box_size(v);
    fast_assert_uint_le(n, sizeof buf);
    fast_assert_uint_eq(dk_box_pack(v, buf), n);
    dk_val out;
    fast_assert_uint_eq(dk_box_unpack(buf, n, &out), n);
    fast_assert_int_eq(dk_val_cmp(v, &out), 0);
    fast_assert(dk_val_eq(&out, v));
    dk_val nv = dk_val_normalize(v);
    fast_assert_int_eq(dk_val_cmp(&nv, &out), 0);
    for (size_t k = 0; k < n; k++) /* every truncation is refused */
        fast_assert_uint_eq(dk_box_unpack(buf, k, &out), 0);
    fast_assert_uint_eq(dk_box_unpack(buf, n, &out), n);
    return out;
}

static size_t packed_size(dk_val v) {
    return dk_box_size(&v);
}

START_TEST(test_dk_box_integer_sizes_by_magnitude) {
    fast_assert_uint_eq(packed_size(dk_i64(0)), 1);
    fast_assert_uint_eq(packed_size(dk_i64(63)), 1);
    fast_assert_uint_eq(packed_size(dk_i64(64)), 2);
    fast_assert_uint_eq(packed_size(dk_i64(255)), 2);
    fast_assert_uint_eq(packed_size(dk_i64(256)), 2);
    fast_assert_uint_eq(packed_size(dk_i64(4159)), 2); /* the last two-byte integer */
    fast_assert_uint_eq(packed_size(dk_i64(4160)), 3);
    fast_assert_uint_eq(packed_size(dk_u64(4159)), 2);
    fast_assert_uint_eq(packed_size(dk_i64(65535)), 3);
    fast_assert_uint_eq(packed_size(dk_i64(65536)), 4);
    fast_assert_uint_eq(packed_size(dk_i64(9999999)), 4);
    fast_assert_uint_eq(packed_size(dk_i64(-1)), 2);
    fast_assert_uint_eq(packed_size(dk_i64(-256)), 2);
    fast_assert_uint_eq(packed_size(dk_i64(-257)), 3);
    fast_assert_uint_eq(packed_size(dk_i64(INT64_MAX)), 9);
    fast_assert_uint_eq(packed_size(dk_i64(INT64_MIN)), 9);
    fast_assert_uint_eq(packed_size(dk_u64(UINT64_MAX)), 9);
    fast_assert_uint_eq(packed_size(u128((unsigned __int128)UINT64_MAX + 1)), 10);
    fast_assert_uint_eq(packed_size(u128(U128_MAX)), 17);
    fast_assert_uint_eq(packed_size(i128(I128_MIN)), 17);
    fast_assert_uint_eq(packed_size(i128(42)), 1);
    fast_assert_uint_le(packed_size(u128(U128_MAX)), DK_BOX_MAX_SCALAR);
}
END_TEST

START_TEST(test_dk_box_integer_boundaries_roundtrip) {
    int64_t s[] = {0,
                   1,
                   -1,
                   63,
                   64,
                   -64,
                   127,
                   128,
                   -128,
                   -129,
                   255,
                   256,
                   65535,
                   65536,
                   INT32_MAX,
                   INT32_MIN,
                   (int64_t)1 << 40,
                   -((int64_t)1 << 40),
                   INT64_MAX,
                   INT64_MIN,
                   INT64_MAX - 1,
                   INT64_MIN + 1};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        dk_val v = dk_i64(s[i]);
        dk_val o = roundtrip(&v);
        fast_assert_int_eq(o.type, DK_I64);
        fast_assert(o.v.i == s[i]);
    }
    for (int64_t i = -300; i <= 70000; i++) { /* every code around the 1- and 2-byte forms */
        dk_val v = dk_i64(i);
        dk_val o = roundtrip(&v);
        fast_assert(o.v.i == i);
        size_t want = i >= 0 && i < 64                               ? 1
                      : (i >= 0 && i < 4160) || (i < 0 && i >= -256) ? 2
                      : i < 65536 && i >= -65536                     ? 3
                                                                     : 4;
        fast_assert_uint_eq(packed_size(v), want);
    }
    dk_val u = dk_u64(UINT64_MAX);
    dk_val o = roundtrip(&u);
    fast_assert_int_eq(o.type, DK_U64);
    fast_assert(o.v.u == UINT64_MAX);
    u = dk_u64((uint64_t)INT64_MAX + 1);
    o = roundtrip(&u);
    fast_assert_int_eq(o.type, DK_U64);
    u = dk_u64(5); /* a small unsigned comes back as I64 with the same value */
    o = roundtrip(&u);
    fast_assert_int_eq(o.type, DK_I64);
    fast_assert(o.v.i == 5);

    __int128 big[] = {I128_MAX,
                      I128_MIN,
                      I128_MIN + 1,
                      I128_MAX - 1,
                      -(__int128)UINT64_MAX,
                      -(__int128)UINT64_MAX - 1,
                      (__int128)INT64_MIN - 1,
                      (__int128)UINT64_MAX + 1};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        dk_val v = i128(big[i]);
        o = roundtrip(&v);
        fast_assert_int_eq(o.type, DK_I128);
        fast_assert(o.v.w.lo == v.v.w.lo && o.v.w.hi == v.v.w.hi);
    }
    dk_val m = u128(U128_MAX);
    o = roundtrip(&m);
    fast_assert_int_eq(o.type, DK_U128);
    fast_assert(o.v.w.lo == UINT64_MAX && o.v.w.hi == UINT64_MAX);
    m = u128((unsigned __int128)I128_MAX + 1);
    o = roundtrip(&m);
    fast_assert_int_eq(o.type, DK_U128);
    m = i128(-5);
    o = roundtrip(&m);
    fast_assert_int_eq(o.type, DK_I64);
    fast_assert(o.v.i == -5);
}
END_TEST

START_TEST(test_dk_box_reals_take_narrowest_exact_width) {
    struct {
        double d;
        uint8_t type;
        size_t size;
    } c[] = {
        {1.0, DK_F16, 3},
        {-2.5, DK_F16, 3},
        {65504.0, DK_F16, 3},
        {0x1p-24, DK_F16, 3},
        {0x1p-14, DK_F16, 3},
        {0x3ffp-24, DK_F16, 3},
        {65536.0, DK_BF16, 3},
        {0x1p100, DK_BF16, 3},
        {(double)3.0e38f, DK_F32, 5},
        {0.1f, DK_F32, 5},
        {0x1.00002p0, DK_F32, 5},
        {0.1, DK_F64, 9},
        {3.141592653589793, DK_F64, 9},
        {DBL_MAX, DK_F64, 9},
        {DBL_MIN, DK_F64, 9},
        {5e-324, DK_F64, 9},
        {FLT_TRUE_MIN, DK_F32, 5},
        {FLT_MIN, DK_BF16, 3},
        {0.0, DK_F16, 3},
        {-0.0, DK_F16, 3},
        {INFINITY, DK_F16, 3},
        {-INFINITY, DK_F16, 3},
        {0x1p-25, DK_BF16, 3},
        {65505.0, DK_F32, 5},
        {9007199254740991.0, DK_F64, 9},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        dk_val v = dk_f64(c[i].d);
        fast_assert_msg(dk_box_size(&v) == c[i].size, "case %zu: %a", i, c[i].d);
        dk_val o = roundtrip(&v);
        fast_assert_msg(o.type == c[i].type, "case %zu: %a type %d", i, c[i].d, o.type);
        double back = o.type == DK_F32 ? (double)o.v.f : o.v.d;
        fast_assert(memcmp(&back, &c[i].d, sizeof back) == 0); /* bit-exact, sign of zero kept */
    }
}
END_TEST

START_TEST(test_dk_box_nan_packs_canonical_and_sorts_last) {
    dk_val n = dk_f64(NAN), n2 = dk_f64(-NAN), big = dk_f64(INFINITY), i = dk_u64(UINT64_MAX);
    fast_assert_uint_eq(dk_box_size(&n), 3);
    dk_val o = roundtrip(&n);
    fast_assert(isnan(o.v.d));
    uint8_t a[8], b[8];
    dk_box_pack(&n, a);
    dk_box_pack(&n2, b);
    fast_assert(memcmp(a, b, 3) == 0);
    fast_assert_int_eq(dk_val_cmp(&n, &n2), 0);
    fast_assert_int_gt(dk_val_cmp(&n, &big), 0);
    fast_assert_int_gt(dk_val_cmp(&n, &i), 0);
    fast_assert_int_lt(dk_val_cmp(&i, &n), 0);
    dk_val f = realv(DK_F32, NAN);
    fast_assert_int_eq(dk_val_cmp(&f, &n), 0);
}
END_TEST

START_TEST(test_dk_box_half_precision_types_roundtrip) {
    dk_val h = realv(DK_F16, 0.333251953125); /* exact binary16 value */
    dk_val o = roundtrip(&h);
    fast_assert_int_eq(o.type, DK_F16);
    dk_val bf = realv(DK_BF16, 1.5 * 0x1p60);
    o = roundtrip(&bf);
    fast_assert_int_eq(o.type, DK_BF16);
    dk_val f = dk_f32(0.25f);
    o = roundtrip(&f);
    fast_assert_int_eq(o.type, DK_F16);
    dk_val sub = dk_f64(0x1p-1070); /* double subnormal */
    o = roundtrip(&sub);
    fast_assert_int_eq(o.type, DK_F64);
    fast_assert(o.v.d == 0x1p-1070);
}
END_TEST

START_TEST(test_dk_box_bytes_null_bool_roundtrip) {
    dk_val e = dk_bytes("", 0);
    fast_assert_uint_eq(dk_box_size(&e), 1);
    dk_val o = roundtrip(&e);
    fast_assert_int_eq(o.type, DK_BYTES);
    fast_assert_uint_eq(o.len, 0);
    char s[300];
    for (size_t i = 0; i < sizeof s; i++)
        s[i] = (char)i;
    size_t lens[] = {1, 13, 127, 128, 129, 299, 300};
    size_t sizes[] = {2, 14, 128, 131, 132, 302, 303};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        dk_val v = dk_bytes(s, lens[i]);
        fast_assert_uint_eq(dk_box_size(&v), sizes[i]);
        uint8_t buf[400];
        fast_assert_uint_eq(dk_box_pack(&v, buf), sizes[i]);
        fast_assert_uint_eq(dk_box_unpack(buf, sizes[i], &o), sizes[i]);
        fast_assert_uint_eq(o.len, lens[i]);
        fast_assert(memcmp(o.v.ptr, s, lens[i]) == 0);
        fast_assert_uint_eq(dk_box_unpack(buf, sizes[i] - 1, &o), 0);
    }
    dk_val n = dk_null(), t = dk_bool(true), f = dk_bool(false);
    fast_assert_int_eq(roundtrip(&n).type, DK_NULL);
    o = roundtrip(&t);
    fast_assert(o.type == DK_BOOL && o.v.i == 1);
    o = roundtrip(&f);
    fast_assert(o.type == DK_BOOL && o.v.i == 0);
}
END_TEST

START_TEST(test_dk_box_bytes_512mb_roundtrip) {
    size_t len = (size_t)512 << 20;
    uint8_t *src = malloc(len);
    fast_assert_ptr_nonnull(src);
    for (size_t i = 0; i < len; i += 4096)
        src[i] = (uint8_t)(i >> 12);
    src[len - 1] = 0xab;
    dk_val v = dk_bytes(src, len);
    size_t n = dk_box_size(&v);
    fast_assert_uint_eq(n, 1 + 5 + len);
    uint8_t *buf = malloc(n);
    fast_assert_ptr_nonnull(buf);
    fast_assert_uint_eq(dk_box_pack(&v, buf), n);
    dk_val o;
    fast_assert_uint_eq(dk_box_unpack(buf, n, &o), n);
    fast_assert_uint_eq(o.len, len);
    fast_assert_int_eq(dk_val_cmp(&o, &v), 0);
    fast_assert_uint_eq(dk_box_unpack(buf, n - 1, &o), 0);
    free(buf);
    free(src);
}
END_TEST

START_TEST(test_dk_box_unpack_refuses_malformed) {
    dk_val o;
    uint8_t reserved[] = {0x38, 0, 0, 0};
    fast_assert_uint_eq(dk_box_unpack(reserved, sizeof reserved, &o), 0);
    uint8_t cut[] = {0x28}; /* a two-byte integer without its second byte */
    fast_assert_uint_eq(dk_box_unpack(cut, 1, &o), 0);
    uint8_t r2[] = {0x3f};
    fast_assert_uint_eq(dk_box_unpack(r2, 1, &o), 0);
    fast_assert_uint_eq(dk_box_unpack(r2, 0, &o), 0);
    uint8_t longvarint[] = {0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    fast_assert_uint_eq(dk_box_unpack(longvarint, sizeof longvarint, &o), 0);
    uint8_t toolow[17] = {0x27}; /* negative, ~x = all ones: below INT128_MIN */
    memset(toolow + 1, 0xff, 16);
    fast_assert_uint_eq(dk_box_unpack(toolow, sizeof toolow, &o), 0);
}
END_TEST

START_TEST(test_dk_box_cmp_across_numeric_types) {
    dk_val a, b;
    /* 2^53 + 1 is not a double: the integer is above the double 2^53. */
    a = dk_i64(((int64_t)1 << 53) + 1);
    b = dk_f64(0x1p53);
    fast_assert_int_gt(dk_val_cmp(&a, &b), 0);
    fast_assert_int_lt(dk_val_cmp(&b, &a), 0);
    a = dk_u64(UINT64_MAX);
    b = dk_f64(0x1p64);
    fast_assert_int_lt(dk_val_cmp(&a, &b), 0);
    b = dk_f64(0x1.fffffffffffffp63);
    fast_assert_int_gt(dk_val_cmp(&a, &b), 0);
    a = dk_i64(INT64_MIN);
    b = dk_f64(-0x1p63);
    fast_assert_int_eq(dk_val_cmp(&a, &b), 0);
    b = dk_f32(-0x1p63f);
    fast_assert_int_eq(dk_val_cmp(&a, &b), 0);
    a = u128(U128_MAX);
    b = dk_f64(0x1p128);
    fast_assert_int_lt(dk_val_cmp(&a, &b), 0);
    b = dk_f64(0x1.fffffffffffffp127);
    fast_assert_int_gt(dk_val_cmp(&a, &b), 0);
    a = i128(I128_MIN);
    b = dk_f64(-0x1p127);
    fast_assert_int_eq(dk_val_cmp(&a, &b), 0);
    b = dk_f64(-INFINITY);
    fast_assert_int_gt(dk_val_cmp(&a, &b), 0);
    a = dk_i64(-1);
    b = dk_f64(-0.5);
    fast_assert_int_lt(dk_val_cmp(&a, &b), 0);
    a = dk_i64(0);
    b = dk_f64(-0.0);
    fast_assert_int_eq(dk_val_cmp(&a, &b), 0);
    b = dk_f64(-0x1p-1074);
    fast_assert_int_gt(dk_val_cmp(&a, &b), 0);
    b = dk_f64(0x1p-1074);
    fast_assert_int_lt(dk_val_cmp(&a, &b), 0);
    a = dk_f64(0.0);
    b = dk_f64(-0.0);
    fast_assert_int_eq(dk_val_cmp(&a, &b), 0);
    a = dk_i64(-1);
    b = dk_u64(UINT64_MAX);
    fast_assert_int_lt(dk_val_cmp(&a, &b), 0);
    a = i128(-1);
    b = u128(U128_MAX);
    fast_assert_int_lt(dk_val_cmp(&a, &b), 0);
    a = dk_i64(7);
    b = u128(7);
    fast_assert_int_eq(dk_val_cmp(&a, &b), 0);
    a = dk_f32(0.1f);
    b = dk_f64(0.1);
    fast_assert_int_lt(dk_val_cmp(&b, &a), 0);
    /* classes: null < bool < numbers < bytes */
    dk_val n = dk_null(), t = dk_bool(true), fl = dk_bool(false), ninf = dk_f64(-INFINITY),
           s = dk_bytes("", 0), s2 = dk_bytes("a", 1), s3 = dk_bytes("ab", 2);
    fast_assert_int_lt(dk_val_cmp(&n, &fl), 0);
    fast_assert_int_lt(dk_val_cmp(&fl, &t), 0);
    fast_assert_int_lt(dk_val_cmp(&t, &ninf), 0);
    fast_assert_int_lt(dk_val_cmp(&ninf, &s), 0);
    fast_assert_int_lt(dk_val_cmp(&s, &s2), 0);
    fast_assert_int_lt(dk_val_cmp(&s2, &s3), 0);
    fast_assert_int_gt(dk_val_cmp(&s3, &s2), 0);
}
END_TEST

/* Deterministic generator (splitmix64) so failures reproduce. */
static uint64_t rng_state;
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static char rbytes_pool[64];

/* A random value of any storable type, biased towards boundaries and shared magnitudes. */
static dk_val random_val(void) {
    uint64_t r = rnd();
    int bits = (int)(rnd() % 65);
    uint64_t m = bits == 64 ? rnd() : rnd() & (((uint64_t)1 << bits) - 1);
    switch (r % 12) {
    case 0:
        return dk_i64((int64_t)m * ((rnd() & 1) ? -1 : 1));
    case 1:
        return dk_u64(m);
    case 2:
        return i128((__int128)(((unsigned __int128)rnd() << 64) | rnd()));
    case 3:
        return u128(((unsigned __int128)rnd() << 64) | rnd());
    case 4:
        return dk_f64((double)(int64_t)m * ((rnd() & 1) ? -1 : 1));
    case 5: {
        double d;
        uint64_t u = rnd();
        memcpy(&d, &u, sizeof d);
        return dk_f64(d);
    }
    case 6:
        return dk_f32((float)m / (float)(1 + (rnd() & 0xff)));
    case 7:
        return dk_f64(ldexp((double)(rnd() & 0x7ff), (int)(rnd() % 60) - 40));
    case 8:
        return dk_bytes(rbytes_pool, (size_t)(rnd() % 8));
    case 9:
        return (rnd() & 1) ? dk_bool(rnd() & 1) : dk_null();
    case 10:
        return dk_f64(ldexp((double)(rnd() | 1), (int)(rnd() % 140)));
    default:
        return i128((__int128)(int64_t)m - (__int128)(rnd() & 3));
    }
}

/* Exact reference for 64-bit integers against doubles: x87 long double holds both exactly. */
static bool ref_ld(const dk_val *v, long double *out) {
    switch (v->type) {
    case DK_I64:
        *out = (long double)v->v.i;
        return true;
    case DK_U64:
        *out = (long double)v->v.u;
        return true;
    case DK_F64:
    case DK_F16:
    case DK_BF16:
        *out = v->v.d;
        return !isnan(v->v.d);
    case DK_F32:
        *out = v->v.f;
        return !isnan(v->v.f);
    default:
        return false;
    }
}

START_TEST(test_dk_box_random_roundtrip_and_cmp_consistency) {
    rng_state = 0x5eed;
    for (size_t i = 0; i < sizeof rbytes_pool; i++)
        rbytes_pool[i] = (char)('a' + rnd() % 3);
    enum { N = 4000 };
    dk_val *v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) {
        v[i] = random_val();
        roundtrip(&v[i]);
        dk_val nv = dk_val_normalize(&v[i]);
        fast_assert_uint_eq(dk_box_size(&nv), dk_box_size(&v[i]));
    }
    for (int k = 0; k < 200000; k++) {
        dk_val *a = &v[rnd() % N], *b = &v[rnd() % N], *c = &v[rnd() % N];
        int ab = dk_val_cmp(a, b), ba = dk_val_cmp(b, a), bc = dk_val_cmp(b, c),
            ac = dk_val_cmp(a, c);
        fast_assert_int_eq((ab > 0) - (ab < 0), -((ba > 0) - (ba < 0)));
        if (ab <= 0 && bc <= 0) fast_assert_int_le(ac, 0);
        if (ab == 0 && bc == 0) fast_assert_int_eq(ac, 0);
        long double x, y;
        if (ref_ld(a, &x) && ref_ld(b, &y))
            fast_assert_int_eq((ab > 0) - (ab < 0), (x > y) - (x < y));
    }
    free(v);
}
END_TEST

static void check_format(dk_val v, const char *want) {
    char buf[64];
    size_t n = dk_val_format(&v, buf, sizeof buf);
    fast_assert_msg(n == strlen(want) && memcmp(buf, want, n) == 0, "got '%.*s' want '%s'", (int)n,
                    buf, want);
    fast_assert_uint_eq(dk_val_format(&v, buf, n), 0); /* too small: output must stay < cap */
}

START_TEST(test_dk_box_format_shortest_and_128bit) {
    check_format(dk_i64(0), "0");
    check_format(dk_i64(-42), "-42");
    check_format(dk_i64(INT64_MIN), "-9223372036854775808");
    check_format(dk_u64(UINT64_MAX), "18446744073709551615");
    check_format(u128(U128_MAX), "340282366920938463463374607431768211455");
    check_format(i128(I128_MIN), "-170141183460469231731687303715884105728");
    check_format(dk_f64(0.1), "0.1");
    check_format(dk_f64(1.5), "1.5");
    check_format(dk_f64(-0.0), "-0");
    check_format(dk_f64(3.0), "3");
    check_format(dk_f64(1e21), "1e+21");
    check_format(dk_f64(5e-324), "5e-324");
    check_format(dk_f64(3.141592653589793), "3.141592653589793");
    check_format(dk_f64(INFINITY), "inf");
    check_format(dk_f64(-INFINITY), "-inf");
    check_format(dk_f64(NAN), "nan");
    check_format(dk_f32(0.1f), "0.10000000149011612");
    check_format(dk_bool(true), "true");
    check_format(dk_bytes("hello", 5), "hello");
}
END_TEST

static void check_int(const char *s, bool ok, uint8_t type) {
    dk_val v;
    bool got = dk_parse_int(s, strlen(s), &v);
    fast_assert_msg(got == ok, "parse_int('%s') = %d", s, got);
    if (!ok) return;
    fast_assert_msg(v.type == type, "parse_int('%s') type %d", s, v.type);
    char buf[64];
    size_t n = dk_val_format(&v, buf, sizeof buf);
    fast_assert(n == strlen(s) && memcmp(buf, s, n) == 0);
}

START_TEST(test_dk_box_parse_int_redis_rules) {
    check_int("0", true, DK_I64);
    check_int("-1", true, DK_I64);
    check_int("1234567", true, DK_I64);
    check_int("9223372036854775807", true, DK_I64);
    check_int("-9223372036854775808", true, DK_I64);
    check_int("9223372036854775808", true, DK_U64);
    check_int("18446744073709551615", true, DK_U64);
    check_int("18446744073709551616", true, DK_I128);
    check_int("-9223372036854775809", true, DK_I128);
    check_int("170141183460469231731687303715884105727", true, DK_I128);
    check_int("170141183460469231731687303715884105728", true, DK_U128);
    check_int("340282366920938463463374607431768211455", true, DK_U128);
    check_int("-170141183460469231731687303715884105728", true, DK_I128);
    check_int("340282366920938463463374607431768211456", false, 0);
    check_int("-170141183460469231731687303715884105729", false, 0);
    check_int("", false, 0);
    check_int("-", false, 0);
    check_int("-0", false, 0);
    check_int("00", false, 0);
    check_int("01", false, 0);
    check_int("+1", false, 0);
    check_int(" 1", false, 0);
    check_int("1 ", false, 0);
    check_int("1a", false, 0);
    check_int("1.0", false, 0);
    dk_val v;
    fast_assert(dk_parse_int("12", 1, &v) && v.v.i == 1); /* honours n */
}
END_TEST

START_TEST(test_dk_box_parse_real_rules) {
    double d;
    fast_assert(dk_parse_real("1.5", 3, &d) && d == 1.5);
    fast_assert(dk_parse_real("-0", 2, &d) && d == 0 && signbit(d));
    fast_assert(dk_parse_real("1e10", 4, &d) && d == 1e10);
    fast_assert(dk_parse_real("inf", 3, &d) && isinf(d) && d > 0);
    fast_assert(dk_parse_real("-inf", 4, &d) && isinf(d) && d < 0);
    fast_assert(dk_parse_real("17", 2, &d) && d == 17);
    fast_assert(!dk_parse_real("nan", 3, &d));
    fast_assert(!dk_parse_real("", 0, &d));
    fast_assert(!dk_parse_real(" 1", 2, &d));
    fast_assert(!dk_parse_real("1 ", 2, &d));
    fast_assert(!dk_parse_real("1x", 2, &d));
    fast_assert(!dk_parse_real("1e999", 5, &d));
    fast_assert(!dk_parse_real("1e-999", 6, &d));
    fast_assert(!dk_parse_real("1\0", 2, &d));
    fast_assert(dk_parse_real("2.5xyz", 3, &d) && d == 2.5);
    char longnum[300];
    memset(longnum, '1', sizeof longnum);
    longnum[1] = '.';
    fast_assert(dk_parse_real(longnum, sizeof longnum, &d) && d > 1.1 && d < 1.2);
}
END_TEST

START_TEST(test_dk_box_format_parse_roundtrip_random_reals) {
    rng_state = 77;
    char buf[64];
    for (int i = 0; i < 20000; i++) {
        uint64_t u = rnd();
        double d;
        memcpy(&d, &u, sizeof d);
        if (isnan(d)) continue;
        dk_val v = dk_f64(d);
        size_t n = dk_val_format(&v, buf, sizeof buf);
        fast_assert_uint_gt(n, 0);
        double back;
        fast_assert_msg(dk_parse_real(buf, n, &back) && back == d, "%a -> %.*s", d, (int)n, buf);
    }
}
END_TEST

/* dk_box_from_text keeps every text byte-identical and numbers compact. */
START_TEST(test_box_from_text_round_trips_bytes_exactly) {
    static const struct {
        const char *text;
        int type;
    } cases[] = {
        {"12", DK_I64},
        {"-7", DK_I64},
        {"18446744073709551615", DK_U64},
        {"1.5", DK_F64},
        {"0.1", DK_F64},
        {"1.0", DK_BYTES},
        {"1e3", DK_BYTES},
        {"-0", DK_F64},
        {"00", DK_BYTES},
        {" 1", DK_BYTES},
        {"+1", DK_BYTES},
        {"", DK_BYTES},
        {"abc", DK_BYTES},
        {"340282366920938463463374607431768211455", DK_U128},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *t = cases[i].text;
        dk_val v = dk_box_from_text(t, strlen(t));
        dk_val n = dk_val_normalize(&v);
        ck_assert_msg(v.type == cases[i].type || n.type == cases[i].type, "%s: type %d", t, v.type);
        char buf[DK_BOX_TEXT_MAX];
        const char *s;
        size_t len = dk_box_text(&v, buf, &s);
        ck_assert_msg(len == strlen(t) && memcmp(s, t, len) == 0, "%s came back as %.*s", t,
                      (int)len, s);
    }
}
END_TEST

static Suite *box_suite(void) {
    Suite *s = suite_create("dk_box");
    TCase *tc = tcase_create("box");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dk_box_integer_sizes_by_magnitude);
    tcase_add_test(tc, test_box_from_text_round_trips_bytes_exactly);
    tcase_add_test(tc, test_dk_box_integer_boundaries_roundtrip);
    tcase_add_test(tc, test_dk_box_reals_take_narrowest_exact_width);
    tcase_add_test(tc, test_dk_box_nan_packs_canonical_and_sorts_last);
    tcase_add_test(tc, test_dk_box_half_precision_types_roundtrip);
    tcase_add_test(tc, test_dk_box_bytes_null_bool_roundtrip);
    tcase_add_test(tc, test_dk_box_bytes_512mb_roundtrip);
    tcase_add_test(tc, test_dk_box_unpack_refuses_malformed);
    tcase_add_test(tc, test_dk_box_cmp_across_numeric_types);
    tcase_add_test(tc, test_dk_box_random_roundtrip_and_cmp_consistency);
    tcase_add_test(tc, test_dk_box_format_shortest_and_128bit);
    tcase_add_test(tc, test_dk_box_parse_int_redis_rules);
    tcase_add_test(tc, test_dk_box_parse_real_rules);
    tcase_add_test(tc, test_dk_box_format_parse_roundtrip_random_reals);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(box_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
