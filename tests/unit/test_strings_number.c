/* test_strings_number.c -- strings.so's arithmetic (number.c) and storage rule (value.c). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "modules/strings/number.h"
#include <datakit/ldtext.h>
#include "modules/strings/value.h"

static str_num parse_ok(const char *s) {
    str_num n;
    ck_assert_msg(str_num_parse(s, strlen(s), &n), "'%s' should parse", s);
    return n;
}

START_TEST(test_strings_number_parse_integers) {
    str_num n = parse_ok("0");
    ck_assert(!n.real && n.i == 0);
    n = parse_ok("-9223372036854775808");
    ck_assert(!n.real && n.i == (__int128)INT64_MIN);
    n = parse_ok("18446744073709551615");
    ck_assert(!n.real && n.i == (__int128)UINT64_MAX);
    str_num x;
    ck_assert(!str_num_parse("18446744073709551616", 20, &x));
    ck_assert(!str_num_parse("-9223372036854775809", 20, &x));
}
END_TEST

START_TEST(test_strings_number_parse_reals_in_json_syntax) {
    const char *good[] = {"1.5", "-0", "-0.0", "1e3", "1E+3", "2.0", "0.25e-2", "1e308"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert(parse_ok(good[i]).real);
    ck_assert(parse_ok("1e3").d == 1000.0);
    const char *bad[] = {"",    "-",  "012", "+1", ".5",  "5.",  "0x10",  "inf",   "-inf",
                         "nan", " 1", "1 ",  "1e", "1e+", "--1", "1.2.3", "1e400", "1,5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        str_num x;
        ck_assert_msg(!str_num_parse(bad[i], strlen(bad[i]), &x), "'%s' should not parse", bad[i]);
    }
}
END_TEST

START_TEST(test_strings_number_add_integers) {
    str_num a = {.i = INT64_MAX}, one = {.i = 1}, r;
    ck_assert_int_eq(str_num_add(&a, &one, false, false, &r), STR_NUM_OK);
    ck_assert(!r.real && r.i == (__int128)INT64_MAX + 1);
    a.i = UINT64_MAX;
    ck_assert_int_eq(str_num_add(&a, &one, false, false, &r), STR_NUM_OVERFLOW);
    a.i = INT64_MIN;
    ck_assert_int_eq(str_num_add(&a, &one, true, false, &r), STR_NUM_OVERFLOW);
    a.i = 3;
    str_num five = {.i = 5};
    ck_assert_int_eq(str_num_add(&a, &five, true, true, &r), STR_NUM_OK);
    ck_assert(!r.real && r.i == 0);
    ck_assert_int_eq(str_num_add(&a, &five, true, false, &r), STR_NUM_OK);
    ck_assert(!r.real && r.i == -2);
}
END_TEST

START_TEST(test_strings_number_add_reals) {
    str_num a = {.i = 1}, half = {.real = true, .d = 0.5}, r;
    ck_assert_int_eq(str_num_add(&a, &half, false, false, &r), STR_NUM_OK);
    ck_assert(r.real && r.d == 1.5);
    ck_assert_int_eq(str_num_add(&a, &half, true, true, &r), STR_NUM_OK);
    ck_assert(r.real && r.d == 0.5);
    str_num big = {.real = true, .d = 1.5e308};
    ck_assert_int_eq(str_num_add(&big, &big, false, false, &r), STR_NUM_NONFINITE);
    str_num two = {.real = true, .d = 2};
    ck_assert_int_eq(str_num_add(&a, &two, true, true, &r), STR_NUM_OK);
    ck_assert(r.real && r.d == 0 && !signbit(r.d));
}
END_TEST

START_TEST(test_strings_number_long_double_text_as_redis) {
    char out[DK_LD_TEXT];
    long double v;
    ck_assert(dk_ld_parse("0.1", 3, &v));
    long double w;
    ck_assert(dk_ld_parse("0.2", 3, &w));
    out[dk_ld_format(v + w, out)] = '\0';
    ck_assert_str_eq(out, "0.3");
    out[dk_ld_format(-0.0L, out)] = '\0';
    ck_assert_str_eq(out, "0");
    out[dk_ld_format(1e20L, out)] = '\0';
    ck_assert_str_eq(out, "100000000000000000000");
    out[dk_ld_format(-2.5L, out)] = '\0';
    ck_assert_str_eq(out, "-2.5");
    ck_assert(!dk_ld_parse(" 1", 2, &v));
    ck_assert(!dk_ld_parse("1 ", 2, &v));
    ck_assert(!dk_ld_parse("nan", 3, &v));
    ck_assert(!dk_ld_parse("1e5000", 6, &v));
    ck_assert(!dk_ld_parse("", 0, &v));
    ck_assert(dk_ld_parse("inf", 3, &v) && isinf(v));
    ck_assert(dk_ld_parse("0x10", 4, &v) && v == 16);
}
END_TEST

START_TEST(test_strings_number_storage_boxes_round_trip) {
    struct {
        const char *text;
        dk_type type;
    } cases[] = {
        {"42", DK_I64},    {"-7", DK_I64},    {"18446744073709551615", DK_U64},
        {"1.5", DK_F64},   {"0.1", DK_F64},   {"1e+20", DK_F64},
        {"1.0", DK_BYTES}, {"1e3", DK_BYTES}, {"-0.0", DK_BYTES},
        {"00", DK_BYTES},  {" 1", DK_BYTES},  {"+1", DK_BYTES},
        {"", DK_BYTES},    {"abc", DK_BYTES},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *t = cases[i].text;
        dk_val v = str_box(t, strlen(t));
        ck_assert_msg(v.type == cases[i].type, "'%s' stored as type %d", t, v.type);
        char buf[STR_NUM_TEXT];
        const char *s;
        size_t n = str_text(&v, buf, &s);
        ck_assert_uint_eq(n, strlen(t));
        ck_assert(memcmp(s, t, n) == 0);
    }
}
END_TEST

static Suite *strings_number_suite(void) {
    Suite *s = suite_create("strings_number");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_strings_number_parse_integers);
    tcase_add_test(tc, test_strings_number_parse_reals_in_json_syntax);
    tcase_add_test(tc, test_strings_number_add_integers);
    tcase_add_test(tc, test_strings_number_add_reals);
    tcase_add_test(tc, test_strings_number_long_double_text_as_redis);
    tcase_add_test(tc, test_strings_number_storage_boxes_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(strings_number_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
