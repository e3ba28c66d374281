/* conn_ext.c -- what modules attach to a connection and the hooks run on RESET and close (see
 * conn_ext.h); the SDK's keel_conn_attach and keel_conn_attached. */
#include "config.h"
#include "conn_ext.h"
#include "conn.h"
#include "mem.h"

keel_status keel_conn_attach(keel_conn *c, const keel_conn_hooks *hooks, void *data) {
    if (!hooks || hooks->size < sizeof(size_t)) return KEEL_EINVAL;
    if (c->flags & CONN_CLOSED) return KEEL_ESTATE; /* its close hook would never run */
    conn_ext **tail = &c->ext;
    for (; *tail; tail = &(*tail)->next)
        if ((*tail)->hooks == hooks) return KEEL_EEXIST;
    conn_ext *e = mem_alloc(sizeof *e);
    *e = (conn_ext){.next = NULL, .hooks = hooks, .data = data};
    *tail = e;
    return KEEL_OK;
}

void *keel_conn_attached(keel_conn *c, const keel_conn_hooks *hooks) {
    for (conn_ext *e = c->ext; e; e = e->next)
        if (e->hooks == hooks) return e->data;
    return NULL;
}

/* A hook of hooks, or NULL when the module's struct is too old to have it. */
#define EXT_HOOK(h, field)                                                                         \
    ((h)->size >= offsetof(keel_conn_hooks, field) + sizeof((h)->field) ? (h)->field : NULL)

void conn_ext_reset(conn *c) {
    for (conn_ext *e = c->ext; e; e = e->next) {
        void (*reset)(keel_conn *, void *) = EXT_HOOK(e->hooks, reset);
        if (reset) reset(c, e->data);
    }
}

void conn_ext_close(conn *c) {
    while (c->ext) {
        conn_ext *e = c->ext;
        c->ext = e->next; /* detached first: a hook never sees itself attached */
        void (*close_hook)(keel_conn *, void *) = EXT_HOOK(e->hooks, close);
        if (close_hook) close_hook(c, e->data);
        mem_free(e);
    }
}
