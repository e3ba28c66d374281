/* call.c -- keel_call: a process running a command as its child, under its locks (see call.h). */
#include "config.h"
#include "call.h"
#include "conn.h"
#include "net.h"
#include "ns.h"
#include "opts.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

/* Checks the child's command as the connection would (it exists, its arity, the client's
 * network allows it) and places its keys.  False with the error as c's reply. */
static bool call_check(zvm_proc *c, const cmd_entry *named, const cmd_entry *ce) {
    if (!ce) {
        zvm_reply_errorf(c, "ERR unknown command '%.128s'", c->pub.argv[0].ptr);
        return false;
    }
    const int arity = ce->def->arity;
    if (arity >= 0 ? c->pub.argc != (uint32_t)arity : c->pub.argc < (uint32_t)-arity) {
        zvm_reply_errorf(c, "ERR wrong number of arguments for '%s' command", named->lname);
        return false;
    }
    const char *need = c->conn ? cmd_missing_permission(ce, c->conn->net->cf->permissions, c->pub.argc, c->pub.argv)
                               : NULL;
    if (need) {
        zvm_reply_errorf(c, "NOPERM this network does not allow the '%s' command (it needs the %s permission)",
                         ce->lname, need);
        return false;
    }
    c->cmd = ce;
    c->cmd_name = named->lname;
    c->prog = ce->prog;
    return zvm_set_keys(c);
}

keel_status keel_call(keel_proc *kp, uint32_t argc, const keel_arg *argv) {
    zvm_proc *p = zvm_of(kp);
    if (argc == 0 || (p->call_child && !p->call_done)) return KEEL_EINVAL;
    const cmd_entry *named = cmd_lookup_name(argv[0].ptr, argv[0].len);
    const cmd_entry *ce = named && named->is_alias ? named->target : named;
    if (ce && (ce->def->flags & KEEL_CMD_CONN) && p->cur != p->home) {   /* it runs where its client lives */
        p->target_shard = p->home->shards[0]->id;
        return KEEL_MOVED;
    }
    call_clear(p);
    zvm_proc *c = zvm_proc_new(p->cur);
    c->serial = p->serial;   /* the parent's keys are the child's */
    c->conn = p->conn;
    c->done = call_child_done;
    c->call_parent = p;
    c->tag = p->tag;
    c->ns = ns_path_ref(p->ns);
    c->db = p->db;
    c->opts = opt_ref(p->opts);
    zvm_set_argv(c, argc, argv);
    p->call_child = c;
    p->call_done = false;
    if (!call_check(c, named, ce)) {
        zvm_set_state(c, ZVM_DONE);
        p->call_done = true;
        return KEEL_OK;
    }
    p->call_inline = true;
    zvm_step(c);
    p->call_inline = false;
    return p->call_done ? KEEL_OK : KEEL_WAIT;
}

const keel_reply *keel_call_reply(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    return p->call_child && p->call_done ? p->call_child->reply_first : NULL;
}

bool keel_call_failed(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    return p->call_child && p->call_done && (p->call_child->failed || !p->call_child->cmd);
}

void keel_call_clear(keel_proc *kp) { call_clear(zvm_of(kp)); }

void call_child_done(zvm_proc *c) {
    zvm_proc *p = c->call_parent;
    zvm_set_state(c, ZVM_DONE);
    if (c->cmd && (c->cmd->def->flags & KEEL_CMD_CONN) && c->conn && !(c->conn->flags & CONN_CLOSED)) {
        /* a SELECT or NS run by EXEC: the commands after it run where it left the client (this
         * is the connection's thread: connection commands run there) */
        p->db = atomic_load_explicit(&c->conn->db, memory_order_relaxed);
        ns_path_unref(p->ns);
        p->ns = ns_path_ref(c->conn->ns);
    }
    p->call_done = true;
    if (p->call_inline) return;   /* keel_call is still on the stack: it sees call_done */
    p->cur = c->home;             /* the thread the parent waits on */
    thr_ready(c->home, p);
}

static void call_recycle_msg(void *arg) { zvm_proc_recycle(arg); }

void call_clear(zvm_proc *p) {
    zvm_proc *c = p->call_child;
    if (!c || !p->call_done) return;
    p->call_child = NULL;
    p->call_done = false;
    if (c->home == p->cur) zvm_proc_recycle(c);
    else thr_call_on(c->home, call_recycle_msg, c);   /* into the pool of the thread it came from */
}
