/* test_limit.c -- the client limits' values: Redis's byte units and the output buffer classes,
 * as the config file and CONFIG SET read them. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limit.h"

START_TEST(test_limit_bytes_take_redis_units) {
    int64_t v = -1;
    ck_assert(limit_parse_bytes("1024", &v) && v == 1024);
    ck_assert(limit_parse_bytes("0", &v) && v == 0);
    ck_assert(limit_parse_bytes("64k", &v) && v == 64000);
    ck_assert(limit_parse_bytes("64KB", &v) && v == 65536);
    ck_assert(limit_parse_bytes("1m", &v) && v == 1000000);
    ck_assert(limit_parse_bytes("32mb", &v) && v == 32ll << 20);
    ck_assert(limit_parse_bytes("2Gb", &v) && v == 2ll << 30);
    ck_assert(limit_parse_bytes("10b", &v) && v == 10);
}
END_TEST

START_TEST(test_limit_bytes_refuse_what_is_not_a_count) {
    int64_t v = 7;
    const char *bad[] = {"",
                         "-1",
                         "mb",
                         "1 mb",
                         "1tb",
                         "1.5mb",
                         "0x10",
                         "99999999999999999999",
                         "9223372036854775807kb",
                         " 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!limit_parse_bytes(bad[i], &v), "%s", bad[i]);
    ck_assert_int_eq(v, 7); /* untouched on failure */
    ck_assert(!limit_parse_bytes(NULL, &v));
}
END_TEST

START_TEST(test_limit_obuf_defaults_and_format) {
    limit_obuf o[LIMIT_OBUF_CLASSES];
    limit_obuf_default(o);
    char text[256];
    limit_format_obuf(o, text, sizeof text);
    ck_assert_str_eq(text, "normal 0 0 0 pubsub 33554432 8388608 60");
}
END_TEST

START_TEST(test_limit_obuf_changes_only_the_classes_it_names) {
    limit_obuf o[LIMIT_OBUF_CLASSES];
    limit_obuf_default(o);
    ck_assert_ptr_null(limit_parse_obuf("normal 1mb 512kb 10", o));
    ck_assert_int_eq(o[LIMIT_OBUF_NORMAL].hard, 1 << 20);
    ck_assert_int_eq(o[LIMIT_OBUF_NORMAL].soft, 512 << 10);
    ck_assert_int_eq(o[LIMIT_OBUF_NORMAL].soft_seconds, 10);
    ck_assert_int_eq(o[LIMIT_OBUF_PUBSUB].hard, 32 << 20);
    ck_assert_ptr_null(
        limit_parse_obuf("  pubsub 0 0 0   replica 256mb 64mb 60 slave 1 2 3 NORMAL 5 6 7 ", o));
    ck_assert_int_eq(o[LIMIT_OBUF_PUBSUB].hard, 0);
    ck_assert_int_eq(o[LIMIT_OBUF_NORMAL].hard, 5);
    ck_assert_int_eq(o[LIMIT_OBUF_NORMAL].soft_seconds, 7);
}
END_TEST

START_TEST(test_limit_obuf_errors_leave_everything_as_it_was) {
    limit_obuf o[LIMIT_OBUF_CLASSES], before[LIMIT_OBUF_CLASSES];
    limit_obuf_default(o);
    memcpy(before, o, sizeof o);
    const char *bad[] = {"",
                         "normal",
                         "normal 1 2",
                         "normal 1 2 3 pubsub",
                         "other 1 2 3",
                         "normal x 2 3",
                         "normal 1 2 -3",
                         "normal 1 2 3x",
                         "pubsub 1 2 3 normal 1 2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(limit_parse_obuf(bad[i], o) != NULL, "%s", bad[i]);
        ck_assert_msg(memcmp(o, before, sizeof o) == 0, "%s changed the limits", bad[i]);
    }
}
END_TEST

START_TEST(test_limit_obuf_class_names) {
    ck_assert_int_eq(limit_obuf_class("normal", 6), LIMIT_OBUF_NORMAL);
    ck_assert_int_eq(limit_obuf_class("PubSub", 6), LIMIT_OBUF_PUBSUB);
    ck_assert_int_eq(limit_obuf_class("norma", 5), -1);
    ck_assert_int_eq(limit_obuf_class("replica", 7), -1);
}
END_TEST

static Suite *limit_suite(void) {
    Suite *s = suite_create("limit");
    TCase *tc = tcase_create("values");
    tcase_add_test(tc, test_limit_bytes_take_redis_units);
    tcase_add_test(tc, test_limit_bytes_refuse_what_is_not_a_count);
    tcase_add_test(tc, test_limit_obuf_defaults_and_format);
    tcase_add_test(tc, test_limit_obuf_changes_only_the_classes_it_names);
    tcase_add_test(tc, test_limit_obuf_errors_leave_everything_as_it_was);
    tcase_add_test(tc, test_limit_obuf_class_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(limit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
