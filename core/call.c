/* call.c -- keel_call: a process running a command as its child, under its locks (see call.h). */
#include "config.h"
#include "call.h"
#include "aof.h"
#include "cluster.h"
#include "cmdstats.h"
#include "conn.h"
#include "gate.h"
#include "lock.h"
#include "net.h"
#include "ns.h"
#include "opts.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "undo.h"
#include "zvm.h"

#include <string.h>

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
    const conf_network *nc = c->conn ? c->conn->net->cf : NULL;
    const char *need = nc ? cmd_missing_permission(ce, nc->permissions, nc->namespace_locked,
                                                   c->pub.argc, c->pub.argv)
                          : NULL;
    if (need) {
        zvm_reply_errorf(
            c, "NOPERM this network does not allow the '%s' command (it needs the %s permission)",
            ce->lname, need);
        return false;
    }
    zvm_proc_set_cmd(c, ce);
    c->cmd_name = named->lname;
    c->prog = ce->prog;
    return zvm_set_keys(c);
}

keel_status keel_call_select(keel_proc *kp, uint32_t db) {
    if (db >= srv->ndbs) return KEEL_EINVAL;
    if (cluster_on && db != 0) return KEEL_ESTATE;
    zvm_of(kp)->call_db = db + 1;
    return KEEL_OK;
}

keel_status keel_call(keel_proc *kp, uint32_t argc, const keel_arg *argv) {
    return keel_call_opts(kp, argc, argv, 0);
}

/* Starts the child running `named` (ce: its target) with argv, copied unless `borrowed` (EXEC's
 * queued commands, whose keys EXEC holds: see zvm_give_locks for what it spares). */
static keel_status call_start(zvm_proc *p, const cmd_entry *named, const cmd_entry *ce,
                              uint32_t argc, const keel_arg *argv, unsigned opts, bool borrowed) {
    if (ce && (ce->def->flags & KEEL_CMD_CONN) &&
        p->cur != p->home) { /* it runs where its client lives */
        p->target_shard = p->home->shards[0]->id;
        return KEEL_MOVED;
    }
    call_clear(p);
    if (atomic_load_explicit(&aof_logging, memory_order_relaxed))
        aof_note_call(p); /* logs its children's */
    /* the child must see p's keys as p's in the lock table; EXEC's child, run inline, may leave
     * them as they are (zvm_give_locks) */
    if (!borrowed) zvm_register_lazy_locks(p);
    p->call_taken = 0;
    zvm_proc *c = zvm_proc_new(p->cur);
    c->serial = p->serial; /* the parent's keys are the child's */
    c->conn = p->conn;
    c->done = call_child_done;
    c->call_parent = p;
    c->tag = p->tag;
    c->ns = ns_path_ref(p->ns);
    c->db = p->call_db ? p->call_db - 1 : p->db;
    c->opts = opt_ref(p->opts);
    c->no_touch = p->no_touch;
    c->undo = p->undo;
    if (borrowed) {
        c->pub.argc = argc;
        c->pub.argv = argv;
    } else {
        zvm_set_argv(c, argc, argv);
    }
    c->started_ns = cmdstats_clock();
    p->call_child = c;
    p->call_done = false;
    p->call_nowait = (opts & KEEL_CALL_NOWAIT) != 0;
    p->call_wait_limited = (opts & KEEL_CALL_WAIT_LIMITED) != 0;
    bool checked = call_check(c, named, ce);
    if (checked && c->undo && c->nkeys == 0)
        undo_note_whole(c); /* FLUSHALL, SWAPDB ...: more than a log of keys can put back */
    if (!checked) {
        zvm_set_state(c, ZVM_DONE);
        p->call_done = true;
        return KEEL_OK;
    }
    p->call_inline = true;
    zvm_step(c);
    p->call_inline = false;
    return p->call_done ? KEEL_OK : KEEL_WAIT;
}

keel_status keel_call_opts(keel_proc *kp, uint32_t argc, const keel_arg *argv, unsigned opts) {
    zvm_proc *p = zvm_of(kp);
    if (argc == 0 || (p->call_child && !p->call_done)) return KEEL_EINVAL;
    const cmd_entry *named = cmd_lookup_name_memo(argv[0].ptr, argv[0].len);
    const cmd_entry *ce = named && named->is_alias ? named->target : named;
    return call_start(p, named, ce, argc, argv, opts, false);
}

keel_status call_entry(zvm_proc *p, const cmd_entry *named, const cmd_entry *ce, uint32_t argc,
                       const keel_arg *argv) {
    if (argc == 0 || (p->call_child && !p->call_done)) return KEEL_EINVAL;
    return call_start(p, named, ce, argc, argv, 0, true);
}

const keel_reply *keel_call_reply(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    return p->call_child && p->call_done ? p->call_child->reply_first : NULL;
}

bool keel_call_failed(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    return p->call_child && p->call_done && (p->call_child->failed || !p->call_child->cmd);
}

void keel_call_clear(keel_proc *kp) {
    call_clear(zvm_of(kp));
}

bool keel_call_conflict(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    return p->call_child && p->call_done && p->call_child->conflict;
}

keel_status keel_command_flags(uint32_t argc, const keel_arg *argv, uint64_t *flags) {
    if (argc == 0 || !flags) return KEEL_EINVAL;
    const cmd_entry *named = cmd_lookup_name_memo(argv[0].ptr, argv[0].len);
    const cmd_entry *ce = named && named->is_alias ? named->target : named;
    if (!ce) return KEEL_NOTFOUND;
    const int arity = ce->def->arity;
    bool fits = arity >= 0 ? argc == (uint32_t)arity : argc >= (uint32_t)-arity;
    *flags = fits ? cmd_call_flags(ce, argc, argv) : ce->def->flags;
    return fits ? KEEL_OK : KEEL_EINVAL;
}

uint32_t keel_call_keys_taken(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    return p->call_child && p->call_done ? p->call_taken : 0;
}

void keel_proc_restart_wider(keel_proc *kp) {
    zvm_of(kp)->restart_wider = true;
}

void keel_proc_restart_alone(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    p->restart_wider = true;
    p->alone = true;
}

bool keel_proc_alone(keel_proc *kp) {
    for (const zvm_proc *q = zvm_of(kp); q; q = q->call_parent) /* a call of one runs alone too */
        if (q->alone && !q->restart_wider) return true;
    return false;
}

/* A key of p's list for lock identity (bytes, hash) on shard sid, its bytes copied into p's
 * arena (they may live in a lock entry or a child about to go). */
static zvm_key call_key_copy(zvm_proc *p, const char *id, size_t len, uint64_t hash, uint32_t sid) {
    char *copy = zvm_alloc(p, len + 1);
    memcpy(copy, id, len);
    copy[len] = '\0';
    return (zvm_key){.ptr = copy,
                     .len = len,
                     .lptr = copy,
                     .llen = len,
                     .hash = hash,
                     .shard = sid,
                     .argi = UINT32_MAX};
}

/* True when p's keys [0, n) already name lock identity (id, hash) on shard sid. */
static bool call_key_listed(const zvm_key *keys, uint32_t n, const char *id, size_t len,
                            uint64_t hash, uint32_t sid) {
    for (uint32_t i = 0; i < n; i++)
        if (keys[i].hash == hash && keys[i].shard == sid && keys[i].llen == len &&
            memcmp(keys[i].lptr, id, len) == 0)
            return true;
    return false;
}

void call_restart_wider(zvm_proc *p) {
    zvm_register_lazy_locks(p);
    zvm_proc *c = p->call_child && p->call_done && p->call_child->conflict ? p->call_child : NULL;
    /* a conflict in a spread walk wants its entry on every shard: the walk visits them all, and
     * taking them one restart at a time would let such walks keep undoing each other */
    uint32_t every = c && c->conflict_spread ? srv->nshards : 1;
    uint32_t cap = p->nkeys + p->nlocks + every, n = p->nkeys;
    zvm_key *keys = zvm_alloc(p, sizeof *keys * cap);
    if (n) memcpy(keys, p->keys, sizeof *keys * n);
    for (uint32_t i = 0; i < p->nlocks; i++) { /* held, so nobody frees or changes them */
        const lock_ent *e = p->locks[i].ent;
        if (gate_entry(e)) continue; /* a gate: raised again if it starts over alone */
        if (!call_key_listed(keys, n, e->key, e->klen, e->hash, p->locks[i].shard))
            keys[n++] = call_key_copy(p, e->key, e->klen, e->hash, p->locks[i].shard);
    }
    for (uint32_t i = 0; c && i < every; i++) {
        const zvm_key *k = &c->conflict_key;
        uint32_t sid = every == 1 ? k->shard : i;
        if (!call_key_listed(keys, n, k->lptr, k->llen, k->hash, sid))
            keys[n++] = call_key_copy(p, k->lptr, k->llen, k->hash, sid);
    }
    call_clear(p);
    undo_forget(p);
    p->call_db = 0;
    zvm_release_locks(p);
    zvm_set_key_list(p, keys, n);
    if (p->alone) zvm_set_every_shard(p);
    p->pc = 0;
    p->lock_next = p->lock_key = p->lock_pos = 0;
    p->lock_ordered = false;
    p->restart_wider = false;
    p->call_nowait = false;
    p->call_wait_limited = false;
    memset(p->reg, 0, sizeof p->reg);
    zvm_reply_reset(p);
}

void call_child_done(zvm_proc *c) {
    zvm_proc *p = c->call_parent;
    zvm_set_state(c, ZVM_DONE);
    if (c->cmd) cmdstats_call(c->cur->id, c->cmd, cmdstats_clock() - c->started_ns, c->failed);
    if (c->cmd && (c->cmd->def->flags & KEEL_CMD_CONN) && c->conn &&
        !(c->conn->flags & CONN_CLOSED)) {
        /* a SELECT or NS run by EXEC: the commands after it run where it left the client (this
         * is the connection's thread: connection commands run there) */
        p->db = atomic_load_explicit(&c->conn->db, memory_order_relaxed);
        ns_path_unref(p->ns);
        p->ns = ns_path_ref(c->conn->ns);
    }
    p->call_done = true;
    if (p->call_inline) return; /* keel_call is still on the stack: it sees call_done */
    p->cur = c->home;           /* the thread the parent waits on */
    thr_ready(c->home, p);
}

static void call_recycle_msg(void *arg) {
    zvm_proc_recycle(arg);
}

void call_clear(zvm_proc *p) {
    zvm_proc *c = p->call_child;
    if (!c || !p->call_done) return;
    p->call_child = NULL;
    p->call_done = false;
    if (c->home == p->cur)
        zvm_proc_recycle(c);
    else
        thr_call_on(c->home, call_recycle_msg, c); /* into the pool of the thread it came from */
}
