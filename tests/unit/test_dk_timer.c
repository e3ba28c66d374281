/* test_dk_timer.c -- dk_timer: ordered (when, id) pairs against a sorted reference. */
#include <check.h>

#include "model_move.h"
#include "dk_check_fast.h"
#include <stdlib.h>
#include <string.h>

#include <datakit/timer.h>

static uint64_t rng_state;
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct pair {
    int64_t when;
    uint32_t id;
} pair;

static int pair_cmp(const void *a, const void *b) {
    const pair *x = a, *y = b;
    if (x->when != y->when) return x->when < y->when ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

START_TEST(test_dk_timer_empty) {
    dk_timer *t = dk_timer_new();
    int64_t w;
    uint32_t id;
    fast_assert(!dk_timer_min(t, &w, &id));
    fast_assert(!dk_timer_del(t, 5, 5));
    fast_assert_uint_eq(dk_timer_count(t), 0);
    fast_assert_uint_gt(dk_timer_bytes(t), 0);
    dk_timer_free(t);
}
END_TEST

START_TEST(test_dk_timer_add_twice_is_one_pair) {
    dk_timer *t = dk_timer_new();
    fast_assert(dk_timer_add(t, 10, 1));
    fast_assert(dk_timer_add(t, 10, 1));
    fast_assert_uint_eq(dk_timer_count(t), 1);
    fast_assert(dk_timer_add(t, 10, 0));
    int64_t w;
    uint32_t id;
    fast_assert(dk_timer_min(t, &w, &id) && w == 10 && id == 0);
    fast_assert(dk_timer_del(t, 10, 0));
    fast_assert(!dk_timer_del(t, 10, 0));
    fast_assert(dk_timer_min(t, &w, &id) && w == 10 && id == 1);
    dk_timer_free(t);
}
END_TEST

/* Random adds and deletes (with clustered times so ties on `when` are common), checked
 * against a sorted array, then drained in order. */
static void random_run(uint64_t seed, size_t ops, uint64_t time_range) {
    rng_state = seed;
    dk_timer *t = dk_timer_new();
    size_t cap = ops + 1, n = 0;
    pair *ref = malloc(cap * sizeof *ref);
    size_t base_bytes = dk_timer_bytes(t);
    for (size_t k = 0; k < ops; k++) {
        uint64_t r = rnd();
        if (n == 0 || r % 10 < 6) {
            pair p = {(int64_t)(rnd() % time_range) - 1000, (uint32_t)rnd()};
            pair *hit = bsearch(&p, ref, n, sizeof *ref, pair_cmp);
            fast_assert(dk_timer_add(t, p.when, p.id));
            if (!hit) {
                size_t i = 0;
                while (i < n && pair_cmp(&ref[i], &p) < 0) /* insertion point (n stays small) */
                    i++;
                model_move(&ref[i + 1], &ref[i], (n - i) * sizeof *ref);
                ref[i] = p;
                n++;
            }
        } else if (r % 10 < 9) {
            size_t i = rnd() % n;
            fast_assert(dk_timer_del(t, ref[i].when, ref[i].id));
            model_move(&ref[i], &ref[i + 1], (n - i - 1) * sizeof *ref);
            n--;
        } else {
            pair p = {(int64_t)(rnd() % time_range) - 1000, (uint32_t)rnd()};
            if (!bsearch(&p, ref, n, sizeof *ref, pair_cmp))
                fast_assert(!dk_timer_del(t, p.when, p.id));
        }
        fast_assert_uint_eq(dk_timer_count(t), n);
        if (n) {
            int64_t w;
            uint32_t id;
            fast_assert(dk_timer_min(t, &w, &id));
            fast_assert(w == ref[0].when && id == ref[0].id);
        }
    }
    for (size_t i = 0; i < n; i++) { /* drain in order */
        int64_t w;
        uint32_t id;
        fast_assert(dk_timer_min(t, &w, &id));
        fast_assert(w == ref[i].when && id == ref[i].id);
        fast_assert(dk_timer_del(t, w, id));
    }
    fast_assert_uint_eq(dk_timer_count(t), 0);
    fast_assert_uint_le(dk_timer_bytes(t), base_bytes + 16 * 1500);
    free(ref);
    dk_timer_free(t);
}

START_TEST(test_dk_timer_random_against_reference) {
    random_run(1, 20000, 1000000);
    random_run(2, 20000, 50); /* many equal whens */
}
END_TEST

START_TEST(test_dk_timer_large_ordered_and_reverse) {
    enum { N = 300000 };
    dk_timer *t = dk_timer_new();
    for (uint32_t i = 0; i < N; i++)
        fast_assert(dk_timer_add(t, (int64_t)(N - i) * 3, i));
    fast_assert_uint_eq(dk_timer_count(t), N);
    /* about 12 bytes per pair in half-to-full nodes */
    fast_assert_uint_lt(dk_timer_bytes(t), (size_t)N * 30);
    /* remove every other pair, then drain: order must hold */
    for (uint32_t i = 0; i < N; i += 2)
        fast_assert(dk_timer_del(t, (int64_t)(N - i) * 3, i));
    fast_assert_uint_eq(dk_timer_count(t), N / 2);
    fast_assert_uint_lt(dk_timer_bytes(t), (size_t)N / 2 * 30);
    int64_t prev = -1, w;
    uint32_t id;
    size_t seen = 0;
    while (dk_timer_min(t, &w, &id)) {
        fast_assert_int_gt(w, prev);
        fast_assert_uint_eq(id % 2, 1);
        fast_assert_int_eq(w, (int64_t)(N - id) * 3);
        prev = w;
        fast_assert(dk_timer_del(t, w, id));
        seen++;
    }
    fast_assert_uint_eq(seen, N / 2);
    dk_timer_clear(t);
    dk_timer_free(t);
}
END_TEST

/* Active expiry's case: a million pairs spread over an hour, added in random order, and a
 * thousand sharing one earlier deadline: the thousand come out first (by id) without touching
 * the others, and the spread stays within the bytes per pair the table's docs promise. */
START_TEST(test_dk_timer_a_million_far_and_a_thousand_due) {
    enum { FAR = 1000000, DUE = 1000 };
    const int64_t base = 1700000000000, deadline = base + 2000;
    dk_timer *t = dk_timer_new();
    uint64_t x = 88172645463325252ull;
    for (uint32_t i = 0; i < FAR; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        fast_assert(dk_timer_add(t, base + 3600000 + (int64_t)(x % 3600000), i));
    }
    fast_assert_uint_lt(dk_timer_bytes(t), (size_t)FAR * 30);
    for (uint32_t i = 0; i < DUE; i++)
        fast_assert(dk_timer_add(t, deadline, FAR + DUE - 1 - i)); /* ids added in reverse */
    fast_assert_uint_eq(dk_timer_count(t), FAR + DUE);
    int64_t w;
    uint32_t id;
    for (uint32_t i = 0; i < DUE; i++) {
        fast_assert(dk_timer_min(t, &w, &id));
        fast_assert_int_eq(w, deadline);
        fast_assert_uint_eq(id, FAR + i);
        fast_assert(dk_timer_del(t, w, id));
    }
    fast_assert(dk_timer_min(t, &w, &id));
    fast_assert_int_ge(w, base + 3600000);
    fast_assert_uint_eq(dk_timer_count(t), FAR);
    dk_timer_free(t);
}
END_TEST

static Suite *timer_suite(void) {
    Suite *s = suite_create("dk_timer");
    TCase *tc = tcase_create("timer");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_dk_timer_empty);
    tcase_add_test(tc, test_dk_timer_add_twice_is_one_pair);
    tcase_add_test(tc, test_dk_timer_random_against_reference);
    tcase_add_test(tc, test_dk_timer_large_ordered_and_reverse);
    tcase_add_test(tc, test_dk_timer_a_million_far_and_a_thousand_due);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(timer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
