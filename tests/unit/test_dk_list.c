/* test_dk_list.c -- unit tests for dk_list, the tiered (flat -> chunked) list of boxes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/list.h>

#include "model_move.h"
#include "dk_check_fast.h"
#include "dk_rand.h"
#include "dk_vals.h"

/* ---- the reference model: a plain array of owned values ---------------------------------- */

typedef struct model {
    owned *v;
    size_t n, cap;
} model;

static void model_insert(model *m, size_t i, const dk_val *v) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = realloc(m->v, m->cap * sizeof *m->v);
    }
    model_move(m->v + i + 1, m->v + i, (m->n - i) * sizeof *m->v);
    m->v[i] = owned_copy(v);
    m->n++;
}

static void model_delete(model *m, size_t i, size_t k) {
    for (size_t j = 0; j < k; j++)
        owned_free(&m->v[i + j]);
    model_move(m->v + i, m->v + i + k, (m->n - i - k) * sizeof *m->v);
    m->n -= k;
}

static void model_free(model *m) {
    model_delete(m, 0, m->n);
    free(m->v);
}

static size_t payload(const model *m) {
    size_t p = 0;
    for (size_t i = 0; i < m->n; i++)
        p += dk_box_size(&m->v[i].v);
    return p;
}

/* Index reads, and full cursor walks both ways. */
static void check_equal(const dk_list *l, const model *m) {
    fast_assert_uint_eq(dk_list_len(l), m->n);
    dk_val x;
    dk_iter it = dk_iter_at(0);
    for (size_t i = 0; i < m->n; i++) {
        fast_assert(dk_list_next(l, &it, &x));
        fast_assert(dk_val_eq(&x, &m->v[i].v));
    }
    fast_assert(!dk_list_next(l, &it, &x));
    it = dk_iter_at(m->n - 1);
    for (size_t i = m->n; i-- > 0;) {
        fast_assert(dk_list_prev(l, &it, &x));
        fast_assert(dk_val_eq(&x, &m->v[i].v));
    }
    fast_assert(!dk_list_prev(l, &it, &x));
    for (size_t i = 0; i < m->n; i += 1 + m->n / 50) {
        fast_assert(dk_list_index(l, i, &x));
        fast_assert(dk_val_eq(&x, &m->v[i].v));
    }
    fast_assert(!dk_list_index(l, m->n, &x));
}

/* One random operation on both the list and the model; `grow` biases towards inserts. */
static void random_op(dk_rand *r, dk_list *l, model *m, int grow, uint8_t *buf) {
    dk_val v = rand_val(r, buf), x;
    size_t n = m->n, i = n ? dk_rand_below(r, n) : 0;
    unsigned op = (unsigned)dk_rand_below(r, 10);
    if (op < (unsigned)grow) {
        switch (dk_rand_below(r, 3)) {
        case 0:
            fast_assert(dk_list_push(l, DK_LIST_HEAD, &v));
            model_insert(m, 0, &v);
            break;
        case 1:
            fast_assert(dk_list_push(l, DK_LIST_TAIL, &v));
            model_insert(m, n, &v);
            break;
        default:
            i = dk_rand_below(r, n + 1);
            fast_assert(dk_list_insert(l, i, &v));
            model_insert(m, i, &v);
            break;
        }
        return;
    }
    switch (dk_rand_below(r, 4)) {
    case 0:
        if (n) {
            dk_list_end end = dk_rand_below(r, 2) ? DK_LIST_HEAD : DK_LIST_TAIL;
            size_t at = end == DK_LIST_HEAD ? 0 : n - 1;
            fast_assert(dk_list_peek(l, end, &x));
            fast_assert(dk_val_eq(&x, &m->v[at].v));
            fast_assert(dk_list_pop(l, end));
            model_delete(m, at, 1);
        } else {
            fast_assert(!dk_list_pop(l, DK_LIST_TAIL));
            fast_assert(!dk_list_peek(l, DK_LIST_HEAD, &x));
        }
        break;
    case 1: {
        size_t k = dk_rand_below(r, 100) ? 1 + dk_rand_below(r, 4) : dk_rand_below(r, 400);
        if (n && k > n - i) k = n - i;
        fast_assert_uint_eq(dk_list_delete(l, i, k), n ? k : 0);
        if (n) model_delete(m, i, k);
        break;
    }
    case 2:
        if (n) {
            fast_assert(dk_list_set(l, i, &v));
            owned_free(&m->v[i]);
            m->v[i] = owned_copy(&v);
        }
        break;
    default:
        if (n) {
            fast_assert(dk_list_index(l, i, &x));
            fast_assert(dk_val_eq(&x, &m->v[i].v));
            size_t f = dk_list_find(l, 0, &x);
            fast_assert(f <= i);
            fast_assert(dk_val_eq(&m->v[f].v, &x));
        }
        break;
    }
}

START_TEST(test_list_random_ops_match_model) {
    dk_rand r = {11 + _i};
    static uint8_t buf[5000];
    dk_list *l = dk_list_new();
    model m = {0};
    size_t most_chunks = 0;
    for (int op = 0; op < 30000; op++) {
        random_op(&r, l, &m, 7, buf);
        if (op % 3000 == 0) check_equal(l, &m);
        if (dk_list_chunks(l) > most_chunks) most_chunks = dk_list_chunks(l);
    }
    check_equal(l, &m);
    ck_assert_uint_gt(most_chunks, 10);
    model_free(&m);
    dk_list_free(l);
}
END_TEST

/* Grows from empty into many chunks, then shrinks back to one chunk and to nothing. */
START_TEST(test_list_grows_and_shrinks_through_tiers) {
    dk_rand r = {3};
    static uint8_t buf[5000];
    dk_list *l = dk_list_new();
    size_t empty = dk_list_bytes(l);
    model m = {0};
    ck_assert_uint_eq(dk_list_chunks(l), 0);
    for (int op = 0; op < 40000; op++) {
        random_op(&r, l, &m, 9, buf);
        if (op % 4000 == 0) {
            check_equal(l, &m);
            fast_assert_uint_ge(dk_list_bytes(l), empty + payload(&m));
        }
    }
    check_equal(l, &m);
    ck_assert_uint_gt(dk_list_chunks(l), 20);
    ck_assert_uint_ge(dk_list_bytes(l), empty + payload(&m));
    ck_assert_uint_le(dk_list_bytes(l), empty + payload(&m) * 13 / 10 + 4096);
    while (m.n > 0) {
        random_op(&r, l, &m, 1, buf);
        if (m.n % 1000 == 0) check_equal(l, &m);
        if (m.n < 20) {
            fast_assert_uint_le(dk_list_chunks(l), 1);
        }
    }
    check_equal(l, &m);
    ck_assert_uint_eq(dk_list_chunks(l), 0);
    ck_assert_uint_eq(dk_list_bytes(l), empty);
    model_free(&m);
    dk_list_free(l);
}
END_TEST

/* LRANGE-style walk that yields: the list grows at the tail between steps (position-stable),
 * then a walk that deletes matches through the cursor (LREM-style). */
START_TEST(test_list_cursor_resumes_across_changes) {
    dk_list *l = dk_list_new();
    model m = {0};
    for (int64_t i = 0; i < 20000; i++) {
        dk_val v = dk_i64(i % 100);
        dk_list_push(l, DK_LIST_TAIL, &v);
        model_insert(&m, m.n, &v);
    }
    dk_iter it = dk_iter_at(0);
    dk_val x;
    size_t steps = 0;
    while (dk_list_next(l, &it, &x)) {
        fast_assert(dk_val_eq(&x, &m.v[it.pos - 1].v));
        if (++steps % 50 == 0) {
            dk_val v = dk_i64((int64_t)steps);
            dk_list_push(l, DK_LIST_TAIL, &v);
            model_insert(&m, m.n, &v);
        }
    }
    ck_assert_uint_eq(it.pos, m.n);
    /* delete every 7 while walking */
    dk_val seven = dk_i64(7);
    it = dk_iter_at(0);
    while (dk_list_next(l, &it, &x)) {
        if (dk_val_eq(&x, &seven)) {
            size_t p = (size_t)it.pos - 1;
            fast_assert_uint_eq(dk_list_delete(l, p, 1), 1);
            model_delete(&m, p, 1);
            it.pos = p;
        }
    }
    ck_assert_uint_eq(dk_list_find(l, 0, &seven), SIZE_MAX);
    check_equal(l, &m);
    model_free(&m);
    dk_list_free(l);
}
END_TEST

START_TEST(test_list_small_ints_are_compact) {
    dk_list *l = dk_list_new();
    for (int64_t i = 0; i < 100000; i++) {
        dk_val v = dk_i64(i % 64);
        fast_assert(dk_list_push(l, DK_LIST_TAIL, &v));
    }
    ck_assert_uint_le(dk_list_bytes(l), 100000 * 21 / 10);
    ck_assert_uint_eq(dk_list_delete(l, 0, SIZE_MAX), 100000);
    ck_assert_uint_eq(dk_list_len(l), 0);
    dk_list_free(l);
}
END_TEST

START_TEST(test_list_rejects_bad_input) {
    dk_list *l = dk_list_new();
    dk_val p = dk_ptr(l), v = dk_i64(1), x;
    ck_assert(!dk_list_push(l, DK_LIST_TAIL, &p));
    ck_assert(!dk_list_insert(l, 1, &v));
    ck_assert(!dk_list_set(l, 0, &v));
    ck_assert_uint_eq(dk_list_delete(l, 0, 5), 0);
    ck_assert(dk_list_push(l, DK_LIST_TAIL, &v));
    ck_assert(!dk_list_set(l, 0, &p));
    ck_assert(!dk_list_index(l, 1, &x));
    dk_list_free(l);
}
END_TEST

static Suite *list_suite(void) {
    Suite *s = suite_create("dk_list");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_list_random_ops_match_model, 0, 3);
    tcase_add_test(tc, test_list_grows_and_shrinks_through_tiers);
    tcase_add_test(tc, test_list_cursor_resumes_across_changes);
    tcase_add_test(tc, test_list_small_ints_are_compact);
    tcase_add_test(tc, test_list_rejects_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(list_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
