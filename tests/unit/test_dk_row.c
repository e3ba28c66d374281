/* test_dk_row.c -- unit tests for dk_row, records of named fields, against a plain array model. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/row.h>

#include "dk_check_fast.h"
#include "dk_rand.h"
#include "dk_vals.h"

/* The model: n fields with distinct names, in insertion order. */
typedef struct model {
    char names[64][16];
    size_t nlen[64];
    uint8_t vbuf[64][5000];
    dk_val vals[64];
    size_t n;
} model;

static void fill_model(dk_rand *r, model *m) {
    m->n = dk_rand_below(r, 64);
    for (size_t i = 0; i < m->n; i++) {
        m->nlen[i] = (size_t)snprintf(m->names[i], sizeof m->names[i], "f%zu_%u", i,
                                      (unsigned)dk_rand_below(r, 1000));
        m->vals[i] = rand_val(r, m->vbuf[i]);
    }
}

static size_t to_fields(const model *m, dk_field *f) {
    for (size_t i = 0; i < m->n; i++) {
        f[i].name = dk_bytes(m->names[i], m->nlen[i]);
        f[i].val = m->vals[i];
    }
    return m->n;
}

START_TEST(test_row_random_rows_match_model) {
    dk_rand r = {.s = 0x5eed0000u + (uint64_t)_i};
    static model m;
    dk_field f[64];
    for (int round = 0; round < 300; round++) {
        fill_model(&r, &m);
        size_t n = to_fields(&m, f);
        size_t size = dk_row_size(f, n);
        fast_assert(n == 0 || size > 0);
        uint8_t *row = malloc(size + 1);
        fast_assert_uint_eq(dk_row_pack(f, n, row), size);
        fast_assert(dk_row_check(row, size));
        fast_assert_uint_eq(dk_row_count(row, size), n);
        /* every field by name, and the walk in insertion order */
        for (size_t i = 0; i < n; i++) {
            dk_val v;
            fast_assert(dk_row_get(row, size, m.names[i], m.nlen[i], &v));
            fast_assert(dk_val_eq(&v, &m.vals[i]));
        }
        size_t off = 0, i = 0;
        dk_field got;
        while (dk_row_next(row, size, &off, &got)) {
            fast_assert(i < n);
            fast_assert_uint_eq(got.name.len, m.nlen[i]);
            fast_assert(memcmp(got.name.v.ptr, m.names[i], m.nlen[i]) == 0);
            fast_assert(dk_val_eq(&got.val, &m.vals[i]));
            i++;
        }
        fast_assert_uint_eq(i, n);
        dk_val v;
        fast_assert(!dk_row_get(row, size, "absent", 6, &v));
        /* every strict prefix that cuts a box is refused */
        for (size_t cut = 0; cut < size; cut += 1 + size / 20) {
            size_t off2 = 0, whole = 0;
            dk_field g;
            while (dk_row_next(row, cut, &off2, &g))
                whole = off2;
            if (whole != cut) fast_assert(!dk_row_check(row, cut));
        }
        free(row);
    }
}
END_TEST

START_TEST(test_row_refuses_bad_fields) {
    dk_field f[2] = {{dk_bytes("a", 1), dk_i64(1)}, {dk_bytes("a", 1), dk_i64(2)}};
    ck_assert_uint_eq(dk_row_size(f, 2), 0); /* a name twice */
    f[1].name = dk_bytes("", 0);
    ck_assert_uint_eq(dk_row_size(f, 2), 0); /* an empty name */
    f[1].name = dk_i64(5);
    ck_assert_uint_eq(dk_row_size(f, 2), 0); /* a name that is not bytes */
    f[1].name = dk_bytes("b", 1);
    f[1].val = dk_f64(0.0 / 0.0);
    ck_assert_uint_eq(dk_row_size(f, 2), 0); /* NaN */
    f[1].val = dk_ptr(f);
    ck_assert_uint_eq(dk_row_size(f, 2), 0); /* not storable */
    static char longname[DK_ROW_NAME_MAX + 1];
    memset(longname, 'x', sizeof longname);
    f[1].val = dk_i64(2);
    f[1].name = dk_bytes(longname, DK_ROW_NAME_MAX + 1);
    ck_assert_uint_eq(dk_row_size(f, 2), 0);
    f[1].name = dk_bytes(longname, DK_ROW_NAME_MAX);
    ck_assert_uint_gt(dk_row_size(f, 2), 0);
    static dk_field many[DK_ROW_FIELDS_MAX + 1];
    static char names[DK_ROW_FIELDS_MAX + 1][8];
    for (int i = 0; i <= DK_ROW_FIELDS_MAX; i++) {
        int len = snprintf(names[i], sizeof names[i], "n%d", i);
        many[i].name = dk_bytes(names[i], (size_t)len);
        many[i].val = dk_i64(i);
    }
    ck_assert_uint_gt(dk_row_size(many, DK_ROW_FIELDS_MAX), 0);
    ck_assert_uint_eq(dk_row_size(many, DK_ROW_FIELDS_MAX + 1), 0);
}
END_TEST

START_TEST(test_row_check_refuses_damaged_bytes) {
    dk_field f[2] = {{dk_bytes("a", 1), dk_i64(1)}, {dk_bytes("a", 1), dk_i64(2)}};
    uint8_t row[64];
    /* a repeated name packed by hand is refused */
    size_t n = dk_row_pack(f, 2, row);
    ck_assert(!dk_row_check(row, n));
    /* a name that is a number */
    dk_val num = dk_i64(7), one = dk_i64(1);
    n = dk_box_pack(&num, row);
    n += dk_box_pack(&one, row + n);
    ck_assert(!dk_row_check(row, n));
    /* a NaN value */
    dk_val a = dk_bytes("a", 1), nan = dk_f64(0.0 / 0.0);
    n = dk_box_pack(&a, row);
    n += dk_box_pack(&nan, row + n);
    ck_assert(!dk_row_check(row, n));
    /* a name without its value, and garbage */
    n = dk_box_pack(&a, row);
    ck_assert(!dk_row_check(row, n));
    memset(row, 0xff, sizeof row);
    ck_assert(!dk_row_check(row, sizeof row));
    ck_assert(dk_row_check(row, 0));
}
END_TEST

static Suite *row_suite(void) {
    Suite *s = suite_create("dk_row");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_row_random_rows_match_model, 0, 3);
    tcase_add_test(tc, test_row_refuses_bad_fields);
    tcase_add_test(tc, test_row_check_refuses_damaged_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(row_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
