/* test_dk_hll.c -- datakit HLL: Redis's counts, accuracy, sparse/dense, merge, byte layout. */
#include <check.h>

#include "dk_check_fast.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/hll.h>

static int add_str(dk_hll *h, const char *fmt, unsigned long i) {
    char buf[64];
    int n = snprintf(buf, sizeof buf, fmt, i);
    return dk_hll_add(h, buf, (size_t)n);
}

START_TEST(test_dk_hll_empty_is_an_18_byte_sparse_sketch) {
    dk_hll *h = dk_hll_new();
    size_t n;
    const uint8_t *d = dk_hll_data(h, &n);
    fast_assert_uint_eq(n, 18);
    fast_assert(memcmp(d, "HYLL\x01\0\0\0", 8) == 0);
    fast_assert_uint_eq(d[16], 0x7f); /* XZERO covering 16384 registers */
    fast_assert_uint_eq(d[17], 0xff);
    fast_assert(dk_hll_is_sparse(h));
    fast_assert_uint_eq(dk_hll_count(h), 0);
    fast_assert_uint_ge(dk_hll_bytes(h), 18);
    dk_hll_free(h);
}
END_TEST

/* Expected values from redis-server 7.0.15: PFADD k e0 e1 ... e<n-1> (one element per
 * command, pipelined), then PFCOUNT k and PFDEBUG ENCODING k after each mark.  The script
 * tests/unit/dk_hll_redis.py runs such comparisons live when redis-server is installed. */
START_TEST(test_dk_hll_counts_equal_redis) {
    static const struct {
        unsigned long n;
        uint64_t count;
        bool sparse;
    } marks[] = {
        {1, 1, true},         {10, 10, true},          {100, 100, true},         {1000, 1008, true},
        {10000, 9973, false}, {100000, 100853, false}, {1000000, 991657, false},
    };
    dk_hll *h = dk_hll_new();
    unsigned long i = 0;
    for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
        for (; i < marks[m].n; i++)
            fast_assert_int_ge(add_str(h, "e%lu", i), 0);
        fast_assert_uint_eq(dk_hll_count(h), marks[m].count);
        fast_assert_int_eq(dk_hll_is_sparse(h), marks[m].sparse);
    }
    dk_hll_free(h);
}
END_TEST

START_TEST(test_dk_hll_error_within_three_standard_errors) {
    /* 1.04 / sqrt(16384) = 0.81% standard error */
    unsigned long sizes[] = {5000, 50000, 300000, 2000000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        dk_hll *h = dk_hll_new();
        for (unsigned long i = 0; i < sizes[s]; i++)
            add_str(h, "rand-%lx", i * 2654435761ul + s);
        double err = fabs((double)dk_hll_count(h) - (double)sizes[s]) / (double)sizes[s];
        fast_assert_msg(err < 3 * 0.0081, "n=%lu error %.4f", sizes[s], err);
        dk_hll_free(h);
    }
}
END_TEST

START_TEST(test_dk_hll_add_reports_register_changes_and_cache) {
    dk_hll *h = dk_hll_new();
    fast_assert_int_eq(dk_hll_add(h, "a", 1), 1);
    fast_assert_int_eq(dk_hll_add(h, "a", 1), 0);
    fast_assert_uint_eq(dk_hll_count(h), 1);
    size_t n;
    const uint8_t *d = dk_hll_data(h, &n);
    fast_assert_uint_eq(d[15] & 0x80, 0); /* cache valid */
    fast_assert_uint_eq(d[8], 1);
    fast_assert_int_eq(dk_hll_add(h, "b", 1), 1);
    d = dk_hll_data(h, &n);
    fast_assert_uint_ne(d[15] & 0x80, 0); /* cache stale */
    fast_assert_uint_eq(dk_hll_count(h), 2);
    fast_assert_uint_eq(dk_hll_count(h), 2);
    dk_hll_free(h);
}
END_TEST

START_TEST(test_dk_hll_promotes_to_dense_past_sparse_limit) {
    dk_hll *h = dk_hll_new();
    size_t n = 0, last_sparse = 0;
    unsigned long i = 0;
    while (dk_hll_is_sparse(h)) {
        dk_hll_data(h, &last_sparse);
        add_str(h, "p%lu", i++);
    }
    fast_assert_uint_le(last_sparse, DK_HLL_SPARSE_MAX_DEFAULT);
    fast_assert_uint_gt(last_sparse, DK_HLL_SPARSE_MAX_DEFAULT - 3);
    dk_hll_data(h, &n);
    fast_assert_uint_eq(n, DK_HLL_DENSE_SIZE);
    /* a lower limit promotes sooner */
    dk_hll *g = dk_hll_new();
    dk_hll_set_sparse_max(g, 100);
    for (unsigned long k = 0; k < i && dk_hll_is_sparse(g); k++)
        add_str(g, "p%lu", k);
    fast_assert(!dk_hll_is_sparse(g));
    fast_assert_uint_le(dk_hll_bytes(h), DK_HLL_DENSE_SIZE + 96);
    dk_hll_free(g);
    dk_hll_free(h);
}
END_TEST

START_TEST(test_dk_hll_register_over_32_promotes) {
    dk_hll *h = dk_hll_new();
    fast_assert_int_eq(dk_hll_raise(h, 5, 32), 1);
    fast_assert(dk_hll_is_sparse(h));
    fast_assert_uint_eq(dk_hll_register(h, 5), 32);
    fast_assert_int_eq(dk_hll_raise(h, 5, 20), 0);
    fast_assert_int_eq(dk_hll_raise(h, 16383, 33), 1);
    fast_assert(!dk_hll_is_sparse(h));
    fast_assert_uint_eq(dk_hll_register(h, 16383), 33);
    fast_assert_uint_eq(dk_hll_register(h, 5), 32);
    fast_assert_uint_eq(dk_hll_register(h, 6), 0);
    dk_hll_free(h);
}
END_TEST

START_TEST(test_dk_hll_sparse_and_dense_agree_register_by_register) {
    dk_hll *s = dk_hll_new();
    for (unsigned long i = 0; i < 700; i++)
        add_str(s, "x%lu", i);
    fast_assert(dk_hll_is_sparse(s));
    size_t n;
    const uint8_t *d = dk_hll_data(s, &n);
    dk_hll *t = dk_hll_from_bytes(d, n);
    fast_assert_ptr_nonnull(t);
    fast_assert(dk_hll_to_dense(t));
    fast_assert(!dk_hll_is_sparse(t));
    for (unsigned r = 0; r < DK_HLL_REGISTERS; r++)
        fast_assert_uint_eq(dk_hll_register(s, r), dk_hll_register(t, r));
    fast_assert_uint_eq(dk_hll_count(s), dk_hll_count(t));
    dk_hll_free(s);
    dk_hll_free(t);
}
END_TEST

START_TEST(test_dk_hll_merge_and_union_count) {
    dk_hll *a = dk_hll_new(), *b = dk_hll_new(), *c = dk_hll_new();
    for (unsigned long i = 0; i < 300; i++)
        add_str(a, "a%lu", i);
    for (unsigned long i = 0; i < 200; i++)
        add_str(b, "b%lu", i);
    for (unsigned long i = 0; i < 40000; i++)
        add_str(c, "c%lu", i);
    const dk_hll *ab[] = {a, b};
    uint64_t u = dk_hll_count_union(ab, 2);
    fast_assert_uint_ge(u, 480);
    fast_assert_uint_le(u, 520);
    dk_hll *m = dk_hll_new();
    fast_assert(dk_hll_merge(m, ab, 2));
    fast_assert(dk_hll_is_sparse(m)); /* sparse inputs, small result: stays sparse */
    fast_assert_uint_eq(dk_hll_count(m), u);
    const dk_hll *mc[] = {c};
    fast_assert(dk_hll_merge(m, mc, 1));
    fast_assert(!dk_hll_is_sparse(m)); /* a dense input makes the result dense */
    const dk_hll *abc[] = {a, b, c};
    fast_assert_uint_eq(dk_hll_count(m), dk_hll_count_union(abc, 3));
    for (unsigned r = 0; r < DK_HLL_REGISTERS; r++) {
        unsigned want = dk_hll_register(a, r);
        want = dk_hll_register(b, r) > want ? dk_hll_register(b, r) : want;
        want = dk_hll_register(c, r) > want ? dk_hll_register(c, r) : want;
        fast_assert_uint_eq(dk_hll_register(m, r), want);
    }
    fast_assert_uint_eq(dk_hll_count_union(ab, 0), 0);
    dk_hll_free(a);
    dk_hll_free(b);
    dk_hll_free(c);
    dk_hll_free(m);
}
END_TEST

START_TEST(test_dk_hll_from_bytes_refuses_invalid) {
    uint8_t buf[DK_HLL_DENSE_SIZE + 1];
    memset(buf, 0, sizeof buf);
    memcpy(buf, "HYLL", 4);
    fast_assert_ptr_null(dk_hll_from_bytes(buf, 10));                    /* short header */
    fast_assert_ptr_null(dk_hll_from_bytes(buf, DK_HLL_DENSE_SIZE - 1)); /* dense, wrong size */
    fast_assert_ptr_null(dk_hll_from_bytes(buf, DK_HLL_DENSE_SIZE + 1));
    dk_hll *ok = dk_hll_from_bytes(buf, DK_HLL_DENSE_SIZE);
    fast_assert_ptr_nonnull(ok);
    fast_assert_uint_eq(dk_hll_count(ok), 0);
    dk_hll_free(ok);
    buf[4] = 2; /* unknown encoding */
    fast_assert_ptr_null(dk_hll_from_bytes(buf, DK_HLL_DENSE_SIZE));
    buf[4] = 1;
    buf[16] = 0x7f;
    buf[17] = 0xfe; /* XZERO 16383: short */
    fast_assert_ptr_null(dk_hll_from_bytes(buf, 18));
    buf[18] = 0x00; /* + ZERO 1: exact */
    ok = dk_hll_from_bytes(buf, 19);
    fast_assert_ptr_nonnull(ok);
    dk_hll_free(ok);
    buf[18] = 0x01; /* + ZERO 2: too many */
    fast_assert_ptr_null(dk_hll_from_bytes(buf, 19));
    fast_assert_ptr_null(dk_hll_from_bytes(buf, 17)); /* cut XZERO */
    buf[0] = 'X';
    fast_assert_ptr_null(dk_hll_from_bytes(buf, 18));
}
END_TEST

static Suite *hll_suite(void) {
    Suite *s = suite_create("dk_hll");
    TCase *tc = tcase_create("hll");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_dk_hll_empty_is_an_18_byte_sparse_sketch);
    tcase_add_test(tc, test_dk_hll_counts_equal_redis);
    tcase_add_test(tc, test_dk_hll_error_within_three_standard_errors);
    tcase_add_test(tc, test_dk_hll_add_reports_register_changes_and_cache);
    tcase_add_test(tc, test_dk_hll_promotes_to_dense_past_sparse_limit);
    tcase_add_test(tc, test_dk_hll_register_over_32_promotes);
    tcase_add_test(tc, test_dk_hll_sparse_and_dense_agree_register_by_register);
    tcase_add_test(tc, test_dk_hll_merge_and_union_count);
    tcase_add_test(tc, test_dk_hll_from_bytes_refuses_invalid);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(hll_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
