/* test_dk_sbitset.c -- unit tests for dk_sbitset, the roaring-like sparse bitset. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/sbitset.h>

#include "model_move.h"
#include "dk_check_fast.h"
#include "dk_rand.h"

/* ---- the reference model: a sorted array of set positions -------------------------------- */

typedef struct model {
    uint64_t *v;
    size_t n, cap;
} model;

static size_t model_lb(const model *m, uint64_t x) {
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

static bool model_has(const model *m, uint64_t x) {
    size_t i = model_lb(m, x);
    return i < m->n && m->v[i] == x;
}

static int model_set(model *m, uint64_t x) {
    size_t i = model_lb(m, x);
    if (i < m->n && m->v[i] == x) return 1;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = realloc(m->v, m->cap * sizeof *m->v);
    }
    model_move(m->v + i + 1, m->v + i, (m->n - i) * sizeof *m->v);
    m->v[i] = x;
    m->n++;
    return 0;
}

static int model_clear(model *m, uint64_t x) {
    size_t i = model_lb(m, x);
    if (i >= m->n || m->v[i] != x) return 0;
    model_move(m->v + i, m->v + i + 1, (m->n - i - 1) * sizeof *m->v);
    m->n--;
    return 1;
}

/* A position from regions that favour each container encoding and the edges. */
static uint64_t pick(dk_rand *r) {
    switch (dk_rand_below(r, 6)) {
    case 0:
        return 1000000 + dk_rand_below(r, 140000); /* dense: bitmaps */
    case 1:
        return (5ULL << 40) + dk_rand_below(r, 2000) * 97; /* sparse: arrays */
    case 2:
        return (9ULL << 32) + dk_rand_below(r, 70000); /* prefilled: runs */
    case 3:
        return dk_rand_u64(r); /* lone containers */
    case 4:
        return (dk_rand_below(r, 3000) << 16) | dk_rand_below(r, 3); /* many containers */
    default: {
        static const uint64_t edge[] = {
            0, 1, 65535, 65536, UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - 65535, 1ULL << 63};
        return edge[dk_rand_below(r, 8)];
    }
    }
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sets the long run that pick()'s third region punches holes into. */
static void prefill_runs(dk_sbitset *s, model *m) {
    for (uint64_t x = 9ULL << 32; x < (9ULL << 32) + 70000; x++)
        fast_assert_int_eq(dk_sbitset_set(s, x), model_set(m, x));
}

/* Full comparison: count, iteration via next, select, rank and ranges at model points. */
static void check_equal(const dk_sbitset *s, const model *m, dk_rand *r) {
    fast_assert_uint_eq(dk_sbitset_count(s), m->n);
    uint64_t p = 0, got;
    for (size_t i = 0; i < m->n; i++) {
        fast_assert(dk_sbitset_next(s, p, &got));
        fast_assert_uint_eq(got, m->v[i]);
        p = got + 1;
        if (got == UINT64_MAX) break;
    }
    if (m->n && m->v[m->n - 1] != UINT64_MAX) fast_assert(!dk_sbitset_next(s, p, &got));
    /* batch iteration in uneven batches */
    uint64_t batch[97];
    size_t seen = 0, got_n;
    p = 0;
    while (seen < m->n && (got_n = dk_sbitset_next_many(s, p, batch, 1 + dk_rand_below(r, 97)))) {
        for (size_t i = 0; i < got_n; i++)
            fast_assert_uint_eq(batch[i], m->v[seen + i]);
        seen += got_n;
        if (batch[got_n - 1] == UINT64_MAX) break;
        p = batch[got_n - 1] + 1;
    }
    fast_assert_uint_eq(seen, m->n);
    for (int k = 0; k < 200 && m->n; k++) {
        size_t i = dk_rand_below(r, m->n);
        fast_assert(dk_sbitset_select(s, i, &got));
        fast_assert_uint_eq(got, m->v[i]);
        fast_assert_uint_eq(dk_sbitset_rank(s, m->v[i]), i);
        uint64_t q = m->v[i] + dk_rand_below(r, 70000);
        if (q < m->v[i]) q = UINT64_MAX;
        fast_assert_uint_eq(dk_sbitset_rank(s, q), model_lb(m, q));
        fast_assert_uint_eq(dk_sbitset_count_range(s, m->v[i], q),
                            model_lb(m, q) - i + model_has(m, q));
    }
    fast_assert(!dk_sbitset_select(s, m->n, &got));
}

START_TEST(test_sbitset_random_ops_match_model) {
    dk_rand r = {99 + _i};
    dk_sbitset *s = dk_sbitset_new();
    model m = {0};
    prefill_runs(s, &m);
    for (int op = 0; op < 150000; op++) {
        uint64_t x = pick(&r);
        switch (dk_rand_below(&r, 5)) {
        case 0:
        case 1:
        case 2:
            fast_assert_int_eq(dk_sbitset_set(s, x), model_set(&m, x));
            break;
        case 3:
            fast_assert_int_eq(dk_sbitset_clear(s, x), model_clear(&m, x));
            break;
        default: {
            fast_assert_int_eq(dk_sbitset_get(s, x), model_has(&m, x));
            uint64_t nc, want = x;
            bool none = false;
            for (size_t i = model_lb(&m, x); i < m.n && m.v[i] == want && !none; i++)
                none = want++ == UINT64_MAX;
            fast_assert_int_eq(dk_sbitset_next_clear(s, x, &nc), !none);
            if (!none) fast_assert_uint_eq(nc, want);
            break;
        }
        }
        if (op % 25000 == 0) check_equal(s, &m, &r);
    }
    check_equal(s, &m, &r);
    dk_sbitset_stats st;
    dk_sbitset_stats_get(s, &st);
    ck_assert_uint_gt(st.arrays, 0);
    ck_assert_uint_gt(st.bitmaps, 0);
    ck_assert_uint_gt(st.runs, 0);
    ck_assert_uint_gt(st.dir_chunks, 1);
    /* clear everything in random order: back through every tier to empty */
    size_t empty = 0;
    {
        dk_sbitset *e = dk_sbitset_new();
        empty = dk_sbitset_bytes(e);
        dk_sbitset_free(e);
    }
    size_t n = m.n;
    uint64_t *order = malloc(n * sizeof *order);
    memcpy(order, m.v, n * sizeof *order);
    for (size_t i = n; i > 1; i--) {
        size_t j = dk_rand_below(&r, i);
        uint64_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        fast_assert_int_eq(dk_sbitset_clear(s, order[i]), 1);
        if ((n - i - 1) % 30000 == 0) {
            m.n = n - i - 1;
            memcpy(m.v, order + i + 1, m.n * sizeof *m.v);
            qsort(m.v, m.n, sizeof *m.v, cmp_u64);
            check_equal(s, &m, &r);
        }
    }
    free(order);
    fast_assert_uint_eq(dk_sbitset_count(s), 0);
    fast_assert_uint_eq(dk_sbitset_bytes(s), empty);
    free(m.v);
    dk_sbitset_free(s);
}
END_TEST

START_TEST(test_sbitset_encodings_follow_density) {
    dk_sbitset *s = dk_sbitset_new();
    size_t empty = dk_sbitset_bytes(s);
    dk_sbitset_stats st;
    for (uint64_t i = 0; i < 65536; i++)
        fast_assert_int_eq(dk_sbitset_set(s, (7ULL << 16) + i), 0);
    dk_sbitset_stats_get(s, &st);
    fast_assert_uint_eq(st.containers, 1);
    fast_assert_uint_eq(st.runs, 1);
    fast_assert_uint_eq(st.inline_containers, 1);
    ck_assert_uint_lt(dk_sbitset_bytes(s), empty + 128);
    /* punch every other bit: runs blow up, a bitmap wins */
    for (uint64_t i = 0; i < 65536; i += 2)
        fast_assert_int_eq(dk_sbitset_clear(s, (7ULL << 16) + i), 1);
    dk_sbitset_stats_get(s, &st);
    fast_assert_uint_eq(st.bitmaps, 1);
    fast_assert_uint_eq(dk_sbitset_count(s), 32768);
    ck_assert_uint_ge(dk_sbitset_bytes(s), empty + 8192);
    /* thin it out: back to an array, then inline */
    for (uint64_t i = 1; i < 65536 - 200; i += 2)
        fast_assert_int_eq(dk_sbitset_clear(s, (7ULL << 16) + i), 1);
    dk_sbitset_stats_get(s, &st);
    fast_assert_uint_eq(st.arrays, 1);
    fast_assert_uint_eq(dk_sbitset_count(s), 100);
    ck_assert_uint_lt(dk_sbitset_bytes(s), empty + 400);
    for (uint64_t i = 65536 - 199; i < 65536 - 8; i += 2)
        dk_sbitset_clear(s, (7ULL << 16) + i);
    dk_sbitset_stats_get(s, &st);
    fast_assert_uint_eq(st.inline_containers, 1);
    fast_assert_uint_eq(dk_sbitset_count(s), 4);
    dk_sbitset_free(s);
}
END_TEST

/* Builds a random bitset and its model with clustered content. */
static void build_random(dk_rand *r, dk_sbitset *s, model *m, int n) {
    if (dk_rand_below(r, 2)) prefill_runs(s, m);
    for (int i = 0; i < n; i++) {
        uint64_t x = pick(r);
        fast_assert_int_eq(dk_sbitset_set(s, x), model_set(m, x));
    }
}

START_TEST(test_sbitset_combine_matches_model) {
    dk_rand r = {2024 + _i};
    dk_sbitset *a = dk_sbitset_new(), *b = dk_sbitset_new();
    model ma = {0}, mb = {0};
    build_random(&r, a, &ma, 40000);
    build_random(&r, b, &mb, 40000);
    for (int op = 0; op < 4; op++) {
        dk_sbitset *c = dk_sbitset_combine((dk_sbitset_op)op, a, b);
        ck_assert_ptr_nonnull(c);
        model mc = {malloc((ma.n + mb.n) * sizeof(uint64_t)), 0, ma.n + mb.n};
        for (size_t i = 0; i < ma.n; i++) {
            bool inb = model_has(&mb, ma.v[i]);
            if (op == DK_SBITSET_AND ? inb : op == DK_SBITSET_OR || !inb) mc.v[mc.n++] = ma.v[i];
        }
        if (op == DK_SBITSET_OR || op == DK_SBITSET_XOR)
            for (size_t i = 0; i < mb.n; i++)
                if (!model_has(&ma, mb.v[i])) mc.v[mc.n++] = mb.v[i];
        qsort(mc.v, mc.n, sizeof *mc.v, cmp_u64);
        check_equal(c, &mc, &r);
        free(mc.v);
        dk_sbitset_free(c);
    }
    /* the inputs are untouched */
    check_equal(a, &ma, &r);
    check_equal(b, &mb, &r);
    dk_sbitset *e = dk_sbitset_new();
    dk_sbitset *c = dk_sbitset_combine(DK_SBITSET_AND, a, e);
    fast_assert_uint_eq(dk_sbitset_count(c), 0);
    dk_sbitset_free(c);
    c = dk_sbitset_combine(DK_SBITSET_OR, e, b);
    check_equal(c, &mb, &r);
    dk_sbitset_free(c);
    dk_sbitset_free(e);
    free(ma.v);
    free(mb.v);
    dk_sbitset_free(a);
    dk_sbitset_free(b);
}
END_TEST

/* Visits every position of s in order (for comparing two sets). */
static void assert_same_sets(const dk_sbitset *x, const dk_sbitset *y) {
    fast_assert_uint_eq(dk_sbitset_count(x), dk_sbitset_count(y));
    uint64_t p = 0, a, b;
    while (dk_sbitset_next(x, p, &a)) {
        fast_assert(dk_sbitset_next(y, p, &b));
        fast_assert_uint_eq(a, b);
        if (a == UINT64_MAX) return;
        p = a + 1;
    }
    fast_assert(!dk_sbitset_next(y, p, &b));
}

START_TEST(test_sbitset_combine_step_matches_combine) {
    dk_rand r = {77 + _i};
    dk_sbitset *a = dk_sbitset_new(), *b = dk_sbitset_new();
    model ma = {0}, mb = {0};
    build_random(&r, a, &ma, 30000);
    build_random(&r, b, &mb, 30000);
    for (int op = 0; op < 4; op++) {
        dk_sbitset *whole = dk_sbitset_combine((dk_sbitset_op)op, a, b);
        dk_sbitset *out = dk_sbitset_new();
        uint64_t key = 0;
        int st, steps = 0;
        while ((st = dk_sbitset_combine_step(out, (dk_sbitset_op)op, a, b, &key,
                                             1 + dk_rand_below(&r, 40))) == 0)
            steps++;
        fast_assert_int_eq(st, 1);
        fast_assert(steps > 1);
        fast_assert_uint_eq(key, DK_SBITSET_KEY_END);
        assert_same_sets(out, whole);
        dk_sbitset_free(out);
        dk_sbitset_free(whole);
    }
    /* NULL reads as empty */
    dk_sbitset *out = dk_sbitset_new();
    uint64_t key = 0;
    fast_assert_int_eq(dk_sbitset_combine_step(out, DK_SBITSET_OR, NULL, b, &key, SIZE_MAX), 1);
    assert_same_sets(out, b);
    dk_sbitset_free(out);
    free(ma.v);
    free(mb.v);
    dk_sbitset_free(a);
    dk_sbitset_free(b);
}
END_TEST

START_TEST(test_sbitset_blocks_round_trip) {
    dk_rand r = {5 + _i};
    dk_sbitset *a = dk_sbitset_new();
    model ma = {0};
    build_random(&r, a, &ma, 30000);
    dk_sbitset *copy = dk_sbitset_new();
    uint64_t *w = malloc(DK_SBITSET_BLOCK_WORDS * sizeof *w);
    uint64_t p = 0, at, total = 0;
    while (dk_sbitset_next(a, p, &at)) {
        uint64_t key = at >> 16;
        uint32_t n = dk_sbitset_block_words(a, key, w);
        fast_assert(n > 0);
        total += n;
        fast_assert(dk_sbitset_append_block(copy, key, w));
        /* out of order: refused, nothing changed */
        fast_assert(!dk_sbitset_append_block(copy, key, w));
        if (key + 1 == DK_SBITSET_KEY_END) break;
        p = (key + 1) << 16;
    }
    fast_assert_uint_eq(total, ma.n);
    check_equal(copy, &ma, &r);
    /* an empty block adds nothing; a key past the end is refused */
    fast_assert_uint_eq(dk_sbitset_block_words(copy, 12345, w),
                        model_lb(&ma, 12346ULL << 16) - model_lb(&ma, 12345ULL << 16));
    memset(w, 0, DK_SBITSET_BLOCK_WORDS * sizeof *w);
    fast_assert(!dk_sbitset_append_block(copy, DK_SBITSET_KEY_END, w));
    free(w);
    free(ma.v);
    dk_sbitset_free(copy);
    dk_sbitset_free(a);
}
END_TEST

START_TEST(test_sbitset_boundaries) {
    dk_sbitset *s = dk_sbitset_new();
    uint64_t p;
    fast_assert(!dk_sbitset_next(s, 0, &p));
    fast_assert(dk_sbitset_next_clear(s, UINT64_MAX, &p));
    fast_assert_uint_eq(p, UINT64_MAX);
    fast_assert_int_eq(dk_sbitset_clear(s, 5), 0);
    fast_assert_int_eq(dk_sbitset_set(s, UINT64_MAX), 0);
    fast_assert_int_eq(dk_sbitset_set(s, UINT64_MAX), 1);
    fast_assert(dk_sbitset_get(s, UINT64_MAX));
    fast_assert(dk_sbitset_next(s, 0, &p));
    fast_assert_uint_eq(p, UINT64_MAX);
    fast_assert(!dk_sbitset_next_clear(s, UINT64_MAX, &p));
    fast_assert_uint_eq(dk_sbitset_rank(s, UINT64_MAX), 0);
    fast_assert_uint_eq(dk_sbitset_count_range(s, 0, UINT64_MAX), 1);
    fast_assert_uint_eq(dk_sbitset_count_range(s, 9, 3), 0);
    fast_assert_int_eq(dk_sbitset_set(s, 0), 0);
    fast_assert(dk_sbitset_next_clear(s, 0, &p));
    fast_assert_uint_eq(p, 1);
    fast_assert(dk_sbitset_select(s, 1, &p));
    fast_assert_uint_eq(p, UINT64_MAX);
    dk_sbitset_free(s);
}
END_TEST

static Suite *sbitset_suite(void) {
    Suite *s = suite_create("dk_sbitset");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_sbitset_random_ops_match_model, 0, 2);
    tcase_add_test(tc, test_sbitset_encodings_follow_density);
    tcase_add_loop_test(tc, test_sbitset_combine_matches_model, 0, 3);
    tcase_add_test(tc, test_sbitset_boundaries);
    tcase_add_loop_test(tc, test_sbitset_combine_step_matches_combine, 0, 2);
    tcase_add_loop_test(tc, test_sbitset_blocks_round_trip, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(sbitset_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
