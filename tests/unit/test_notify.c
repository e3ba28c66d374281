/* test_notify.c -- notify-keyspace-events' letters (parsed, refused, shown as Redis 7.0 shows
 * them), the gate every event passes (a class is sent only with K or E on), and what keel_notify
 * refuses from a module. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

/* CONFIG SET value -> what redis-server 7.0's CONFIG GET shows after it. */
static const char *const shown[][2] = {
    {"", ""},
    {"K", "K"},
    {"E", "E"},
    {"A", "A"},
    {"KA", "AK"},
    {"KEA", "AKE"},
    {"gx", "gx"},
    {"Kg$lshzxetd", "AK"},
    {"Km", "Km"},
    {"Kn", "nK"},
    {"Ag", "A"},
    {"EA", "AE"},
    {"Kt", "tK"},
    {"Ktm", "tKm"},
    {"Kd", "dK"},
    {"An", "A"},
    {"Anm", "Am"},
    {"AKEnm", "AKEm"},
    {"Emg", "gEm"},
    {"ndtexzhsl$", "$lshzxetdn"},
    {"ndt", "tdn"},
    {"gg", "g"},
    {"mEKndtexzhsl$g", "AKEm"},
};

START_TEST(test_notify_letters_read_back_as_redis_shows_them) {
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        unsigned flags = 12345;
        ck_assert_msg(notify_parse(shown[i][0], &flags), "%s", shown[i][0]);
        char out[32];
        notify_format(flags, out, sizeof out);
        ck_assert_msg(strcmp(out, shown[i][1]) == 0, "%s shows %s, not %s", shown[i][0], out,
                      shown[i][1]);
    }
}
END_TEST

START_TEST(test_notify_other_characters_are_refused) {
    const char *bad[] = {"q", "K E", "kK", "KEA?", "\xc3\xa9", "a", "G", "M", "N", "1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned flags = 777;
        ck_assert_msg(!notify_parse(bad[i], &flags), "%s", bad[i]);
        ck_assert_uint_eq(flags, 777); /* untouched */
    }
}
END_TEST

START_TEST(test_notify_classes_go_out_only_with_a_channel_kind) {
    unsigned flags;
    ck_assert(notify_parse("gl", &flags));
    notify_configure(flags);
    ck_assert_uint_eq(notify_configured(), flags);
    ck_assert(!notify_wanted(KEEL_NOTIFY_LIST)); /* neither K nor E */
    ck_assert(notify_parse("Kl", &flags));
    notify_configure(flags);
    ck_assert(notify_wanted(KEEL_NOTIFY_LIST));
    ck_assert(!notify_wanted(KEEL_NOTIFY_GENERIC));
    ck_assert(notify_parse("EA", &flags));
    notify_configure(flags);
    ck_assert(notify_wanted(KEEL_NOTIFY_EXPIRED) && notify_wanted(KEEL_NOTIFY_EVICTED));
    ck_assert(!notify_wanted(KEEL_NOTIFY_NEW) && !notify_wanted(KEEL_NOTIFY_KEYMISS));
    notify_configure(0);
    ck_assert(!notify_wanted(KEEL_NOTIFY_CLASSES));
}
END_TEST

START_TEST(test_notify_sdk_call_refuses_bad_classes_and_names) {
    notify_configure(0); /* off: a valid call costs a test and touches nothing (no process) */
    ck_assert_int_eq(keel_notify(NULL, KEEL_NOTIFY_LIST, "lpush", "k", 1), KEEL_OK);
    ck_assert_int_eq(keel_notify(NULL, 0, "lpush", "k", 1), KEEL_EINVAL);
    ck_assert_int_eq(keel_notify(NULL, KEEL_NOTIFY_LIST | KEEL_NOTIFY_SET, "x", "k", 1),
                     KEEL_EINVAL);
    ck_assert_int_eq(keel_notify(NULL, KEEL_NOTIFY_KEYSPACE, "x", "k", 1), KEEL_EINVAL);
    ck_assert_int_eq(keel_notify(NULL, 1u << 30, "x", "k", 1), KEEL_EINVAL);
    ck_assert_int_eq(keel_notify(NULL, KEEL_NOTIFY_LIST, "", "k", 1), KEEL_EINVAL);
    ck_assert_int_eq(keel_notify(NULL, KEEL_NOTIFY_LIST, NULL, "k", 1), KEEL_EINVAL);
}
END_TEST

static Suite *notify_suite(void) {
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("flags");
    tcase_add_test(tc, test_notify_letters_read_back_as_redis_shows_them);
    tcase_add_test(tc, test_notify_other_characters_are_refused);
    tcase_add_test(tc, test_notify_classes_go_out_only_with_a_channel_kind);
    tcase_add_test(tc, test_notify_sdk_call_refuses_bad_classes_and_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(notify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
