/* stats.c -- STATS [section ...] [VISUAL]: the server as one JSON object; SELF STATS
 * [VISUAL]: the caller's connection. */
#include "config.h"
#include "builtin.h"
#include "conn.h"
#include "stats_json.h"
#include "zvm.h"

#include <stdlib.h>
#include <string.h>

/* Replies JSON text as a verbatim string of format "jsn": a bulk string in RESP2, verbatim in
 * RESP3, the object itself on JSON networks. */
static keel_op_result reply_json(keel_proc *p, json_t *root, bool visual) {
    char *text = stats_json_text(root, visual);
    json_decref(root);
    if (!text) {
        keel_reply_error(p, "ERR cannot format the statistics");
        return KEEL_FAIL;
    }
    keel_reply_verbatim(p, "jsn", text, strlen(text));
    free(text);
    return KEEL_DONE;
}

/* Opcode: stats.report — STATS [section ...] [VISUAL].  Reductions 1. */
static keel_op_result op_stats(keel_proc *p, const keel_insn *in) {
    (void)in;
    bool visual = false, any = false;
    for (uint32_t i = 1; i < p->argc; i++) {
        if (keel_arg_is(&p->argv[i], "VISUAL"))
            visual = true;
        else
            any = true;
    }
    json_t *root = json_object();
    int64_t now = keel_now_ms(p);
    for (uint32_t i = 1; i < p->argc; i++) {
        if (keel_arg_is(&p->argv[i], "VISUAL")) continue;
        if (!stats_json_section(root, p->argv[i].ptr, now)) {
            json_decref(root);
            keel_reply_error(
                p,
                "ERR unknown STATS section '%.64s' (sections: process cpu memory startup os log "
                "keyspace network modules)",
                p->argv[i].ptr);
            return KEEL_FAIL;
        }
    }
    if (!any)
        for (const char *const *s = stats_sections; *s; s++)
            stats_json_section(root, *s, now);
    return reply_json(p, root, visual);
}

/* Opcode: stats.self — SELF STATS [VISUAL].  Reductions 1. */
static keel_op_result op_self(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    bool visual = p->argc == 3 && keel_arg_is(&p->argv[2], "VISUAL");
    if (!keel_arg_is(&p->argv[1], "STATS") || (p->argc == 3 && !visual) || p->argc > 3 || !c) {
        keel_reply_error(p,
                         "ERR unknown subcommand or wrong number of arguments for '%.64s'. Try "
                         "SELF STATS [VISUAL].",
                         p->argv[1].ptr);
        return KEEL_FAIL;
    }
    return reply_json(p, stats_json_conn(c, keel_now_ms(p)), visual);
}

static const keel_opcode_def stats_ops[] = {
    {sizeof(keel_opcode_def), "stats.report", op_stats,
     "reply the STATS sections asked for as JSON", 0, 0, 1, 0},
    {sizeof(keel_opcode_def), "stats.self", op_self, "reply the caller's connection as JSON", 0, 0,
     1, 0},
};
static const keel_insn_def stats_prog[] = {{.op = "stats.report"}, KEEL_END};
static const keel_insn_def self_prog[] = {{.op = "stats.self"}, KEEL_END};
static const keel_cmd_def stats_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "STATS",
     .arity = -1,
     .flags = KEEL_CMD_STATS,
     .summary = "Returns the server's statistics as one JSON object (only the sections asked for).",
     .syntax = "STATS [process | cpu | memory | startup | os | log | keyspace | network | modules "
               "...] [VISUAL]",
     .group = "server",
     .since = "0.1.0",
     .program = stats_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "SELF",
     .arity = -2,
     .flags = KEEL_CMD_CONN,
     .summary =
         "Describes the caller's connection as JSON: network, namespace, protocol, TLS, counters.",
     .syntax = "SELF STATS [VISUAL]",
     .group = "connection",
     .since = "0.1.0",
     .program = self_prog},
};

const keel_family cmd_stats_family = KEEL_FAMILY(stats_ops, stats_cmds);
