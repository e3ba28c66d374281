/* api_conn.c -- the connection calls of the SDK (protocols and KEEL_CMD_CONN commands, on the
 * connection's own thread). */
#include "config.h"
#include "conn.h"
#include "clock.h"
#include "conn_ext.h"
#include "deadline.h"
#include "mem.h"
#include "net.h"
#include "ns.h"
#include "opts.h"
#include "registry.h"
#include "server.h"
#include "tx.h"

#include <string.h>
#include <time.h>

uint64_t keel_conn_id(keel_conn *c) {
    return c->id;
}

void *keel_conn_proto_state(keel_conn *c, const char *proto) {
    return c && proto && !strcmp(c->proto->def.name, proto) ? c->pstate : NULL;
}

keel_status keel_conn_set_name(keel_conn *c, const char *name, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (name[i] < '!' || name[i] > '~') return KEEL_EINVAL;
    char *copy = n ? mem_strndup(name, n) : NULL;
    pthread_mutex_lock(&srv->clients_lock);
    char *old = c->name;
    c->name = copy;
    pthread_mutex_unlock(&srv->clients_lock);
    mem_free(old);
    return KEEL_OK;
}

const char *keel_conn_name(keel_conn *c) {
    return c->name;
}

void keel_conn_close_after_reply(keel_conn *c) {
    c->flags |= CONN_CLOSE_ASAP;
}

/* Compares in time independent of where the strings first differ. */
static bool secret_equal(const char *a, size_t alen, const char *b, size_t blen) {
    if (alen != blen) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < alen; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

keel_status keel_conn_auth(keel_conn *c, const char *user, size_t ulen, const char *pass,
                           size_t plen) {
    if (user && !(ulen == 7 && memcmp(user, "default", 7) == 0)) return KEEL_EINVAL;
    const char *want = c->net->cf->requirepass;
    if (!want) {
        c->flags |= CONN_AUTHED;
        return KEEL_OK;
    }
    if (!secret_equal(pass, plen, want, strlen(want))) return KEEL_EINVAL;
    c->flags |= CONN_AUTHED;
    return KEEL_OK;
}

/* ---- the connection's namespace ---- */

keel_status keel_conn_ns_enter(keel_conn *c, const keel_arg *names, uint32_t n) {
    if (n == 0) return KEEL_EINVAL;
    for (uint32_t i = 0; i < n; i++)
        if (!ns_name_ok(names[i].ptr, names[i].len)) return KEEL_EINVAL;
    if ((uint64_t)(c->ns ? c->ns->n : 0) + n > KEEL_NS_DEPTH_MAX) return KEEL_EDEPTH;
    ns_path *p = ns_path_new(c->ns, names, n);
    ns_path_unref(c->ns);
    c->ns = p;
    return KEEL_OK;
}

void keel_conn_ns_reset(keel_conn *c) {
    ns_path *base = c->net->ns_base;
    ns_path *p = base ? ns_path_ref(base) : NULL;
    if (p && c->ns) { /* keep the client's co-location choice */
        ns_path *q = ns_path_with(p, p->locked, c->ns->coloc, c->ns->coloc_n);
        ns_path_unref(p);
        p = q;
    } else if (!p && c->ns && c->ns->coloc != NS_COLOC_FIRST) {
        p = ns_path_with(NULL, 0, c->ns->coloc, c->ns->coloc_n);
    }
    ns_path_unref(c->ns);
    c->ns = p;
}

const keel_arg *keel_conn_ns_path(keel_conn *c, uint32_t *n, uint32_t *locked) {
    if (n) *n = c->ns ? c->ns->n : 0;
    if (locked) *locked = c->ns ? c->ns->locked : 0;
    return c->ns ? c->ns->comp : NULL;
}

/* ---- namespace deadlines ---- */

static uint32_t conn_db(keel_conn *c) {
    return c->db;
}

keel_status keel_deadline_set(keel_conn *c, const char *name, int64_t at_ms) {
    if (!c || !name || !*name) return KEEL_EINVAL;
    uint32_t n;
    const keel_arg *path = keel_conn_ns_path(c, &n, NULL);
    return deadline_set(conn_db(c), path, n, name, at_ms) ? KEEL_OK : KEEL_ENOMEM;
}

void keel_deadline_cancel(keel_conn *c, const char *name) {
    if (!c || !name) return;
    uint32_t n;
    const keel_arg *path = keel_conn_ns_path(c, &n, NULL);
    deadline_cancel(conn_db(c), path, n, name);
}

bool keel_deadline_take(keel_conn *c, const char *name) {
    if (!c || !name) return false;
    uint32_t n;
    const keel_arg *path = keel_conn_ns_path(c, &n, NULL);
    return deadline_take(conn_db(c), path, n, name, wall_ms());
}

bool keel_conn_deadline_due(keel_conn *c, const char *name) {
    if (!c || !name || !deadline_pending()) return false;
    uint32_t n;
    const keel_arg *path = keel_conn_ns_path(c, &n, NULL);
    return deadline_due_once(&c->deadline, conn_db(c), path, n, name, wall_ms());
}

keel_status keel_conn_ns_coloc(keel_conn *c, unsigned mode, uint32_t nth) {
    if (mode > KEEL_COLOC_NTH) return KEEL_EINVAL;
    ns_path *p = ns_path_with(c->ns, c->ns ? c->ns->locked : 0, (uint8_t)mode, nth);
    ns_path_unref(c->ns);
    c->ns = p;
    return KEEL_OK;
}

keel_status keel_conn_option_set(keel_conn *c, const char *name, const char *value) {
    if (!name || !strchr(name, '.')) return KEEL_EINVAL;
    opt_set *next = opt_set_with(c->opts, name, value);
    opt_unref(c->opts);
    c->opts = next;
    return KEEL_OK;
}

const char *keel_conn_option(keel_conn *c, const char *name) {
    return opt_get(c->opts, name);
}

/* ---- pushes and subscribed mode ---- */

#define PUSH_PARTS_MAX 64

keel_status keel_conn_push(keel_conn *c, const keel_arg *parts, uint32_t n) {
    if (n == 0 || n > PUSH_PARTS_MAX) return KEEL_EINVAL;
    for (uint32_t i = 0; i < n; i++)
        if (parts[i].len > UINT32_MAX) return KEEL_EINVAL; /* a reply node's length */
    keel_reply nodes[PUSH_PARTS_MAX + 1];
    nodes[0] = (keel_reply){.type = KEEL_REPLY_PUSH, .len = n, .v.child = &nodes[1]};
    for (uint32_t i = 0; i < n; i++)
        nodes[i + 1] = (keel_reply){.type = KEEL_REPLY_BULK,
                                    .len = (uint32_t)parts[i].len,
                                    .v.s = parts[i].ptr,
                                    .next = i + 1 < n ? &nodes[i + 2] : NULL};
    return conn_push(c, &nodes[0]) ? KEEL_OK : KEEL_ESTATE;
}

void keel_conn_set_subscriptions(keel_conn *c, uint32_t channels, uint32_t patterns,
                                 uint32_t shard_channels) {
    atomic_store_explicit(&c->nsub, channels, memory_order_relaxed);
    atomic_store_explicit(&c->npsub, patterns, memory_order_relaxed);
    atomic_store_explicit(&c->nssub, shard_channels, memory_order_relaxed);
}

void keel_conn_set_out_of_band(keel_conn *c, bool on) {
    if (on)
        c->flags |= CONN_PUSH_OOB;
    else
        c->flags &= ~CONN_PUSH_OOB;
}

/* ---- RESET ---- */

void keel_conn_reset(keel_conn *c) {
    tx_discard(c);
    tx_unwatch(c);
    ns_path_unref(c->ns);
    c->ns = ns_path_ref(c->net->ns_base); /* keys placed by their first name again, too */
    atomic_store_explicit(&c->db, (uint32_t)c->net->cf->database, memory_order_relaxed);
    opt_unref(c->opts);
    c->opts = opt_ref(c->net->cf->options);
    keel_conn_set_name(c, NULL, 0);
    if (c->net->cf->requirepass) c->flags &= ~CONN_AUTHED;
    c->flags &= ~CONN_PUSH_OOB;
    conn_ext_reset(c);
}
