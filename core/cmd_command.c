/* cmd_command.c -- COMMAND [COUNT | INFO name ... | DOCS [name ...] | LIST]: the command table
 * as modules registered it. */
#include "config.h"
#include "builtin.h"
#include "loader.h"
#include "registry.h"

#include <string.h>

static const struct {
    uint64_t bit;
    const char *name;
} flag_names[] = {
    {KEEL_CMD_WRITE, "write"},   {KEEL_CMD_READONLY, "readonly"}, {KEEL_CMD_ADMIN, "admin"},
    {KEEL_CMD_STATS, "stats"},   {KEEL_CMD_MULTIKEY, "multikey"}, {KEEL_CMD_BLOCKING, "blocking"},
    {KEEL_CMD_CONN, "connection"}, {KEEL_CMD_FAST, "fast"},       {KEEL_CMD_NOAUTH, "no_auth"}, {KEEL_CMD_DENYOOM, "denyoom"},
};

static void reply_info(keel_proc *p, const cmd_entry *ce) {
    const keel_cmd_def *d = ce->def;
    keel_reply_array(p, 10);
    keel_reply_bulk(p, ce->lname, strlen(ce->lname));
    keel_reply_int(p, d->arity);
    size_t nf = 0;
    for (size_t i = 0; i < BUILTIN_COUNT(flag_names); i++) nf += (d->flags & flag_names[i].bit) != 0;
    keel_reply_set(p, nf);
    for (size_t i = 0; i < BUILTIN_COUNT(flag_names); i++)
        if (d->flags & flag_names[i].bit) keel_reply_simple(p, flag_names[i].name);
    keel_reply_int(p, d->first_key);
    keel_reply_int(p, d->first_key ? d->last_key : 0);
    keel_reply_int(p, d->first_key ? (d->key_step ? d->key_step : 1) : 0);
    keel_reply_set(p, 0);     /* ACL categories */
    keel_reply_set(p, 0);     /* tips */
    keel_reply_array(p, 0);   /* key specs */
    keel_reply_array(p, 0);   /* subcommands */
}

static void reply_docs(keel_proc *p, const cmd_entry *ce) {
    const keel_cmd_def *d = ce->def;
    keel_reply_bulk(p, ce->lname, strlen(ce->lname));
    keel_reply_map(p, 6);
    keel_reply_bulk(p, "summary", sizeof "summary" - 1);
    keel_reply_bulk(p, d->summary ? d->summary : "", d->summary ? strlen(d->summary) : 0);
    keel_reply_bulk(p, "since", sizeof "since" - 1);
    keel_reply_bulk(p, d->since ? d->since : "", d->since ? strlen(d->since) : 0);
    keel_reply_bulk(p, "group", sizeof "group" - 1);
    keel_reply_bulk(p, d->group ? d->group : "", d->group ? strlen(d->group) : 0);
    keel_reply_bulk(p, "syntax", sizeof "syntax" - 1);
    keel_reply_bulk(p, d->syntax ? d->syntax : "", d->syntax ? strlen(d->syntax) : 0);
    keel_reply_bulk(p, "module", sizeof "module" - 1);
    const char *m = loader_module_name(ce->module);
    keel_reply_bulk(p, m, strlen(m));
    keel_reply_bulk(p, "aliases", sizeof "aliases" - 1);
    size_t n = 0;
    for (const char *const *a = d->aliases; a && *a; a++) n++;
    keel_reply_array(p, n);
    for (const char *const *a = d->aliases; a && *a; a++) keel_reply_bulk(p, *a, strlen(*a));
}

static size_t distinct_count(void) {
    size_t n = 0;
    for (size_t i = 0; i < cmd_count(); i++) n += !cmd_at(i)->is_alias;
    return n;
}

/* Opcode: command.run — COMMAND and its subcommands.  Reductions 1 per command listed. */
static keel_op_result op_command(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->argc == 1) {
        keel_reply_array(p, distinct_count());
        for (size_t i = 0; i < cmd_count(); i++)
            if (!cmd_at(i)->is_alias) reply_info(p, cmd_at(i));
        return KEEL_DONE;
    }
    const keel_arg *sub = &p->argv[1];
    if (keel_arg_is(sub, "COUNT") && p->argc == 2) {
        keel_reply_int(p, (int64_t)distinct_count());
        return KEEL_DONE;
    }
    if (keel_arg_is(sub, "LIST") && p->argc == 2) {
        keel_reply_array(p, distinct_count());
        for (size_t i = 0; i < cmd_count(); i++)
            if (!cmd_at(i)->is_alias) keel_reply_bulk(p, cmd_at(i)->lname, strlen(cmd_at(i)->lname));
        return KEEL_DONE;
    }
    if (keel_arg_is(sub, "INFO")) {
        if (p->argc == 2) {
            keel_reply_array(p, distinct_count());
            for (size_t i = 0; i < cmd_count(); i++)
                if (!cmd_at(i)->is_alias) reply_info(p, cmd_at(i));
            return KEEL_DONE;
        }
        keel_reply_array(p, p->argc - 2);
        for (uint32_t a = 2; a < p->argc; a++) {
            const cmd_entry *ce = cmd_lookup(p->argv[a].ptr, p->argv[a].len);
            if (ce) reply_info(p, ce);
            else keel_reply_nil(p);
        }
        return KEEL_DONE;
    }
    if (keel_arg_is(sub, "DOCS")) {
        if (p->argc == 2) {
            keel_reply_map(p, distinct_count());
            for (size_t i = 0; i < cmd_count(); i++)
                if (!cmd_at(i)->is_alias) reply_docs(p, cmd_at(i));
            return KEEL_DONE;
        }
        size_t n = 0;
        for (uint32_t a = 2; a < p->argc; a++) n += cmd_lookup(p->argv[a].ptr, p->argv[a].len) != NULL;
        keel_reply_map(p, n);
        for (uint32_t a = 2; a < p->argc; a++) {
            const cmd_entry *ce = cmd_lookup(p->argv[a].ptr, p->argv[a].len);
            if (ce) reply_docs(p, ce);
        }
        return KEEL_DONE;
    }
    keel_reply_error(p, "ERR unknown subcommand or wrong number of arguments for '%.64s'. Try COMMAND HELP.", sub->ptr);
    return KEEL_FAIL;
}

static const keel_opcode_def command_ops[] = {
    {sizeof(keel_opcode_def), "command.run", op_command, "COMMAND [COUNT|INFO|DOCS|LIST]", 0, 0, 1, 0},
};
static const keel_insn_def command_prog[] = {{.op = "command.run"}, KEEL_END};
static const keel_cmd_def command_cmds[] = {
    {.size = sizeof(keel_cmd_def), .name = "COMMAND", .arity = -1, .flags = 0,
     .summary = "Describes the commands the loaded modules provide.",
     .syntax = "COMMAND [COUNT | LIST | INFO [name ...] | DOCS [name ...]]", .group = "server",
     .since = "0.1.0", .program = command_prog},
};

void cmd_command_register(keel_module *core) {
    builtin_opcodes(core, command_ops, BUILTIN_COUNT(command_ops));
    builtin_commands(core, command_cmds, BUILTIN_COUNT(command_cmds));
}
