/* cmd_client.c -- CLIENT ID | SETNAME | GETNAME | LIST | INFO | KILL | SETINFO: the caller's
 * connection and the server's client list. */
#include "config.h"
#include "builtin.h"
#include "client_kill.h"
#include "conn.h"
#include "mem.h"
#include "server.h"
#include "zvm.h"

#include <string.h>

/* The client list, of every client (only NULL, type -1), one client or one type. */
static void client_list(keel_proc *p, keel_conn *only, int type) {
    int64_t now = keel_now_ms(p);
    size_t cap = 4096, len = 0;
    char *s = mem_alloc(cap);
    pthread_mutex_lock(&srv->clients_lock);
    for (conn *c = srv->clients; c; c = c->cnext) {
        if ((only && c != only) || (type >= 0 && client_type_of(c) != type)) continue;
        if (c != only && atomic_load_explicit(&c->killed, memory_order_relaxed))
            continue; /* as good as gone */
        if (cap - len < 1024) {
            cap *= 2;
            s = mem_realloc(s, cap);
        }
        len += conn_describe(c, s + len, cap - len, now);
    }
    pthread_mutex_unlock(&srv->clients_lock);
    keel_reply_verbatim(p, "txt", s, len);
    mem_free(s);
}

/* Opcode: client.run — CLIENT subcommands on the caller's connection.  Reductions 1. */
static keel_op_result op_client(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    const keel_arg *sub = &p->argv[1];
    if (keel_arg_is(sub, "ID") && p->argc == 2) {
        keel_reply_int(p, (int64_t)keel_conn_id(c));
    } else if (keel_arg_is(sub, "SETNAME") && p->argc == 3) {
        if (keel_conn_set_name(c, p->argv[2].ptr, p->argv[2].len) != KEEL_OK) {
            keel_reply_error(p, "ERR Client names cannot contain spaces, newlines or special characters.");
            return KEEL_FAIL;
        }
        keel_reply_ok(p);
    } else if (keel_arg_is(sub, "GETNAME") && p->argc == 2) {
        const char *name = keel_conn_name(c);
        if (name) keel_reply_bulk(p, name, strlen(name));
        else keel_reply_nil(p);
    } else if (keel_arg_is(sub, "LIST") && p->argc == 2) {
        client_list(p, NULL, -1);
    } else if (keel_arg_is(sub, "LIST") && p->argc == 4 && keel_arg_is(&p->argv[2], "TYPE")) {
        int type = client_type_parse(&p->argv[3]);
        if (type < 0) {
            keel_reply_error(p, "ERR Unknown client type '%.64s'", p->argv[3].ptr);
            return KEEL_FAIL;
        }
        client_list(p, NULL, type);
    } else if (keel_arg_is(sub, "INFO") && p->argc == 2) {
        client_list(p, c, -1);
    } else if (keel_arg_is(sub, "KILL") && p->argc >= 3) {
        return client_kill(p, c);
    } else if (keel_arg_is(sub, "SETINFO") && p->argc == 4) {
        keel_reply_ok(p);
    } else {
        keel_reply_error(p, "ERR unknown subcommand or wrong number of arguments for '%.64s'. "
                            "Try CLIENT ID, SETNAME, GETNAME, LIST, INFO, KILL.", sub->ptr);
        return KEEL_FAIL;
    }
    return KEEL_DONE;
}

static const keel_opcode_def client_ops[] = {
    {sizeof(keel_opcode_def), "client.run", op_client, "CLIENT subcommands", 0, 0, 1, 0},
};
static const keel_insn_def client_prog[] = {{.op = "client.run"}, KEEL_END};
static const keel_cmd_def client_cmds[] = {
    {.size = sizeof(keel_cmd_def), .name = "CLIENT", .arity = -2, .flags = KEEL_CMD_CONN,
     .summary = "Names and describes connections, and closes them (KILL).",
     .syntax = "CLIENT ID | SETNAME name | GETNAME | LIST [TYPE type] | INFO | KILL filter ... | "
               "SETINFO attr value",
     .group = "connection", .since = "0.1.0", .program = client_prog},
};

void cmd_client_register(keel_module *core) {
    builtin_opcodes(core, client_ops, BUILTIN_COUNT(client_ops));
    builtin_commands(core, client_cmds, BUILTIN_COUNT(client_cmds));
}
