/* test_dk_zset.c -- unit tests for dk_zset against a model: a plain array kept sorted. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/zset.h>

#include "model_move.h"
#include "dk_check_fast.h"
#include "dk_rand.h"

/* ======== the model ======== */

typedef struct mel {
    double score;
    char m[24];
    size_t n;
} mel;

typedef struct model {
    mel *e;
    size_t n, cap;
} model;

static int mcmp(double s, const char *m, size_t n, const mel *b) {
    if (s != b->score) return s < b->score ? -1 : 1;
    size_t k = n < b->n ? n : b->n;
    int c = k ? memcmp(m, b->m, k) : 0;
    if (c) return c;
    return (n > b->n) - (n < b->n);
}

static long model_find(const model *md, const char *m, size_t n) {
    for (size_t i = 0; i < md->n; i++)
        if (md->e[i].n == n && memcmp(md->e[i].m, m, n) == 0) return (long)i;
    return -1;
}

static void model_del_at(model *md, size_t i) {
    model_move(&md->e[i], &md->e[i + 1], (md->n - i - 1) * sizeof(mel));
    md->n--;
}

/* 1 added, 0 updated. */
static int model_set(model *md, const char *m, size_t n, double s) {
    if (s == 0) s = 0.0;
    long at = model_find(md, m, n);
    int r = at < 0;
    if (at >= 0) model_del_at(md, (size_t)at);
    if (md->n == md->cap) {
        md->cap = md->cap ? md->cap * 2 : 64;
        md->e = realloc(md->e, md->cap * sizeof(mel));
    }
    size_t lo = 0, hi = md->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (mcmp(s, m, n, &md->e[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    model_move(&md->e[lo + 1], &md->e[lo], (md->n - lo) * sizeof(mel));
    md->e[lo].score = s;
    memcpy(md->e[lo].m, m, n);
    md->e[lo].n = n;
    md->n++;
    return r;
}

static uint64_t model_score_rank(const model *md, double s, bool after) {
    uint64_t r = 0;
    for (size_t i = 0; i < md->n; i++)
        if (after ? md->e[i].score <= s : md->e[i].score < s) r++;
    return r;
}

/* ======== helpers ======== */

static size_t rand_member(dk_rand *r, char *buf, size_t universe) {
    size_t n = (size_t)snprintf(buf, 24, "m%zu", (size_t)dk_rand_below(r, universe));
    if (dk_rand_below(r, 8) == 0) buf[n++] = '\0'; /* binary-safe: an embedded NUL */
    return n;
}

static double rand_score(dk_rand *r) {
    switch (dk_rand_below(r, 8)) {
    case 0:
        return (double)dk_rand_below(r, 5); /* many ties: order by member */
    case 1:
        return -(double)dk_rand_below(r, 5);
    case 2:
        return dk_rand_below(r, 2) ? INFINITY : -INFINITY;
    case 3:
        return -0.0;
    default:
        return ((double)dk_rand_u64(r) / 18446744073709551616.0 - 0.5) * 1e6;
    }
}

static void check_same(const dk_zset *z, const model *md) {
    fast_assert_uint_eq(dk_zset_count(z), md->n);
    dk_iter it = dk_iter_at(0);
    dk_zentry e;
    for (size_t i = 0; i < md->n; i++) {
        fast_assert(dk_zset_next(z, &it, &e));
        fast_assert(e.score == md->e[i].score);
        fast_assert(e.len == md->e[i].n && memcmp(e.member, md->e[i].m, e.len) == 0);
    }
    fast_assert(!dk_zset_next(z, &it, &e));
    for (size_t i = 0; i < md->n; i += 1 + md->n / 50) {
        double s;
        uint64_t rank;
        fast_assert(dk_zset_score(z, md->e[i].m, md->e[i].n, &s));
        fast_assert(s == md->e[i].score);
        fast_assert(dk_zset_rank(z, md->e[i].m, md->e[i].n, &rank));
        fast_assert_uint_eq(rank, i);
        fast_assert(dk_zset_at(z, i, &e));
        fast_assert(e.score == md->e[i].score);
    }
}

static void random_op(dk_rand *r, dk_zset *z, model *md, size_t universe, int grow) {
    char buf[24];
    size_t n = rand_member(r, buf, universe);
    int op = (int)dk_rand_below(r, 10);
    if (op < grow) {
        double s = rand_score(r);
        fast_assert_int_eq(dk_zset_set(z, buf, n, s), model_set(md, buf, n, s));
        return;
    }
    long at = model_find(md, buf, n);
    double s;
    uint64_t rank;
    switch (op % 4) {
    case 0:
        fast_assert_int_eq(dk_zset_del(z, buf, n), at >= 0);
        if (at >= 0) model_del_at(md, (size_t)at);
        break;
    case 1:
        fast_assert_int_eq(dk_zset_score(z, buf, n, &s), at >= 0);
        if (at >= 0) fast_assert(s == md->e[at].score);
        break;
    case 2:
        fast_assert_int_eq(dk_zset_rank(z, buf, n, &rank), at >= 0);
        if (at >= 0) fast_assert_uint_eq(rank, (uint64_t)at);
        break;
    default: {
        double q = rand_score(r);
        bool after = dk_rand_below(r, 2);
        fast_assert_uint_eq(dk_zset_score_rank(z, q, after), model_score_rank(md, q, after));
    }
    }
}

/* ======== tests ======== */

START_TEST(test_zset_order_is_score_then_member_bytes) {
    dk_zset *z = dk_zset_new();
    ck_assert_int_eq(dk_zset_set(z, "b", 1, 1), 1);
    ck_assert_int_eq(dk_zset_set(z, "a", 1, 1), 1);
    ck_assert_int_eq(dk_zset_set(z, "ab", 2, 1), 1);
    ck_assert_int_eq(dk_zset_set(z, "", 0, 1), 1);
    ck_assert_int_eq(dk_zset_set(z, "z", 1, -INFINITY), 1);
    ck_assert_int_eq(dk_zset_set(z, "y", 1, INFINITY), 1);
    ck_assert_int_eq(dk_zset_set(z, "n", 1, -0.5), 1);
    ck_assert_int_eq(dk_zset_set(z, "a", 1, 1), 0); /* same score: no change */
    ck_assert_int_eq(dk_zset_set(z, "q", 1, NAN), -1);
    const char *want[] = {"z", "n", "", "a", "ab", "b", "y"};
    dk_iter it = dk_iter_at(0);
    dk_zentry e;
    for (int i = 0; i < 7; i++) {
        ck_assert(dk_zset_next(z, &it, &e));
        ck_assert_uint_eq(e.len, strlen(want[i]));
        ck_assert(memcmp(e.member, want[i], e.len) == 0);
    }
    ck_assert(!dk_zset_next(z, &it, &e));
    it = dk_iter_at(6);
    for (int i = 6; i >= 0; i--) {
        ck_assert(dk_zset_prev(z, &it, &e));
        ck_assert(memcmp(e.member, want[i], e.len) == 0);
    }
    ck_assert_uint_eq(dk_zset_score_rank(z, 1, false), 2);
    ck_assert_uint_eq(dk_zset_score_rank(z, 1, true), 6);
    ck_assert_uint_eq(dk_zset_score_rank(z, INFINITY, true), 7);
    ck_assert_uint_eq(dk_zset_score_rank(z, -INFINITY, false), 0);
    ck_assert_uint_eq(dk_zset_score_rank(z, -INFINITY, true), 1);
    dk_zset_free(z);
}
END_TEST

START_TEST(test_zset_lex_ranks_in_one_score) {
    dk_zset *z = dk_zset_new();
    ck_assert_uint_eq(dk_zset_lex_rank(z, "a", 1, false), 0);
    const char *m[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++)
        dk_zset_set(z, m[i], 1, 0);
    ck_assert_uint_eq(dk_zset_lex_rank(z, "b", 1, false), 1);
    ck_assert_uint_eq(dk_zset_lex_rank(z, "b", 1, true), 2);
    ck_assert_uint_eq(dk_zset_lex_rank(z, "bb", 2, false), 2);
    ck_assert_uint_eq(dk_zset_lex_rank(z, "", 0, false), 0);
    ck_assert_uint_eq(dk_zset_lex_rank(z, "z", 1, true), 5);
    dk_zset_free(z);
}
END_TEST

/* Random operations against the model, small then past the index threshold. */
START_TEST(test_zset_random_ops_match_model) {
    size_t universes[] = {50, 400, 3000};
    dk_rand r = {.s = 42 + (uint64_t)_i};
    size_t universe = universes[_i];
    dk_zset *z = dk_zset_new();
    model md = {0};
    for (int round = 0; round < 6; round++) {
        int grow = round % 2 == 0 ? 7 : 2; /* grow, then shrink (index built and dropped) */
        for (int i = 0; i < 4000; i++)
            random_op(&r, z, &md, universe, grow);
        check_same(z, &md);
        dk_zset *c = dk_zset_copy(z);
        check_same(c, &md);
        dk_zset_free(c);
    }
    free(md.e);
    dk_zset_free(z);
}
END_TEST

/* 200k members: in order, ranks and scores of every member, then delete them all. */
START_TEST(test_zset_large_set_ranks_and_deletes) {
    enum { N = 200000 };
    dk_zset *z = dk_zset_new();
    dk_rand r = {.s = 7};
    char buf[24];
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "%08u", i);
        fast_assert_int_eq(dk_zset_set(z, buf, (size_t)n, (double)(dk_rand_below(&r, 1000))), 1);
    }
    ck_assert(dk_zset_indexed(z));
    ck_assert_uint_eq(dk_zset_count(z), N);
    dk_iter it = dk_iter_at(0);
    dk_zentry prev = {0}, e;
    static uint64_t per_score[1000];
    for (uint64_t i = 0; i < N; i++) {
        fast_assert(dk_zset_next(z, &it, &e));
        if (i)
            fast_assert(prev.score < e.score ||
                        (prev.score == e.score && memcmp(prev.member, e.member, 8) < 0));
        uint64_t rank;
        fast_assert(dk_zset_rank(z, e.member, e.len, &rank));
        fast_assert_uint_eq(rank, i);
        prev = e;
        per_score[(int)e.score]++;
    }
    uint64_t below = 0;
    for (int s = 0; s < 1000; s++) {
        fast_assert_uint_eq(dk_zset_score_rank(z, s, false), below);
        below += per_score[s];
        fast_assert_uint_eq(dk_zset_score_rank(z, s, true), below);
        fast_assert_uint_eq(dk_zset_score_rank(z, s + 0.5, false), below);
    }
    size_t bytes = dk_zset_bytes(z);
    /* ~13 B of overhead + 16 of payload, 12 more while the index moves to a bigger table */
    ck_assert_uint_lt(bytes / N, 44);
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "%08u", (i * 7919u) % N);
        fast_assert(dk_zset_del(z, buf, (size_t)n));
    }
    ck_assert_uint_eq(dk_zset_count(z), 0);
    ck_assert(!dk_zset_indexed(z));
    dk_zset_free(z);
}
END_TEST

static Suite *zset_suite(void) {
    Suite *s = suite_create("dk_zset");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_zset_order_is_score_then_member_bytes);
    tcase_add_test(tc, test_zset_lex_ranks_in_one_score);
    tcase_add_loop_test(tc, test_zset_random_ops_match_model, 0, 3);
    tcase_add_test(tc, test_zset_large_set_ranks_and_deletes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(zset_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
