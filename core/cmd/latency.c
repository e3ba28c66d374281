/* latency.c -- LATENCY LATEST | HISTORY event | RESET [event ...] | DOCTOR | HISTOGRAM
 * [command ...] | HELP (latency.h), with Redis 7.0's reply shapes. */
#include "config.h"
#include "builtin.h"
#include "latency.h"
#include "registry.h"
#include "zvm.h"

#include <string.h>

static keel_op_result latency_help(keel_proc *p) {
    static const char *const help[] = {
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        ("    Return a cumulative distribution of latencies in the format of a histogram for the "
         "specified command names."), /* one line: the parentheses say the split is meant */
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    };
    keel_reply_array(p, BUILTIN_COUNT(help));
    for (size_t i = 0; i < BUILTIN_COUNT(help); i++)
        keel_reply_simple(p, help[i]);
    return KEEL_DONE;
}

/* True when the command with counters idx has calls (a histogram to show). */
static bool has_calls(size_t idx) {
    double us;
    uint64_t calls;
    return latency_percentile(idx, 0.5, &us, &calls) && calls > 0;
}

/* HISTOGRAM [command ...]: a map of command name to its histogram, for the commands with calls. */
static keel_op_result latency_histogram(keel_proc *p) {
    size_t n = 0;
    for (size_t i = 0; i < cmd_count(); i++) {
        bool named = p->argc == 2;
        for (uint32_t a = 2; a < p->argc && !named; a++)
            named = keel_arg_is(&p->argv[a], cmd_at(i)->lname);
        n += named && !cmd_at(i)->is_alias && has_calls(cmd_at(i)->stat_idx);
    }
    keel_reply_map(p, n);
    for (size_t i = 0; i < cmd_count(); i++) {
        bool named = p->argc == 2;
        for (uint32_t a = 2; a < p->argc && !named; a++)
            named = keel_arg_is(&p->argv[a], cmd_at(i)->lname);
        if (!named || cmd_at(i)->is_alias || !has_calls(cmd_at(i)->stat_idx)) continue;
        keel_reply_bulk(p, cmd_at(i)->lname, strlen(cmd_at(i)->lname));
        latency_reply_histogram(p, cmd_at(i)->stat_idx);
    }
    return KEEL_DONE;
}

/* Opcode: latency.run — LATENCY subcommands.  Reductions 1. */
static keel_op_result op_latency(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *sub = &p->argv[1];
    if (keel_arg_is(sub, "LATEST") && p->argc == 2) {
        latency_reply_latest(p);
    } else if (keel_arg_is(sub, "HISTORY") && p->argc == 3) {
        latency_reply_history(p, &p->argv[2]);
    } else if (keel_arg_is(sub, "RESET")) {
        keel_reply_int(p, latency_reset_events(p->argv + 2, p->argc - 2));
    } else if (keel_arg_is(sub, "DOCTOR") && p->argc == 2) {
        char text[2048];
        size_t n = latency_doctor(text, sizeof text);
        keel_reply_verbatim(p, "txt", text, n);
    } else if (keel_arg_is(sub, "HISTOGRAM")) {
        return latency_histogram(p);
    } else if (keel_arg_is(sub, "HELP") && p->argc == 2) {
        return latency_help(p);
    } else {
        static const char *const known[] = {"latest", "history", "doctor", "help"};
        return builtin_bad_subcommand(p, "latency", known, BUILTIN_COUNT(known));
    }
    return KEEL_DONE;
}

static const keel_opcode_def latency_ops[] = {
    {sizeof(keel_opcode_def), "latency.run", op_latency, "LATENCY subcommands", 0, 0, 1, 0},
};
static const keel_insn_def latency_prog[] = {{.op = "latency.run"}, KEEL_END};
static const keel_cmd_def latency_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "LATENCY",
     .arity = -2,
     .flags = KEEL_CMD_ADMIN,
     .summary = "The latency monitor's samples (requests past latency-monitor-threshold ms) and "
                "per-command "
                "latency histograms.",
     .syntax = "LATENCY LATEST | HISTORY event | RESET [event ...] | DOCTOR | HISTOGRAM [command "
               "...] | HELP",
     .group = "server",
     .since = "0.2.0",
     .program = latency_prog},
};

const keel_family cmd_latency_family = KEEL_FAMILY(latency_ops, latency_cmds);
