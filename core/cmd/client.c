/* client.c -- CLIENT: the caller's connection (ID SETNAME GETNAME INFO SETINFO REPLY
 * NO-EVICT NO-TOUCH GETREDIR), the server's client list (LIST KILL UNBLOCK) and pausing every
 * client (PAUSE UNPAUSE, client_ctl.c). */
#include "config.h"
#include "builtin.h"
#include "client_ctl.h"
#include "client_kill.h"
#include "conn.h"
#include "mem.h"
#include "monitor.h"
#include "server.h"
#include "zvm.h"

#include <string.h>

/* True when c is one of the n ids listed (none listed: every client). */
static bool listed(const conn *c, const int64_t *ids, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if ((uint64_t)ids[i] == c->id) return true;
    return n == 0;
}

/* The client list, of every client (only NULL, type -1), one client, one type, or the ids:
 * those the caller may see (client_visible_to). */
static void client_list(keel_proc *p, keel_conn *only, int type, const int64_t *ids,
                        uint32_t nids) {
    const conn *me = keel_proc_conn(p);
    int64_t now = keel_now_ms(p);
    size_t cap = 4096, len = 0;
    char *s = mem_alloc(cap);
    pthread_mutex_lock(&srv->clients_lock);
    for (conn *c = srv->clients; c; c = c->cnext) {
        if ((only && c != only) || (type >= 0 && client_type_of(c) != type) ||
            !listed(c, ids, nids) || !client_visible_to(me, c))
            continue;
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

/* CLIENT LIST ID id [id ...]. */
static keel_op_result client_list_ids(keel_proc *p) {
    uint32_t n = p->argc - 3;
    int64_t *ids = keel_alloc(sizeof *ids * n);
    if (!ids) {
        keel_reply_error(p, "ERR out of memory");
        return KEEL_FAIL;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!keel_arg_i64(&p->argv[3 + i], &ids[i]) || ids[i] <= 0) {
            keel_free(ids);
            keel_reply_error(p, "ERR Invalid client ID");
            return KEEL_FAIL;
        }
    }
    client_list(p, NULL, -1, ids, n);
    keel_free(ids);
    return KEEL_DONE;
}

/* A subcommand that changes how clients are treated (client_ctl.c), or NULL. */
static keel_op_result (*ctl_handler(const keel_proc *p))(keel_proc *) {
    const keel_arg *sub = &p->argv[1];
    if (keel_arg_is(sub, "PAUSE") && (p->argc == 3 || p->argc == 4)) return client_ctl_pause;
    if (keel_arg_is(sub, "UNPAUSE") && p->argc == 2) return client_ctl_unpause;
    if (keel_arg_is(sub, "UNBLOCK") && (p->argc == 3 || p->argc == 4)) return client_ctl_unblock;
    if (keel_arg_is(sub, "REPLY") && p->argc == 3) return client_ctl_reply;
    if ((keel_arg_is(sub, "NO-EVICT") || keel_arg_is(sub, "NO-TOUCH")) && p->argc == 3)
        return client_ctl_flag;
    return NULL;
}

/* Redis's error for a known subcommand with the wrong argument count, or an unknown one. */
static keel_op_result client_bad_call(keel_proc *p) {
    static const char *const known[] = {"id",    "setname",  "getname",  "list",    "info",
                                        "kill",  "setinfo",  "pause",    "unpause", "unblock",
                                        "reply", "no-evict", "no-touch", "getredir"};
    return builtin_bad_subcommand(p, "client", known, BUILTIN_COUNT(known));
}

/* Opcode: client.run — CLIENT subcommands on the caller's connection.  Reductions 1.  May hop
 * (UNBLOCK runs on its target's thread). */
static keel_op_result op_client(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    const keel_arg *sub = &p->argv[1];
    if (keel_arg_is(sub, "ID") && p->argc == 2) {
        keel_reply_int(p, (int64_t)keel_conn_id(c));
    } else if (keel_arg_is(sub, "SETNAME") && p->argc == 3) {
        if (keel_conn_set_name(c, p->argv[2].ptr, p->argv[2].len) != KEEL_OK) {
            keel_reply_error(
                p, "ERR Client names cannot contain spaces, newlines or special characters.");
            return KEEL_FAIL;
        }
        keel_reply_ok(p);
    } else if (keel_arg_is(sub, "GETNAME") && p->argc == 2) {
        const char *name = keel_conn_name(c);
        if (name)
            keel_reply_bulk(p, name, strlen(name));
        else
            keel_reply_nil(p);
    } else if (keel_arg_is(sub, "LIST") && p->argc == 2) {
        client_list(p, NULL, -1, NULL, 0);
    } else if (keel_arg_is(sub, "LIST") && p->argc >= 4 && keel_arg_is(&p->argv[2], "ID")) {
        return client_list_ids(p);
    } else if (keel_arg_is(sub, "LIST") && p->argc == 4 && keel_arg_is(&p->argv[2], "TYPE")) {
        int type = client_type_parse(&p->argv[3]);
        if (type < 0) {
            keel_reply_error(p, "ERR Unknown client type '%.64s'", p->argv[3].ptr);
            return KEEL_FAIL;
        }
        client_list(p, NULL, type, NULL, 0);
    } else if (keel_arg_is(sub, "INFO") && p->argc == 2) {
        client_list(p, c, -1, NULL, 0);
    } else if (keel_arg_is(sub, "KILL") && p->argc >= 3) {
        return client_kill(p, c);
    } else if (keel_arg_is(sub, "SETINFO") && p->argc == 4) {
        keel_reply_ok(p);
    } else if (keel_arg_is(sub, "GETREDIR") && p->argc == 2) {
        keel_reply_int(p, -1); /* no client-side caching redirection */
    } else if (ctl_handler(p)) {
        return ctl_handler(p)(p);
    } else {
        return client_bad_call(p);
    }
    return KEEL_DONE;
}

/* Opcode: client.monitor — MONITOR: the caller is shown every request from now on. */
static keel_op_result op_monitor(keel_proc *p, const keel_insn *in) {
    (void)in;
    conn *c = keel_proc_conn(p);
    if (!c->monitor) monitor_add(c);
    keel_reply_ok(p);
    return KEEL_DONE;
}

static const keel_opcode_def client_ops[] = {
    {sizeof(keel_opcode_def), "client.run", op_client, "CLIENT subcommands", 0, 0, 1,
     KEEL_OP_MAY_HOP},
    {sizeof(keel_opcode_def), "client.monitor", op_monitor, "MONITOR", 0, 0, 1, 0},
};
static const keel_insn_def client_prog[] = {{.op = "client.run"}, KEEL_END};
static const keel_insn_def monitor_prog[] = {{.op = "client.monitor"}, KEEL_END};
static const keel_cmd_def client_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "CLIENT",
     .arity = -2,
     .flags = KEEL_CMD_CONN,
     .summary = "Names, describes, closes (KILL), unblocks and pauses connections.",
     .syntax = "CLIENT ID | SETNAME name | GETNAME | LIST [TYPE type | ID id ...] | INFO | KILL "
               "filter ... | "
               "SETINFO attr value | PAUSE ms [WRITE|ALL] | UNPAUSE | UNBLOCK id [TIMEOUT|ERROR] | "
               "REPLY ON|OFF|SKIP | NO-EVICT on|off | NO-TOUCH on|off | GETREDIR",
     .group = "connection",
     .since = "0.1.0",
     .program = client_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "MONITOR",
     .arity = 1,
     .flags = KEEL_CMD_CONN | KEEL_CMD_ADMIN,
     .summary =
         "Shows the caller every request the server gets from now on, in Redis's MONITOR format.",
     .syntax = "MONITOR",
     .group = "server",
     .since = "0.2.0",
     .program = monitor_prog},
};

const keel_family cmd_client_family = KEEL_FAMILY(client_ops, client_cmds);
