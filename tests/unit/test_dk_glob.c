/* test_dk_glob.c -- datakit's glob matching, case by case as redis-server 7.0's KEYS answers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <datakit/glob.h>

static bool m(const char *pattern, const char *s) {
    return dk_glob_match(pattern, strlen(pattern), s, strlen(s), false);
}

START_TEST(test_dk_glob_stars_and_questions) {
    ck_assert(m("*", ""));
    ck_assert(m("*", "anything"));
    ck_assert(m("h?llo", "hello"));
    ck_assert(m("h?llo", "hallo"));
    ck_assert(!m("h?llo", "hllo"));
    ck_assert(m("h*llo", "hllo"));
    ck_assert(m("h*llo", "heeeello"));
    ck_assert(!m("h*llo", "hello!"));
    ck_assert(m("news.*", "news.sport"));
    ck_assert(!m("news.*", "news"));
    ck_assert(m("**a**", "xxaxx"));
    ck_assert(!m("", "a"));
    ck_assert(m("", ""));
}
END_TEST

START_TEST(test_dk_glob_classes) {
    ck_assert(m("h[ae]llo", "hello"));
    ck_assert(m("h[ae]llo", "hallo"));
    ck_assert(!m("h[ae]llo", "hillo"));
    ck_assert(m("h[^e]llo", "hallo"));
    ck_assert(!m("h[^e]llo", "hello"));
    ck_assert(m("h[a-b]llo", "hbllo"));
    ck_assert(!m("h[a-b]llo", "hcllo"));
    ck_assert(m("h[z-a]llo", "hqllo")); /* a reversed range, as Redis */
    /* "[a-]" is the range from ']' to 'a' (Redis reads the ']' as the range's end) */
    ck_assert(m("[a-]", "a"));
    ck_assert(m("[a-]", "]"));
    ck_assert(m("[a-]", "_"));
    ck_assert(!m("[a-]", "-"));
    /* a class without its ']' ends with the pattern: the rest of the class still matches */
    ck_assert(m("[abc", "a"));
    ck_assert(m("[abc", "b"));
    ck_assert(!m("[abc", "[abc"));
    ck_assert(!m("a[", "a["));
    ck_assert(!m("[]", "]"));
    ck_assert(m("[\\]]", "]"));
    ck_assert(!m("[\\]]", "\\"));
    ck_assert(m("[^a]", "\\"));
}
END_TEST

START_TEST(test_dk_glob_escapes) {
    ck_assert(m("h\\*llo", "h*llo"));
    ck_assert(!m("h\\*llo", "hello"));
    ck_assert(m("\\", "\\")); /* a trailing backslash is itself */
    ck_assert(m("a\\", "a\\"));
    ck_assert(m("\\?", "?"));
    ck_assert(!m("\\?", "x"));
}
END_TEST

START_TEST(test_dk_glob_binary_and_case) {
    ck_assert(dk_glob_match("a?c", 3, "a\0c", 3, false));
    ck_assert(dk_glob_match("a\0*", 3, "a\0xyz", 5, false));
    ck_assert(!dk_glob_match("a\0*", 3, "a\1xyz", 5, false));
    ck_assert(!m("HELLO", "hello"));
    ck_assert(dk_glob_match("HEL*", 4, "hello", 5, true));
    ck_assert(dk_glob_match("[A-C]x", 6, "bx", 2, true));
}
END_TEST

/* Stars backtrack one at a time: a pattern that would take exponential time with a naive
 * recursive matcher finishes at once. */
START_TEST(test_dk_glob_many_stars_stay_cheap) {
    char s[4097];
    memset(s, 'a', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    ck_assert(!m("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", s));
    ck_assert(m("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*", s));
}
END_TEST

int main(void) {
    Suite *s = suite_create("dk_glob");
    TCase *tc = tcase_create("glob");
    tcase_add_test(tc, test_dk_glob_stars_and_questions);
    tcase_add_test(tc, test_dk_glob_classes);
    tcase_add_test(tc, test_dk_glob_escapes);
    tcase_add_test(tc, test_dk_glob_binary_and_case);
    tcase_add_test(tc, test_dk_glob_many_stars_stay_cheap);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
