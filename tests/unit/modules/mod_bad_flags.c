/* mod_bad_flags.c -- registers a command with a flag bit the core does not know; its init
 * passes the refusal on, so the load fails and nothing it registered stays. */
#include <keel/sdk.h>

static keel_op_result op_x(keel_proc *p, const keel_insn *in) {
    (void)p;
    (void)in;
    return KEEL_DONE;
}

static const keel_opcode_def op = {
    .size = sizeof(keel_opcode_def), .name = "badflags.x", .fn = op_x, .cost = 1};
static const keel_insn_def prog[] = {{.op = "badflags.x"}, KEEL_END};
static const keel_cmd_def ok_cmd = {
    .size = sizeof(keel_cmd_def), .name = "TESTBADFLAGSOK", .arity = 1, .program = prog};
static const keel_cmd_def bad_cmd = {.size = sizeof(keel_cmd_def),
                                     .name = "TESTBADFLAGS",
                                     .arity = 1,
                                     .flags = 1ull << 40,
                                     .program = prog};

static keel_status badflags_init(keel_module *m) {
    const char *err = NULL;
    keel_status st = keel_register_opcode(m, &op, &err);
    if (st == KEEL_OK) st = keel_register_command(m, &ok_cmd, &err);
    if (st == KEEL_OK) st = keel_register_command(m, &bad_cmd, &err);
    if (st != KEEL_OK) keel_log(m, KEEL_LOG_ERROR, "registration refused: %s", err);
    return st;
}

KEEL_MODULE("mod_bad_flags", "1", "registers an unknown flag bit", badflags_init, NULL);
