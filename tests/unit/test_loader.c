/* test_loader.c -- the module loader: a good module registers what it declares; broken ones
 * (wrong ABI, newer table, bad magic, no descriptor, unknown flag bits, loaded twice) are
 * refused with a log line naming the file, and none of their code runs. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "registry.h"

static char log_path[] = "/tmp/keel-loader-log-XXXXXX";
static int saved_stderr = -1;

/* Sends stderr (where the log writes before its thread starts) to a file. */
static void capture_start(void) {
    int fd = mkstemp(log_path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    saved_stderr = dup(2);
    dup2(fd, 2);
    close(fd);
}

static char *capture_end(void) {
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    static char buf[8192];
    FILE *f = fopen(log_path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f) fclose(f);
    unlink(log_path);
    strcpy(log_path, "/tmp/keel-loader-log-XXXXXX");
    return buf;
}

static const char *module_path(const char *name) {
    static char path[4096];
    const char *dir = getenv("KEEL_TEST_MODULES");
    snprintf(path, sizeof path, "%s/%s.so", dir ? dir : "tests/unit/modules/.libs", name);
    return path;
}

/* Loads a module that must be refused; returns the log text. */
static const char *refused(const char *name) {
    capture_start();
    struct keel_module *m = loader_load_file(module_path(name));
    const char *log = capture_end();
    ck_assert_msg(m == NULL, "%s was loaded", name);
    ck_assert_msg(strstr(log, module_path(name)) != NULL, "log does not name the file: %s", log);
    return log;
}

static void teardown(void) {
    loader_unload_all();
    reg_free();
}

START_TEST(test_loader_loads_a_good_module) {
    struct keel_module *m = loader_load_file(module_path("mod_good"));
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->name, "mod_good");
    ck_assert_str_eq(m->version, "1.2.3");
    const cmd_entry *ce = cmd_lookup("testgood", 8);
    ck_assert_ptr_nonnull(ce);
    ck_assert_ptr_eq(ce->module, m);
    ck_assert_ptr_eq(cmd_lookup("TestGoodAlias", 13), ce);
    ck_assert_ptr_nonnull(op_lookup("good.hello"));
    ck_assert_uint_eq(type_count(), 2);
    ck_assert_str_eq(type_by_id(1)->def.name, "goodtype");
    ck_assert_str_eq(type_by_id(2)->def.name, "oldtype"); /* a 1.0-sized definition */
    ck_assert_ptr_null(type_by_id(2)->def.to_reply_step);
    ck_assert_int_eq(reg_resolve_programs(), 0);
    ck_assert_uint_eq(cmd_count_for_module(m), 3);
    ck_assert_ptr_null(cmd_lookup("testtiny", 8));
}
END_TEST

START_TEST(test_loader_takes_an_older_command_definition_without_reading_past_it) {
    ck_assert_ptr_nonnull(loader_load_file(module_path("mod_good")));
    const cmd_entry *ce = cmd_lookup("testold", 7);
    ck_assert_ptr_nonnull(ce);
    ck_assert_ptr_null(ce->def->access); /* not the garbage after its size */
    ck_assert_uint_eq(ce->def->size, sizeof(keel_cmd_def));
    ck_assert_str_eq(ce->def->name, "TESTOLD");
    keel_arg argv[] = {{"testold", 7}};
    ck_assert_uint_eq(cmd_call_flags(ce, 1, argv), KEEL_CMD_READONLY);
}
END_TEST

START_TEST(test_loader_access_callback_decides_each_calls_flags) {
    ck_assert_ptr_nonnull(loader_load_file(module_path("mod_good")));
    const cmd_entry *ce = cmd_lookup("testaccess", 10);
    ck_assert_ptr_nonnull(ce);
    keel_arg read_call[] = {{"testaccess", 10}, {"r", 1}};
    keel_arg write_call[] = {{"testaccess", 10}, {"w", 1}};
    ck_assert_uint_eq(cmd_call_flags(ce, 2, read_call), KEEL_CMD_READONLY | KEEL_CMD_FAST);
    ck_assert_uint_eq(cmd_call_flags(ce, 2, write_call), KEEL_CMD_WRITE | KEEL_CMD_FAST);
    ck_assert_uint_eq(ce->def->flags, KEEL_CMD_WRITE | KEEL_CMD_FAST); /* what COMMAND INFO shows */
}
END_TEST

START_TEST(test_loader_refuses_registration_after_init) {
    struct keel_module *m = loader_load_file(module_path("mod_good"));
    ck_assert_ptr_nonnull(m);
    static const keel_insn_def prog[] = {{.op = "good.hello"}, KEEL_END};
    static const keel_cmd_def late = {
        .size = sizeof(keel_cmd_def), .name = "LATE", .arity = 1, .program = prog};
    const char *err = NULL;
    ck_assert_int_eq(reg_command(m, &late, &err), KEEL_ESTATE);
    ck_assert_ptr_nonnull(err);
}
END_TEST

START_TEST(test_loader_refuses_another_abi_before_running_code) {
    char marker[] = "/tmp/keel-loader-marker-XXXXXX";
    int fd = mkstemp(marker);
    close(fd);
    unlink(marker);
    setenv("KEEL_TEST_MARKER", marker, 1);
    const char *log = refused("mod_bad_abi");
    ck_assert_ptr_nonnull(strstr(log, "ABI"));
    ck_assert_int_ne(access(marker, F_OK), 0); /* init never ran */
}
END_TEST

START_TEST(test_loader_refuses_a_newer_table) {
    ck_assert_ptr_nonnull(strstr(refused("mod_newer_minor"), "needs SDK ABI"));
}
END_TEST

START_TEST(test_loader_refuses_bad_magic) {
    ck_assert_ptr_nonnull(strstr(refused("mod_bad_magic"), "magic"));
}
END_TEST

START_TEST(test_loader_refuses_a_library_without_descriptor) {
    ck_assert_ptr_nonnull(strstr(refused("mod_no_descriptor"), "keel_module_descriptor"));
}
END_TEST

START_TEST(test_loader_refuses_unknown_flag_bits_and_forgets_the_module) {
    const char *log = refused("mod_bad_flags");
    ck_assert_ptr_nonnull(strstr(log, "flag bits"));
    ck_assert_ptr_null(cmd_lookup("TESTBADFLAGSOK", 14)); /* what it registered first is gone too */
    ck_assert_ptr_null(cmd_lookup("TESTBADFLAGS", 12));
}
END_TEST

START_TEST(test_loader_refuses_the_same_module_twice) {
    ck_assert_ptr_nonnull(loader_load_file(module_path("mod_good")));
    ck_assert_ptr_nonnull(strstr(refused("mod_good"), "already loaded"));
}
END_TEST

static Suite *loader_suite(void) {
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_loader_loads_a_good_module);
    tcase_add_test(tc, test_loader_refuses_registration_after_init);
    tcase_add_test(tc, test_loader_takes_an_older_command_definition_without_reading_past_it);
    tcase_add_test(tc, test_loader_access_callback_decides_each_calls_flags);
    tcase_add_test(tc, test_loader_refuses_another_abi_before_running_code);
    tcase_add_test(tc, test_loader_refuses_a_newer_table);
    tcase_add_test(tc, test_loader_refuses_bad_magic);
    tcase_add_test(tc, test_loader_refuses_a_library_without_descriptor);
    tcase_add_test(tc, test_loader_refuses_unknown_flag_bits_and_forgets_the_module);
    tcase_add_test(tc, test_loader_refuses_the_same_module_twice);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(loader_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
