/* test_expire_lag.c -- the expiry-lag histogram: bucket bounds, percentiles of known
 * distributions, sums of several threads' histograms, and the edges (nothing counted, negative
 * and huge lags). */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expire_lag.h"

static expire_lag_summary summarize(expire_lag *const *h, int n) {
    static expire_lag_total acc;
    memset(&acc, 0, sizeof acc);
    for (int i = 0; i < n; i++)
        expire_lag_sum(&acc, h[i]);
    expire_lag_summary s;
    expire_lag_summarize(&acc, &s);
    return s;
}

START_TEST(test_expire_lag_buckets_tile_the_range) {
    /* every bucket starts one past where the one before ends, and holds what it claims */
    uint64_t next = 0;
    for (unsigned b = 0; b + 1 < EXPIRE_LAG_BUCKETS; b++) {
        uint64_t top = expire_lag_bucket_top(b);
        ck_assert_uint_ge(top, next);
        ck_assert_uint_eq(expire_lag_bucket(next), b);
        ck_assert_uint_eq(expire_lag_bucket(top), b);
        /* at most 1/16 of the bucket's smallest value wide beyond the exact ones */
        if (b >= EXPIRE_LAG_EXACT) ck_assert_uint_le((top - next + 1) * 16, next);
        next = top + 1;
    }
    ck_assert_uint_eq(next, 1ull << EXPIRE_LAG_TOP_BIT);
    ck_assert_uint_eq(expire_lag_bucket(next), EXPIRE_LAG_BUCKETS - 1);
    ck_assert_uint_eq(expire_lag_bucket(UINT64_MAX), EXPIRE_LAG_BUCKETS - 1);
}
END_TEST

START_TEST(test_expire_lag_empty_is_all_zero) {
    static expire_lag h;
    memset(&h, 0, sizeof h);
    expire_lag *hs[] = {&h};
    expire_lag_summary s = summarize(hs, 1);
    ck_assert_uint_eq(s.count, 0);
    ck_assert_uint_eq(s.p50_us + s.p99_us + s.p999_us + s.max_us, 0);
}
END_TEST

START_TEST(test_expire_lag_percentiles_of_a_known_spread) {
    static expire_lag h;
    memset(&h, 0, sizeof h);
    for (int v = 1; v <= 1000; v++)
        expire_lag_add(&h, v); /* 1..1000 us */
    expire_lag *hs[] = {&h};
    expire_lag_summary s = summarize(hs, 1);
    ck_assert_uint_eq(s.count, 1000);
    ck_assert_uint_eq(s.max_us, 1000);
    /* the true values are 500, 990 and 999: reported as their buckets' upper ends */
    ck_assert_uint_ge(s.p50_us, 500);
    ck_assert_uint_le(s.p50_us, 500 + 500 / 16);
    ck_assert_uint_ge(s.p99_us, 990);
    ck_assert_uint_le(s.p99_us, 1000);
    ck_assert_uint_ge(s.p999_us, 999);
    ck_assert(s.p50_us <= s.p99_us && s.p99_us <= s.p999_us && s.p999_us <= s.max_us);
}
END_TEST

START_TEST(test_expire_lag_small_lags_are_exact) {
    static expire_lag h;
    memset(&h, 0, sizeof h);
    for (int i = 0; i < 98; i++)
        expire_lag_add(&h, 7);
    expire_lag_add(&h, 20);
    expire_lag_add(&h, 31);
    expire_lag *hs[] = {&h};
    expire_lag_summary s = summarize(hs, 1);
    ck_assert_uint_eq(s.p50_us, 7);
    ck_assert_uint_eq(s.p99_us, 20);
    ck_assert_uint_eq(s.p999_us, 31);
    ck_assert_uint_eq(s.max_us, 31);
}
END_TEST

START_TEST(test_expire_lag_threads_add_up) {
    static expire_lag a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    for (int i = 0; i < 900; i++)
        expire_lag_add(&a, 100);
    for (int i = 0; i < 100; i++)
        expire_lag_add(&b, 50000);
    expire_lag *hs[] = {&a, &b};
    expire_lag_summary s = summarize(hs, 2);
    ck_assert_uint_eq(s.count, 1000);
    ck_assert_uint_ge(s.p50_us, 100);
    ck_assert_uint_le(s.p50_us, 100 + 100 / 16);
    ck_assert_uint_ge(s.p99_us, 50000);
    ck_assert_uint_eq(s.max_us, 50000); /* capped at the maximum, not the bucket's end */
    ck_assert_uint_eq(s.p99_us, 50000);
}
END_TEST

START_TEST(test_expire_lag_negative_and_huge_lags) {
    static expire_lag h;
    memset(&h, 0, sizeof h);
    expire_lag_add(&h, -5000); /* a clock stepped back: counted as no lag */
    expire_lag_add(&h, INT64_MAX);
    expire_lag *hs[] = {&h};
    expire_lag_summary s = summarize(hs, 1);
    ck_assert_uint_eq(s.count, 2);
    ck_assert_uint_eq(s.p50_us, 0);
    ck_assert_uint_eq(s.max_us, (uint64_t)INT64_MAX);
    ck_assert_uint_eq(s.p99_us, (uint64_t)INT64_MAX);
}
END_TEST

static Suite *expire_lag_suite(void) {
    Suite *s = suite_create("expire_lag");
    TCase *tc = tcase_create("histogram");
    tcase_add_test(tc, test_expire_lag_buckets_tile_the_range);
    tcase_add_test(tc, test_expire_lag_empty_is_all_zero);
    tcase_add_test(tc, test_expire_lag_percentiles_of_a_known_spread);
    tcase_add_test(tc, test_expire_lag_small_lags_are_exact);
    tcase_add_test(tc, test_expire_lag_threads_add_up);
    tcase_add_test(tc, test_expire_lag_negative_and_huge_lags);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(expire_lag_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
