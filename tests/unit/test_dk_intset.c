/* test_dk_intset.c -- unit tests for dk_intset, the width-tiered chunked integer set. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/intset.h>

#include "model_move.h"
#include "dk_check_fast.h"
#include "dk_rand.h"

/* ---- the reference model: a plain sorted array ------------------------------------------- */

typedef struct model {
    int64_t *v;
    size_t n, cap;
} model;

static size_t model_lb(const model *m, int64_t x) {
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool model_add(model *m, int64_t x) {
    size_t i = model_lb(m, x);
    if (i < m->n && m->v[i] == x) return false;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = realloc(m->v, m->cap * sizeof *m->v);
    }
    model_move(m->v + i + 1, m->v + i, (m->n - i) * sizeof *m->v);
    m->v[i] = x;
    m->n++;
    return true;
}

static bool model_del(model *m, int64_t x) {
    size_t i = model_lb(m, x);
    if (i >= m->n || m->v[i] != x) return false;
    model_move(m->v + i, m->v + i + 1, (m->n - i - 1) * sizeof *m->v);
    m->n--;
    return true;
}

/* A value from a mix of magnitudes so every width tier is exercised. */
static int64_t pick(dk_rand *r, int spread) {
    switch (dk_rand_below(r, spread)) {
    case 0:
        return (int64_t)dk_rand_below(r, 200) - 100;
    case 1:
        return (int64_t)dk_rand_below(r, 70000) - 35000;
    case 2:
        return (int64_t)dk_rand_below(r, 1u << 31) * (dk_rand_below(r, 2) ? 1 : -1);
    case 3:
        return (int64_t)dk_rand_u64(r);
    default: {
        static const int64_t edge[] = {INT64_MIN, INT64_MAX, INT32_MIN,     INT32_MAX,
                                       INT16_MIN, INT16_MAX, INT16_MAX + 1, INT16_MIN - 1,
                                       0,         -1};
        return edge[dk_rand_below(r, 10)];
    }
    }
}

/* Checks count, every rank both ways, and a full cursor walk forwards and backwards. */
static void check_equal(const dk_intset *s, const model *m) {
    fast_assert_uint_eq(dk_intset_count(s), m->n);
    dk_iter it = dk_iter_at(0);
    int64_t x;
    for (size_t i = 0; i < m->n; i++) {
        fast_assert(dk_intset_next(s, &it, &x));
        fast_assert_int_eq(x, m->v[i]);
    }
    fast_assert(!dk_intset_next(s, &it, &x));
    it = dk_iter_at(m->n ? m->n - 1 : 0);
    for (size_t i = m->n; i-- > 0;) {
        fast_assert(dk_intset_prev(s, &it, &x));
        fast_assert_int_eq(x, m->v[i]);
    }
    fast_assert(!dk_intset_prev(s, &it, &x));
    for (size_t i = 0; i < m->n; i += 1 + m->n / 64) {
        fast_assert(dk_intset_at(s, i, &x));
        fast_assert_int_eq(x, m->v[i]);
        fast_assert_uint_eq(dk_intset_rank(s, m->v[i]), i);
        fast_assert(dk_intset_contains(s, m->v[i]));
    }
    fast_assert(!dk_intset_at(s, m->n, &x));
}

START_TEST(test_intset_random_ops_match_model) {
    dk_rand r = {77 + _i};
    dk_intset *s = dk_intset_new();
    model m = {0};
    int spread = _i == 0 ? 2 : 5; /* first round: narrow values only */
    for (int op = 0; op < 60000; op++) {
        int64_t x = pick(&r, spread);
        if (dk_rand_below(&r, 3)) {
            fast_assert_int_eq(dk_intset_add(s, x), model_add(&m, x) ? 1 : 0);
        } else {
            fast_assert_int_eq(dk_intset_remove(s, x), model_del(&m, x));
        }
        fast_assert_uint_eq(dk_intset_count(s), m.n);
        size_t at = model_lb(&m, x);
        fast_assert_int_eq(dk_intset_contains(s, x), at < m.n && m.v[at] == x);
        if (op % 5000 == 0) check_equal(s, &m);
    }
    check_equal(s, &m);
    free(m.v);
    dk_intset_free(s);
}
END_TEST

/* Grows from empty through the small tier into many chunks, then empties in random order. */
START_TEST(test_intset_grows_and_shrinks_through_tiers) {
    dk_rand r = {5};
    dk_intset *s = dk_intset_new();
    size_t empty = dk_intset_bytes(s);
    model m = {0};
    size_t last_bytes = empty;
    for (int i = 0; i < 100000; i++) {
        int64_t x = (int64_t)dk_rand_below(&r, 1u << 30);
        fast_assert_int_eq(dk_intset_add(s, x), model_add(&m, x) ? 1 : 0);
        if (i % 10000 == 0) {
            fast_assert_uint_ge(dk_intset_bytes(s), last_bytes);
            last_bytes = dk_intset_bytes(s);
        }
    }
    ck_assert_uint_gt(dk_intset_chunks(s), 50);
    fast_assert_uint_eq(dk_intset_width(s), 4);
    ck_assert_uint_ge(dk_intset_bytes(s), empty + m.n * 4);
    ck_assert_uint_le(dk_intset_bytes(s), empty + m.n * 5);
    check_equal(s, &m);
    /* shrink in random order, walking with a cursor between deletions */
    dk_iter it = dk_iter_at(0);
    while (m.n) {
        size_t i = dk_rand_below(&r, m.n);
        int64_t x = m.v[i], y;
        fast_assert(dk_intset_remove(s, x));
        fast_assert(model_del(&m, x));
        if (!dk_intset_next(s, &it, &y))
            it = dk_iter_at(0);
        else
            fast_assert_int_eq(y, m.v[it.pos - 1]);
        if (m.n % 20000 == 0) check_equal(s, &m);
    }
    fast_assert_uint_eq(dk_intset_chunks(s), 0);
    fast_assert_uint_eq(dk_intset_bytes(s), empty);
    free(m.v);
    dk_intset_free(s);
}
END_TEST

START_TEST(test_intset_widens_and_narrows) {
    dk_intset *s = dk_intset_new();
    fast_assert_uint_eq(dk_intset_width(s), 2);
    for (int64_t i = 1; i <= 3; i++)
        fast_assert_int_eq(dk_intset_add(s, i), 1);
    fast_assert_uint_eq(dk_intset_width(s), 2);
    fast_assert_int_eq(dk_intset_add(s, 100000), 1);
    fast_assert_uint_eq(dk_intset_width(s), 4);
    fast_assert_int_eq(dk_intset_add(s, INT64_MIN), 1);
    fast_assert_uint_eq(dk_intset_width(s), 8);
    int64_t x;
    fast_assert(dk_intset_at(s, 0, &x));
    fast_assert_int_eq(x, INT64_MIN);
    fast_assert(dk_intset_remove(s, INT64_MIN));
    fast_assert_uint_eq(dk_intset_width(s), 4);
    fast_assert(dk_intset_remove(s, 100000));
    fast_assert_uint_eq(dk_intset_width(s), 2);
    fast_assert(dk_intset_at(s, 2, &x));
    fast_assert_int_eq(x, 3);
    dk_intset_free(s);
}
END_TEST

START_TEST(test_intset_boundaries) {
    dk_intset *s = dk_intset_new();
    int64_t x;
    fast_assert(!dk_intset_random(s, 42, &x));
    fast_assert(!dk_intset_contains(s, 0));
    fast_assert(!dk_intset_remove(s, 0));
    fast_assert_uint_eq(dk_intset_rank(s, INT64_MAX), 0);
    fast_assert_int_eq(dk_intset_add(s, INT64_MAX), 1);
    fast_assert_int_eq(dk_intset_add(s, INT64_MIN), 1);
    fast_assert_int_eq(dk_intset_add(s, INT64_MAX), 0);
    fast_assert_uint_eq(dk_intset_rank(s, INT64_MAX), 1);
    fast_assert_uint_eq(dk_intset_rank(s, 0), 1);
    fast_assert(dk_intset_random(s, 1, &x));
    fast_assert_int_eq(x, INT64_MAX);
    dk_intset_free(s);
}
END_TEST

/* A cursor keeps walking in order while the set grows around it (positions re-seek). */
START_TEST(test_intset_cursor_survives_growth) {
    dk_intset *s = dk_intset_new();
    for (int64_t i = 0; i < 50000; i += 2)
        dk_intset_add(s, i);
    dk_iter it = dk_iter_at(0);
    int64_t x, last = -1;
    size_t steps = 0;
    while (dk_intset_next(s, &it, &x)) {
        fast_assert_int_gt(x, last - 2); /* growth below the cursor shifts it by at most one */
        last = x;
        if (steps++ % 3 == 0) dk_intset_add(s, 50000 + (int64_t)steps * 2);
    }
    fast_assert_uint_eq(it.pos, dk_intset_count(s));
    dk_intset_free(s);
}
END_TEST

static Suite *intset_suite(void) {
    Suite *s = suite_create("dk_intset");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_intset_random_ops_match_model, 0, 3);
    tcase_add_test(tc, test_intset_grows_and_shrinks_through_tiers);
    tcase_add_test(tc, test_intset_widens_and_narrows);
    tcase_add_test(tc, test_intset_boundaries);
    tcase_add_test(tc, test_intset_cursor_survives_growth);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(intset_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
