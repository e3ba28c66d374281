/* test_lists_parse.c -- lists.so's building blocks: element boxes, index and range clamping,
 * argument parsers with Redis's error texts. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "modules/lists/listobj.h"
#include "modules/lists/parse.h"
#include "modules/lists/register.h"

static keel_arg arg(const char *s) {
    return (keel_arg){s, strlen(s)};
}

static void setup(void) {
    fake_api_reset();
    ck_assert_int_eq(lst_register(fake_module()), KEEL_OK);
}

static keel_proc *proc(void) {
    return fake_proc_new(NULL, 1, (const char *const[]){"X"});
}

/* The error text p replied ("" if none). */
static const char *error_of(const keel_proc *p) {
    const keel_reply *r = fake_proc_reply(p);
    return r && r->type == KEEL_REPLY_ERROR ? r->v.s : "";
}

START_TEST(test_lists_box_integers_only_when_canonical) {
    const char *ints[] = {"0",
                          "7",
                          "-7",
                          "42",
                          "9223372036854775807",
                          "-9223372036854775808",
                          "18446744073709551615",
                          "170141183460469231731687303715884105727"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        keel_arg a = arg(ints[i]);
        dk_val v = lst_box(&a);
        ck_assert_msg(dk_is_int(&v), "%s should be an integer box", ints[i]);
        char buf[64];
        size_t n = dk_val_format(&v, buf, sizeof buf);
        ck_assert_int_eq(n, strlen(ints[i]));
        ck_assert(memcmp(buf, ints[i], n) == 0);
    }
    const char *bytes[] = {"",    "-0",   "007", "+1",
                           " 1",  "1 ",   "1.5", "1e3",
                           "abc", "0x10", "-",   "99999999999999999999999999999999999999999999"};
    for (size_t i = 0; i < sizeof bytes / sizeof bytes[0]; i++) {
        keel_arg a = arg(bytes[i]);
        dk_val v = lst_box(&a);
        ck_assert_msg(v.type == DK_BYTES, "'%s' should stay bytes", bytes[i]);
        ck_assert_int_eq(v.len, strlen(bytes[i]));
    }
}
END_TEST

START_TEST(test_lists_box_int_and_text_never_equal) {
    keel_arg a = arg("12"), b = arg("012");
    dk_val x = lst_box(&a), y = lst_box(&b), z = dk_bytes("12", 2);
    ck_assert(!dk_val_eq(&x, &y));
    ck_assert(!dk_val_eq(&x, &z)); /* a stored "12" is always the integer box */
}
END_TEST

START_TEST(test_lists_clamp_like_lrange) {
    size_t first, n;
    lst_clamp(0, -1, 5, &first, &n);
    ck_assert(first == 0 && n == 5);
    lst_clamp(-2, -1, 5, &first, &n);
    ck_assert(first == 3 && n == 2);
    lst_clamp(-100, 1, 5, &first, &n);
    ck_assert(first == 0 && n == 2);
    lst_clamp(3, 100, 5, &first, &n);
    ck_assert(first == 3 && n == 2);
    lst_clamp(5, 10, 5, &first, &n);
    ck_assert_int_eq(n, 0);
    lst_clamp(2, 1, 5, &first, &n);
    ck_assert_int_eq(n, 0);
    lst_clamp(-1, -100, 5, &first, &n);
    ck_assert_int_eq(n, 0);
    lst_clamp(INT64_MIN, INT64_MAX, 5, &first, &n);
    ck_assert(first == 0 && n == 5);
    lst_clamp(INT64_MAX, INT64_MIN, 5, &first, &n);
    ck_assert_int_eq(n, 0);
    lst_clamp(0, 0, 0, &first, &n);
    ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_lists_index_negative_counts_from_end) {
    size_t i;
    ck_assert(lst_index(0, 3, &i) && i == 0);
    ck_assert(lst_index(-1, 3, &i) && i == 2);
    ck_assert(lst_index(-3, 3, &i) && i == 0);
    ck_assert(!lst_index(-4, 3, &i));
    ck_assert(!lst_index(3, 3, &i));
    ck_assert(!lst_index(INT64_MIN, 3, &i));
    ck_assert(!lst_index(0, 0, &i));
}
END_TEST

START_TEST(test_lists_timeout_seconds_to_ms) {
    struct {
        const char *text;
        int64_t ms;
    } ok[] = {
        {"0", 0},
        {"1", 1000},
        {"0.5", 500},
        {"0.0001", 1},
        {"1.0001", 1001},
        {"-0", 0},
        {"1e1", 10000},
        {"-0.0001", 0},
        {"0x10", 16000},
        {"1e-400", 1},
        {"1e15", 0} /* forever: past LST_TIMEOUT_FOREVER_MS */,
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        keel_proc *p = proc();
        keel_arg a = arg(ok[i].text);
        int64_t ms = -5;
        ck_assert_msg(lst_arg_timeout(p, &a, &ms), "%s refused", ok[i].text);
        ck_assert_int_eq(ms, ok[i].ms);
        fake_proc_free(p);
    }
    struct {
        const char *text, *err;
    } bad[] = {
        {"abc", "ERR timeout is not a float or out of range"},
        {"", "ERR timeout is not a float or out of range"},
        {"1 ", "ERR timeout is not a float or out of range"},
        {"nan", "ERR timeout is not a float or out of range"},
        {"-1", "ERR timeout is negative"},
        {"-0.5", "ERR timeout is negative"},
        {"-inf", "ERR timeout is negative"},
        {"inf", "ERR timeout is negative"}, /* Redis 7.0 wraps 2^63 ms and more */
        {"1e300", "ERR timeout is negative"},
        {"1e16", "ERR timeout is negative"},
        {"1e400", "ERR timeout is negative"}, /* long double range, as Redis */
        {"1e-5000", "ERR timeout is not a float or out of range"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        keel_proc *p = proc();
        keel_arg a = arg(bad[i].text);
        int64_t ms;
        ck_assert_msg(!lst_arg_timeout(p, &a, &ms), "'%s' accepted", bad[i].text);
        ck_assert_str_eq(error_of(p), bad[i].err);
        fake_proc_free(p);
    }
}
END_TEST

START_TEST(test_lists_arg_atleast_uses_the_message_for_junk_too) {
    keel_proc *p = proc();
    keel_arg a = arg("x");
    int64_t v;
    ck_assert(!lst_arg_atleast(p, &a, 1, "count should be greater than 0", &v));
    ck_assert_str_eq(error_of(p), "ERR count should be greater than 0");
    fake_proc_free(p);
    p = proc();
    a = arg("0");
    ck_assert(!lst_arg_atleast(p, &a, 1, "count should be greater than 0", &v));
    fake_proc_free(p);
    p = proc();
    a = arg("3");
    ck_assert(lst_arg_atleast(p, &a, 1, "count should be greater than 0", &v) && v == 3);
    fake_proc_free(p);
}
END_TEST

START_TEST(test_lists_type_ops) {
    const keel_type_def *t = fake_type(lst_type);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->name, "list");
    dk_list *l = dk_list_new();
    for (int i = 0; i < 5000; i++) {
        dk_val v = i % 2 ? dk_i64(i) : dk_bytes("element", 7);
        ck_assert(dk_list_push(l, DK_LIST_TAIL, &v));
    }
    dk_list *c = t->copy(l);
    ck_assert_int_eq(dk_list_len(c), 5000);
    dk_val a, b;
    for (size_t i = 0; i < 5000; i += 499) {
        ck_assert(dk_list_index(l, i, &a) && dk_list_index(c, i, &b));
        ck_assert(dk_val_eq(&a, &b));
    }
    ck_assert_int_eq(t->memory_usage(l), dk_list_bytes(l));
    char text[64];
    size_t n = t->describe(l, text, sizeof text);
    ck_assert_str_eq(text, "list, 5000 elements");
    ck_assert_int_eq(n, strlen(text));
    ck_assert_int_eq(t->describe(l, text, 5), 4);
    keel_proc *p = proc();
    t->to_reply(p, c);
    const keel_reply *r = fake_proc_reply(p);
    ck_assert_int_eq(r->type, KEEL_REPLY_ARRAY);
    ck_assert_int_eq(r->len, 5000);
    ck_assert_str_eq(r->v.child->v.s, "element");
    ck_assert_str_eq(r->v.child->next->v.s, "1");
    fake_proc_free(p);
    t->free(l);
    t->free(c);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("lists_parse");
    TCase *tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_lists_box_integers_only_when_canonical);
    tcase_add_test(tc, test_lists_box_int_and_text_never_equal);
    tcase_add_test(tc, test_lists_clamp_like_lrange);
    tcase_add_test(tc, test_lists_index_negative_counts_from_end);
    tcase_add_test(tc, test_lists_timeout_seconds_to_ms);
    tcase_add_test(tc, test_lists_arg_atleast_uses_the_message_for_junk_too);
    tcase_add_test(tc, test_lists_type_ops);
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
