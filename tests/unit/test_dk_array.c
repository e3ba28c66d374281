/* test_dk_array.c -- unit tests for dk_array, the fixed-width element array. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/array.h>

#include "model_move.h"
#include "dk_check_fast.h"
#include "dk_rand.h"

START_TEST(test_array_rejects_bad_widths) {
    ck_assert_ptr_null(dk_array_new(0));
    ck_assert_ptr_null(dk_array_new(3));
    ck_assert_ptr_null(dk_array_new(32));
    unsigned ok[] = {1, 2, 4, 8, 16};
    for (size_t i = 0; i < 5; i++) {
        dk_array *a = dk_array_new(ok[i]);
        fast_assert_ptr_nonnull(a);
        fast_assert_uint_eq(dk_array_width(a), ok[i]);
        fast_assert_uint_eq(dk_array_len(a), 0);
        dk_array_free(a);
    }
}
END_TEST

/* Random push/insert/delete/set/pop/resize against a plain byte array, for every width. */
START_TEST(test_array_random_ops_match_model) {
    static const unsigned widths[] = {1, 2, 4, 8, 16};
    unsigned w = widths[_i];
    dk_rand r = {1234 + _i};
    dk_array *a = dk_array_new(w);
    size_t cap = 1 << 16, len = 0;
    uint8_t *model = malloc(cap * w), elem[16], got[16];
    for (int op = 0; op < 20000; op++) {
        for (unsigned k = 0; k < w; k++)
            elem[k] = (uint8_t)dk_rand_u64(&r);
        switch (dk_rand_below(&r, 8)) {
        case 0:
        case 1:
        case 2:
            if (len < cap) {
                fast_assert(dk_array_push(a, elem));
                memcpy(model + len++ * w, elem, w);
            }
            break;
        case 3:
            if (len < cap) {
                size_t i = dk_rand_below(&r, len + 1);
                fast_assert(dk_array_insert(a, i, elem));
                model_move(model + (i + 1) * w, model + i * w, (len - i) * w);
                memcpy(model + i * w, elem, w);
                len++;
            }
            break;
        case 4:
            if (len) {
                size_t i = dk_rand_below(&r, len), n = dk_rand_below(&r, 5);
                if (n > len - i) n = len - i;
                dk_array_delete(a, i, n);
                model_move(model + i * w, model + (i + n) * w, (len - i - n) * w);
                len -= n;
            }
            break;
        case 5:
            if (len) {
                size_t i = dk_rand_below(&r, len);
                dk_array_set(a, i, elem);
                memcpy(model + i * w, elem, w);
            }
            break;
        case 6:
            if (len) {
                fast_assert(dk_array_pop(a, got));
                len--;
                fast_assert(memcmp(got, model + len * w, w) == 0);
            } else {
                fast_assert(!dk_array_pop(a, got));
            }
            break;
        default:
            if (dk_rand_below(&r, 50) == 0) {
                size_t n = dk_rand_below(&r, 3000);
                fast_assert(dk_array_resize(a, n));
                if (n > len) memset(model + len * w, 0, (n - len) * w);
                len = n;
            }
            break;
        }
        fast_assert_uint_eq(dk_array_len(a), len);
        if (op % 997 == 0)
            for (size_t i = 0; i < len; i++)
                fast_assert(memcmp(dk_array_at(a, i), model + i * w, w) == 0);
    }
    for (size_t i = 0; i < len; i++) {
        dk_array_get(a, i, got);
        fast_assert(memcmp(got, model + i * w, w) == 0);
    }
    free(model);
    dk_array_free(a);
}
END_TEST

START_TEST(test_array_u64_view_truncates_and_extends) {
    dk_array *a = dk_array_new(2);
    fast_assert(dk_array_resize(a, 3));
    dk_array_set_u64(a, 1, 0x12345);
    fast_assert_uint_eq(dk_array_get_u64(a, 1), 0x2345);
    fast_assert_uint_eq(dk_array_get_u64(a, 0), 0);
    dk_array_free(a);
    a = dk_array_new(8);
    fast_assert(dk_array_push(a, NULL));
    dk_array_set_u64(a, 0, UINT64_MAX);
    fast_assert_uint_eq(dk_array_get_u64(a, 0), UINT64_MAX);
    dk_array_free(a);
}
END_TEST

START_TEST(test_array_bytes_track_content) {
    dk_array *a = dk_array_new(8);
    size_t empty = dk_array_bytes(a);
    uint64_t v = 7;
    for (int i = 0; i < 10000; i++)
        fast_assert(dk_array_push(a, &v));
    ck_assert_uint_ge(dk_array_bytes(a), empty + 10000 * 8);
    dk_array_shrink(a);
    ck_assert_uint_le(dk_array_bytes(a), empty + 10000 * 8 + 64);
    dk_array_delete(a, 0, 10000);
    fast_assert_uint_eq(dk_array_len(a), 0);
    dk_array_shrink(a);
    fast_assert_uint_eq(dk_array_bytes(a), empty);
    fast_assert(dk_array_resize(a, 100));
    ck_assert_uint_ge(dk_array_bytes(a), empty + 800);
    fast_assert(dk_array_resize(a, 0));
    fast_assert_uint_eq(dk_array_bytes(a), empty);
    dk_array_free(a);
}
END_TEST

static Suite *array_suite(void) {
    Suite *s = suite_create("dk_array");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_array_rejects_bad_widths);
    tcase_add_loop_test(tc, test_array_random_ops_match_model, 0, 5);
    tcase_add_test(tc, test_array_u64_view_truncates_and_extends);
    tcase_add_test(tc, test_array_bytes_track_content);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(array_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
