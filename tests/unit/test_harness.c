/* test_harness.c -- the module harness catches what only a busy server would show: state kept
 * in globals or on the C stack across yields, descriptors the server would refuse, and a type
 * whose save/load pair loses data or cannot tell a torn file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"

/* ---- a command that keeps its argument in a global between two opcodes (wrong) and one that
 *      keeps it in a register (right) ---- */

static char stashed[32];
static size_t stashed_len;

static keel_op_result op_stash(keel_proc *p, const keel_insn *in) {
    (void)in;
    stashed_len = p->argv[1].len < sizeof stashed ? p->argv[1].len : sizeof stashed;
    memcpy(stashed, p->argv[1].ptr, stashed_len);
    return KEEL_NEXT;
}

static keel_op_result op_show(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_reply_bulk(p, stashed, stashed_len);
    return KEEL_DONE;
}

static keel_op_result op_keep(keel_proc *p, const keel_insn *in) {
    (void)in;
    p->reg[0] = dk_bytes(p->argv[1].ptr, p->argv[1].len);
    return KEEL_NEXT;
}

static keel_op_result op_give(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_reply_value(p, &p->reg[0]);
    return KEEL_DONE;
}

/* ---- a count to 50 that keeps its progress on the C stack (wrong) or in a register (right):
 *      both charge one reduction a step and yield when the budget is spent ---- */

static keel_op_result op_count_stack(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t i = 0;
    for (; i < 50; i++)
        if (keel_charge(p, 1)) return KEEL_YIELD;
    keel_reply_int(p, i);
    return KEEL_DONE;
}

static keel_op_result op_count_reg(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->reg[1].type != DK_I64) p->reg[1] = dk_i64(0);
    while (p->reg[1].v.i < 50) {
        p->reg[1].v.i++;
        if (keel_charge(p, 1)) return KEEL_YIELD;
    }
    keel_reply_int(p, p->reg[1].v.i);
    return KEEL_DONE;
}

#define OP(NAME, FN)                                                                               \
    { .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .cost = 1 }
static const keel_opcode_def ops[] = {
    OP("t.stash", op_stash),
    OP("t.show", op_show),
    OP("t.keep", op_keep),
    OP("t.give", op_give),
    OP("t.count_stack", op_count_stack),
    OP("t.count_reg", op_count_reg),
};
static const keel_insn_def stash_prog[] = {{.op = "t.stash"}, {.op = "t.show"}, KEEL_END};
static const keel_insn_def keep_prog[] = {{.op = "t.keep"}, {.op = "t.give"}, KEEL_END};
static const keel_insn_def count_stack_prog[] = {{.op = "t.count_stack"}, KEEL_END};
static const keel_insn_def count_reg_prog[] = {{.op = "t.count_reg"}, KEEL_END};
#define CMD(NAME, ARITY, PROG)                                                                     \
    { .size = sizeof(keel_cmd_def), .name = NAME, .arity = ARITY, .program = PROG }
static const keel_cmd_def cmds[] = {
    CMD("STASH", 2, stash_prog),
    CMD("KEEP", 2, keep_prog),
    CMD("COUNTSTACK", 1, count_stack_prog),
    CMD("COUNTREG", 1, count_reg_prog),
};
static const keel_family family = KEEL_FAMILY(ops, cmds);
static const keel_family *const families[] = {&family};

static keel_status test_init(keel_module *m) {
    return keel_register_families(m, "t", families, KEEL_COUNT(families));
}

KEEL_MODULE_MINOR(0, "t", "1", "the harness's own test module", test_init, NULL);

/* The yield hook: another client's command of the same kind runs while the process waits. */
static int hook_runs;
static void run_other(keel_proc *waiting, void *ctx) {
    const char *name = ctx;
    keel_proc *other = fake_proc_new(NULL, 2, (const char *[]){name, "other"});
    fake_call(other);
    fake_proc_free(other);
    hook_runs += waiting != NULL;
}

static char reply_text[64];
static const char *run(const char *name, const char *arg) {
    keel_proc *p = fake_proc_new(NULL, arg ? 2 : 1, (const char *[]){name, arg});
    fake_call(p);
    const keel_reply *r = fake_proc_reply(p);
    if (r->type == KEEL_REPLY_INT)
        snprintf(reply_text, sizeof reply_text, "%lld", (long long)r->v.i);
    else
        snprintf(reply_text, sizeof reply_text, "%.*s", (int)r->len, r->v.s);
    fake_proc_free(p);
    return reply_text;
}

static void setup(void) {
    fake_api_reset();
    stashed_len = 0;
    hook_runs = 0;
    ck_assert_int_eq(fake_module_load(&keel_module_descriptor), KEEL_OK);
}

START_TEST(test_harness_global_state_passes_unless_yields_are_forced) {
    fake_set_yield_hook(run_other, "STASH");
    ck_assert_str_eq(run("STASH", "mine"), "mine");
    ck_assert_int_eq(hook_runs, 0);
}
END_TEST

START_TEST(test_harness_forced_yields_catch_state_kept_in_a_global) {
    fake_set_yield_every_op(true);
    fake_set_yield_hook(run_other, "STASH");
    ck_assert_str_eq(run("STASH", "mine"), "other"); /* the bug shows */
    ck_assert_int_eq(hook_runs, 1);
    fake_set_yield_hook(run_other, "KEEP");
    ck_assert_str_eq(run("KEEP", "mine"), "mine"); /* registers survive the yield */
    ck_assert_int_eq(hook_runs, 2);
}
END_TEST

START_TEST(test_harness_progress_on_the_c_stack_fails_with_a_clear_error) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *[]){"COUNTSTACK"});
    fake_proc_set_budget(p, 10);
    ck_assert_int_eq(fake_call(p), KEEL_FAIL);
    ck_assert_ptr_nonnull(strstr(fake_proc_reply(p)->v.s, "ERR harness: t.count_stack yielded"));
    fake_proc_free(p);
    p = fake_proc_new(NULL, 1, (const char *[]){"COUNTREG"});
    fake_proc_set_budget(p, 10);
    ck_assert_int_eq(fake_call(p), KEEL_DONE);
    ck_assert_int_eq(fake_proc_reply(p)->v.i, 50);
    ck_assert_int_eq(fake_proc_yields(p), 5);
    fake_proc_free(p);
}
END_TEST

START_TEST(test_harness_refuses_descriptors_the_server_refuses) {
    keel_module_desc d = keel_module_descriptor;
    d.abi_minor = KEEL_ABI_MINOR + 1;
    ck_assert_int_eq(fake_module_load(&d), KEEL_EINVAL);
    ck_assert_str_eq(fake_last_log(), "module refused: needs a newer ABI minor than these headers");
    d = keel_module_descriptor;
    d.magic = 0;
    ck_assert_int_eq(fake_module_load(&d), KEEL_EINVAL);
    d = keel_module_descriptor;
    d.abi_major = KEEL_ABI_MAJOR + 1;
    ck_assert_int_eq(fake_module_load(&d), KEEL_EINVAL);
    /* the descriptor KEEL_MODULE_MINOR built: designated fields, the stated minor */
    ck_assert_uint_eq(keel_module_descriptor.abi_minor, 0);
    ck_assert_str_eq(keel_module_descriptor.name, "t");
    ck_assert_ptr_nonnull(fake_command("KEEP"));
}
END_TEST

START_TEST(test_harness_reports_a_refused_registration_by_name) {
    fake_api_reset();
    ck_assert_int_eq(fake_module_load(&keel_module_descriptor), KEEL_OK);
    /* the same command twice is refused: keel_register_families names it */
    ck_assert_int_ne(keel_register_families(fake_module(), "t", families, 1), KEEL_OK);
    ck_assert_ptr_nonnull(strstr(fake_last_log(), "t: cannot register opcode t.stash"));
}
END_TEST

/* ---- a type whose save/load pair the round-trip check judges: a 64-bit counter saved as 8
 *      bytes; its loads are right, drop the high bytes, or refuse a short file without a word ----
 */

static int load_mode; /* 0 right, 1 drops bytes, 2 silent on a short file */

static void ctr_free(void *obj) {
    free(obj);
}

static keel_status ctr_save(const void *obj, keel_sink *sink) {
    return keel_sink_write(sink, obj, sizeof(uint64_t));
}

static void *ctr_load(const void *data, size_t len, const char **err) {
    if (len != sizeof(uint64_t)) {
        if (load_mode != 2) *err = "a counter is 8 bytes";
        return NULL;
    }
    uint64_t *v = malloc(sizeof *v);
    memcpy(v, data, sizeof *v);
    if (load_mode == 1) *v &= 0xff;
    return v;
}

static const keel_type_def ctr_def = {.size = sizeof(keel_type_def),
                                      .name = "ctr",
                                      .free = ctr_free,
                                      .save = ctr_save,
                                      .load = ctr_load};

START_TEST(test_harness_round_trip_catches_a_lossy_or_silent_load) {
    keel_type_id id = KEEL_TYPE_NONE;
    const char *err = NULL;
    ck_assert_int_eq(keel_register_type(fake_module(), &ctr_def, &id, &err), KEEL_OK);
    uint64_t value = 0x123456789abcULL;
    load_mode = 0;
    ck_assert_ptr_null(fake_type_roundtrip(id, &value));
    load_mode = 1;
    ck_assert_str_eq(fake_type_roundtrip(id, &value),
                     "the loaded copy saves other bytes than the original");
    load_mode = 2;
    ck_assert_str_eq(fake_type_roundtrip(id, &value),
                     "load refused a torn copy without saying why");
    load_mode = 0;
    ck_assert_str_eq(fake_type_roundtrip(KEEL_TYPE_NONE, &value), "no type of that id");
}
END_TEST

static Suite *harness_suite(void) {
    Suite *s = suite_create("harness");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_harness_global_state_passes_unless_yields_are_forced);
    tcase_add_test(tc, test_harness_forced_yields_catch_state_kept_in_a_global);
    tcase_add_test(tc, test_harness_progress_on_the_c_stack_fails_with_a_clear_error);
    tcase_add_test(tc, test_harness_refuses_descriptors_the_server_refuses);
    tcase_add_test(tc, test_harness_reports_a_refused_registration_by_name);
    tcase_add_test(tc, test_harness_round_trip_catches_a_lossy_or_silent_load);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(harness_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
