/* fake_conn.c -- the fake keel_api's pushes, connection data and hooks, RESET, worker threads
 * (calls posted to a thread run when the test says) and the publisher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "fake_internal.h"

#define MAX_THREADS 16

typedef struct posted {
    struct posted *next;
    void (*fn)(void *arg);
    void *arg;
} posted;

static uint32_t nthreads = 1;
static int self_thread;
static posted *queue_head[MAX_THREADS], *queue_tail[MAX_THREADS];
static keel_publish_fn publisher;

/* ---- pushes ---- */

static void pushes_append(keel_conn *c, const char *s, size_t n) {
    char *d = realloc(c->pushes, c->pushes_len + n + 1);
    if (!d) abort();
    memcpy(d + c->pushes_len, s, n);
    c->pushes_len += n;
    d[c->pushes_len] = '\0';
    c->pushes = d;
}

static keel_status f_conn_push(keel_conn *c, const keel_arg *parts, uint32_t n) {
    if (n == 0 || n > 64) return KEEL_EINVAL;
    if (c->closed) return KEEL_ESTATE;
    for (uint32_t i = 0; i < n; i++) {
        if (i) pushes_append(c, " ", 1);
        pushes_append(c, parts[i].ptr, parts[i].len);
    }
    pushes_append(c, "\n", 1);
    c->npushes++;
    return KEEL_OK;
}

const char *fake_conn_pushes(keel_conn *c) {
    static char *last;
    free(last);
    last = c->pushes ? c->pushes : strdup("");
    c->pushes = NULL;
    c->pushes_len = 0;
    return last;
}

static void f_conn_set_subscriptions(keel_conn *c, uint32_t channels, uint32_t patterns,
                                     uint32_t shard) {
    c->subs[0] = channels;
    c->subs[1] = patterns;
    c->subs[2] = shard;
}

static void f_conn_set_out_of_band(keel_conn *c, bool on) {
    c->out_of_band = on;
}

/* ---- attached data ---- */

static keel_status f_conn_attach(keel_conn *c, const keel_conn_hooks *hooks, void *data) {
    if (!hooks) return KEEL_EINVAL;
    if (c->closed) return KEEL_ESTATE;
    for (uint32_t i = 0; i < c->nattached; i++)
        if (c->attached[i].hooks == hooks) return KEEL_EEXIST;
    if (c->nattached == sizeof c->attached / sizeof c->attached[0]) return KEEL_ENOMEM;
    c->attached[c->nattached].hooks = hooks;
    c->attached[c->nattached++].data = data;
    return KEEL_OK;
}

static void *f_conn_attached(keel_conn *c, const keel_conn_hooks *hooks) {
    for (uint32_t i = 0; i < c->nattached; i++)
        if (c->attached[i].hooks == hooks) return c->attached[i].data;
    return NULL;
}

/* RESET as the core does it, for what the fake connection has: name, namespace, pushes out of
 * band, and each attachment's reset hook. */
static void f_conn_reset(keel_conn *c) {
    keel_conn_set_name(c, NULL, 0);
    keel_conn_ns_reset(c);
    c->out_of_band = false;
    for (uint32_t i = 0; i < c->nattached; i++)
        if (c->attached[i].hooks->reset) c->attached[i].hooks->reset(c, c->attached[i].data);
}

void fake_conn_release(keel_conn *c) {
    while (c->nattached) { /* detached before its hook runs, as in the core */
        struct fake_attachment a = c->attached[--c->nattached];
        if (a.hooks->close) a.hooks->close(c, a.data);
    }
    c->closed = true;
    free(c->pushes);
    c->pushes = NULL;
}

/* ---- threads ---- */

void fake_set_threads(uint32_t n) {
    nthreads = n >= 1 && n <= MAX_THREADS ? n : 1;
}

void fake_set_thread_self(int t) {
    self_thread = t;
}

static uint32_t f_thread_count(void) {
    return nthreads;
}

static int f_thread_self(void) {
    return self_thread;
}

static uint32_t f_conn_thread(keel_conn *c) {
    return c->thread;
}

static keel_status f_thread_post(uint32_t thread, void (*fn)(void *arg), void *arg) {
    if (!fn || thread >= nthreads) return KEEL_EINVAL;
    posted *q = malloc(sizeof *q);
    if (!q) abort();
    *q = (posted){NULL, fn, arg};
    if (queue_tail[thread])
        queue_tail[thread]->next = q;
    else
        queue_head[thread] = q;
    queue_tail[thread] = q;
    return KEEL_OK;
}

int fake_run_posted(uint32_t t) {
    int was = self_thread, n = 0;
    self_thread = (int)t;
    while (t < MAX_THREADS && queue_head[t]) {
        posted *q = queue_head[t];
        queue_head[t] = q->next;
        if (!queue_head[t]) queue_tail[t] = NULL;
        q->fn(q->arg);
        free(q);
        n++;
    }
    self_thread = was;
    return n;
}

int fake_posted(uint32_t t) {
    int n = 0;
    for (posted *q = t < MAX_THREADS ? queue_head[t] : NULL; q; q = q->next)
        n++;
    return n;
}

/* ---- publishing ---- */

static keel_status f_register_publisher(keel_module *m, keel_publish_fn fn, const char **err) {
    (void)m;
    if (!fn || publisher) {
        if (err) *err = fn ? "a publisher is already registered" : "a publisher needs a function";
        return fn ? KEEL_EEXIST : KEEL_EINVAL;
    }
    publisher = fn;
    return KEEL_OK;
}

static int64_t f_publish(const keel_arg *path, uint32_t npath, unsigned flags, const void *channel,
                         size_t clen, const void *msg, size_t mlen) {
    return publisher ? publisher(path, npath, flags, channel, clen, msg, mlen) : -1;
}

/* ---- keyspace notifications: counted, the last one kept, for tests that check them ---- */

static char last_notify[64];
static long notify_count;

static keel_status f_notify(keel_proc *p, unsigned cls, const char *event, const void *key,
                            size_t klen) {
    (void)p;
    (void)key;
    (void)klen;
    if (!cls || (cls & ~KEEL_NOTIFY_CLASSES) || (cls & (cls - 1)) || !event || !*event)
        return KEEL_EINVAL;
    snprintf(last_notify, sizeof last_notify, "%s", event);
    notify_count++;
    return KEEL_OK;
}

const char *fake_last_notify(void) {
    return last_notify;
}
long fake_notify_count(void) {
    return notify_count;
}

void fake_conn_reset(void) {
    for (uint32_t t = 0; t < MAX_THREADS; t++) {
        while (queue_head[t]) { /* never run: the test did not ask (their args leak, visibly) */
            posted *q = queue_head[t];
            queue_head[t] = q->next;
            free(q);
        }
        queue_tail[t] = NULL;
    }
    nthreads = 1;
    self_thread = 0;
    publisher = NULL;
    last_notify[0] = '\0';
    notify_count = 0;
}

void fake_conn_fill(keel_api *t) {
    t->notify = f_notify;
    t->conn_push = f_conn_push;
    t->conn_set_subscriptions = f_conn_set_subscriptions;
    t->conn_set_out_of_band = f_conn_set_out_of_band;
    t->conn_attach = f_conn_attach;
    t->conn_attached = f_conn_attached;
    t->conn_reset = f_conn_reset;
    t->thread_count = f_thread_count;
    t->thread_self = f_thread_self;
    t->conn_thread = f_conn_thread;
    t->thread_post = f_thread_post;
    t->register_publisher = f_register_publisher;
    t->publish = f_publish;
}
