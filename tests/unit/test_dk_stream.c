/* test_dk_stream.c -- unit tests for dk_stream against a model: an array of entries in ID order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/stream.h>

#include "dk_check_fast.h"
#include "dk_rand.h"

/* ======== the model ======== */

#define MAXPAIRS 4

typedef struct ment {
    dk_sid id;
    bool deleted;
    uint32_t npairs;
    char f[MAXPAIRS][16], v[MAXPAIRS][24];
} ment;

typedef struct model {
    ment *e;
    size_t n, cap;
    uint64_t live;
} model;

static void model_add(model *m, const ment *e) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->e = realloc(m->e, m->cap * sizeof *m->e);
    }
    m->e[m->n++] = *e;
    m->live++;
}

static long model_find(const model *m, dk_sid id) {
    for (size_t i = 0; i < m->n; i++)
        if (!m->e[i].deleted && dk_sid_cmp(m->e[i].id, id) == 0) return (long)i;
    return -1;
}

/* A random entry: repeated field names most of the time, values both text and integers. */
static void random_entry(dk_rand *r, dk_sid id, ment *e) {
    static const char *names[] = {"user", "event", "ts", "a", ""};
    memset(e, 0, sizeof *e);
    e->id = id;
    bool usual = dk_rand_below(r, 4) != 0;
    e->npairs = usual ? 3 : 1 + (uint32_t)dk_rand_below(r, MAXPAIRS);
    for (uint32_t i = 0; i < e->npairs; i++) {
        snprintf(e->f[i], sizeof e->f[i], "%s", usual ? names[i] : names[dk_rand_below(r, 5)]);
        switch (dk_rand_below(r, 5)) {
        case 0:
            snprintf(e->v[i], sizeof e->v[i], "%lld", (long long)dk_rand_u64(r));
            break;
        case 1:
            snprintf(e->v[i], sizeof e->v[i], "0%d", (int)dk_rand_below(r, 100));
            break;
        case 2:
            snprintf(e->v[i], sizeof e->v[i], "-%d", (int)dk_rand_below(r, 1000));
            break;
        case 3:
            e->v[i][0] = '\0';
            break;
        default:
            snprintf(e->v[i], sizeof e->v[i], "v%08llx", (unsigned long long)dk_rand_u64(r));
            break;
        }
    }
}

static int stream_add(dk_stream *s, const ment *e) {
    dk_sbytes fv[2 * MAXPAIRS];
    for (uint32_t i = 0; i < e->npairs; i++) {
        fv[2 * i] = (dk_sbytes){e->f[i], strlen(e->f[i])};
        fv[2 * i + 1] = (dk_sbytes){e->v[i], strlen(e->v[i])};
    }
    return dk_stream_append(s, e->id, fv, e->npairs);
}

static void check_entry(const dk_sentry *got, const ment *want) {
    fast_assert_uint_eq(got->id.ms, want->id.ms);
    fast_assert_uint_eq(got->id.seq, want->id.seq);
    fast_assert_uint_eq(got->npairs, want->npairs);
    dk_spairs w;
    dk_sbytes f, v;
    dk_sentry_pairs(got, &w);
    for (uint32_t i = 0; i < want->npairs; i++) {
        fast_assert(dk_spairs_next(&w, &f, &v));
        fast_assert_uint_eq(f.len, strlen(want->f[i]));
        fast_assert(memcmp(f.ptr, want->f[i], f.len) == 0);
        fast_assert_uint_eq(v.len, strlen(want->v[i]));
        fast_assert(memcmp(v.ptr, want->v[i], v.len) == 0);
    }
    fast_assert(!dk_spairs_next(&w, &f, &v));
}

/* Walks the stream from `from` in both directions and compares with the model. */
static void check_walks(const dk_stream *s, const model *m, dk_sid from) {
    dk_scursor c;
    dk_sentry e;
    dk_stream_seek(s, &c, from, false);
    for (size_t i = 0; i < m->n; i++) {
        if (m->e[i].deleted || dk_sid_cmp(m->e[i].id, from) < 0) continue;
        fast_assert(dk_stream_next(s, &c, &e));
        check_entry(&e, &m->e[i]);
    }
    fast_assert(!dk_stream_next(s, &c, &e));
    dk_stream_seek(s, &c, from, true);
    for (size_t i = m->n; i-- > 0;) {
        if (m->e[i].deleted || dk_sid_cmp(m->e[i].id, from) > 0) continue;
        fast_assert(dk_stream_next(s, &c, &e));
        check_entry(&e, &m->e[i]);
    }
    fast_assert(!dk_stream_next(s, &c, &e));
}

static void check_all(const dk_stream *s, const model *m, dk_rand *r) {
    ck_assert_uint_eq(dk_stream_len(s), m->live);
    check_walks(s, m, (dk_sid){0, 0});
    check_walks(s, m, (dk_sid){UINT64_MAX, UINT64_MAX});
    if (m->n) check_walks(s, m, m->e[dk_rand_below(r, m->n)].id);
    dk_sid id;
    long first = -1, last = -1;
    for (size_t i = 0; i < m->n; i++)
        if (!m->e[i].deleted) {
            if (first < 0) first = (long)i;
            last = (long)i;
        }
    ck_assert(dk_stream_first(s, &id) == (first >= 0));
    if (first >= 0) ck_assert(dk_sid_cmp(id, m->e[first].id) == 0);
    ck_assert(dk_stream_last(s, &id) == (last >= 0));
    if (last >= 0) ck_assert(dk_sid_cmp(id, m->e[last].id) == 0);
}

/* ======== tests ======== */

START_TEST(test_dk_stream_empty) {
    dk_stream *s = dk_stream_new();
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(dk_stream_len(s), 0);
    dk_sid id;
    ck_assert(!dk_stream_first(s, &id));
    ck_assert(!dk_stream_del(s, (dk_sid){1, 1}));
    ck_assert(!dk_stream_del_first(s, &id));
    ck_assert_uint_eq(dk_stream_drop_front(s), 0);
    ck_assert(dk_stream_bytes(s) > 0);
    dk_stream_free(s);
}
END_TEST

START_TEST(test_dk_stream_append_order_enforced) {
    dk_stream *s = dk_stream_new();
    dk_sbytes fv[2] = {{"f", 1}, {"v", 1}};
    ck_assert_int_eq(dk_stream_append(s, (dk_sid){5, 1}, fv, 1), 0);
    ck_assert_int_eq(dk_stream_append(s, (dk_sid){5, 1}, fv, 1), -2);
    ck_assert_int_eq(dk_stream_append(s, (dk_sid){4, 9}, fv, 1), -2);
    ck_assert_int_eq(dk_stream_append(s, (dk_sid){5, 2}, fv, 1), 0);
    ck_assert_int_eq(dk_stream_append(s, (dk_sid){UINT64_MAX, UINT64_MAX}, fv, 1), 0);
    ck_assert_uint_eq(dk_stream_len(s), 3);
    dk_stream_free(s);
}
END_TEST

START_TEST(test_dk_stream_integer_values_round_trip) {
    dk_stream *s = dk_stream_new();
    const char *vals[] = {"0",
                          "-1",
                          "9223372036854775807",
                          "-9223372036854775808",
                          "007",
                          "-0",
                          "+5",
                          "18446744073709551616",
                          "12a",
                          " 1"};
    size_t n = sizeof vals / sizeof vals[0];
    for (size_t i = 0; i < n; i++) {
        dk_sbytes fv[2] = {{"k", 1}, {vals[i], strlen(vals[i])}};
        fast_assert_int_eq(dk_stream_append(s, (dk_sid){1, i}, fv, 1), 0);
    }
    for (size_t i = 0; i < n; i++) {
        dk_sentry e;
        fast_assert(dk_stream_get(s, (dk_sid){1, i}, &e));
        dk_spairs w;
        dk_sbytes f, v;
        dk_sentry_pairs(&e, &w);
        fast_assert(dk_spairs_next(&w, &f, &v));
        fast_assert_uint_eq(v.len, strlen(vals[i]));
        fast_assert(memcmp(v.ptr, vals[i], v.len) == 0);
    }
    dk_stream_free(s);
}
END_TEST

START_TEST(test_dk_stream_against_model) {
    dk_rand r = {.s = 42 + (uint64_t)_i};
    dk_stream *s = dk_stream_new();
    model m = {0};
    dk_sid next = {1000, 0};
    for (int step = 0; step < 6000; step++) {
        uint64_t op = dk_rand_below(&r, 100);
        if (op < 70) {
            if (dk_rand_below(&r, 3) == 0)
                next.ms += 1 + dk_rand_below(&r, 1000000), next.seq = 0;
            else
                next.seq += 1 + dk_rand_below(&r, 300);
            ment e;
            random_entry(&r, next, &e);
            if (dk_rand_below(&r, 50) == 0) e.npairs = 0;
            fast_assert_int_eq(stream_add(s, &e), 0);
            model_add(&m, &e);
        } else if (op < 85 && m.n) {
            size_t i = dk_rand_below(&r, m.n);
            bool was = !m.e[i].deleted;
            fast_assert(dk_stream_del(s, m.e[i].id) == was);
            if (was) m.e[i].deleted = true, m.live--;
        } else if (op < 92) {
            dk_sid id;
            long i = -1;
            for (size_t k = 0; k < m.n && i < 0; k++)
                if (!m.e[k].deleted) i = (long)k;
            fast_assert(dk_stream_del_first(s, &id) == (i >= 0));
            if (i >= 0) {
                fast_assert(dk_sid_cmp(id, m.e[i].id) == 0);
                m.e[i].deleted = true;
                m.live--;
            }
        } else if (op < 94) {
            uint64_t live;
            dk_sid last;
            if (dk_stream_front(s, &live, &last)) {
                uint64_t got = dk_stream_drop_front(s);
                fast_assert_uint_eq(got, live);
                for (size_t k = 0; k < m.n && dk_sid_cmp(m.e[k].id, last) <= 0; k++)
                    if (!m.e[k].deleted) m.e[k].deleted = true, m.live--, live--;
                fast_assert_uint_eq(live, 0);
            }
        } else if (op < 96 && m.n) {
            size_t i = dk_rand_below(&r, m.n);
            dk_sentry e;
            fast_assert(dk_stream_get(s, m.e[i].id, &e) == !m.e[i].deleted);
            if (!m.e[i].deleted) check_entry(&e, &m.e[i]);
            fast_assert(model_find(&m, m.e[i].id) == (m.e[i].deleted ? -1 : (long)i));
        } else if (step % 500 == 0) {
            dk_stream *c = dk_stream_copy(s);
            fast_assert_ptr_nonnull(c);
            check_all(c, &m, &r);
            dk_stream_free(c);
        }
        if (step % 300 == 0) check_all(s, &m, &r);
    }
    check_all(s, &m, &r);
    dk_stream_free(s);
    free(m.e);
}
END_TEST

START_TEST(test_dk_stream_chunks_fill_then_close) {
    dk_stream *s = dk_stream_new();
    dk_sbytes fv[6] = {{"user", 4},     {"abcdefgh", 8}, {"event", 5},
                       {"ijklmnop", 8}, {"ts", 2},       {"1733461234", 10}};
    for (uint64_t i = 0; i < 100000; i++)
        fast_assert_int_eq(dk_stream_append(s, (dk_sid){1733461234000ull + i / 3, i % 3}, fv, 3),
                           0);
    ck_assert_uint_eq(dk_stream_chunks(s), 1000);
    /* same names and an integer ts: well under 40 bytes an entry, everything counted */
    ck_assert_uint_lt(dk_stream_bytes(s) / 100000, 40);
    dk_stream_free(s);
}
END_TEST

/* Entries shaped as their chunk's first (same names, same value lengths, integers where it has
 * integers) are stored without tags and with integer differences: every value comes back, the
 * extreme differences (wrapping past int64) included, and the walk both ways agrees. */
START_TEST(test_dk_stream_shaped_values_round_trip) {
    dk_stream *s = dk_stream_new();
    dk_rand r = {.s = 99};
    static const char *extremes[] = {"9223372036854775807", "-9223372036854775808", "0", "-1"};
    enum { N = 2000 };
    char vals[N][3][24];
    for (int i = 0; i < N; i++) {
        snprintf(vals[i][0], 24, "%08llx", (unsigned long long)(dk_rand_u64(&r) & 0xffffffffull));
        if (i % 50 == 7)
            snprintf(vals[i][1], 24, "%s", extremes[(i / 50) % 4]);
        else
            snprintf(vals[i][1], 24, "%lld", (long long)(1733400000000ll + i * (i % 3 ? 1 : -7)));
        snprintf(vals[i][2], 24, "%s", i % 11 == 0 ? "longer-than-8" : "abcdefgh");
        dk_sbytes fv[6] = {{"user", 4}, {vals[i][0], 8},
                           {"ts", 2},   {vals[i][1], strlen(vals[i][1])},
                           {"k", 1},    {vals[i][2], strlen(vals[i][2])}};
        fast_assert_int_eq(
            dk_stream_append(s, (dk_sid){1000 + (uint64_t)i / 4, (uint64_t)i % 4 * 3}, fv, 3), 0);
    }
    for (int pass = 0; pass < 2; pass++) {
        dk_scursor c;
        dk_sentry e;
        dk_stream_seek(s, &c, pass ? (dk_sid){UINT64_MAX, UINT64_MAX} : (dk_sid){0, 0}, pass == 1);
        for (int k = 0; k < N; k++) {
            int i = pass ? N - 1 - k : k;
            fast_assert(dk_stream_next(s, &c, &e));
            fast_assert_uint_eq(e.id.ms, 1000 + (uint64_t)i / 4);
            fast_assert_uint_eq(e.id.seq, (uint64_t)i % 4 * 3);
            dk_spairs w;
            dk_sbytes f, v;
            dk_sentry_pairs(&e, &w);
            for (int j = 0; j < 3; j++) {
                fast_assert(dk_spairs_next(&w, &f, &v));
                fast_assert_uint_eq(v.len, strlen(vals[i][j]));
                fast_assert(memcmp(v.ptr, vals[i][j], v.len) == 0);
            }
        }
        fast_assert(!dk_stream_next(s, &c, &e));
    }
    ck_assert(dk_stream_del(s, (dk_sid){1000 + 7 / 4, 7 % 4 * 3}));
    dk_sentry e;
    ck_assert(dk_stream_get(s, (dk_sid){1000 + 57 / 4, 57 % 4 * 3}, &e));
    ck_assert_uint_lt(dk_stream_bytes(s) / N, 24); /* 8 + 8 bytes of text, ts a difference */
    dk_stream_free(s);
}
END_TEST

static Suite *stream_suite(void) {
    Suite *su = suite_create("dk_stream");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_dk_stream_empty);
    tcase_add_test(tc, test_dk_stream_append_order_enforced);
    tcase_add_test(tc, test_dk_stream_integer_values_round_trip);
    tcase_add_loop_test(tc, test_dk_stream_against_model, 0, 4);
    tcase_add_test(tc, test_dk_stream_chunks_fill_then_close);
    tcase_add_test(tc, test_dk_stream_shaped_values_round_trip);
    suite_add_tcase(su, tc);
    return su;
}

int main(void) {
    SRunner *sr = srunner_create(stream_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
