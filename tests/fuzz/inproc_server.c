/* inproc_server.c -- keel-server started inside a fuzz target (see inproc_server.h): what
 * main.c does up to listening, with socketpairs handed to the worker threads instead. */
#include "config.h"
#include "inproc_server.h"

#include "builtin.h"
#include "conf.h"
#include "conn.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef FUZZ_MODULE_DIR
#define FUZZ_MODULE_DIR ".modules"
#endif

static server inproc;
static conf_network **nets; /* the networks inproc_network made (listeners point at them) */
static int nnets;

static int start_threads(int nthreads) {
    srv->nthreads = nthreads;
    srv->nshards = (uint32_t)nthreads * 8;
    srv->ndbs = (uint32_t)srv->cf.databases;
    srv->threads = mem_calloc((size_t)nthreads, sizeof *srv->threads);
    srv->shards = mem_calloc(srv->nshards, sizeof *srv->shards);
    for (int i = 0; i < nthreads; i++)
        if (!(srv->threads[i] = thr_new(i, nthreads))) return -1;
    for (uint32_t s = 0; s < srv->nshards; s++) {
        thr *t = srv->threads[(uint64_t)s * (uint64_t)nthreads / srv->nshards];
        srv->shards[s] = shard_new(s, t, srv->ndbs);
        t->shards = mem_realloc(t->shards, sizeof *t->shards * (size_t)(t->nshards + 1));
        t->shards[t->nshards++] = srv->shards[s];
    }
    for (int i = 0; i < nthreads; i++)
        if (thr_start(srv->threads[i]) != 0) return -1;
    return 0;
}

/* At exit: what keel-server does when it stops (threads stopped, connections closed,
 * everything freed), so a leak check at exit sees only real leaks: a table packs its object
 * pointers unaligned, and a leak checker cannot see those while the server holds them. */
static void inproc_stop(void) {
    for (int i = 0; i < srv->nthreads; i++)
        thr_stop(srv->threads[i]);
    for (int i = 0; i < srv->nthreads; i++)
        thr_join(srv->threads[i]);
    for (uint32_t s = 0; s < srv->nshards; s++)
        shard_free(srv->shards[s]);
    for (int i = 0; i < srv->nthreads; i++)
        thr_free(srv->threads[i]);
    mem_free(srv->shards);
    mem_free(srv->threads);
    net_free_all();
    for (int i = 0; i < nnets; i++) {
        mem_free(nets[i]->name);
        mem_free(nets[i]->host);
        mem_free(nets[i]->protocol);
        mem_free(nets[i]);
    }
    mem_free(nets);
    reg_free();
    loader_unload_all();
    conf_free(&srv->cf);
}

int inproc_start(const char *const *modules, int nmodules, int nthreads) {
    if (srv) return 0;
    srv = &inproc;
    srv->shutdown_fd = -1;
    pthread_mutex_init(&srv->clients_lock, NULL);
    conf_default(&srv->cf);
    srv->cf.max_clients = 1000000;
    srv->cf.threads = nthreads; /* what modules read (keel_thread_count) as they register */
    signal(SIGPIPE, SIG_IGN);
    log_set_level(LOG_WARNING); /* connections come and go by the thousand */
    const char *dir = getenv("KEEL_MODULE_DIR");
    if (!dir || !*dir) dir = FUZZ_MODULE_DIR;
    keel_module *core = loader_core_module();
    core->in_init = true;
    int rc = builtin_register_all(core);
    core->in_init = false;
    char **names = mem_calloc((size_t)nmodules + 1, sizeof *names);
    for (int i = 0; i < nmodules; i++)
        names[i] = (char *)modules[i];
    if (rc == 0) rc = loader_load_all(dir, names, NULL, nmodules);
    mem_free(names);
    if (rc == 0) rc = reg_resolve_programs();
    if (rc != 0 || start_threads(nthreads) != 0) {
        fprintf(stderr,
                "inproc_server: the server did not start (modules from %s; set KEEL_MODULE_DIR)\n",
                dir);
        return -1;
    }
    atexit(inproc_stop);
    return 0;
}

struct listener *inproc_network(const char *name, unsigned permissions, const char *const *ns,
                                int nns, bool locked) {
    conf_network *cn = mem_calloc(1, sizeof *cn);
    cn->name = mem_strndup(name, strlen(name));
    cn->host = mem_strndup("127.0.0.1", 9);
    cn->protocol = mem_strndup("resp", 4);
    cn->permissions = permissions;
    cn->namespace_locked = locked && nns > 0; /* as conf.c reads "namespace_locked" */
    cn->index = -1;
    nets = mem_realloc(nets, sizeof *nets * (size_t)(nnets + 1));
    nets[nnets++] = cn;
    listener *l = mem_calloc(1, sizeof *l);
    l->cf = cn;
    l->proto = proto_lookup("resp");
    if (!l->proto) {
        fprintf(stderr, "inproc_server: no resp protocol loaded\n");
        abort();
    }
    if (nns > 0) {
        keel_arg *path = mem_calloc((size_t)nns, sizeof *path);
        for (int i = 0; i < nns; i++)
            path[i] = (keel_arg){ns[i], strlen(ns[i])};
        l->ns_base = ns_path_new(NULL, path, (uint32_t)nns);
        if (locked) l->ns_base->locked = l->ns_base->n;
        mem_free(path);
    }
    srv->listeners =
        mem_realloc(srv->listeners, sizeof *srv->listeners * (size_t)(srv->nlisteners + 1));
    srv->listeners[srv->nlisteners++] = l;
    return l;
}

int inproc_connect(struct listener *l, int thread) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK);
    net_hand_over(l, sv[1], srv->threads[(unsigned)thread % (unsigned)srv->nthreads], NULL);
    return sv[0];
}
