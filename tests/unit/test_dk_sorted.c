/* test_dk_sorted.c -- unit tests for dk_sorted's run search and its run keys over byte strings
 * that share leading bytes (the prefix the run index skips), against a sorted model. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/ridx.h>
#include <datakit/sorted.h>

#include "dk_check_fast.h"
#include "dk_kvmodel.h"
#include "dk_rand.h"
#include "dk_vals.h"

/* Key shapes: each makes a byte string (or a number) from an id. */
enum {
    SHAPE_BENCH, /* "element:%012d", as redis-benchmark's SADD sends them */
    SHAPE_SEQ,   /* "user:%d": the shared prefix shrinks as ids grow */
    SHAPE_LONG,  /* 150 shared bytes, longer than the kept prefix, then the id: every key ties */
    SHAPE_MIXED, /* bench keys, numbers, and strings below, inside and above the prefix */
    SHAPE_COUNT
};

static char long_head[151];

static dk_val shape_key(int shape, uint64_t id, char *buf, size_t cap, dk_rand *r) {
    static const char *const odd[] = {
        "",  "e",   "elem",     "element",  "element:", "element:000000",
        "a", "zzz", "element;", "elementz", "element:9"};
    int n;
    switch (shape) {
    case SHAPE_BENCH:
        n = snprintf(buf, cap, "element:%012llu", (unsigned long long)id);
        break;
    case SHAPE_SEQ:
        n = snprintf(buf, cap, "user:%llu", (unsigned long long)id);
        break;
    case SHAPE_LONG:
        n = snprintf(buf, cap, "%s%llu", long_head, (unsigned long long)id);
        break;
    default:
        switch (dk_rand_below(r, 20)) {
        case 0:
            return dk_i64((int64_t)id - 500);
        case 1: {
            const char *s = odd[dk_rand_below(r, sizeof odd / sizeof odd[0])];
            n = snprintf(buf, cap, "%s%s", s, dk_rand_below(r, 2) ? "" : "x");
            break;
        }
        default:
            n = snprintf(buf, cap, "element:%012llu", (unsigned long long)id);
            break;
        }
    }
    return dk_bytes(buf, (size_t)n);
}

/* Every model key is found with its value and rank, every rank reads back, the walk agrees, and a
 * key just past each sampled one (absent unless the model has it) ranks where the model says. */
static void check_store(const dk_sorted *s, const kvmodel *m) {
    fast_assert_uint_eq(dk_sorted_count(s), m->n);
    dk_iter it = dk_iter_at(0);
    dk_val k, v;
    for (size_t i = 0; i < m->n; i++) {
        fast_assert(dk_sorted_next(s, &it, &k, s->vals ? &v : NULL));
        fast_assert(dk_val_cmp(&k, &m->e[i].k.v) == 0);
        bool found = false;
        fast_assert_uint_eq(dk_sorted_rank(s, &m->e[i].k.v, &found), i);
        fast_assert(found);
        fast_assert(dk_sorted_get(s, &m->e[i].k.v, s->vals ? &v : NULL));
        if (s->vals) fast_assert(dk_val_eq(&v, &m->e[i].v.v));
    }
    fast_assert(!dk_sorted_next(s, &it, &k, NULL));
    for (size_t i = 0; i < m->n; i += 1 + m->n / 64) {
        fast_assert(dk_sorted_at(s, i, &k, NULL));
        fast_assert(dk_val_cmp(&k, &m->e[i].k.v) == 0);
        if (m->e[i].k.v.type != DK_BYTES) continue;
        char buf[256];
        size_t n = m->e[i].k.v.len < 200 ? m->e[i].k.v.len : 200;
        memcpy(buf, m->e[i].k.v.v.ptr, n);
        buf[n] = '!';
        dk_val after = dk_bytes(buf, n + 1);
        bool found, mfound;
        size_t want = kv_lb(m, &after, &mfound);
        fast_assert_uint_eq(dk_sorted_rank(s, &after, &found), want);
        fast_assert_int_eq(found, mfound);
        fast_assert_int_eq(dk_sorted_get(s, &after, NULL), mfound);
    }
}

/* Grows a store to `peak` keys of one shape with random puts, removes and lookups, then shrinks it
 * to a few keys (back to one run) and grows it again, checking it against the model throughout. */
static void run_shape(int shape, bool vals, size_t peak, uint64_t seed) {
    dk_rand r = {seed};
    dk_sorted s;
    dk_sorted_init(&s, vals);
    kvmodel m = {0};
    char buf[256];
    uint64_t seq = 0;
    size_t chunked_seen = 0;
    for (int phase = 0; phase < 3; phase++) {
        bool grow = phase != 1;
        size_t target = phase == 1 ? 3 : peak;
        for (size_t step = 0; grow ? m.n < target : m.n > target; step++) {
            uint64_t id = shape == SHAPE_SEQ && grow ? seq++ : dk_rand_below(&r, 1000000);
            dk_val k = shape_key(shape, id, buf, sizeof buf, &r);
            uint64_t op = dk_rand_below(&r, 10);
            if (m.n && (grow ? op < 2 : op < 8)) { /* remove a present key */
                owned o = owned_copy(&m.e[dk_rand_below(&r, m.n)].k.v);
                fast_assert(dk_sorted_del(&s, &o.v));
                fast_assert(kv_del(&m, &o.v));
                fast_assert(!dk_sorted_del(&s, &o.v));
                owned_free(&o);
            } else if (op < 9 || !grow) {
                dk_val v = dk_i64((int64_t)step);
                int want = kv_put(&m, &k, &v, true);
                fast_assert_int_eq(dk_sorted_put(&s, &k, &v, true), want);
            } else {
                bool found;
                kv_lb(&m, &k, &found);
                fast_assert_int_eq(dk_sorted_get(&s, &k, NULL), found);
                fast_assert_int_eq(dk_sorted_del(&s, &k), kv_del(&m, &k));
            }
            chunked_seen += s.chunked;
            if (step % 4093 == 0) check_store(&s, &m);
        }
        check_store(&s, &m);
    }
    ck_assert_uint_gt(chunked_seen, 0);
    ck_assert_uint_gt(dk_sorted_chunks(&s), 8);
    dk_sorted_clear(&s);
    kv_free(&m);
}

START_TEST(test_sorted_prefix_shapes_match_model) {
    int shape = _i % SHAPE_COUNT;
    run_shape(shape, _i >= SHAPE_COUNT, shape == SHAPE_LONG ? 3000 : 12000, 7000 + (uint64_t)_i);
}
END_TEST

/* The index keeps the prefix the strings share and narrows it when a string that does not start
 * with it arrives. */
START_TEST(test_sorted_prefix_follows_members) {
    dk_sorted s;
    dk_sorted_init(&s, false);
    dk_rand r = {11};
    char buf[64];
    for (int i = 0; i < 5000; i++) {
        dk_val k = shape_key(SHAPE_BENCH, 100000 + dk_rand_below(&r, 900000), buf, sizeof buf, &r);
        ck_assert_int_ge(dk_sorted_put(&s, &k, NULL, false), 0);
    }
    ck_assert(s.chunked);
    const dk_ridx *x = s.p;
    ck_assert_uint_eq(x->kplen, strlen("element:000000"));
    ck_assert(memcmp(x->kp, "element:000000", x->kplen) == 0);
    dk_val k = dk_bytes("element:1", 9);
    ck_assert_int_eq(dk_sorted_put(&s, &k, NULL, false), 1);
    ck_assert_uint_eq(((const dk_ridx *)s.p)->kplen, strlen("element:"));
    k = dk_i64(5);
    ck_assert_int_eq(dk_sorted_put(&s, &k, NULL, false), 1);
    ck_assert_uint_eq(((const dk_ridx *)s.p)->kplen, strlen("element:"));
    k = dk_bytes("x", 1);
    ck_assert_int_eq(dk_sorted_put(&s, &k, NULL, false), 1);
    ck_assert_uint_eq(((const dk_ridx *)s.p)->kplen, 0);
    kvmodel m = {0};
    dk_iter it = dk_iter_at(0);
    dk_val e;
    while (dk_sorted_next(&s, &it, &e, NULL))
        kv_put(&m, &e, &e, false);
    check_store(&s, &m);
    kv_free(&m);
    dk_sorted_clear(&s);
}
END_TEST

/* An index past the re-key bound keeps its prefix: an outside string ranks below or above the
 * rest, and every lookup still agrees with the model. */
START_TEST(test_sorted_big_index_keeps_prefix) {
    dk_sorted s;
    dk_sorted_init(&s, false);
    kvmodel m = {0};
    char buf[400];
    dk_rand r = {12};
    memset(buf, 'p', 300);
    while (dk_sorted_chunks(&s) <= 2100) {
        int n =
            snprintf(buf + 300, 100, "%010llu", (unsigned long long)dk_rand_below(&r, 1u << 30));
        dk_val k = dk_bytes(buf, 300 + (size_t)n);
        fast_assert_int_eq(dk_sorted_put(&s, &k, NULL, false), kv_put(&m, &k, &k, false));
    }
    ck_assert_uint_eq(((const dk_ridx *)s.p)->kplen, DK_RIDX_KP_MAX);
    static const char *const outside[] = {"a", "pp", "q", "", "ppppq", "zz"};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        dk_val k = dk_bytes(outside[i], strlen(outside[i]));
        ck_assert_int_eq(dk_sorted_put(&s, &k, NULL, false), 1);
        kv_put(&m, &k, &k, false);
        ck_assert_uint_eq(((const dk_ridx *)s.p)->kplen, DK_RIDX_KP_MAX);
    }
    check_store(&s, &m);
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        dk_val k = dk_bytes(outside[i], strlen(outside[i]));
        ck_assert(dk_sorted_del(&s, &k));
        kv_del(&m, &k);
    }
    check_store(&s, &m);
    kv_free(&m);
    dk_sorted_clear(&s);
}
END_TEST

static Suite *suite(void) {
    memset(long_head, 'h', 150);
    Suite *s = suite_create("dk_sorted");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_sorted_prefix_shapes_match_model, 0, 2 * SHAPE_COUNT);
    tcase_add_test(tc, test_sorted_prefix_follows_members);
    tcase_add_test(tc, test_sorted_big_index_keeps_prefix);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
