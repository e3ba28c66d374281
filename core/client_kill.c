/* client_kill.c -- CLIENT KILL: the filters of Redis 7.0, matched against the server's client
 * list, and each match closed on its own thread. */
#include "config.h"
#include "client_kill.h"
#include "client_ctl.h"
#include "conn.h"
#include "mem.h"
#include "net.h"
#include "server.h"
#include "thread.h"

#include <stdlib.h>
#include <string.h>

int client_type_parse(const keel_arg *name) {
    if (keel_arg_is(name, "normal")) return CLIENT_TYPE_NORMAL;
    if (keel_arg_is(name, "replica") || keel_arg_is(name, "slave")) return CLIENT_TYPE_REPLICA;
    if (keel_arg_is(name, "pubsub")) return CLIENT_TYPE_PUBSUB;
    if (keel_arg_is(name, "master")) return CLIENT_TYPE_MASTER;
    return -1;
}

int client_type_of(const conn *c) {
    return conn_subscribed(c) ? CLIENT_TYPE_PUBSUB : CLIENT_TYPE_NORMAL;
}

/* What a CLIENT KILL names; a filter not given matches every client. */
typedef struct kill_filter {
    uint64_t id; /* 0 = any */
    int type;    /* -1 = any */
    const keel_arg *addr, *laddr;
    bool skipme;
} kill_filter;

static bool arg_equals(const keel_arg *a, const char *s) {
    return a->len == strlen(s) && !memcmp(a->ptr, s, a->len);
}

static bool kill_matches(const kill_filter *f, const conn *c, const conn *me) {
    if (atomic_load_explicit(&c->killed, memory_order_relaxed)) return false;
    if (f->addr && !arg_equals(f->addr, c->addr)) return false;
    if (f->laddr && !arg_equals(f->laddr, c->laddr)) return false;
    if (f->type >= 0 && client_type_of(c) != f->type) return false;
    if (f->id && c->id != f->id) return false;
    return !(f->skipme && c == me);
}

/* On the thread of the client to close: finds it by id (it may have gone meanwhile). */
static void kill_on_thread(void *arg) {
    uint64_t id = *(uint64_t *)arg;
    mem_free(arg);
    for (conn *c = thr_self()->conns; c; c = c->tnext) {
        if (c->id != id) continue;
        conn_kill(c);
        break;
    }
}

/* Reads the new form's filters; false with the error replied. */
static bool kill_parse(keel_proc *p, kill_filter *f) {
    for (uint32_t i = 2; i < p->argc; i += 2) {
        const keel_arg *opt = &p->argv[i], *val = i + 1 < p->argc ? &p->argv[i + 1] : NULL;
        if (!val) {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
        if (keel_arg_is(opt, "ID")) {
            int64_t id;
            if (!keel_arg_i64(val, &id) || id < 1) {
                keel_reply_error(p, "ERR client-id should be greater than 0");
                return false;
            }
            f->id = (uint64_t)id;
        } else if (keel_arg_is(opt, "TYPE")) {
            if ((f->type = client_type_parse(val)) < 0) {
                keel_reply_error(p, "ERR Unknown client type '%.*s'",
                                 (int)(val->len > 64 ? 64 : val->len), val->ptr);
                return false;
            }
        } else if (keel_arg_is(opt, "ADDR")) {
            f->addr = val;
        } else if (keel_arg_is(opt, "LADDR")) {
            f->laddr = val;
        } else if (keel_arg_is(opt, "USER")) {
            if (!keel_arg_is(val, "default")) { /* the only user there is */
                keel_reply_error(p, "ERR No such user '%.*s'", (int)(val->len > 64 ? 64 : val->len),
                                 val->ptr);
                return false;
            }
        } else if (keel_arg_is(opt, "SKIPME") &&
                   (keel_arg_is(val, "yes") || keel_arg_is(val, "no"))) {
            f->skipme = keel_arg_is(val, "yes");
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    return true;
}

keel_op_result client_kill(keel_proc *p, conn *me) {
    if (!client_need_admin(p, me, "client kill"))
        return KEEL_FAIL; /* clients of other networks, other tenants */
    kill_filter f = {.id = 0, .type = -1, .addr = NULL, .laddr = NULL, .skipme = true};
    bool old_form = p->argc == 3; /* CLIENT KILL addr: may kill the caller too */
    if (old_form) {
        f.addr = &p->argv[2];
        f.skipme = false;
    } else if (!kill_parse(p, &f)) {
        return KEEL_FAIL;
    }
    int64_t killed = 0;
    bool self = false;
    pthread_mutex_lock(&srv->clients_lock);
    for (conn *c = srv->clients; c; c = c->cnext) {
        if (!kill_matches(&f, c, me)) continue;
        killed++;
        if (c == me) {
            self = true;
            continue;
        }
        atomic_store_explicit(&c->killed, true, memory_order_relaxed);
        uint64_t *id = mem_alloc(sizeof *id);
        *id = c->id;
        thr_call_on(c->t, kill_on_thread, id);
    }
    pthread_mutex_unlock(&srv->clients_lock);
    if (self) keel_conn_close_after_reply(me);
    if (!old_form) {
        keel_reply_int(p, killed);
        return KEEL_DONE;
    }
    if (!killed) {
        keel_reply_error(p, "ERR No such client");
        return KEEL_FAIL;
    }
    keel_reply_ok(p);
    return KEEL_DONE;
}
