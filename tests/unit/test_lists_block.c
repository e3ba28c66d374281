/* test_lists_block.c -- the blocking pops through the fake SDK, parked and woken by hand the way
 * the core does it (registers and reply cleared, the program run again): what they park with,
 * what a wake-up after a push, a lost race, a timeout or a disconnect replies. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "test_lists_util.h"

static keel_api table;
static int64_t parked_ms;
static int parks;
static bool timed_out;
static long signals;

static keel_status t_block_keys(keel_proc *p, int64_t timeout_ms) {
    (void)p;
    parked_ms = timeout_ms;
    parks++;
    return KEEL_OK;
}

static bool t_timed_out(keel_proc *p) {
    (void)p;
    return timed_out;
}

static keel_status t_key_signal(keel_proc *p, const void *key, size_t klen) {
    (void)p;
    (void)key;
    (void)klen;
    signals++;
    return KEEL_OK;
}

static void setup(void) {
    lt_setup();
    table = *fake_api_table();
    table.block_keys = t_block_keys;
    table.proc_timed_out = t_timed_out;
    table.key_signal = t_key_signal;
    keel_api_ptr = &table;
    parked_ms = -1;
    parks = 0;
    timed_out = false;
    signals = 0;
    fake_set_now_ms(1000000);
}

static void teardown(void) {}

/* Starts a blocking command that must park; returns its process. */
static keel_proc *park(const char *const *argv) {
    keel_op_result res;
    keel_proc *p = lt_start(argv, &res);
    ck_assert_msg(res == KEEL_BLOCK, "%s did not park: %s", argv[0], lt_reply(p));
    ck_assert_ptr_null(fake_proc_reply(p));
    return p;
}

#define PARK(...) park((const char *const[]){__VA_ARGS__, NULL})

/* Wakes p as the core does (registers and reply cleared) and runs it again. */
static keel_op_result wake(keel_proc *p) {
    for (int i = 0; i < KEEL_NREGS; i++)
        p->reg[i] = dk_null();
    keel_reply_reset(p);
    return fake_call(p);
}

START_TEST(test_lists_blpop_parks_then_pops_after_a_push) {
    keel_proc *p = PARK("BLPOP", "a", "b", "1.5");
    ck_assert_int_eq(parked_ms, 1500);
    EXPECT(":2", "RPUSH", "b", "x", "y");
    ck_assert_int_eq(signals, 1);
    ck_assert_int_eq(wake(p), KEEL_DONE);
    ck_assert_str_eq(lt_reply(p), "[b,x]");
    fake_proc_free(p);
    EXPECT("[y]", "LRANGE", "b", "0", "-1");
}
END_TEST

START_TEST(test_lists_blocking_pops_serve_at_once_when_data_is_there) {
    EXPECT(":3", "RPUSH", "l", "1", "2", "3");
    EXPECT("[l,1]", "BLPOP", "nokey", "l", "0");
    EXPECT("[l,3]", "BRPOP", "l", "0");
    EXPECT("[l,[2]]", "BLMPOP", "0", "2", "nokey", "l", "LEFT", "COUNT", "9");
    EXPECT(":1", "RPUSH", "s", "v");
    EXPECT("v", "BRPOPLPUSH", "s", "d", "0");
    EXPECT("v", "BLMOVE", "d", "e", "LEFT", "RIGHT", "0");
    EXPECT("[v]", "LRANGE", "e", "0", "-1");
    ck_assert_int_eq(parks, 0);
}
END_TEST

START_TEST(test_lists_lost_race_reparks_with_the_commands_timeout) {
    /* the module asks for the command's whole timeout at every park: the core counts it from the
     * first park (keel_block_keys), so a re-park waits only for what is left */
    keel_proc *p = PARK("BRPOP", "q", "2");
    ck_assert_int_eq(parked_ms, 2000);
    fake_set_now_ms(1000000 + 600);
    ck_assert_int_eq(wake(p), KEEL_BLOCK); /* woken, but another client took the element */
    ck_assert_int_eq(parked_ms, 2000);
    timed_out = true; /* the core's timer fired */
    ck_assert_int_eq(wake(p), KEEL_DONE);
    ck_assert_str_eq(lt_reply(p), "nil");
    ck_assert_int_eq(parks, 2);
    fake_proc_free(p);
}
END_TEST

START_TEST(test_lists_timeout_or_disconnect_replies_nil) {
    const char *const *cmds[] = {
        (const char *const[]){"BLPOP", "q", "1", NULL},
        (const char *const[]){"BRPOP", "q", "r", "0.01", NULL},
        (const char *const[]){"BLMPOP", "5", "1", "q", "RIGHT", NULL},
        (const char *const[]){"BRPOPLPUSH", "q", "d", "3", NULL},
        (const char *const[]){"BLMOVE", "q", "d", "LEFT", "LEFT", "0", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        timed_out = false;
        keel_proc *p = park(cmds[i]);
        timed_out = true;
        ck_assert_int_eq(wake(p), KEEL_DONE);
        ck_assert_str_eq(lt_reply(p), "nil");
        fake_proc_free(p);
    }
    ck_assert_int_eq(fake_key_count(), 0);
}
END_TEST

START_TEST(test_lists_timeout_zero_waits_forever) {
    keel_proc *p = PARK("BLPOP", "q", "0");
    ck_assert_int_eq(parked_ms, 0);
    fake_set_now_ms(1000000 + 86400000);
    ck_assert_int_eq(wake(p), KEEL_BLOCK);
    ck_assert_int_eq(parked_ms, 0);
    fake_proc_free(p);
}
END_TEST

START_TEST(test_lists_blmove_waits_for_its_source) {
    keel_proc *p = PARK("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0.5");
    ck_assert_int_eq(parked_ms, 500);
    EXPECT(":2", "RPUSH", "src", "a", "b");
    ck_assert_int_eq(wake(p), KEEL_DONE);
    ck_assert_str_eq(lt_reply(p), "b");
    fake_proc_free(p);
    ck_assert_int_eq(signals, 2); /* the RPUSH, and the push onto dst */
    EXPECT("[b]", "LRANGE", "dst", "0", "-1");
    EXPECT("[a]", "LRANGE", "src", "0", "-1");
}
END_TEST

START_TEST(test_lists_wrongtype_seen_on_wake) {
    keel_proc *p = PARK("BLPOP", "k", "0");
    keel_proc *q = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    dk_val v = dk_bytes("str", 3);
    ck_assert_int_eq(keel_key_store(q, "k", 1, &v, 0), KEEL_OK);
    fake_proc_free(q);
    ck_assert_int_eq(wake(p), KEEL_FAIL);
    ck_assert_str_eq(lt_reply(p), WRONGTYPE);
    fake_proc_free(p);
}
END_TEST

START_TEST(test_lists_blocking_argument_errors) {
    EXPECT("!ERR timeout is not a float or out of range", "BLPOP", "q", "x");
    EXPECT("!ERR timeout is negative", "BRPOP", "q", "-1");
    EXPECT("!ERR timeout is negative", "BLPOP", "q", "inf");
    EXPECT("!ERR timeout is not a float or out of range", "BRPOPLPUSH", "a", "b", "1x");
    EXPECT("!ERR syntax error", "BLMOVE", "a", "b", "UP", "LEFT", "x"); /* directions first */
    EXPECT("!ERR timeout is negative", "BLMOVE", "a", "b", "LEFT", "LEFT", "-2");
    EXPECT("!ERR numkeys should be greater than 0", "BLMPOP", "x", "0", "a", "LEFT");
    EXPECT("!ERR timeout is not a float or out of range", "BLMPOP", "x", "1", "a", "LEFT");
    EXPECT("!ERR syntax error", "BLMPOP", "0", "2", "a", "LEFT");
    EXPECT("!ERR count should be greater than 0", "BLMPOP", "0", "1", "a", "LEFT", "COUNT", "0");
    ck_assert_int_eq(parks, 0);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("lists_block");
    TCase *tc = tcase_create("block");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_lists_blpop_parks_then_pops_after_a_push);
    tcase_add_test(tc, test_lists_blocking_pops_serve_at_once_when_data_is_there);
    tcase_add_test(tc, test_lists_lost_race_reparks_with_the_commands_timeout);
    tcase_add_test(tc, test_lists_timeout_or_disconnect_replies_nil);
    tcase_add_test(tc, test_lists_timeout_zero_waits_forever);
    tcase_add_test(tc, test_lists_blmove_waits_for_its_source);
    tcase_add_test(tc, test_lists_wrongtype_seen_on_wake);
    tcase_add_test(tc, test_lists_blocking_argument_errors);
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
