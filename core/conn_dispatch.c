/* conn_dispatch.c -- a parsed request to a process: queued in request order, the command looked
 * up, and every check before it may run (arity, authentication, the network's permissions,
 * subscribed mode, memory, the log's state, cluster routing); MULTI's queueing, WATCH inside
 * MULTI, and EXEC taking its transaction's keys. */
#include "config.h"
#include "conn_dispatch.h"
#include "aof.h"
#include "cluster.h"
#include "cmdstats.h"
#include "conn.h"
#include "evict.h"
#include "monitor.h"
#include "net.h"
#include "ns.h"
#include "opts.h"
#include "registry.h"
#include "thread.h"
#include "tx.h"

#include <stdio.h>
#include <string.h>

static bool conn_allowed(conn *c, const cmd_entry *ce, zvm_proc *p) {
    const char *need = cmd_missing_permission(
        ce, c->net->cf->permissions, c->net->cf->namespace_locked, p->pub.argc, p->pub.argv);
    if (!need) return true;
    zvm_reply_errorf(
        p, "NOPERM this network does not allow the '%s' command (it needs the %s permission)",
        ce->lname, need);
    return false;
}

/* In subscribed mode (subscriptions, pushes in band: RESP2) only KEEL_CMD_PUBSUB commands run,
 * with Redis's error for the others. */
static bool conn_context_ok(conn *c, const cmd_entry *ce, zvm_proc *p) {
    if ((ce->def->flags & KEEL_CMD_PUBSUB) || !conn_subscribed_inband(c)) return true;
    zvm_reply_errorf(p,
                     "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT "
                     "/ RESET are allowed in this context",
                     ce->lname);
    return false;
}

/* A command that grows memory is refused while used memory is over maxmemory and eviction
 * cannot make room (noeviction, a network that refuses, nothing left to evict). */
static bool conn_memory_ok(conn *c, const cmd_entry *ce, zvm_proc *p) {
    if (!(ce->def->flags & KEEL_CMD_DENYOOM) || evict_admit(c->t, c->net)) return true;
    zvm_reply_errorf(p, "OOM command not allowed when used memory > 'maxmemory'.");
    return false;
}

/* -LOADING while the log is replayed, -MISCONF for writes while it cannot be written. */
static bool conn_aof_ok(const cmd_entry *ce, zvm_proc *p) {
    if (!atomic_load_explicit(&aof_gate_state, memory_order_relaxed)) return true;
    char buf[256];
    const char *why = aof_refusal(cmd_call_flags(ce, p->pub.argc, p->pub.argv), buf, sizeof buf);
    if (!why) return true;
    zvm_reply_errorf(p, "%s", why);
    return false;
}

static void conn_unknown_command(zvm_proc *p) {
    char args[160];
    size_t n = 0;
    args[0] = '\0';
    for (uint32_t i = 1; i < p->pub.argc && n < 128; i++) {
        int w = snprintf(args + n, sizeof args - n, "'%.*s' ", (int)(128 - n), p->pub.argv[i].ptr);
        if (w < 0) break;
        n += (size_t)w < sizeof args - n ? (size_t)w : sizeof args - n - 1;
    }
    zvm_reply_errorf(p, "ERR unknown command '%.128s', with args beginning with: %s",
                     p->pub.argv[0].ptr, args);
}

static bool arity_ok(int arity, uint32_t argc) {
    return arity >= 0 ? argc == (uint32_t)arity : argc >= (uint32_t)-arity;
}

/* Prepares one request's process: queues it in request order, checks it and places its keys.
 * Returns the process to run, or NULL when it is already finished (an error reply). */
zvm_proc *conn_prepare(conn *c, const keel_request *req) {
    thr *t = c->t;
    zvm_proc *p = conn_queue_new(c);
    p->tag = req->tag;
    if (c->reply_mode != CONN_REPLY_ON) { /* CLIENT REPLY OFF, or SKIP for this one */
        p->quiet = true;
        if (c->reply_mode == CONN_REPLY_SKIP) c->reply_mode = CONN_REPLY_ON;
    }
    p->ns = ns_path_ref(c->ns);
    p->db = atomic_load_explicit(&c->db, memory_order_relaxed);
    p->opts = opt_ref(c->opts);
    bool have_args = conn_give_args(c, p, req);
    c->last_ms = t->now_ms;
    c->ncommands++;
    atomic_fetch_add_explicit(&c->net->st.commands, 1, memory_order_relaxed);
    if (!have_args) { /* no memory to copy them: this request fails, the server goes on */
        zvm_reply_errorf(p, "ERR out of memory");
        conn_proc_done(p);
        return NULL;
    }

    const cmd_entry *named = cmd_lookup_name_memo(p->pub.argv[0].ptr, p->pub.argv[0].len);
    const cmd_entry *ce = named && named->is_alias ? named->target : named;
    bool queueing = (c->flags & CONN_MULTI) && !tx_acts_at_once(named);
    if (!ce) {
        conn_unknown_command(p);
    } else if (c->last_cmd = named->lname, !arity_ok(ce->def->arity, p->pub.argc)) {
        zvm_reply_errorf(p, "ERR wrong number of arguments for '%s' command", named->lname);
    } else if (!(c->flags & CONN_AUTHED) && !(ce->def->flags & KEEL_CMD_NOAUTH)) {
        zvm_reply_errorf(p, "NOAUTH Authentication required.");
    } else if (conn_allowed(c, ce, p) && conn_context_ok(c, ce, p) && conn_memory_ok(c, ce, p) &&
               conn_aof_ok(ce, p) &&
               (!cluster_on || cluster_route(p, ce, p->pub.argc, p->pub.argv))) {
        if (monitor_active()) monitor_feed(c, ce, p->pub.argc, p->pub.argv);
        if (queueing) { /* MULTI: checked, then queued for EXEC */
            tx_queue(c, p, named, ce);
            conn_proc_done(p);
            return NULL;
        }
        if (tx_is_multi(ce)) { /* it only changes what the next requests do: done here, at once */
            if (!tx_multi(c, p)) p->failed = true;
            cmdstats_call(c->t->id, ce, 0, p->failed);
            conn_proc_done(p);
            return NULL;
        }
        if ((c->flags & CONN_MULTI) && tx_is_watch(ce)) {
            zvm_reply_errorf(p, "ERR WATCH inside MULTI is not allowed");
            conn_proc_done(p);
            return NULL;
        }
        zvm_proc_set_cmd(p, ce);
        p->cmd_name = named->lname;
        p->prog = ce->prog;
        p->no_touch = c->no_touch && strcmp(ce->lname, "touch") != 0; /* TOUCH still touches */
        if (tx_is_exec(ce)) { /* its keys: the transaction's */
            tx_exec_take(c, p);
            p->orders = true;
            if (cluster_on && p->tx && !p->tx->abort && !cluster_route_tx(p, p->tx)) {
                cmdstats_rejected(c->t->id, ce);
                conn_proc_done(p);
                return NULL;
            }
            return p;
        }
        if (zvm_set_keys(p)) {
            /* A request over several shards (or walking them all) takes its shards one by one;
             * until it is done, a later request of this connection could reach a shard first.
             * A blocking request holds the connection's later requests back too, as in Redis.
             * So does WATCH: what it saw becomes the connection's when it finishes, and a
             * pipelined EXEC takes the watched keys when it is prepared. */
            p->orders = p->nlshards > 1 || p->nlshards == 0 ||
                        (ce->def->flags & KEEL_CMD_BLOCKING) || tx_is_watch(ce);
            return p;
        }
    }
    if (queueing) tx_refused(c); /* EXEC will answer EXECABORT */
    if (ce) cmdstats_rejected(c->t->id, ce);
    conn_proc_done(p);
    return NULL;
}

/* A reply-only request (keel_request.reply_only): nothing runs; a nil reply takes its place in
 * request order and the protocol encodes it with the request's tag. */
void conn_reply_only(conn *c, const keel_request *req) {
    zvm_proc *p = conn_queue_new(c);
    p->tag = req->tag;
    if (c->reply_mode != CONN_REPLY_ON) { /* CLIENT REPLY OFF, or SKIP for this one */
        p->quiet = true;
        if (c->reply_mode == CONN_REPLY_SKIP) c->reply_mode = CONN_REPLY_ON;
    }
    c->last_ms = c->t->now_ms;
    keel_reply_nil(&p->pub);
    conn_proc_done(p);
}
