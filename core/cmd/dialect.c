/* dialect.c -- DIALECT [REDIS | KEEL]: which behaviour a connection gets where Keel's own
 * differs from Redis 7.0 on a Redis command (KEEL_DIALECT_OPTION in keel/sdk.h; the list is in
 * docs/compatibility.md).  A connection starts with its network's "dialect" (redis when unset). */
#include "config.h"
#include "builtin.h"
#include "zvm.h"

/* Opcode: dialect.run — DIALECT [REDIS | KEEL]: without an argument replies the connection's
 * dialect ("redis" or "keel"); with one sets it from the next request on and replies OK.
 * Reductions 1. */
static keel_op_result op_dialect(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->argc == 1) {
        keel_reply_simple(p, keel_proc_dialect_keel(p) ? "keel" : "redis");
        return KEEL_DONE;
    }
    const char *value = p->argc > 2                         ? NULL
                        : keel_arg_is(&p->argv[1], "REDIS") ? "redis"
                        : keel_arg_is(&p->argv[1], "KEEL")  ? "keel"
                                                            : NULL;
    if (!value) {
        keel_reply_error(p, "ERR syntax error: DIALECT [REDIS | KEEL]");
        return KEEL_FAIL;
    }
    keel_conn_option_set(keel_proc_conn(p), KEEL_DIALECT_OPTION, value);
    keel_reply_ok(p);
    return KEEL_DONE;
}

static const keel_opcode_def dialect_ops[] = {
    {sizeof(keel_opcode_def), "dialect.run", op_dialect, "DIALECT [REDIS | KEEL]", 0, 0, 1, 0},
};
static const keel_insn_def dialect_prog[] = {{.op = "dialect.run"}, KEEL_END};
static const keel_cmd_def dialect_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "DIALECT",
     .arity = -1,
     .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary =
         "Shows or sets the connection's dialect: redis (Redis 7.0's behaviour wherever Keel's "
         "own differs, the default) or keel.",
     .syntax = "DIALECT [REDIS | KEEL]",
     .group = "connection",
     .since = "0.1.0",
     .program = dialect_prog},
};

const keel_family cmd_dialect_family = KEEL_FAMILY(dialect_ops, dialect_cmds);
