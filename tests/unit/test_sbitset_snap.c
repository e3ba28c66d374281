/* test_sbitset_snap.c -- sbitset.so's snapshot form: random bitsets of every container layout
 * survive save + load exactly, and damaged bytes are refused or load as some valid bitset,
 * never read out of bounds (run under the sanitizer build too). */
#include <check.h>

#include "dk_check_fast.h"
#include <stdlib.h>
#include <string.h>

#include <datakit/sbitset.h>
#include "dk_rand.h"
#include "fake_api.h"
#include "modules/sbitset/sbsnap.h"

static void setup(void) {
    fake_api_reset();
}

/* A bitset mixing the three layouts and the ends of the position range. */
static dk_sbitset *random_set(dk_rand *r) {
    dk_sbitset *s = dk_sbitset_new();
    for (int i = 0; i < 3000; i++) /* sparse: arrays */
        dk_sbitset_set(s, dk_rand_u64(r));
    uint64_t base = dk_rand_u64(r) & ~0xffffULL;
    for (int i = 0; i < 40000; i++) /* one dense block: a bitmap */
        dk_sbitset_set(s, base + dk_rand_below(r, 65536));
    uint64_t run = dk_rand_below(r, 1ULL << 40);
    for (uint64_t p = run; p < run + 150000; p++) /* long runs with a few holes */
        if (dk_rand_below(r, 5000)) dk_sbitset_set(s, p);
    dk_sbitset_set(s, 0);
    dk_sbitset_set(s, UINT64_MAX);
    dk_sbitset_set(s, UINT64_MAX - 1);
    return s;
}

static void assert_same(const dk_sbitset *a, const dk_sbitset *b) {
    ck_assert_uint_eq(dk_sbitset_count(a), dk_sbitset_count(b));
    uint64_t p = 0, x, y;
    while (dk_sbitset_next(a, p, &x)) {
        fast_assert(dk_sbitset_next(b, p, &y));
        fast_assert_uint_eq(x, y);
        if (x == UINT64_MAX) return;
        p = x + 1;
    }
    ck_assert(!dk_sbitset_next(b, p, &y));
}

/* The snapshot bytes of s (malloc'd). */
static uint8_t *save(const dk_sbitset *s, size_t *len) {
    keel_sink *sink = fake_sink_new();
    ck_assert_int_eq(sbs_snap_save(s, sink), KEEL_OK);
    const uint8_t *b = fake_sink_bytes(sink, len);
    uint8_t *copy = malloc(*len);
    memcpy(copy, b, *len);
    fake_sink_free(sink);
    return copy;
}

START_TEST(test_sbitset_snap_round_trip) {
    dk_rand r = {31 + (uint64_t)_i};
    dk_sbitset *s = random_set(&r);
    dk_sbitset_stats st;
    dk_sbitset_stats_get(s, &st);
    ck_assert(st.arrays > 0 && st.bitmaps > 0 && st.runs > 0);
    size_t len;
    uint8_t *b = save(s, &len);
    const char *err = NULL;
    dk_sbitset *t = sbs_snap_load(b, len, &err);
    ck_assert_ptr_nonnull(t);
    assert_same(s, t);
    size_t len2;
    uint8_t *b2 = save(t, &len2); /* the same bytes again */
    ck_assert_uint_eq(len, len2);
    ck_assert(memcmp(b, b2, len) == 0);
    /* runs and arrays are written compactly: far below a bitmap per block */
    ck_assert_uint_lt(len, st.containers * 8192 / 4);
    free(b);
    free(b2);
    dk_sbitset_free(s);
    dk_sbitset_free(t);
}
END_TEST

START_TEST(test_sbitset_snap_refuses_malformed_bytes) {
    const char *err = NULL;
    static const uint8_t empty[] = {1}, version[] = {2, 0, 0, 1, 0, 0};
    static const uint8_t gap_too_far[] = {1,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0x7f, 0,    1,    0,    0};
    static const uint8_t unsorted[] = {1, 0, 0, 2, 5, 0, 3, 0};
    static const uint8_t run_past_end[] = {1, 0, 2, 1, 0xff, 0xff, 1, 0};
    static const uint8_t adjacent_runs[] = {1, 0, 2, 2, 0, 0, 1, 0, 2, 0, 0, 0};
    static const uint8_t zero_bitmap_kind[] = {1, 0, 9, 1, 0, 0};
    const struct {
        const uint8_t *b;
        size_t n;
    } bad[] = {{empty, 0},
               {empty, 1},
               {version, sizeof version},
               {gap_too_far, sizeof gap_too_far},
               {unsorted, sizeof unsorted},
               {run_past_end, sizeof run_past_end},
               {adjacent_runs, sizeof adjacent_runs},
               {zero_bitmap_kind, sizeof zero_bitmap_kind}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = NULL;
        fast_assert_msg(sbs_snap_load(bad[i].b, bad[i].n, &err) == NULL, "case %zu loaded", i);
        fast_assert_ptr_nonnull(err);
    }
    /* a bitmap block with no bit set */
    uint8_t *zeros = calloc(1, 3 + 8192);
    zeros[0] = 1;
    zeros[2] = 1;
    ck_assert_ptr_null(sbs_snap_load(zeros, 3 + 8192, &err));
    free(zeros);
}
END_TEST

START_TEST(test_sbitset_snap_damage_never_reads_out_of_bounds) {
    dk_rand r = {7};
    dk_sbitset *s = dk_sbitset_new();
    for (int i = 0; i < 300; i++)
        dk_sbitset_set(s, dk_rand_below(&r, 1ULL << 22));
    for (uint64_t p = 1ULL << 30; p < (1ULL << 30) + 70000; p += 1 + dk_rand_below(&r, 3))
        dk_sbitset_set(s, p);
    size_t len;
    uint8_t *good = save(s, &len);
    for (int trial = 0; trial < 3000; trial++) {
        size_t n = trial % 7 == 0 ? dk_rand_below(&r, len) : len; /* cut short, or ... */
        uint8_t *b = malloc(len);
        memcpy(b, good, len);
        for (int k = 0; k < 1 + trial % 4; k++) /* ... a few bytes changed */
            b[dk_rand_below(&r, n ? n : 1)] ^= (uint8_t)(1 + dk_rand_below(&r, 255));
        const char *err = NULL;
        dk_sbitset *t = sbs_snap_load(b, n, &err);
        if (t) {
            fast_assert_uint_gt(dk_sbitset_count(t), 0);
            dk_sbitset_free(t);
        } else {
            fast_assert_ptr_nonnull(err);
        }
        free(b);
    }
    free(good);
    dk_sbitset_free(s);
}
END_TEST

static Suite *snap_suite(void) {
    Suite *s = suite_create("sbitset_snap");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_loop_test(tc, test_sbitset_snap_round_trip, 0, 3);
    tcase_add_test(tc, test_sbitset_snap_refuses_malformed_bytes);
    tcase_add_test(tc, test_sbitset_snap_damage_never_reads_out_of_bounds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(snap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
