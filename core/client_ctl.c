/* client_ctl.c -- CLIENT PAUSE | UNPAUSE | UNBLOCK | REPLY | NO-EVICT | NO-TOUCH (see
 * client_ctl.h), with Redis 7.0's replies and error texts, and which clients a network may see
 * and act on. */
#include "config.h"
#include "client_ctl.h"
#include "block.h"
#include "client_pause.h"
#include "conn.h"
#include "net.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

#include <pthread.h>

/* Whether me (NULL: no client, e.g. a call made without one) is on an admin network. */
static bool on_admin_network(const conn *me) {
    return me && (me->net->cf->permissions & PERM_ADMIN);
}

bool client_visible_to(const conn *me, const conn *c) {
    return c == me || (me && c->net == me->net) || on_admin_network(me);
}

bool client_need_admin(keel_proc *p, const conn *me, const char *what) {
    if (on_admin_network(me)) return true;
    keel_reply_error(p, "NOPERM this network does not allow '%s' (it needs the admin permission)",
                     what);
    return false;
}

keel_op_result client_ctl_pause(keel_proc *p) {
    if (!client_need_admin(p, keel_proc_conn(p), "client pause")) return KEEL_FAIL;
    int64_t ms;
    if (!keel_arg_i64(&p->argv[2], &ms)) {
        keel_reply_error(p, "ERR timeout is not an integer or out of range");
        return KEEL_FAIL;
    }
    if (ms < 0) {
        keel_reply_error(p, "ERR timeout is negative");
        return KEEL_FAIL;
    }
    int mode = PAUSE_ALL;
    if (p->argc == 4) {
        if (keel_arg_is(&p->argv[3], "WRITE"))
            mode = PAUSE_WRITE;
        else if (!keel_arg_is(&p->argv[3], "ALL")) {
            keel_reply_error(p, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return KEEL_FAIL;
        }
    }
    int64_t now = keel_now_ms(p);
    client_pause(ms > INT64_MAX - now ? INT64_MAX : now + ms, mode);
    keel_reply_ok(p);
    return KEEL_DONE;
}

keel_op_result client_ctl_unpause(keel_proc *p) {
    if (!client_need_admin(p, keel_proc_conn(p), "client unpause")) return KEEL_FAIL;
    client_unpause();
    keel_reply_ok(p);
    return KEEL_DONE;
}

/* The thread of the client with this id that me may act on, or NULL when there is none. */
static thr *client_thread(uint64_t id, const conn *me) {
    thr *t = NULL;
    pthread_mutex_lock(&srv->clients_lock);
    for (conn *c = srv->clients; c; c = c->cnext)
        if (c->id == id && client_visible_to(me, c)) t = c->t;
    pthread_mutex_unlock(&srv->clients_lock);
    return t;
}

/* The client with this id that me may act on, if it lives on thread t (only t may touch its
 * requests). */
static conn *client_on(uint64_t id, const thr *t, const conn *me) {
    conn *found = NULL;
    pthread_mutex_lock(&srv->clients_lock);
    for (conn *c = srv->clients; c; c = c->cnext)
        if (c->id == id && c->t == t && client_visible_to(me, c)) found = c;
    pthread_mutex_unlock(&srv->clients_lock);
    return found;
}

/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: runs on the client's thread (it hops there), where it
 * wakes the client's parked blocking request, if any.  Register r0 = 1 once it has hopped. */
keel_op_result client_ctl_unblock(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    int64_t id;
    if (!keel_arg_i64(&kp->argv[2], &id)) {
        keel_reply_error(kp, "ERR value is not an integer or out of range");
        return KEEL_FAIL;
    }
    const char *error = NULL;
    if (kp->argc == 4) {
        if (keel_arg_is(&kp->argv[3], "ERROR"))
            error = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
        else if (!keel_arg_is(&kp->argv[3], "TIMEOUT")) {
            keel_reply_error(kp, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return KEEL_FAIL;
        }
    }
    const conn *me = p->conn; /* keel_proc_conn answers only on the caller's own thread */
    thr *t = client_thread((uint64_t)id, me);
    if (t && t != p->cur && t->nshards == 0) { /* no shard to hop there by (--shards < --threads) */
        keel_reply_int(kp, 0);
        return KEEL_DONE;
    }
    if (t && t != p->cur && kp->reg[0].type == DK_NULL) {
        kp->reg[0] = dk_i64(1);
        p->target_shard = t->shards[0]->id;
        return KEEL_HOP;
    }
    conn *c = client_on((uint64_t)id, p->cur, me);
    bool woken = false;
    for (zvm_proc *q = c ? c->pend_head : NULL; q && !woken; q = q->conn_next)
        woken = blk_unblock(q, error);
    keel_reply_int(kp, woken);
    return KEEL_DONE;
}

keel_op_result client_ctl_reply(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    conn *c = p->conn;
    if (keel_arg_is(&kp->argv[2], "ON")) {
        c->reply_mode = CONN_REPLY_ON;
        p->quiet = false; /* ON answers OK, even after OFF */
        keel_reply_ok(kp);
    } else if (keel_arg_is(&kp->argv[2], "OFF") || keel_arg_is(&kp->argv[2], "SKIP")) {
        c->reply_mode = keel_arg_is(&kp->argv[2], "OFF") ? CONN_REPLY_OFF : CONN_REPLY_SKIP;
        p->quiet = true; /* neither answers */
        keel_reply_ok(kp);
    } else {
        keel_reply_error(kp, "ERR syntax error");
        return KEEL_FAIL;
    }
    return KEEL_DONE;
}

keel_op_result client_ctl_flag(keel_proc *kp) {
    conn *c = zvm_of(kp)->conn;
    bool on = keel_arg_is(&kp->argv[2], "ON");
    if (!on && !keel_arg_is(&kp->argv[2], "OFF")) {
        keel_reply_error(kp, "ERR syntax error");
        return KEEL_FAIL;
    }
    if (keel_arg_is(&kp->argv[1], "NO-TOUCH")) c->no_touch = on;
    /* NO-EVICT: Keel never closes a client to free memory; accepted as Redis takes it */
    keel_reply_ok(kp);
    return KEEL_DONE;
}
