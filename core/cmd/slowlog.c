/* slowlog.c -- SLOWLOG GET [count] | LEN | RESET | HELP (slowlog.h), as Redis 7.0 answers. */
#include "config.h"
#include "builtin.h"
#include "slowlog.h"
#include "zvm.h"

static keel_op_result slowlog_help(keel_proc *p) {
    static const char *const help[] = {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    };
    keel_reply_array(p, BUILTIN_COUNT(help));
    for (size_t i = 0; i < BUILTIN_COUNT(help); i++)
        keel_reply_simple(p, help[i]);
    return KEEL_DONE;
}

/* Opcode: slowlog.run — SLOWLOG GET [count] | LEN | RESET | HELP.  Reductions 1. */
static keel_op_result op_slowlog(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *sub = &p->argv[1];
    if (keel_arg_is(sub, "GET") && p->argc <= 3) {
        int64_t n = 10;
        if (p->argc == 3 && (!keel_arg_i64(&p->argv[2], &n) || n < -1)) {
            keel_reply_error(p, "ERR count should be greater than or equal to -1");
            return KEEL_FAIL;
        }
        slowlog_reply_get(p, n);
    } else if (keel_arg_is(sub, "LEN") && p->argc == 2) {
        keel_reply_int(p, (int64_t)slowlog_len());
    } else if (keel_arg_is(sub, "RESET") && p->argc == 2) {
        slowlog_reset();
        keel_reply_ok(p);
    } else if (keel_arg_is(sub, "HELP") && p->argc == 2) {
        return slowlog_help(p);
    } else {
        static const char *const known[] = {"get", "len", "reset", "help"};
        return builtin_bad_subcommand(p, "slowlog", known, BUILTIN_COUNT(known));
    }
    return KEEL_DONE;
}

static const keel_opcode_def slowlog_ops[] = {
    {sizeof(keel_opcode_def), "slowlog.run", op_slowlog, "SLOWLOG subcommands", 0, 0, 1, 0},
};
static const keel_insn_def slowlog_prog[] = {{.op = "slowlog.run"}, KEEL_END};
static const keel_cmd_def slowlog_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "SLOWLOG",
     .arity = -2,
     .flags = KEEL_CMD_ADMIN,
     .summary =
         "Reads and resets the slow log: requests that ran longer than slowlog-log-slower-than us.",
     .syntax = "SLOWLOG GET [count] | SLOWLOG LEN | SLOWLOG RESET | SLOWLOG HELP",
     .group = "server",
     .since = "0.2.0",
     .program = slowlog_prog},
};

const keel_family cmd_slowlog_family = KEEL_FAMILY(slowlog_ops, slowlog_cmds);
