/* command.c -- COMMAND [COUNT | INFO name ... | DOCS [name ...] | LIST [FILTERBY ...] |
 * GETKEYS | GETKEYSANDFLAGS]: the command table as modules registered it. */
#include "config.h"
#include "builtin.h"
#include "loader.h"
#include "registry.h"
#include "zvm.h"

#include <datakit/glob.h>

#include <string.h>
#include <strings.h>

static const struct {
    uint64_t bit;
    const char *name;
} flag_names[] = {
    {KEEL_CMD_WRITE, "write"},     {KEEL_CMD_READONLY, "readonly"}, {KEEL_CMD_ADMIN, "admin"},
    {KEEL_CMD_STATS, "stats"},     {KEEL_CMD_MULTIKEY, "multikey"}, {KEEL_CMD_BLOCKING, "blocking"},
    {KEEL_CMD_CONN, "connection"}, {KEEL_CMD_FAST, "fast"},         {KEEL_CMD_NOAUTH, "no_auth"},
    {KEEL_CMD_DENYOOM, "denyoom"},
};

static void reply_info(keel_proc *p, const cmd_entry *ce) {
    const keel_cmd_def *d = ce->def;
    keel_reply_array(p, 10);
    keel_reply_bulk(p, ce->lname, strlen(ce->lname));
    keel_reply_int(p, d->arity);
    size_t nf = 0;
    for (size_t i = 0; i < BUILTIN_COUNT(flag_names); i++)
        nf += (d->flags & flag_names[i].bit) != 0;
    keel_reply_set(p, nf);
    for (size_t i = 0; i < BUILTIN_COUNT(flag_names); i++)
        if (d->flags & flag_names[i].bit) keel_reply_simple(p, flag_names[i].name);
    keel_reply_int(p, d->first_key);
    keel_reply_int(p, d->first_key ? d->last_key : 0);
    keel_reply_int(p, d->first_key ? (d->key_step ? d->key_step : 1) : 0);
    keel_reply_set(p, 0);   /* ACL categories */
    keel_reply_set(p, 0);   /* tips */
    keel_reply_array(p, 0); /* key specs */
    keel_reply_array(p, 0); /* subcommands */
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
    for (const char *const *a = d->aliases; a && *a; a++)
        n++;
    keel_reply_array(p, n);
    for (const char *const *a = d->aliases; a && *a; a++)
        keel_reply_bulk(p, *a, strlen(*a));
}

static size_t distinct_count(void) {
    size_t n = 0;
    for (size_t i = 0; i < cmd_count(); i++)
        n += !cmd_at(i)->is_alias;
    return n;
}

/* COMMAND GETKEYS | GETKEYSANDFLAGS command arg ...: the keys that call would declare, with Redis's
 * errors.  The flags are Keel's approximation of Redis's key specs: RO access for a read-only
 * command, RW update otherwise. */
static keel_op_result command_getkeys(keel_proc *p, bool with_flags) {
    if (p->argc < 4) {
        keel_reply_error(p, "ERR wrong number of arguments for 'command|%s' command",
                         with_flags ? "getkeysandflags" : "getkeys");
        return KEEL_FAIL;
    }
    const cmd_entry *ce = cmd_lookup(p->argv[2].ptr, p->argv[2].len);
    if (!ce) {
        keel_reply_error(p, "ERR Invalid command specified");
        return KEEL_FAIL;
    }
    uint32_t argc = p->argc - 2;
    const keel_arg *argv = p->argv + 2;
    int arity = ce->def->arity;
    if (arity >= 0 ? argc != (uint32_t)arity : argc < (uint32_t)-arity) {
        keel_reply_error(p, "ERR Invalid number of arguments specified for command");
        return KEEL_FAIL;
    }
    int *pos = keel_proc_alloc(p, sizeof *pos * argc);
    int n = zvm_declared_key_positions(ce->def, argc, argv, pos);
    if (n <= 0) {
        keel_reply_error(p, n < 0 ? "ERR Invalid arguments specified for command"
                                  : "ERR The command has no key arguments");
        return KEEL_FAIL;
    }
    bool ro = (ce->def->flags & KEEL_CMD_READONLY) && !(ce->def->flags & KEEL_CMD_WRITE);
    keel_reply_array(p, (size_t)n);
    for (int i = 0; i < n; i++) {
        const keel_arg *k = &argv[pos[i]];
        if (!with_flags) {
            keel_reply_bulk(p, k->ptr, k->len);
            continue;
        }
        keel_reply_array(p, 2);
        keel_reply_bulk(p, k->ptr, k->len);
        keel_reply_array(p, 2);
        keel_reply_simple(p, ro ? "RO" : "RW");
        keel_reply_simple(p, ro ? "access" : "update");
    }
    return KEEL_DONE;
}

/* True when ce passes COMMAND LIST FILTERBY kind value. */
static bool listed_by(const cmd_entry *ce, const keel_arg *kind, const keel_arg *v) {
    if (keel_arg_is(kind, "MODULE")) {
        const char *m = loader_module_name(ce->module);
        return m && strlen(m) == v->len && !strncasecmp(m, v->ptr, v->len);
    }
    if (keel_arg_is(kind, "ACLCAT")) { /* Keel has no ACL: a command's group stands for it */
        const char *g = ce->def->group;
        return g && strlen(g) == v->len && !strncasecmp(g, v->ptr, v->len);
    }
    return dk_glob_match(v->ptr, v->len, ce->lname, strlen(ce->lname), true);
}

/* COMMAND LIST FILTERBY MODULE name | ACLCAT category | PATTERN pattern. */
static keel_op_result command_list_filtered(keel_proc *p) {
    const keel_arg *kind = &p->argv[3];
    if (!keel_arg_is(&p->argv[2], "FILTERBY") ||
        !(keel_arg_is(kind, "MODULE") || keel_arg_is(kind, "ACLCAT") ||
          keel_arg_is(kind, "PATTERN"))) {
        keel_reply_error(p, "ERR syntax error");
        return KEEL_FAIL;
    }
    size_t n = 0;
    for (size_t i = 0; i < cmd_count(); i++)
        n += !cmd_at(i)->is_alias && listed_by(cmd_at(i), kind, &p->argv[4]);
    keel_reply_array(p, n);
    for (size_t i = 0; i < cmd_count(); i++)
        if (!cmd_at(i)->is_alias && listed_by(cmd_at(i), kind, &p->argv[4]))
            keel_reply_bulk(p, cmd_at(i)->lname, strlen(cmd_at(i)->lname));
    return KEEL_DONE;
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
            if (!cmd_at(i)->is_alias)
                keel_reply_bulk(p, cmd_at(i)->lname, strlen(cmd_at(i)->lname));
        return KEEL_DONE;
    }
    if (keel_arg_is(sub, "LIST") && p->argc == 5) return command_list_filtered(p);
    if (keel_arg_is(sub, "GETKEYS")) return command_getkeys(p, false);
    if (keel_arg_is(sub, "GETKEYSANDFLAGS")) return command_getkeys(p, true);
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
            if (ce)
                reply_info(p, ce);
            else
                keel_reply_nil(p);
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
        for (uint32_t a = 2; a < p->argc; a++)
            n += cmd_lookup(p->argv[a].ptr, p->argv[a].len) != NULL;
        keel_reply_map(p, n);
        for (uint32_t a = 2; a < p->argc; a++) {
            const cmd_entry *ce = cmd_lookup(p->argv[a].ptr, p->argv[a].len);
            if (ce) reply_docs(p, ce);
        }
        return KEEL_DONE;
    }
    if (keel_arg_is(sub, "COUNT") || keel_arg_is(sub, "LIST")) {
        keel_reply_error(p, "ERR wrong number of arguments for 'command|%s' command",
                         keel_arg_is(sub, "COUNT") ? "count" : "list");
        return KEEL_FAIL;
    }
    keel_reply_error(p, "ERR unknown subcommand '%.64s'. Try COMMAND HELP.", sub->ptr);
    return KEEL_FAIL;
}

static const keel_opcode_def command_ops[] = {
    {sizeof(keel_opcode_def), "command.run", op_command,
     "COMMAND [COUNT|INFO|DOCS|LIST|GETKEYS|GETKEYSANDFLAGS]", 0, 0, 1, 0},
};
static const keel_insn_def command_prog[] = {{.op = "command.run"}, KEEL_END};
static const keel_cmd_def command_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "COMMAND",
     .arity = -1,
     .flags = 0,
     .summary = "Describes the commands the loaded modules provide.",
     .syntax = "COMMAND [COUNT | LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern] | "
               "INFO [name ...] | "
               "DOCS [name ...] | GETKEYS command [arg ...] | GETKEYSANDFLAGS command [arg ...]]",
     .group = "server",
     .since = "0.1.0",
     .program = command_prog},
};

const keel_family cmd_command_family = KEEL_FAMILY(command_ops, command_cmds);
