/* test_deadline.c -- the core's table of namespace deadlines (memcached's delayed flush_all):
 * namespaces, databases and names kept apart, claims once, the limit, and a connection told
 * once per change of the table. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "deadline.h"

#define F "memcache.flush"

START_TEST(test_deadline_keeps_namespaces_databases_and_names_apart) {
    keel_arg tenant[] = {{"t1", 2}}, other[] = {{"t2", 2}}, deep[] = {{"t1", 2}, {"x", 1}};
    deadline_free();
    ck_assert(!deadline_pending());
    ck_assert(deadline_set(0, NULL, 0, F, 1000));
    ck_assert(deadline_set(0, tenant, 1, F, 2000));
    ck_assert(deadline_pending());
    ck_assert_int_eq(deadline_time(0, NULL, 0, F), 1000);
    ck_assert_int_eq(deadline_time(0, tenant, 1, F), 2000);
    ck_assert_int_eq(deadline_time(0, tenant, 1, "other.name"), INT64_MAX);
    ck_assert_int_eq(deadline_time(0, other, 1, F), INT64_MAX);
    ck_assert_int_eq(deadline_time(0, deep, 2, F), INT64_MAX);
    ck_assert(!deadline_take(0, tenant, 1, F, 1500)); /* not yet */
    ck_assert(!deadline_take(0, other, 1, F, 5000));  /* not its deadline */
    ck_assert(!deadline_take(1, tenant, 1, F, 5000)); /* the same namespace of another database */
    ck_assert(!deadline_take(0, tenant, 1, "other.name", 5000));
    ck_assert(deadline_set(3, tenant, 1, F, 3000));
    ck_assert_int_eq(deadline_time(3, tenant, 1, F), 3000);
    ck_assert_int_eq(deadline_time(0, tenant, 1, F), 2000);
    ck_assert(deadline_take(0, tenant, 1, F, 2000));
    ck_assert(!deadline_take(0, tenant, 1, F, 2000)); /* once */
    ck_assert(deadline_take(3, tenant, 1, F, 3000));
    uint64_t gen = deadline_generation();
    deadline_cancel(0, NULL, 0, F);
    ck_assert_uint_ne(deadline_generation(), gen);
    ck_assert(!deadline_pending());
    for (int i = 0; i < DEADLINE_MAX; i++) {
        char name[16];
        keel_arg p = {name, (size_t)snprintf(name, sizeof name, "ns%d", i)};
        ck_assert(deadline_set(0, &p, 1, F, 1));
    }
    ck_assert(!deadline_set(0, other, 1, F, 1));                /* full */
    ck_assert(deadline_set(0, &(keel_arg){"ns7", 3}, 1, F, 9)); /* replacing is fine */
    deadline_free();
    ck_assert(!deadline_pending());
}
END_TEST

/* A due deadline is reported to a connection once; a claim lost to another connection is not
 * reported again until the table changes. */
START_TEST(test_deadline_due_once_per_table_state) {
    deadline_free();
    deadline_seen a = {0}, b = {0};
    ck_assert(!deadline_due_once(&a, 0, NULL, 0, F, 10));
    ck_assert(deadline_set(0, NULL, 0, F, 100));
    ck_assert(!deadline_due_once(&a, 0, NULL, 0, F, 50)); /* still to come */
    ck_assert(deadline_due_once(&a, 0, NULL, 0, F, 100));
    ck_assert(!deadline_due_once(&a, 0, NULL, 0, F, 200)); /* told already */
    ck_assert(deadline_due_once(&b, 0, NULL, 0, F, 200));  /* another connection is told too */
    ck_assert(deadline_take(0, NULL, 0, F, 200));          /* b claims it */
    ck_assert(!deadline_due_once(&a, 0, NULL, 0, F, 300));
    ck_assert(deadline_set(0, NULL, 0, F, 250)); /* a new deadline: told again */
    ck_assert(deadline_due_once(&a, 0, NULL, 0, F, 300));
    deadline_seen t = {0}, d1 = {0};
    ck_assert(!deadline_due_once(&t, 0, &(keel_arg){"t1", 2}, 1, F, 300)); /* another namespace */
    ck_assert(!deadline_due_once(&d1, 1, NULL, 0, F, 300));                /* another database */
    deadline_free();
}
END_TEST

static Suite *deadline_suite(void) {
    Suite *s = suite_create("deadline");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_deadline_keeps_namespaces_databases_and_names_apart);
    tcase_add_test(tc, test_deadline_due_once_per_table_state);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(deadline_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
