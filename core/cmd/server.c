/* server.c -- server and connection basics: PING ECHO SELECT TIME DBSIZE FLUSHALL FLUSHDB
 * SHUTDOWN AUTH. */
#include "config.h"
#include "builtin.h"
#include "cluster.h"
#include "conn.h"
#include "db.h"
#include "gate.h"
#include "keyspace.h"
#include "lock.h"
#include "log.h"
#include "net.h"
#include "ns.h"
#include "persist.h"
#include "server.h"
#include "shard.h"
#include "zvm.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

/* ---- opcodes ---- */

/* Opcode: server.ping — PING [message].  Reductions 1.  In subscribed mode (RESP2 with
 * subscriptions) the answer is Redis's array: "pong" and the message (or ""). */
static keel_op_result op_ping(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->argc > 2) {
        keel_reply_error(p, "ERR wrong number of arguments for 'ping' command");
        return KEEL_FAIL;
    }
    zvm_proc *z = zvm_of(p);
    /* the connection's state is read on its own thread only */
    if (z->conn && z->cur == z->home && conn_subscribed_inband(z->conn)) {
        keel_reply_array(p, 2);
        keel_reply_bulk(p, "pong", 4);
        keel_reply_bulk(p, p->argc == 2 ? p->argv[1].ptr : "", p->argc == 2 ? p->argv[1].len : 0);
        return KEEL_DONE;
    }
    if (p->argc == 2)
        keel_reply_bulk(p, p->argv[1].ptr, p->argv[1].len);
    else
        keel_reply_simple(p, "PONG");
    return KEEL_DONE;
}

/* Opcode: server.echo — ECHO message.  Reductions 1. */
static keel_op_result op_echo(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_reply_bulk(p, p->argv[1].ptr, p->argv[1].len);
    return KEEL_DONE;
}

/* Opcode: server.select — SELECT index: the connection's requests from the next one on name
 * keys of that database (its namespace, locked or not, applies inside it).  Runs on the
 * connection's thread.  Reductions 1. */
static keel_op_result op_select(keel_proc *p, const keel_insn *in) {
    (void)in;
    uint32_t db;
    db_index_status st = db_parse_index(&p->argv[1], &db);
    if (st != DB_INDEX_OK) {
        db_reply_index_error(p, st, NULL);
        return KEEL_FAIL;
    }
    if (cluster_on && db != 0) {
        keel_reply_error(p, "ERR SELECT is not allowed in cluster mode");
        return KEEL_FAIL;
    }
    keel_conn *c = keel_proc_conn(p);
    if (!c) {
        keel_reply_error(p, "ERR SELECT needs a client connection");
        return KEEL_FAIL;
    }
    atomic_store_explicit(&c->db, db, memory_order_relaxed);
    keel_reply_ok(p);
    return KEEL_DONE;
}

/* Opcode: server.time — TIME: [unix seconds, microseconds].  Reductions 1. */
static keel_op_result op_time(keel_proc *p, const keel_insn *in) {
    (void)in;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char s[24], us[24];
    int ns = snprintf(s, sizeof s, "%lld", (long long)tv.tv_sec);
    int nus = snprintf(us, sizeof us, "%lld", (long long)tv.tv_usec);
    keel_reply_array(p, 2);
    keel_reply_bulk(p, s, (size_t)ns);
    keel_reply_bulk(p, us, (size_t)nus);
    return KEEL_DONE;
}

/* Opcode: server.dbsize — DBSIZE: the sum of every shard's published key count of the
 * client's database.  Reductions 1. */
static keel_op_result op_dbsize(keel_proc *p, const keel_insn *in) {
    (void)in;
    zvm_proc *z = zvm_of(p);
    if (z->ns && z->ns->n > 0) return KEEL_NEXT; /* inside a namespace: count it (the walk below) */
    uint64_t n = 0;
    for (uint32_t i = 0; i < srv->nshards; i++)
        n += atomic_load_explicit(&shard_get(i)->dbs[z->db].nkeys, memory_order_relaxed);
    keel_reply_uint(p, n);
    return KEEL_DONE;
}

/* Opcode: server.ns_count — adds to r0 the keys the client's namespace has on the walk's
 * current shard.  Reductions 1. */
static keel_op_result op_ns_count(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    ks_space sp;
    if (kp->reg[0].type == DK_NULL) kp->reg[0] = dk_i64(0);
    if (ns_resolve_on(p, shard_get(p->cur_shard), &sp) == KEEL_OK)
        kp->reg[0].v.i += (int64_t)dk_table_count(sp.t);
    return KEEL_NEXT;
}

/* Opcode: server.flush_check — FLUSHALL/FLUSHDB [ASYNC|SYNC]: validates the option.
 * Reductions 1. */
static keel_op_result op_flush_check(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->argc > 2 ||
        (p->argc == 2 && !keel_arg_is(&p->argv[1], "ASYNC") && !keel_arg_is(&p->argv[1], "SYNC"))) {
        keel_reply_error(p, "ERR syntax error");
        return KEEL_FAIL;
    }
    return KEEL_NEXT;
}

/* Opcode: server.flush_shard — empties the client's database (imm 0) or every database (imm 1)
 * on the walk's current shard; a client inside a namespace empties only that namespace's part
 * of it (namespaces are security boundaries: a tenant's FLUSHALL never reaches keys outside its
 * namespace).  After db.gate raised the process's gate on the shard, it flushes at once and
 * lowers the gate.  Without one (memcached's flush_all), values a yielded or blocked process
 * holds are not pulled from under it: it waits for the shard's lock holders (inside a namespace,
 * its top entry's) and for another process's gate first.  Reductions 1.  May block. */
static keel_op_result op_flush_shard(keel_proc *kp, const keel_insn *in) {
    zvm_proc *p = zvm_of(kp);
    shard *s = shard_get(p->cur_shard);
    bool inside = p->ns && p->ns->n;
    if (!gate_held(s, p)) {
        if (s->gate && gate_blocks(s, p)) return KEEL_BLOCK;
        lock_ent *held = NULL;
        if (s->locks.count) {
            held = inside ? lock_find(&s->locks, p->ns->comp[0].ptr, p->ns->comp[0].len,
                                      ks_hash(p->ns->comp[0].ptr, p->ns->comp[0].len))
                          : lock_any_other(&s->locks, p->serial);
        }
        if (held && held->owner != p->serial) {
            lock_watch(held, p);
            return KEEL_BLOCK;
        }
    }
    uint32_t first = in->imm ? 0 : p->db, end = in->imm ? s->ndbs : p->db + 1;
    for (uint32_t db = first; db < end; db++) {
        ks_space sp;
        if (!inside) {
            db_all_changed(s, db); /* before: WATCH counts the keys that existed */
            ks_flush(s, db);
        } else if (ns_resolve_on_db(p, s, db, &sp) == KEEL_OK) {
            db_key_changed(s, db, p, p->ns->comp[0].ptr,
                           p->ns->comp[0].len); /* the namespace's entry */
            dk_table_clear(sp.t, ks_free_obj, NULL);
            ns_note_expiring(&sp);
        }
    }
    gate_lower(s, p);
    return KEEL_NEXT;
}

enum { SHUT_NOSAVE = 1, SHUT_SAVE = 2, SHUT_NOW = 4, SHUT_FORCE = 8, SHUT_ABORT = 16 };

/* SHUTDOWN's options as bits, or -1 for a word that is none of them. */
static int shutdown_flags(const keel_proc *p) {
    static const char *const names[] = {"NOSAVE", "SAVE", "NOW", "FORCE", "ABORT"};
    int flags = 0;
    for (uint32_t i = 1; i < p->argc; i++) {
        int bit = 0;
        for (size_t n = 0; n < BUILTIN_COUNT(names) && !bit; n++)
            if (keel_arg_is(&p->argv[i], names[n])) bit = 1 << n;
        if (!bit) return -1;
        flags |= bit;
    }
    return flags;
}

/* Opcode: server.shutdown — SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] | SHUTDOWN ABORT: stops the
 * server (no reply; the connection closes as the server exits).  With SAVE the snapshot is
 * written once the worker threads have stopped (persist_save_stopped), so it holds every write
 * that was answered; a data directory that takes no file refuses the shutdown as a failed save
 * does in Redis (FORCE exits anyway, without saving).  ABORT finds no shutdown in progress (Keel
 * never waits for one).  Reductions 1. */
static keel_op_result op_shutdown(keel_proc *p, const keel_insn *in) {
    (void)in;
    int flags = shutdown_flags(p);
    bool both = (flags & SHUT_SAVE) && (flags & SHUT_NOSAVE);
    if (flags < 0 || both || ((flags & SHUT_ABORT) && flags != SHUT_ABORT)) {
        keel_reply_error(p, "ERR syntax error");
        return KEEL_FAIL;
    }
    if (flags & SHUT_ABORT) {
        keel_reply_error(p, "ERR No shutdown in progress.");
        return KEEL_FAIL;
    }
    uint64_t client = zvm_of(p)->conn->id;
    if (!(flags & SHUT_NOSAVE) && persist_has_save_points()) flags |= SHUT_SAVE; /* as Redis */
    if (flags & SHUT_SAVE) {
        char why[600];
        if (persist_dir_writable(why, sizeof why)) {
            persist_request_exit_save();
        } else if (!(flags & SHUT_FORCE)) {
            log_warning("SHUTDOWN SAVE refused (client %llu): cannot write the snapshot: %s",
                        (unsigned long long)client, why);
            keel_reply_error(p, "ERR Errors trying to SHUTDOWN. Check logs.");
            return KEEL_FAIL;
        } else {
            log_warning("SHUTDOWN SAVE FORCE: cannot write the snapshot (%s): exiting without "
                        "saving",
                        why);
        }
    }
    log_notice("SHUTDOWN requested by client %llu", (unsigned long long)client);
    server_request_shutdown();
    return KEEL_DONE;
}

/* Opcode: server.auth — AUTH [username] password.  Reductions 1. */
static keel_op_result op_auth(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    if (p->argc > 3) {
        keel_reply_error(p, "ERR syntax error");
        return KEEL_FAIL;
    }
    const keel_arg *user = p->argc == 3 ? &p->argv[1] : NULL, *pass = &p->argv[p->argc - 1];
    if (!user && !c->net->cf->requirepass) {
        keel_reply_error(
            p, "ERR AUTH <password> called without any password configured for the default user. "
               "Are you sure your configuration is correct?");
        return KEEL_FAIL;
    }
    if (keel_conn_auth(c, user ? user->ptr : NULL, user ? user->len : 0, pass->ptr, pass->len) !=
        KEEL_OK) {
        keel_reply_error(p, "WRONGPASS invalid username-password pair or user is disabled.");
        return KEEL_FAIL;
    }
    keel_reply_ok(p);
    return KEEL_DONE;
}

#define OP(NAME, FN, SYN, FLAGS)                                                                   \
    { sizeof(keel_opcode_def), NAME, FN, SYN, 0, 0, 1, FLAGS }
static const keel_opcode_def server_ops[] = {
    OP("server.ping", op_ping, "reply PONG or the message", 0),
    OP("server.echo", op_echo, "reply argv[1]", 0),
    OP("server.select", op_select, "set the connection's database", 0),
    OP("server.time", op_time, "reply [seconds, microseconds]", 0),
    OP("server.dbsize", op_dbsize,
       "reply the number of keys of the database (inside a namespace: go on counting it)", 0),
    OP("server.ns_count", op_ns_count, "r0 += keys of the client's namespace on the walk's shard",
       0),
    OP("server.flush_check", op_flush_check, "check FLUSHALL's option", 0),
    OP("server.flush_shard", op_flush_shard,
       "empty the database (imm 1: every database) on the walk's shard", KEEL_OP_MAY_BLOCK),
    OP("server.shutdown", op_shutdown, "stop the server", 0),
    OP("server.auth", op_auth, "authenticate the connection", 0),
};

/* ---- programs and commands ---- */

static const keel_insn_def ping_prog[] = {{.op = "server.ping"}, KEEL_END};
static const keel_insn_def echo_prog[] = {{.op = "server.echo"}, KEEL_END};
static const keel_insn_def select_prog[] = {{.op = "server.select"}, KEEL_END};
static const keel_insn_def time_prog[] = {{.op = "server.time"}, KEEL_END};
static const keel_insn_def dbsize_prog[] = {
    {.op = "server.dbsize"},
    {.op = "shard.reset"},
    {.op = "shard.enter"},
    {.op = "server.ns_count"},
    {.op = "shard.next", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE, .imm = 2},
    {.op = "reply.value", .a = KEEL_R(0)},
    KEEL_END};
/* FLUSHALL and FLUSHDB: the gates first (db.gate: at the top they go up on every shard, so the
 * flush is one instant for every client), then the flush of each shard. */
#define FLUSH_PROG(ALL)                                                                            \
    {.op = "server.flush_check"}, {.op = "shard.reset"}, {.op = "shard.enter"}, {.op = "db.gate"}, \
        {.op = "shard.next", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE, .imm = 2},            \
        {.op = "shard.reset"}, {.op = "shard.enter"}, {.op = "server.flush_shard", .imm = (ALL)},  \
        {.op = "shard.next", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE, .imm = 6},            \
        {.op = "reply.ok"}, KEEL_END
static const keel_insn_def flushall_prog[] = {FLUSH_PROG(1)};
static const keel_insn_def flushdb_prog[] = {FLUSH_PROG(0)};
static const keel_insn_def shutdown_prog[] = {{.op = "server.shutdown"}, KEEL_END};
static const keel_insn_def auth_prog[] = {{.op = "server.auth"}, KEEL_END};

static const keel_cmd_def server_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "PING",
     .arity = -1,
     .flags = KEEL_CMD_FAST | KEEL_CMD_PUBSUB,
     .summary = "Returns the server's liveness response.",
     .syntax = "PING [message]",
     .group = "connection",
     .since = "0.1.0",
     .program = ping_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "ECHO",
     .arity = 2,
     .flags = KEEL_CMD_FAST,
     .summary = "Returns the given string.",
     .syntax = "ECHO message",
     .group = "connection",
     .since = "0.1.0",
     .program = echo_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "SELECT",
     .arity = 2,
     .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary =
         "Changes the selected database (0 to databases-1) for the connection's next requests.",
     .syntax = "SELECT index",
     .group = "connection",
     .since = "0.1.0",
     .program = select_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "TIME",
     .arity = 1,
     .flags = KEEL_CMD_FAST,
     .summary = "Returns the server time.",
     .syntax = "TIME",
     .group = "server",
     .since = "0.1.0",
     .program = time_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "DBSIZE",
     .arity = 1,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Returns the number of keys in the selected database.",
     .syntax = "DBSIZE",
     .group = "server",
     .since = "0.1.0",
     .program = dbsize_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "FLUSHALL",
     .arity = -1,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_WIDE,
     .summary =
         "Removes every key of every database (inside a namespace: every key of the namespace, in "
         "every database).",
     .syntax = "FLUSHALL [ASYNC | SYNC]",
     .group = "server",
     .since = "0.1.0",
     .program = flushall_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "FLUSHDB",
     .arity = -1,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_WIDE,
     .summary =
         "Removes every key of the selected database (inside a namespace: of the namespace there).",
     .syntax = "FLUSHDB [ASYNC | SYNC]",
     .group = "server",
     .since = "0.1.0",
     .program = flushdb_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "SHUTDOWN",
     .arity = -1,
     .flags = KEEL_CMD_ADMIN,
     .summary = "Stops the server; with SAVE, writes a snapshot of the final state first.",
     .syntax = "SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]",
     .group = "server",
     .since = "0.1.0",
     .program = shutdown_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "AUTH",
     .arity = -2,
     .flags = KEEL_CMD_CONN | KEEL_CMD_NOAUTH | KEEL_CMD_FAST,
     .summary = "Authenticates the connection with the network's password.",
     .syntax = "AUTH [username] password",
     .group = "connection",
     .since = "0.1.0",
     .program = auth_prog},
};

const keel_family cmd_server_family = KEEL_FAMILY(server_ops, server_cmds);
