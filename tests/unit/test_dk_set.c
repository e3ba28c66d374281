/* test_dk_set.c -- unit tests for dk_set (intset and general tiers) and its set algebra. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/set.h>
#include <datakit/setop.h>

#include "dk_check_fast.h"
#include "dk_kvmodel.h"
#include "dk_rand.h"
#include "dk_vals.h"

static const dk_val NUL = {.type = DK_NULL};

/* Walks the set in order and samples rank access against the model. */
static void check_equal(const dk_set *s, const kvmodel *m) {
    fast_assert_uint_eq(dk_set_count(s), m->n);
    dk_iter it = dk_iter_at(0);
    dk_val x;
    for (size_t i = 0; i < m->n; i++) {
        fast_assert(dk_set_next(s, &it, &x));
        fast_assert(dk_val_cmp(&x, &m->e[i].k.v) == 0);
    }
    fast_assert(!dk_set_next(s, &it, &x));
    for (size_t i = 0; i < m->n; i += 1 + m->n / 100) {
        fast_assert(dk_set_at(s, i, &x));
        fast_assert(dk_val_cmp(&x, &m->e[i].k.v) == 0);
        fast_assert(dk_set_contains(s, &m->e[i].k.v));
    }
}

/* Integers only (intset tier) while ints_only, else any value. */
static dk_val rand_member(dk_rand *r, uint8_t *buf, bool ints_only) {
    if (ints_only) {
        switch (dk_rand_below(r, 4)) {
        case 0:
            return dk_i64((int64_t)dk_rand_below(r, 1000) - 500);
        case 1:
            return dk_i64((int64_t)dk_rand_u64(r));
        case 2:
            return dk_u64(dk_rand_below(r, 100000));
        default:
            return dk_i64((int64_t)dk_rand_below(r, 1u << 20));
        }
    }
    if (dk_rand_below(r, 10) == 0) return tricky_number(r);
    dk_val v = rand_val(r, buf);
    if (v.type == DK_BYTES && v.len > 64) v.len = 64;
    return v;
}

static void random_op(dk_rand *r, dk_set *s, kvmodel *m, int grow, bool ints_only, uint8_t *buf) {
    dk_val x = rand_member(r, buf, ints_only), y;
    if ((int)dk_rand_below(r, 10) < grow) {
        fast_assert_int_eq(dk_set_add(s, &x), kv_put(m, &x, &NUL, false));
        return;
    }
    bool found;
    switch (dk_rand_below(r, 3)) {
    case 0:
        if (m->n && dk_rand_below(r, 2)) x = m->e[dk_rand_below(r, m->n)].k.v;
        fast_assert_int_eq(dk_set_remove(s, &x), kv_del(m, &x));
        break;
    case 1:
        kv_lb(m, &x, &found);
        fast_assert_int_eq(dk_set_contains(s, &x), found);
        break;
    default:
        if (m->n) {
            fast_assert(dk_set_random(s, dk_rand_u64(r), &y));
            kv_lb(m, &y, &found);
            fast_assert(found);
        } else {
            fast_assert(!dk_set_random(s, 1, &y));
        }
        break;
    }
}

/* Integers (intset tier, through its chunks) -> mixed (general tier) -> empty -> integers. */
START_TEST(test_set_tiers_follow_members) {
    dk_rand r = {61 + _i};
    static uint8_t buf[5000];
    dk_set *s = dk_set_new();
    size_t empty = dk_set_bytes(s);
    kvmodel m = {0};
    for (int op = 0; op < 30000; op++) {
        random_op(&r, s, &m, 8, true, buf);
        if (op % 5000 == 0) check_equal(s, &m);
    }
    ck_assert(dk_set_is_intset(s));
    check_equal(s, &m);
    /* a real equal to a present integer is that member: no conversion */
    dk_val twice = dk_f64((double)m.e[0].k.v.v.i);
    if (m.e[0].k.v.type == DK_I64 && (double)(int64_t)twice.v.d == twice.v.d &&
        twice.v.d > -0x1p62 && twice.v.d < 0x1p62)
        fast_assert_int_eq(dk_set_add(s, &twice), 0);
    ck_assert(dk_set_is_intset(s));
    for (int op = 0; op < 30000; op++) {
        random_op(&r, s, &m, 6, false, buf);
        if (op % 5000 == 0) check_equal(s, &m);
    }
    ck_assert(!dk_set_is_intset(s));
    check_equal(s, &m);
    while (m.n) {
        random_op(&r, s, &m, 1, false, buf);
        if (m.n % 3000 == 0) check_equal(s, &m);
    }
    ck_assert_uint_eq(dk_set_bytes(s), empty);
    dk_val one = dk_i64(1);
    ck_assert_int_eq(dk_set_add(s, &one), 1);
    ck_assert(dk_set_is_intset(s));
    kv_free(&m);
    dk_set_free(s);
}
END_TEST

START_TEST(test_set_boundaries_and_bytes) {
    dk_set *s = dk_set_new();
    size_t empty = dk_set_bytes(s);
    dk_val mn = dk_i64(INT64_MIN), mx = dk_u64(UINT64_MAX), e = dk_bytes("", 0), x;
    ck_assert_int_eq(dk_set_add(s, &mn), 1);
    ck_assert(dk_set_is_intset(s));
    ck_assert_int_eq(dk_set_add(s, &mx), 1); /* > INT64_MAX: general tier */
    ck_assert(!dk_set_is_intset(s));
    ck_assert_int_eq(dk_set_add(s, &e), 1);
    ck_assert_int_eq(dk_set_add(s, &e), 0);
    ck_assert(dk_set_contains(s, &mn));
    ck_assert(dk_set_at(s, 0, &x));
    ck_assert(dk_val_eq(&x, &mn));
    ck_assert(dk_set_at(s, 2, &x));
    ck_assert_int_eq(x.type, DK_BYTES);
    dk_val p = dk_ptr(s);
    ck_assert_int_eq(dk_set_add(s, &p), -1);
    dk_set_clear(s);
    ck_assert_uint_eq(dk_set_bytes(s), empty);
    /* bytes: 100000 8-byte strings cost at least their payload and less than 11 bytes each */
    char buf[8];
    for (uint32_t i = 0; i < 100000; i++) {
        uint64_t v = i * 0x9e3779b97f4a7c15ULL;
        memcpy(buf, &v, 8);
        dk_val m = dk_bytes(buf, 8);
        fast_assert_int_eq(dk_set_add(s, &m), 1);
    }
    ck_assert_uint_ge(dk_set_bytes(s), empty + 100000 * 9);
    ck_assert_uint_le(dk_set_bytes(s), empty + 100000 * 11);
    dk_set_free(s);
}
END_TEST

/* A cursor walking while members arrive and leave, across the intset -> general conversion:
 * it never crashes, stays in order within a tier, and ends exactly at the end. */
START_TEST(test_set_cursor_survives_changes_and_tier_change) {
    dk_set *s = dk_set_new();
    for (int64_t i = 0; i < 20000; i++)
        dk_set_add(s, &(dk_val){.type = DK_I64, .v.i = i * 2});
    ck_assert(dk_set_is_intset(s));
    dk_iter it = dk_iter_at(0);
    dk_val x;
    size_t steps = 0;
    while (dk_set_next(s, &it, &x)) {
        steps++;
        if (steps == 5000) {
            static const char big[3000] = "big member";
            dk_val b = dk_bytes(big, sizeof big);
            fast_assert_int_eq(dk_set_add(s, &b), 1); /* converts mid-walk */
            fast_assert(!dk_set_is_intset(s));
        }
        if (steps % 7 == 0) dk_set_remove(s, &(dk_val){.type = DK_I64, .v.i = (int64_t)steps * 2});
        if (steps % 11 == 0)
            dk_set_add(s, &(dk_val){.type = DK_I64, .v.i = (int64_t)steps * 2 + 1});
        fast_assert_uint_le(it.pos, dk_set_count(s));
    }
    ck_assert_uint_eq(it.pos, dk_set_count(s));
    ck_assert(x.type == DK_BYTES && x.len == 3000); /* bytes sort last */
    dk_set_free(s);
}
END_TEST

/* ---- set algebra ------------------------------------------------------------------------- */

static dk_set *build(dk_rand *r, kvmodel *m, int n, bool ints, uint8_t *buf) {
    dk_set *s = dk_set_new();
    for (int i = 0; i < n; i++) {
        dk_val x = rand_member(r, buf, ints);
        if (ints) x = dk_i64(x.v.i % 3000);
        fast_assert_int_eq(dk_set_add(s, &x), kv_put(m, &x, &NUL, false));
    }
    return s;
}

/* Runs op to completion with a tiny budget per call and collects the result into a model;
 * unions must come out in strictly increasing order. */
static void run_op(dk_setop *op, kvmodel *out, bool ordered) {
    dk_val x, last = NUL;
    size_t calls = 0;
    bool first = true;
    for (;;) {
        size_t budget = 3;
        dk_setop_status st = dk_setop_next(op, &x, &budget);
        calls++;
        if (st == DK_SETOP_DONE) break;
        if (st == DK_SETOP_AGAIN) continue;
        if (ordered && !first) fast_assert(dk_val_cmp(&last, &x) < 0);
        first = false;
        fast_assert_int_eq(kv_put(out, &x, &NUL, false), 1); /* each member once */
        last = x;
    }
    ck_assert_uint_gt(calls, 0);
}

START_TEST(test_set_algebra_matches_model) {
    dk_rand r = {900 + _i};
    static uint8_t buf[5000];
    enum { N = 4 };
    kvmodel m[N] = {{0}};
    dk_set *s[N];
    for (int i = 0; i < N; i++)
        s[i] = build(&r, &m[i], i == 3 ? 50 : 3000, (i + _i) % 2 == 0, buf);
    const dk_set *const *in = (const dk_set *const *)s;
    for (int kind = 0; kind < 3; kind++) {
        for (size_t n = 1; n <= N; n++) {
            kvmodel want = {0}, got = {0};
            for (size_t i = 0; i < m[0].n; i++) {
                const dk_val *x = &m[0].e[i].k.v;
                bool keep = true;
                for (size_t j = 1; j < n; j++) {
                    bool found;
                    kv_lb(&m[j], x, &found);
                    if (kind == DK_SETOP_INTER ? !found : kind == DK_SETOP_DIFF && found)
                        keep = false;
                }
                if (keep) kv_put(&want, x, &NUL, false);
            }
            if (kind == DK_SETOP_UNION)
                for (size_t j = 1; j < n; j++)
                    for (size_t i = 0; i < m[j].n; i++)
                        kv_put(&want, &m[j].e[i].k.v, &NUL, false);
            dk_setop *op = dk_setop_new((dk_setop_kind)kind, in, n);
            fast_assert_ptr_nonnull(op);
            run_op(op, &got, kind == DK_SETOP_UNION);
            dk_setop_free(op);
            fast_assert_uint_eq(got.n, want.n);
            for (size_t i = 0; i < want.n; i++)
                fast_assert(dk_val_cmp(&got.e[i].k.v, &want.e[i].k.v) == 0);
            kv_free(&want);
            kv_free(&got);
        }
    }
    for (int i = 0; i < N; i++) {
        kv_free(&m[i]);
        dk_set_free(s[i]);
    }
}
END_TEST

/* Runs a resumable test with budget 2 per call. */
static int run_test(int (*step)(const dk_set *, const dk_set *, dk_iter *, size_t *),
                    const dk_set *a, const dk_set *b) {
    dk_iter it = dk_iter_at(0);
    for (;;) {
        size_t budget = 2;
        int r = step(a, b, &it, &budget);
        if (r >= 0) return r;
    }
}

START_TEST(test_set_subset_and_equal) {
    dk_set *a = dk_set_new(), *b = dk_set_new(), *c = dk_set_new();
    for (int64_t i = 0; i < 1000; i++) {
        dk_val v = dk_i64(i * 3);
        dk_set_add(b, &v);
        dk_set_add(c, &v);
        if (i % 2) dk_set_add(a, &v);
    }
    dk_val s = dk_bytes("x", 1);
    dk_set_add(c, &s);
    dk_set_remove(c, &(dk_val){.type = DK_I64, .v.i = 0});
    ck_assert_int_eq(run_test(dk_set_subset_step, a, b), 1);
    ck_assert_int_eq(run_test(dk_set_subset_step, b, a), 0);
    ck_assert_int_eq(run_test(dk_set_equal_step, b, b), 1);
    ck_assert_int_eq(run_test(dk_set_equal_step, b, c), 0); /* same size, one differs */
    ck_assert_int_eq(run_test(dk_set_subset_step, a, c), 1);
    dk_set *e = dk_set_new();
    ck_assert_int_eq(run_test(dk_set_subset_step, e, a), 1);
    ck_assert_int_eq(run_test(dk_set_equal_step, e, e), 1);
    dk_set_free(a);
    dk_set_free(b);
    dk_set_free(c);
    dk_set_free(e);
}
END_TEST

static Suite *set_suite(void) {
    Suite *s = suite_create("dk_set");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_set_tiers_follow_members, 0, 3);
    tcase_add_test(tc, test_set_boundaries_and_bytes);
    tcase_add_test(tc, test_set_cursor_survives_changes_and_tier_change);
    tcase_add_loop_test(tc, test_set_algebra_matches_model, 0, 2);
    tcase_add_test(tc, test_set_subset_and_equal);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(set_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
