/* mod_good.c -- a well-formed test module: one opcode; commands TESTGOOD, TESTOLD (defined as a
 * module built against SDK ABI 1.1 would: without access) and TESTACCESS (whose access callback
 * asks for write when its argument is "w"); two types (one defined as against ABI 1.0: without
 * to_reply_step). */
#include <string.h>
#include <keel/sdk.h>

static keel_op_result op_hello(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_reply_simple(p, "good");
    return KEEL_DONE;
}

static void obj_free(void *obj) {
    keel_free(obj);
}

static const keel_opcode_def ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "good.hello",
     .fn = op_hello,
     .synopsis = "reply good",
     .cost = 1},
};
static const keel_insn_def hello_prog[] = {{.op = "good.hello"}, KEEL_END};
static const char *const aliases[] = {"TESTGOODALIAS", NULL};
static const keel_cmd_def cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "TESTGOOD",
     .aliases = aliases,
     .arity = 1,
     .flags = KEEL_CMD_FAST,
     .summary = "test",
     .program = hello_prog},
};
static uint64_t access_of(uint32_t argc, const keel_arg *argv) {
    return argc > 1 && argv[1].len == 1 && argv[1].ptr[0] == 'w' ? KEEL_CMD_WRITE
                                                                 : KEEL_CMD_READONLY;
}
static const keel_cmd_def access_cmd = {.size = sizeof(keel_cmd_def),
                                        .name = "TESTACCESS",
                                        .arity = -1,
                                        .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
                                        .program = hello_prog,
                                        .access = access_of};
/* TESTOLD as a 1.1 module passes it: KEEL_CMD_DEF_SIZE_1_0 bytes, followed here by garbage where a
 * newer definition has its access callback (the core must not read it) */
static union {
    keel_cmd_def def;
    unsigned char bytes[sizeof(keel_cmd_def)];
} old_cmd;
static const keel_type_def type = {
    .size = sizeof(keel_type_def), .name = "goodtype", .free = obj_free};
/* the 1.0 size: what a module compiled against 1.0 headers passes */
static const keel_type_def old_type = {
    .size = KEEL_TYPE_DEF_SIZE_1_0, .name = "oldtype", .free = obj_free};
static const keel_type_def tiny_type = {
    .size = offsetof(keel_type_def, to_reply), .name = "tiny", .free = obj_free};

static keel_status good_init(keel_module *m) {
    keel_type_id id;
    if (keel_register_opcode(m, &ops[0], NULL) != KEEL_OK) return KEEL_EINVAL;
    if (keel_register_command(m, &cmds[0], NULL) != KEEL_OK) return KEEL_EINVAL;
    if (keel_register_command(m, &access_cmd, NULL) != KEEL_OK) return KEEL_EINVAL;
    old_cmd.def = (keel_cmd_def){.size = KEEL_CMD_DEF_SIZE_1_0,
                                 .name = "TESTOLD",
                                 .arity = 1,
                                 .flags = KEEL_CMD_READONLY,
                                 .program = hello_prog};
    memset(old_cmd.bytes + KEEL_CMD_DEF_SIZE_1_0, 0xa5, sizeof old_cmd - KEEL_CMD_DEF_SIZE_1_0);
    if (keel_register_command(m, &old_cmd.def, NULL) != KEEL_OK) return KEEL_EINVAL;
    old_cmd.def.size = KEEL_CMD_DEF_SIZE_1_0 - 1; /* smaller than any ABI's: refused */
    old_cmd.def.name = "TESTTINY";
    if (keel_register_command(m, &old_cmd.def, NULL) != KEEL_EABI) return KEEL_EINVAL;
    if (keel_register_type(m, &type, &id, NULL) != KEEL_OK) return KEEL_EINVAL;
    if (keel_register_type(m, &tiny_type, &id, NULL) != KEEL_EABI)
        return KEEL_EINVAL; /* too small */
    return keel_register_type(m, &old_type, &id, NULL);
}

KEEL_MODULE("mod_good", "1.2.3", "a test module", good_init, NULL);
