/* test_strings_types.c -- strings.so on keys of another type (WRONGTYPE), through the fake SDK.
 *
 * No module that stores another type exists yet, so the integration tests cannot reach these
 * paths; here a fake "list" type stands in for one.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "modules/strings/register.h"

#define WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"

static keel_type_id list_type;
static int frees;
static int the_list = 42;

static void list_free(void *obj) {
    ck_assert_ptr_eq(obj, &the_list);
    frees++;
}

static void list_to_reply(keel_proc *p, const void *obj) {
    (void)obj;
    keel_reply_simple(p, "a list");
}

static const keel_type_def list_def = {
    .size = sizeof(keel_type_def),
    .name = "list",
    .free = list_free,
    .to_reply = list_to_reply,
};

/* Runs a command given as a NULL-terminated list of words; returns the process (to free). */
static keel_proc *run(keel_op_result want, const char *const *argv) {
    int argc = 0;
    while (argv[argc])
        argc++;
    keel_proc *p = fake_proc_new(NULL, argc, argv);
    ck_assert_msg(fake_call(p) == want, "%s: unexpected result", argv[0]);
    return p;
}

#define RUN(WANT, ...) run(WANT, (const char *const[]){__VA_ARGS__, NULL})

static void expect_error(const char *err, const char *const *argv) {
    keel_proc *p = run(KEEL_FAIL, argv);
    const keel_reply *r = fake_proc_reply(p);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, KEEL_REPLY_ERROR);
    ck_assert_msg(r->next == NULL, "%s: more than one reply", argv[0]);
    ck_assert_str_eq(r->v.s, err);
    fake_proc_free(p);
}

#define EXPECT_ERROR(ERR, ...) expect_error(ERR, (const char *const[]){__VA_ARGS__, NULL})

/* Stores the fake list at key "l". */
static void put_list(void) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    ck_assert_int_eq(keel_key_store_object(p, "l", 1, list_type, &the_list, 0), KEEL_OK);
    fake_proc_free(p);
}

static bool list_still_there(void) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, "l", 1, &v);
    fake_proc_free(p);
    return st == KEEL_OK && v.type == list_type && v.obj == &the_list;
}

static void setup(void) {
    fake_api_reset();
    ck_assert_int_eq(keel_register_type(fake_module(), &list_def, &list_type, NULL), KEEL_OK);
    ck_assert_int_eq(str_register(fake_module()), KEEL_OK);
    frees = 0;
    put_list();
}

static void teardown(void) {
    fake_api_reset();
}

START_TEST(test_strings_types_get_shows_any_type) {
    EXPECT_ERROR(WRONGTYPE, "GET", "l"); /* the redis dialect (the default): strings only */
    fake_set_option(KEEL_DIALECT_OPTION, "keel");
    keel_proc *p = RUN(KEEL_DONE, "GET", "l"); /* keel: through the type's to-reply op */
    const keel_reply *r = fake_proc_reply(p);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_ne(r->type, KEEL_REPLY_ERROR);
    fake_proc_free(p);
    fake_set_option(KEEL_DIALECT_OPTION, NULL);
    ck_assert(list_still_there());
}
END_TEST

START_TEST(test_strings_types_commands_refuse_other_types) {
    EXPECT_ERROR(WRONGTYPE, "GETDEL", "l");
    EXPECT_ERROR(WRONGTYPE, "GETEX", "l");
    EXPECT_ERROR(WRONGTYPE, "GETEX", "l", "PERSIST");
    EXPECT_ERROR(WRONGTYPE, "GETSET", "l", "v");
    EXPECT_ERROR(WRONGTYPE, "SET", "l", "v", "GET");
    EXPECT_ERROR(WRONGTYPE, "SET", "l", "v", "COMPARE", "x");
    EXPECT_ERROR(WRONGTYPE, "CAS", "l", "v", "x");
    EXPECT_ERROR(WRONGTYPE, "APPEND", "l", "v");
    EXPECT_ERROR(WRONGTYPE, "PREPEND", "l", "v");
    EXPECT_ERROR(WRONGTYPE, "STRLEN", "l");
    EXPECT_ERROR(WRONGTYPE, "COUNTBYTES", "l");
    EXPECT_ERROR(WRONGTYPE, "COUNTUTF8CODEPOINTS", "l");
    EXPECT_ERROR(WRONGTYPE, "GETRANGE", "l", "0", "-1");
    EXPECT_ERROR(WRONGTYPE, "SUBSTR", "l", "0", "-1");
    EXPECT_ERROR(WRONGTYPE, "SETRANGE", "l", "0", "v");
    EXPECT_ERROR(WRONGTYPE, "INCR", "l");
    EXPECT_ERROR(WRONGTYPE, "DECR", "l");
    EXPECT_ERROR(WRONGTYPE, "INCRBY", "l", "2");
    EXPECT_ERROR(WRONGTYPE, "DECRBY", "l", "2");
    EXPECT_ERROR(WRONGTYPE, "DECRBYFLOOR", "l", "2");
    EXPECT_ERROR(WRONGTYPE, "INCRBYFLOAT", "l", "2.5");
    ck_assert(list_still_there());
    ck_assert_int_eq(frees, 0);
}
END_TEST

START_TEST(test_strings_types_argument_errors_come_first) {
    /* as in Redis: a bad increment, time or option is reported before the type */
    EXPECT_ERROR("ERR value is not an integer or out of range", "INCRBY", "l", "x");
    EXPECT_ERROR("ERR invalid expire time in 'set' command", "SET", "l", "v", "GET", "EX", "0");
    EXPECT_ERROR("ERR syntax error", "SET", "l", "v", "GET", "BOGUS");
    EXPECT_ERROR("ERR syntax error", "GETEX", "l", "BOGUS");
    EXPECT_ERROR("ERR offset is out of range", "SETRANGE", "l", "-1", "v");
    EXPECT_ERROR("ERR value is not an integer or out of range", "GETRANGE", "l", "a", "1");
    /* and GETEX checks its time only once it knows the key holds a string */
    EXPECT_ERROR(WRONGTYPE, "GETEX", "l", "EX", "0");
    ck_assert(list_still_there());
}
END_TEST

START_TEST(test_strings_types_set_overwrites_other_types) {
    keel_proc *p = RUN(KEEL_DONE, "SETNX", "l", "v");
    ck_assert_int_eq(fake_proc_reply(p)->v.i, 0);
    fake_proc_free(p);
    p = RUN(KEEL_DONE, "SET", "l", "v", "NX");
    ck_assert_int_eq(fake_proc_reply(p)->type, KEEL_REPLY_NIL);
    fake_proc_free(p);
    ck_assert(list_still_there());
    p = RUN(KEEL_DONE, "SET", "l", "v", "XX");
    ck_assert_int_eq(fake_proc_reply(p)->type, KEEL_REPLY_SIMPLE);
    fake_proc_free(p);
    ck_assert_int_eq(frees, 1);
    ck_assert(!list_still_there());
    put_list();
    fake_proc_free(RUN(KEEL_DONE, "SETEX", "l", "10", "v"));
    ck_assert_int_eq(frees, 2);
    put_list();
    fake_proc_free(RUN(KEEL_DONE, "MSET", "a", "1", "l", "2"));
    ck_assert_int_eq(frees, 3);
    p = RUN(KEEL_DONE, "GET", "l");
    ck_assert_str_eq(fake_proc_reply(p)->v.s, "2");
    fake_proc_free(p);
}
END_TEST

START_TEST(test_strings_types_multi_key_commands) {
    keel_proc *p = RUN(KEEL_DONE, "MGET", "a", "l", "b");
    const keel_reply *r = fake_proc_reply(p);
    ck_assert_int_eq(r->type, KEEL_REPLY_ARRAY);
    ck_assert_int_eq(r->len, 3);
    for (const keel_reply *c = r->v.child; c; c = c->next)
        ck_assert_int_eq(c->type, KEEL_REPLY_NIL);
    fake_proc_free(p);
    p = RUN(KEEL_DONE, "MSETNX", "a", "1", "l", "2");
    ck_assert_int_eq(fake_proc_reply(p)->v.i, 0);
    fake_proc_free(p);
    ck_assert(list_still_there());
    ck_assert_uint_eq(fake_key_count(), 1);
}
END_TEST

static Suite *strings_types_suite(void) {
    Suite *s = suite_create("strings_types");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_strings_types_get_shows_any_type);
    tcase_add_test(tc, test_strings_types_commands_refuse_other_types);
    tcase_add_test(tc, test_strings_types_argument_errors_come_first);
    tcase_add_test(tc, test_strings_types_set_overwrites_other_types);
    tcase_add_test(tc, test_strings_types_multi_key_commands);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(strings_types_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
