/* test_dk_flat.c -- unit tests for dk_flat, the packed box buffer walkable both ways. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/boxfast.h>
#include <datakit/flatbuf.h>

#include "model_move.h"
#include "dk_check_fast.h"
#include "dk_rand.h"
#include "dk_vals.h"

/* Walks the buffer both ways and checks every element against the model. */
static void check_equal(const dk_flat *f, const owned *m, size_t n) {
    fast_assert_uint_eq(dk_flat_count(f), n);
    size_t off = 0;
    dk_val x;
    for (size_t i = 0; i < n; i++) {
        fast_assert_uint_eq(dk_flat_seek(f, i), off);
        off = dk_flat_get(f, off, &x);
        fast_assert(dk_val_eq(&x, &m[i].v));
    }
    fast_assert_uint_eq(off, dk_flat_end(f));
    for (size_t i = n; i-- > 0;) {
        off = dk_flat_prev(f, off);
        dk_flat_get(f, off, &x);
        fast_assert(dk_val_eq(&x, &m[i].v));
    }
    fast_assert_uint_eq(off, 0);
}

START_TEST(test_flat_random_edits_match_model) {
    dk_rand r = {31 + _i};
    uint8_t buf[5000];
    dk_flat *f = dk_flat_new();
    size_t empty = dk_flat_bytes(f), n = 0, payload = 0;
    owned m[400];
    for (int op = 0; op < 20000; op++) {
        dk_val v = rand_val(&r, buf);
        size_t i = n ? dk_rand_below(&r, n) : 0;
        switch (dk_rand_below(&r, 4)) {
        case 0:
        case 1:
            if (n < 400) {
                i = dk_rand_below(&r, n + 1);
                fast_assert(dk_flat_insert(&f, dk_flat_seek(f, i), &v));
                model_move(m + i + 1, m + i, (n - i) * sizeof *m);
                m[i] = owned_copy(&v);
                n++;
            }
            break;
        case 2:
            if (n) {
                size_t k = 1 + dk_rand_below(&r, 3);
                if (k > n - i) k = n - i;
                dk_flat_delete(&f, dk_flat_seek(f, i), k);
                for (size_t j = 0; j < k; j++)
                    owned_free(&m[i + j]);
                model_move(m + i, m + i + k, (n - i - k) * sizeof *m);
                n -= k;
            }
            break;
        default:
            if (n) {
                fast_assert(dk_flat_replace(&f, dk_flat_seek(f, i), &v));
                owned_free(&m[i]);
                m[i] = owned_copy(&v);
            }
            break;
        }
        if (op % 97 == 0) check_equal(f, m, n);
    }
    check_equal(f, m, n);
    payload = 0;
    for (size_t i = 0; i < n; i++)
        payload += dk_box_size(&m[i].v);
    fast_assert_uint_eq(dk_flat_end(f) >= payload + n, 1);
    fast_assert_uint_eq(dk_flat_bytes(f) >= payload, 1);
    /* find: every element is found at (or before) its own offset */
    for (size_t i = 0; i < n; i += 7) {
        size_t at = dk_flat_find(f, 0, &m[i].v);
        fast_assert_uint_le(at, dk_flat_seek(f, i));
        dk_val x;
        dk_flat_get(f, at, &x);
        fast_assert(dk_val_eq(&x, &m[i].v));
    }
    dk_flat_delete(&f, 0, n);
    for (size_t i = 0; i < n; i++)
        owned_free(&m[i]);
    ck_assert_uint_eq(dk_flat_count(f), 0);
    ck_assert_uint_le(dk_flat_bytes(f), empty + 96);
    dk_flat_free(f);
}
END_TEST

START_TEST(test_flat_small_ints_cost_two_or_three_bytes) {
    dk_flat *f = dk_flat_new();
    for (int64_t i = 0; i < 64; i++) {
        dk_val v = dk_i64(i);
        fast_assert_uint_eq(dk_flat_elem_size(&v), 2);
        fast_assert(dk_flat_insert(&f, dk_flat_end(f), &v));
    }
    ck_assert_uint_eq(dk_flat_end(f), 128);
    for (int64_t i = 64; i < 4160; i++) { /* up to 4159: three bytes, walkable both ways */
        dk_val v = dk_i64(i);
        fast_assert_uint_eq(dk_flat_elem_size(&v), 3);
        fast_assert(dk_flat_insert(&f, dk_flat_end(f), &v));
    }
    ck_assert_uint_eq(dk_flat_end(f), 128 + 3 * (4160 - 64));
    size_t off = dk_flat_end(f);
    for (int64_t i = 4159; i >= 0; i--) {
        dk_val v;
        off = dk_flat_prev(f, off);
        dk_flat_get(f, off, &v);
        fast_assert(v.v.i == i);
    }
    ck_assert_uint_eq(off, 0);
    dk_flat_free(f);
}
END_TEST

/* Big elements need multi-byte back lengths; walking back over them must still work. */
START_TEST(test_flat_big_and_empty_elements) {
    static uint8_t big[70000];
    memset(big, 'x', sizeof big);
    dk_val vals[] = {dk_bytes(big, 0),     dk_bytes(big, 127),   dk_bytes(big, 128),
                     dk_bytes(big, 16383), dk_bytes(big, 16384), dk_bytes(big, 70000),
                     dk_i64(INT64_MIN),    dk_u64(UINT64_MAX),   dk_null()};
    size_t n = sizeof vals / sizeof vals[0];
    dk_flat *f = dk_flat_new();
    for (size_t i = 0; i < n; i++)
        fast_assert(dk_flat_insert(&f, dk_flat_end(f), &vals[i]));
    size_t off = dk_flat_end(f);
    dk_val x;
    for (size_t i = n; i-- > 0;) {
        off = dk_flat_prev(f, off);
        dk_flat_get(f, off, &x);
        fast_assert(dk_val_eq(&x, &vals[i]));
    }
    ck_assert_uint_eq(off, 0);
    ck_assert_uint_eq(dk_flat_last(f), dk_flat_seek(f, n - 1));
    dk_flat_free(f);
}
END_TEST

START_TEST(test_flat_split_and_concat_round_trip) {
    dk_rand r = {8};
    uint8_t buf[5000];
    dk_flat *f = dk_flat_new();
    owned m[100];
    for (size_t i = 0; i < 100; i++) {
        dk_val v = rand_val(&r, buf);
        fast_assert(dk_flat_insert(&f, dk_flat_end(f), &v));
        m[i] = owned_copy(&v);
    }
    dk_flat *right;
    ck_assert(dk_flat_split(&f, dk_flat_seek(f, 40), &right));
    check_equal(f, m, 40);
    check_equal(right, m + 40, 60);
    ck_assert(dk_flat_concat(&f, right));
    check_equal(f, m, 100);
    ck_assert_uint_eq(dk_flat_find(f, 0, &(dk_val){.type = DK_PTR}), DK_FLAT_NONE);
    for (size_t i = 0; i < 100; i++)
        owned_free(&m[i]);
    dk_flat_free(right);
    dk_flat_free(f);
}
END_TEST

/* The inline scan helpers must agree with dk_box_unpack and dk_val_cmp on every kind of box. */
START_TEST(test_flat_fast_box_paths_agree_with_box_api) {
    dk_rand r = {2718};
    static uint8_t a[5000], b[5000], packed[6000];
    for (int i = 0; i < 200000; i++) {
        dk_val x = rand_val(&r, a), k = dk_rand_below(&r, 3) ? rand_val(&r, b) : x, u;
        if (dk_rand_below(&r, 4) == 0)
            x = dk_i64((int64_t)dk_rand_below(&r, dk_rand_below(&r, 2) ? 64 : 4400));
        if (dk_rand_below(&r, 4) == 0)
            k = dk_i64((int64_t)dk_rand_below(&r, dk_rand_below(&r, 2) ? 80 : 4400) - 8);
        size_t n = dk_box_pack(&x, packed), sz = 0;
        fast_assert_uint_eq(dk_boxf_size(packed, n), n);
        fast_assert_uint_eq(dk_box_unpack(packed, n, &u), n);
        int want = dk_val_cmp(&u, &k), got = dk_boxf_cmp(packed, n, &k, &sz);
        fast_assert_int_eq((want > 0) - (want < 0), (got > 0) - (got < 0));
        fast_assert_uint_eq(sz, n);
    }
    /* every valid code byte, with a zero payload */
    for (int c = 0; c < 256; c++) {
        memset(packed, 0, 40);
        packed[0] = (uint8_t)c;
        if (dk_box_unpack(packed, 40, &(dk_val){0}))
            fast_assert_uint_eq(dk_boxf_size(packed, 40), dk_box_unpack(packed, 40, &(dk_val){0}));
    }
}
END_TEST

static Suite *flat_suite(void) {
    Suite *s = suite_create("dk_flat");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_flat_random_edits_match_model, 0, 3);
    tcase_add_test(tc, test_flat_small_ints_cost_two_or_three_bytes);
    tcase_add_test(tc, test_flat_big_and_empty_elements);
    tcase_add_test(tc, test_flat_split_and_concat_round_trip);
    tcase_add_test(tc, test_flat_fast_box_paths_agree_with_box_api);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(flat_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
