/* test_dk_map.c -- unit tests for dk_map, the ordered box map. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/map.h>

#include "dk_check_fast.h"
#include "dk_kvmodel.h"
#include "dk_rand.h"
#include "dk_vals.h"

/* Full walks both ways plus rank/at/get at sampled entries. */
static void check_equal(const dk_map *m, const kvmodel *md) {
    fast_assert_uint_eq(dk_map_count(m), md->n);
    dk_val k, v;
    dk_iter it = dk_iter_at(0);
    for (size_t i = 0; i < md->n; i++) {
        fast_assert(dk_map_next(m, &it, &k, &v));
        fast_assert(dk_val_cmp(&k, &md->e[i].k.v) == 0);
        fast_assert(dk_val_eq(&v, &md->e[i].v.v));
        /* exact representation for bytes and for the key's class */
        fast_assert_int_eq(k.type == DK_BYTES, md->e[i].k.v.type == DK_BYTES);
    }
    fast_assert(!dk_map_next(m, &it, &k, &v));
    it = dk_iter_at(md->n - 1);
    for (size_t i = md->n; i-- > 0;) {
        fast_assert(dk_map_prev(m, &it, &k, NULL));
        fast_assert(dk_val_cmp(&k, &md->e[i].k.v) == 0);
    }
    fast_assert(!dk_map_prev(m, &it, &k, NULL));
    for (size_t i = 0; i < md->n; i += 1 + md->n / 100) {
        bool found;
        fast_assert_uint_eq(dk_map_rank(m, &md->e[i].k.v, &found), i);
        fast_assert(found);
        fast_assert(dk_map_at(m, i, &k, &v));
        fast_assert(dk_val_cmp(&k, &md->e[i].k.v) == 0);
        fast_assert(dk_map_get(m, &md->e[i].k.v, &v));
        fast_assert(dk_val_eq(&v, &md->e[i].v.v));
    }
}

static dk_val rand_key(dk_rand *r, uint8_t *buf, int bigkeys) {
    if (dk_rand_below(r, 8) == 0) return tricky_number(r);
    dk_val k = rand_val(r, buf);
    if (!bigkeys && k.type == DK_BYTES && k.len > 40) k.len = 40;
    return k;
}

static void random_op(dk_rand *r, dk_map *m, kvmodel *md, int grow, uint8_t *kb, uint8_t *vb) {
    dk_val k = rand_key(r, kb, 1), v = rand_val(r, vb), x;
    unsigned op = (unsigned)dk_rand_below(r, 10);
    if (op < (unsigned)grow) {
        if (dk_rand_below(r, 4)) {
            fast_assert_int_eq(dk_map_set(m, &k, &v), kv_put(md, &k, &v, true));
        } else {
            fast_assert_int_eq(dk_map_add(m, &k, &v), kv_put(md, &k, &v, false));
        }
        return;
    }
    bool found;
    size_t i = kv_lb(md, &k, &found);
    switch (dk_rand_below(r, 3)) {
    case 0:
        if (md->n && dk_rand_below(r, 2)) k = md->e[dk_rand_below(r, md->n)].k.v;
        fast_assert_int_eq(dk_map_delete(m, &k), kv_del(md, &k));
        break;
    case 1:
        fast_assert_int_eq(dk_map_get(m, &k, &x), found);
        if (found) fast_assert(dk_val_eq(&x, &md->e[i].v.v));
        break;
    default: {
        /* a short range walk from k */
        dk_iter it = dk_map_seek(m, &k);
        fast_assert_uint_eq(it.pos, i);
        for (size_t j = i; j < md->n && j < i + 5; j++) {
            fast_assert(dk_map_next(m, &it, &x, NULL));
            fast_assert(dk_val_cmp(&x, &md->e[j].k.v) == 0);
        }
        break;
    }
    }
}

START_TEST(test_map_random_ops_match_model) {
    dk_rand r = {404 + _i};
    static uint8_t kb[5000], vb[5000];
    dk_map *m = dk_map_new();
    kvmodel md = {0};
    size_t most = 0;
    for (int op = 0; op < 40000; op++) {
        random_op(&r, m, &md, 6, kb, vb);
        if (op % 4000 == 0) check_equal(m, &md);
        if (dk_map_chunks(m) > most) most = dk_map_chunks(m);
    }
    check_equal(m, &md);
    ck_assert_uint_gt(most, 10);
    kv_free(&md);
    dk_map_free(m);
}
END_TEST

/* Many distinct keys: grows through many runs, then deletes everything in random order. */
START_TEST(test_map_grows_and_shrinks_through_tiers) {
    dk_rand r = {17};
    dk_map *m = dk_map_new();
    size_t empty = dk_map_bytes(m);
    kvmodel md = {0};
    char key[32];
    for (int i = 0; i < 50000; i++) {
        unsigned long long id = dk_rand_below(&r, 1000000);
        int n = snprintf(key, sizeof key, "field:%llu", id);
        dk_val k = dk_bytes(key, (size_t)n), v = dk_i64(i);
        fast_assert_int_eq(dk_map_set(m, &k, &v), kv_put(&md, &k, &v, true));
    }
    check_equal(m, &md);
    ck_assert_uint_gt(dk_map_chunks(m), 100);
    size_t pay = kv_payload(&md, true);
    ck_assert_uint_ge(dk_map_bytes(m), empty + pay);
    ck_assert_uint_le(dk_map_bytes(m), empty + pay + md.n * 3);
    /* delete in random order, iterating with a cursor as we go */
    dk_iter it = dk_iter_at(0);
    while (md.n) {
        dk_val k = md.e[dk_rand_below(&r, md.n)].k.v, x;
        fast_assert(dk_map_delete(m, &k));
        fast_assert(kv_del(&md, &k));
        if (!dk_map_next(m, &it, &x, NULL))
            it = dk_iter_at(0);
        else
            fast_assert(dk_val_cmp(&x, &md.e[it.pos - 1].k.v) == 0);
        if (md.n % 10000 == 0) check_equal(m, &md);
        if (md.n == 10) ck_assert_uint_eq(dk_map_chunks(m), 1);
    }
    ck_assert_uint_eq(dk_map_chunks(m), 0);
    ck_assert_uint_eq(dk_map_bytes(m), empty);
    kv_free(&md);
    dk_map_free(m);
}
END_TEST

/* A cursor walking while the map grows under it (splits, new runs, index changes): it stays in
 * key order except across insertions below it, and ends exactly at the end. */
START_TEST(test_map_cursor_walks_while_growing) {
    dk_rand r = {23};
    dk_map *m = dk_map_new();
    char key[32];
    for (int i = 0; i < 2000; i++) {
        unsigned long long id = dk_rand_below(&r, 1u << 30);
        int n = snprintf(key, sizeof key, "%08llu", id);
        dk_val k = dk_bytes(key, (size_t)n), v = dk_i64(i);
        dk_map_set(m, &k, &v);
    }
    dk_iter it = dk_iter_at(0);
    dk_val k, v;
    size_t steps = 0;
    while (dk_map_next(m, &it, &k, &v)) {
        if (steps % 2 == 0) {
            unsigned long long id = dk_rand_below(&r, 1u << 30);
            int n = snprintf(key, sizeof key, "%08llu", id);
            dk_val nk = dk_bytes(key, (size_t)n), nv = dk_bytes(key, (size_t)n);
            dk_map_set(m, &nk, &nv);
        }
        fast_assert_uint_le(it.pos, dk_map_count(m));
        if (++steps > 100000) break;
    }
    ck_assert_uint_eq(it.pos, dk_map_count(m));
    ck_assert_uint_gt(dk_map_chunks(m), 10);
    dk_map_free(m);
}
END_TEST

START_TEST(test_map_boundaries) {
    dk_map *m = dk_map_new();
    static uint8_t big[100000];
    memset(big, 'z', sizeof big);
    dk_val keys[] = {dk_i64(INT64_MIN), dk_u64(UINT64_MAX), dk_bytes("", 0), dk_bytes(big, 100000),
                     dk_null(),         dk_bool(false),     dk_bool(true),   dk_f64(-0.0)};
    size_t n = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(dk_map_set(m, &keys[i], &keys[(i + 3) % n]), 1);
    dk_val zero = dk_i64(0), x, y;
    ck_assert_int_eq(dk_map_add(m, &zero, &zero), 0); /* 0 == -0.0 by value */
    ck_assert(dk_map_get(m, &keys[3], &x));
    ck_assert(dk_val_eq(&x, &keys[6]));
    ck_assert(dk_map_at(m, 0, &x, &y));
    ck_assert_int_eq(x.type, DK_NULL);
    ck_assert(dk_map_at(m, n - 1, &x, &y));
    ck_assert_uint_eq(x.len, 100000);
    /* a huge value replaced by a tiny one and back */
    dk_val small = dk_i64(1);
    ck_assert_int_eq(dk_map_set(m, &keys[0], &keys[3]), 0);
    ck_assert_int_eq(dk_map_set(m, &keys[0], &small), 0);
    ck_assert(dk_map_get(m, &keys[0], &x));
    ck_assert(dk_val_eq(&x, &small));
    dk_val p = dk_ptr(m);
    ck_assert_int_eq(dk_map_set(m, &p, &small), -1);
    ck_assert_int_eq(dk_map_set(m, &small, &p), -1);
    ck_assert(!dk_map_delete(m, &small));
    ck_assert(dk_map_random(m, 12345, &x, &y));
    size_t before = dk_map_bytes(m);
    dk_map_clear(m);
    ck_assert_uint_eq(dk_map_count(m), 0);
    ck_assert_uint_lt(dk_map_bytes(m), before);
    ck_assert(!dk_map_random(m, 1, &x, &y));
    dk_map_free(m);
}
END_TEST

static Suite *map_suite(void) {
    Suite *s = suite_create("dk_map");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_map_random_ops_match_model, 0, 3);
    tcase_add_test(tc, test_map_grows_and_shrinks_through_tiers);
    tcase_add_test(tc, test_map_cursor_walks_while_growing);
    tcase_add_test(tc, test_map_boundaries);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(map_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
