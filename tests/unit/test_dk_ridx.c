/* test_dk_ridx.c -- unit tests for dk_ridx, the counted B+tree indexing dk_sorted's runs, against
 * a model: plain arrays of (run, count, key) kept in order, checked after every operation. */
#include <check.h>

#include "model_move.h"
#include "dk_check_fast.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/ridx.h>

#include "dk_rand.h"

typedef struct model {
    uintptr_t run[40000];
    uint32_t count[40000];
    uint64_t key[40000];
    uint32_t n;
    uint64_t total;
} model;

static model m;
static dk_rand rng;

static uint64_t below(uint64_t n) {
    return dk_rand_below(&rng, n);
}

static void model_insert(uint32_t i, uintptr_t run, uint32_t count, uint64_t key) {
    model_move(m.run + i + 1, m.run + i, (m.n - i) * sizeof *m.run);
    model_move(m.count + i + 1, m.count + i, (m.n - i) * sizeof *m.count);
    model_move(m.key + i + 1, m.key + i, (m.n - i) * sizeof *m.key);
    m.run[i] = run;
    m.count[i] = count;
    m.key[i] = key;
    m.n++;
    m.total += count;
}

static void model_remove(uint32_t i) {
    m.total -= m.count[i];
    model_move(m.run + i, m.run + i + 1, (m.n - i - 1) * sizeof *m.run);
    model_move(m.count + i, m.count + i + 1, (m.n - i - 1) * sizeof *m.count);
    model_move(m.key + i, m.key + i + 1, (m.n - i - 1) * sizeof *m.key);
    m.n--;
}

/* A key for a new run at i that keeps keys nondecreasing (ties allowed, as prefixes tie). */
static uint64_t key_between(uint32_t i) {
    uint64_t lo = i ? m.key[i - 1] : 0, hi = i < m.n ? m.key[i] : lo + 1000;
    return lo + (hi > lo ? below(hi - lo + 1) : 0);
}

/* Checks every query against the model: a full pass, then samples. */
static void check_all(const dk_ridx *x, bool full) {
    ck_assert_uint_eq(x->n, m.n);
    ck_assert_uint_eq(x->total, m.total);
    uint32_t step = full || m.n < 200 ? 1 : m.n / 97;
    uint64_t before = 0;
    for (uint32_t i = 0; i < m.n; i += step) {
        if (step > 1) before = 0;
        if (step > 1)
            for (uint32_t j = 0; j < i; j++)
                before += m.count[j];
        fast_assert_ptr_eq(dk_ridx_run(x, i), (void *)m.run[i]);
        fast_assert_uint_eq(dk_ridx_count(x, i), m.count[i]);
        fast_assert_uint_eq(dk_ridx_before(x, i), before);
        if (m.count[i]) {
            uint32_t within;
            uint64_t pos = before + below(m.count[i]);
            fast_assert_uint_eq(dk_ridx_locate(x, pos, &within), i);
            fast_assert_uint_eq(within, pos - before);
        }
        uint64_t k = m.key[i];
        uint32_t upper = 0;
        while (upper < m.n && m.key[upper] <= k)
            upper++;
        uint64_t last = ~k;
        fast_assert_uint_eq(dk_ridx_upper(x, k, &last), upper);
        fast_assert_uint_eq(last, m.key[upper - 1]);
        if (step == 1) before += m.count[i];
    }
    ck_assert_uint_eq(dk_ridx_before(x, m.n), m.total);
    ck_assert_uint_eq(dk_ridx_upper(x, UINT64_MAX, NULL), m.n);
    if (m.n && m.key[0] > 0) ck_assert_uint_eq(dk_ridx_upper(x, m.key[0] - 1, NULL), 0);
}

START_TEST(test_dk_ridx_random_against_model) {
    rng.s = 42;
    memset(&m, 0, sizeof m);
    dk_ridx *x = dk_ridx_new();
    ck_assert_ptr_nonnull(x);
    uintptr_t next_run = 1;
    for (int round = 0; round < 60000; round++) {
        /* grow to ~20k runs, then shrink to nothing, then grow again */
        int phase = (round / 20000) % 2;
        uint32_t op = (uint32_t)below(100);
        bool grow = phase == 0 ? op < 70 : op < 25;
        if (grow || m.n == 0) {
            uint32_t i = (uint32_t)below(m.n + 1);
            uint32_t count = 1 + (uint32_t)below(200);
            uint64_t key = key_between(i);
            fast_assert(dk_ridx_insert(x, i, (void *)next_run, count, key));
            model_insert(i, next_run++, count, key);
        } else if (op < 85) {
            uint32_t i = (uint32_t)below(m.n);
            dk_ridx_remove(x, i);
            model_remove(i);
        } else if (op < 93) {
            uint32_t i = (uint32_t)below(m.n);
            int64_t delta = (int64_t)below(50) - (int64_t)(m.count[i] < 25 ? m.count[i] : 25);
            dk_ridx_add(x, i, delta);
            m.count[i] = (uint32_t)((int64_t)m.count[i] + delta);
            m.total = (uint64_t)((int64_t)m.total + delta);
        } else if (op < 97) {
            uint32_t i = (uint32_t)below(m.n);
            uint64_t lo = i ? m.key[i - 1] : 0, hi = i + 1 < m.n ? m.key[i + 1] : lo + 1000;
            uint64_t key = lo + below(hi - lo + 1);
            dk_ridx_set_key(x, i, key);
            m.key[i] = key;
        } else {
            uint32_t i = (uint32_t)below(m.n);
            void **slot = dk_ridx_slot(x, i);
            *slot = (void *)next_run;
            m.run[i] = next_run++;
        }
        if (round % 997 == 0 || m.n < 40) check_all(x, round % 9970 == 0);
    }
    check_all(x, true);
    ck_assert_uint_gt(dk_ridx_bytes(x), 0);
    dk_ridx_free(x);
}
END_TEST

START_TEST(test_dk_ridx_walk_and_bytes) {
    /* appending 20,000 runs as a store grows; a walk by index; bytes per run stay small */
    dk_ridx *x = dk_ridx_new();
    for (uint32_t i = 0; i < 20000; i++)
        fast_assert(dk_ridx_insert(x, i, (void *)(uintptr_t)(i + 1), 100, (uint64_t)i * 10));
    for (uint32_t i = 0; i < 20000; i++)
        fast_assert_ptr_eq(dk_ridx_run(x, i), (void *)(uintptr_t)(i + 1));
    ck_assert_uint_lt(dk_ridx_bytes(x) / 20000, 80);
    ck_assert_uint_eq(dk_ridx_upper(x, 55, NULL), 6);
    /* removing all but a few gives memory back */
    while (x->n > 3)
        dk_ridx_remove(x, x->n / 2);
    ck_assert_uint_lt(dk_ridx_bytes(x), 4096);
    ck_assert_uint_eq(x->total, 300);
    dk_ridx_free(x);
    /* a small index costs about what flat arrays cost */
    x = dk_ridx_new();
    ck_assert(dk_ridx_insert(x, 0, (void *)1, 5, 1));
    ck_assert(dk_ridx_insert(x, 1, (void *)2, 5, 2));
    ck_assert_uint_lt(dk_ridx_bytes(x), 200);
    dk_ridx_remove(x, 0);
    dk_ridx_remove(x, 0);
    ck_assert_uint_eq(x->n, 0);
    ck_assert(dk_ridx_insert(x, 0, (void *)3, 1, 1));
    ck_assert_ptr_eq(dk_ridx_run(x, 0), (void *)3);
    dk_ridx_free(x);
}
END_TEST

int main(void) {
    Suite *s = suite_create("dk_ridx");
    TCase *tc = tcase_create("ridx");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_dk_ridx_random_against_model);
    tcase_add_test(tc, test_dk_ridx_walk_and_bytes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
