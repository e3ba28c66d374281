/* test_maps_helpers.c -- maps.so's helpers: Redis glob patterns, HINCRBYFLOAT's long double
 * text, KEYSANDEXPIRES NICE's times, and the arena key set walks use to drop repeats. */
#include <check.h>

#include "dk_check_fast.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <datakit/glob.h>
#include <datakit/ldtext.h>
#include "modules/maps/keyset.h"
#include "modules/maps/text.h"
#include "fake_api.h"

static bool glob(const char *p, const char *s) {
    return dk_glob_match(p, strlen(p), s, strlen(s), false);
}

START_TEST(test_maps_glob_matches_as_redis) {
    ck_assert(glob("*", ""));
    ck_assert(glob("*", "anything"));
    ck_assert(glob("f?o", "foo"));
    ck_assert(!glob("f?o", "fo"));
    ck_assert(glob("f*", "foo"));
    ck_assert(glob("*o", "foo"));
    ck_assert(glob("*o*o*", "foxo"));
    ck_assert(!glob("*o*o*x", "foxo"));
    ck_assert(glob("h[ae]llo", "hello"));
    ck_assert(!glob("h[ae]llo", "hillo"));
    ck_assert(glob("h[^e]llo", "hallo"));
    ck_assert(!glob("h[^e]llo", "hello"));
    ck_assert(glob("h[a-b]llo", "hbllo"));
    ck_assert(glob("h[b-a]llo", "hallo")); /* reversed ranges are swapped, as in Redis */
    ck_assert(glob("a\\*b", "a*b"));
    ck_assert(!glob("a\\*b", "axb"));
    ck_assert(glob("[\\]]", "]"));
    ck_assert(!glob("abc", "abcd"));
    ck_assert(glob("a**b", "ab"));
}
END_TEST

START_TEST(test_maps_glob_is_binary_safe_and_linear) {
    ck_assert(dk_glob_match("a?c", 3, "a\0c", 3, false));
    ck_assert(!dk_glob_match("a?c", 3, "a\0cd", 4, false));
    /* a pattern that makes naive recursive matchers exponential */
    char s[200], p[64];
    memset(s, 'a', sizeof s);
    strcpy(p, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
    ck_assert(!dk_glob_match(p, strlen(p), s, sizeof s, false));
}
END_TEST

static const char *ld(const char *in) {
    static char out[DK_LD_TEXT + 1];
    long double v;
    ck_assert_msg(dk_ld_parse(in, strlen(in), &v), "'%s' should parse", in);
    size_t n = dk_ld_format(v, out);
    out[n] = '\0';
    return out;
}

START_TEST(test_maps_long_double_text_as_redis) {
    ck_assert_str_eq(ld("10.5"), "10.5");
    ck_assert_str_eq(ld("3.0e3"), "3000");
    ck_assert_str_eq(ld("-0"), "0");
    ck_assert_str_eq(ld("0.1"), "0.1");
    ck_assert_str_eq(ld("5"), "5");
    long double v;
    const char *bad[] = {"", " 1", "1 ", "abc", "nan", "1e99999", "1.5x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        fast_assert_msg(!dk_ld_parse(bad[i], strlen(bad[i]), &v), "'%s' should not parse", bad[i]);
}
END_TEST

START_TEST(test_maps_nice_times) {
    char t[MAP_NICE_TEXT];
    map_nice_ms(-1, t);
    ck_assert_str_eq(t, "no expiry");
    map_nice_ms(0, t);
    ck_assert_str_eq(t, "0.000s");
    map_nice_ms(250, t);
    ck_assert_str_eq(t, "0.250s");
    map_nice_ms(180000, t);
    ck_assert_str_eq(t, "3m 0.000s");
    map_nice_ms(3600000 + 5, t);
    ck_assert_str_eq(t, "1h 0m 0.005s");
    map_nice_ms(86400000LL * 2 + 3600000 * 3 + 60000 * 4 + 5006, t);
    ck_assert_str_eq(t, "2d 3h 4m 5.006s");
}
END_TEST

START_TEST(test_maps_keyset_keeps_each_key_once) {
    fake_api_reset();
    keel_proc *p = fake_proc_new(NULL, 1, (const char *[]){"GETALL"});
    map_keyset s;
    map_keyset_init(&s);
    char k[32];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 5000; i++) {
            int n = snprintf(k, sizeof k, "key:%d", i);
            const keel_arg *a = map_keyset_add(p, &s, k, (size_t)n);
            if (round == 0) {
                fast_assert_ptr_nonnull(a);
                fast_assert_uint_eq(a->len, (size_t)n);
                fast_assert(memcmp(a->ptr, k, (size_t)n) == 0 && a->ptr[n] == '\0');
            } else {
                fast_assert_ptr_null(a);
            }
        }
    ck_assert_uint_eq(s.n, 5000);
    ck_assert_ptr_nonnull(map_keyset_add(p, &s, "", 0)); /* the empty key is a key */
    ck_assert_ptr_null(map_keyset_add(p, &s, "", 0));
    ck_assert_ptr_nonnull(map_keyset_add(p, &s, "a\0b", 3));
    ck_assert_ptr_nonnull(map_keyset_add(p, &s, "a\0c", 3));
    fake_proc_free(p);
}
END_TEST

static Suite *maps_helpers_suite(void) {
    Suite *s = suite_create("maps_helpers");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_maps_glob_matches_as_redis);
    tcase_add_test(tc, test_maps_glob_is_binary_safe_and_linear);
    tcase_add_test(tc, test_maps_long_double_text_as_redis);
    tcase_add_test(tc, test_maps_nice_times);
    tcase_add_test(tc, test_maps_keyset_keeps_each_key_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(maps_helpers_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
