/* hello.c -- the smallest Keel module: one opcode, one command, HELLO.WORLD [name], and one
 * setting, hello.greeting (CONFIG GET/SET hello.greeting), what it answers without a name. */
#include <keel/sdk.h>

static keel_module *self;

static keel_op_result op_world(keel_proc *p, const keel_insn *in) {
    (void)in;
    char greeting[256];
    if (p->argc == 2)
        keel_reply_bulk(p, p->argv[1].ptr, p->argv[1].len);
    else if (keel_config_get(self, "greeting", greeting, sizeof greeting) >= 0)
        keel_reply_simple(p, greeting);
    else
        keel_reply_simple(p, "hello, world");
    return KEEL_DONE;
}

/* A greeting is a simple-string reply: one line of at most 200 printable bytes. */
static keel_status greeting_check(const char *value, const char **err) {
    size_t n = 0;
    for (; value[n]; n++)
        if ((unsigned char)value[n] < 0x20 || n >= 200) {
            *err = "a greeting is at most 200 bytes on one line";
            return KEEL_EINVAL;
        }
    return KEEL_OK;
}

static const keel_config_def greeting_config = {.size = sizeof(keel_config_def),
                                                .name = "greeting",
                                                .default_value = "hello, world",
                                                .check = greeting_check};

static const keel_opcode_def world_op = {.size = sizeof(keel_opcode_def),
                                         .name = "hello.world",
                                         .fn = op_world,
                                         .synopsis = "reply a greeting",
                                         .cost = 1};
static const keel_insn_def world_prog[] = {{.op = "hello.world"}, KEEL_END};
static const keel_cmd_def world_cmd = {.size = sizeof(keel_cmd_def),
                                       .name = "HELLO.WORLD",
                                       .arity = -1,
                                       .flags = KEEL_CMD_FAST,
                                       .summary = "Replies a greeting.",
                                       .syntax = "HELLO.WORLD [name]",
                                       .group = "example",
                                       .since = "0.1.0",
                                       .program = world_prog};

static keel_status hello_init(keel_module *m) {
    const char *err = NULL;
    self = m;
    keel_status st = keel_register_opcode(m, &world_op, &err);
    if (st == KEEL_OK) st = keel_register_command(m, &world_cmd, &err);
    if (st == KEEL_OK) st = keel_register_config(m, &greeting_config, &err);
    if (st != KEEL_OK) keel_log(m, KEEL_LOG_ERROR, "%s", err);
    return st;
}

KEEL_MODULE("hello", "1.0.0", "a module template", hello_init, NULL);
