/* module_rt.c -- MODULE LOAD and MODULE UNLOAD while the server runs (see module_rt.h): the
 * tables change with every other worker parked, so no thread reads them half-changed; an unload
 * first looks for anything left that would run the module's code once it is gone. */
#include "config.h"
#include "module_rt.h"
#include "blob_walk.h"
#include "conn.h"
#include "conn_ext.h"
#include "loader.h"
#include "log.h"
#include "modconf.h"
#include "net.h"
#include "quiesce.h"
#include "registry.h"
#include "server.h"
#include "thread.h"
#include "tx.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define LOAD_FAILED "ERR Error loading the extension. Please check the server logs."
#define UNLOAD_FAILED "ERR Error unloading module: "

static const char *busy_error(char *err, size_t cap) {
    snprintf(
        err, cap,
        "ERR another MODULE LOAD or UNLOAD is in progress, or the server is stopping: try again");
    return err;
}

const char *module_rt_load(thr *self, const char *path, char *err, size_t cap) {
    return module_rt_loadex(self, path, NULL, NULL, 0, NULL, 0, err, cap);
}

/* The module name path's descriptor would have: its file name without ".so" (a setting given
 * as "name" is "module.name"). */
static void module_name_of(const char *path, char *out, size_t cap) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 3 && !strcmp(base + n - 3, ".so")) n -= 3;
    snprintf(out, cap, "%.*s", (int)n, base);
}

const char *module_rt_loadex(thr *self, const char *path, const char *const *names,
                             const char *const *values, size_t nconfigs, const char *const *args,
                             uint32_t nargs, char *err, size_t cap) {
    if (!quiesce_begin(self)) return busy_error(err, cap);
    char why[512], mname[256], full[512];
    module_name_of(path, mname, sizeof mname);
    for (size_t i = 0; i < nconfigs; i++) { /* "name" or already "module.name" */
        if (strchr(names[i], '.'))
            snprintf(full, sizeof full, "%s", names[i]);
        else
            snprintf(full, sizeof full, "%s.%s", mname, names[i]);
        modconf_give(full, values[i]);
    }
    if (nargs) loader_give_args(NULL, nargs, args);
    struct keel_module *m = loader_load_runtime(path, why, sizeof why);
    loader_clear_args();
    const char *unused = m ? modconf_given_unused() : NULL;
    if (unused) {
        log_error("MODULE LOADEX %s: module %s has no setting '%s': not loaded", path, m->name,
                  unused);
        loader_unload(m);
        m = NULL;
    }
    modconf_clear_given();
    size_t revived = m ? blob_walk_revive() : 0;
    quiesce_end();
    if (revived)
        log_notice("MODULE LOAD %s: %zu opaque values of its types are live again", m->name,
                   revived);
    if (!m) {
        snprintf(err, cap, "%s", LOAD_FAILED);
        return err;
    }
    return NULL;
}

/* True when addr lies in the object file m was loaded from. */
static bool in_module(const struct keel_module *m, const void *addr) {
    Dl_info mine, theirs;
    if (!dladdr(m->desc, &mine) || !dladdr(addr, &theirs)) return false;
    return mine.dli_fbase == theirs.dli_fbase;
}

typedef struct conn_holds {
    int64_t queued;   /* connections in MULTI with a command of the module queued */
    int64_t attached; /* connections holding data the module attached (its hooks) */
} conn_holds;

static void count_conn(const struct keel_module *m, conn *c, conn_holds *h) {
    bool queued = false, attached = false;
    for (uint32_t i = 0; c->tx && i < c->tx->ncmds && !queued; i++)
        queued = c->tx->cmds[i].ce->module == m;
    for (const conn_ext *e = c->ext; e && !attached; e = e->next)
        attached = in_module(m, e->hooks);
    h->queued += queued;
    h->attached += attached;
}

/* Why m cannot go now, or NULL.  Every other worker is parked. */
static const char *refusal(struct keel_module *m, char *err, size_t cap) {
    int64_t live = loader_module_live(m);
    if (live > 0) {
        snprintf(err, cap, UNLOAD_FAILED "the module has %" PRId64 " running or blocked commands",
                 live);
        return err;
    }
    conn_holds h = {0, 0};
    for (int t = 0; t < srv->nthreads; t++)
        for (conn *c = srv->threads[t]->conns; c; c = c->tnext)
            count_conn(m, c, &h);
    if (h.queued || h.attached) {
        snprintf(err, cap,
                 UNLOAD_FAILED "%" PRId64 " clients have its commands queued in MULTI and %" PRId64
                               " hold its data",
                 h.queued, h.attached);
        return err;
    }
    for (size_t i = 1; i <= type_count(); i++) {
        const type_entry *te = type_by_id((keel_type_id)i);
        if (te->module == m &&
            (!te->def.save || !te->def.load)) { /* its values could not be kept */
            snprintf(err, cap,
                     UNLOAD_FAILED
                     "the module exports one or more module-side data types, can't unload");
            return err;
        }
    }
    for (int i = 0; i < srv->nlisteners; i++)
        if (srv->listeners[i]->proto && srv->listeners[i]->proto->module == m) {
            snprintf(err, cap, UNLOAD_FAILED "its protocol '%s' serves the network '%s'",
                     srv->listeners[i]->proto->def.name, srv->listeners[i]->cf->name);
            return err;
        }
    const char *used = reg_module_in_use(m);
    if (used) {
        snprintf(err, cap, UNLOAD_FAILED "%s", used);
        return err;
    }
    return NULL;
}

/* CLIENT LIST's cmd= points into the command entries: those of m are about to go. */
static void forget_last_commands(const struct keel_module *m) {
    for (int t = 0; t < srv->nthreads; t++)
        for (conn *c = srv->threads[t]->conns; c; c = c->tnext) {
            if (!c->last_cmd) continue;
            const cmd_entry *ce = cmd_lookup_name(c->last_cmd, strlen(c->last_cmd));
            if (ce && ce->module == m) c->last_cmd = NULL;
        }
}

const char *module_rt_unload(thr *self, const char *name, char *err, size_t cap) {
    if (!quiesce_begin(self)) return busy_error(err, cap);
    struct keel_module *m = loader_find(name);
    const char *bad = NULL;
    if (!m) {
        snprintf(err, cap, UNLOAD_FAILED "no such module with that name");
        bad = err;
    } else {
        bad = refusal(m, err, cap);
    }
    size_t opaque = 0;
    char why[256];
    if (!bad && !blob_walk_to_blobs(m, &opaque, why, sizeof why)) {
        snprintf(err, cap, UNLOAD_FAILED "%s", why);
        bad = err;
    }
    if (!bad) {
        forget_last_commands(m);
        loader_unload(m);
        if (opaque)
            log_notice("MODULE UNLOAD %s: %zu values of its types kept as opaque blobs", name,
                       opaque);
    }
    quiesce_end();
    if (bad && m) log_warning("MODULE UNLOAD %s refused: %s", name, bad + strlen(UNLOAD_FAILED));
    return bad;
}
