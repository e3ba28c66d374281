/* main.c -- keel-server: read the config, load modules, start the worker threads and the
 * listeners, and shut everything down in order on SIGTERM, SIGINT or SHUTDOWN. */
#include "config.h"
#include "builtin.h"
#include "conf.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static server the_server;

static void on_shutdown_fd(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    (void)arg;
    uint64_t v;
    ssize_t n = read(fd, &v, sizeof v);
    (void)n;
    event_base_loopbreak(srv->main_base);
}

static void on_signal(evutil_socket_t sig, short what, void *arg) {
    (void)what;
    (void)arg;
    if (sig == SIGHUP) {
        log_notice("SIGHUP: reopening the log file");
        log_request_reopen();
        return;
    }
    log_notice("received %s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    atomic_store(&srv->shutting_down, 1);
    event_base_loopbreak(srv->main_base);
}

static int64_t wall_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void make_run_id(char *out) {
    static const char hex[] = "0123456789abcdef";
    FILE *f = fopen("/dev/urandom", "rb");
    unsigned char b[20] = {0};
    if (f) {
        size_t n = fread(b, 1, sizeof b, f);
        (void)n;
        fclose(f);
    }
    for (int i = 0; i < 20; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[40] = '\0';
}

static int ensure_dir(const char *dir) {
    struct stat st;
    if (stat(dir, &st) == 0) return S_ISDIR(st.st_mode) ? 0 : -1;
    return mkdir(dir, 0755);
}

/* Shards go to threads in contiguous blocks, so walking shards in order visits each thread
 * once. */
static int start_threads(void) {
    srv->nthreads = conf_threads(&srv->cf);
    srv->nshards = (uint32_t)conf_shards(&srv->cf);
    if (srv->nshards < (uint32_t)srv->nthreads) srv->nshards = (uint32_t)srv->nthreads;
    if (srv->nshards > (1u << 16)) srv->nshards = 1u << 16;
    srv->threads = mem_calloc((size_t)srv->nthreads, sizeof *srv->threads);
    srv->shards = mem_calloc(srv->nshards, sizeof *srv->shards);
    for (int i = 0; i < srv->nthreads; i++)
        if (!(srv->threads[i] = thr_new(i, srv->nthreads))) return -1;
    for (uint32_t s = 0; s < srv->nshards; s++) {
        thr *t = srv->threads[(uint64_t)s * (uint64_t)srv->nthreads / srv->nshards];
        srv->shards[s] = shard_new(s, t);
        t->shards = mem_realloc(t->shards, sizeof *t->shards * (size_t)(t->nshards + 1));
        t->shards[t->nshards++] = srv->shards[s];
    }
    for (int i = 0; i < srv->nthreads; i++) {
        if (thr_start(srv->threads[i]) != 0) {
            log_error("cannot start worker thread %d: %s", i, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void stop_threads(void) {
    for (int i = 0; i < srv->nthreads; i++)
        if (srv->threads[i]) thr_stop(srv->threads[i]);
    for (int i = 0; i < srv->nthreads; i++)
        if (srv->threads[i]) thr_join(srv->threads[i]);
}

static void free_everything(void) {
    for (uint32_t s = 0; s < srv->nshards; s++) shard_free(srv->shards[s]);
    for (int i = 0; i < srv->nthreads; i++) thr_free(srv->threads[i]);
    mem_free(srv->shards);
    mem_free(srv->threads);
    for (int i = 0; i < srv->nlisteners; i++) mem_free(srv->listeners[i]);
    mem_free(srv->listeners);
    reg_free();
    loader_unload_all();
    conf_free(&srv->cf);
}

static void print_ready(void) {
    printf("keel-server %s ready (pid %d, %d threads, %u shards):", KEEL_VERSION, (int)getpid(), srv->nthreads,
           srv->nshards);
    for (int i = 0; i < srv->nlisteners; i++)
        printf(" %s on %s:%d%s", srv->listeners[i]->proto->def.name, srv->listeners[i]->cf->host,
               srv->listeners[i]->port, i + 1 < srv->nlisteners ? "," : "");
    printf("\n");
    fflush(stdout);
}

static int run(void) {
    keel_module *core = loader_core_module();
    core->in_init = true;
    int rc = builtin_register_all(core);
    core->in_init = false;
    if (rc != 0) return 1;
    const char *dir = conf_module_dir(&srv->cf);
    if (loader_load_all(dir, srv->cf.modules, srv->cf.nmodules) != 0) return 1;
    if (reg_resolve_programs() != 0) return 1;
    if (ensure_dir(srv->cf.dir) != 0) {
        log_error("data directory %s cannot be used: %s", srv->cf.dir, strerror(errno));
        return 1;
    }
    if (!(srv->main_base = event_base_new())) return 1;
    if (net_listen_all() != 0) return 1;
    if (start_threads() != 0) return 1;

    srv->shutdown_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct event *sd = event_new(srv->main_base, srv->shutdown_fd, EV_READ | EV_PERSIST, on_shutdown_fd, NULL);
    event_add(sd, NULL);
    struct event *sigs[3];
    const int signums[3] = {SIGTERM, SIGINT, SIGHUP};
    for (int i = 0; i < 3; i++) {
        sigs[i] = evsignal_new(srv->main_base, signums[i], on_signal, NULL);
        event_add(sigs[i], NULL);
    }
    print_ready();
    log_notice("Keel %s ready: %d threads, %u shards, modules from %s", KEEL_VERSION, srv->nthreads, srv->nshards, dir);
    if (!atomic_load(&srv->shutting_down)) event_base_dispatch(srv->main_base);

    log_notice("shutting down");
    net_close_all();
    stop_threads();
    for (int i = 0; i < 3; i++) event_free(sigs[i]);
    event_free(sd);
    close(srv->shutdown_fd);
    event_base_free(srv->main_base);
    free_everything();
    log_notice("bye");
    return 0;
}

int main(int argc, char **argv) {
    srv = &the_server;
    srv->shutdown_fd = -1;
    pthread_mutex_init(&srv->clients_lock, NULL);
    conf_default(&srv->cf);
    int r = conf_parse_args(&srv->cf, argc, argv);
    if (r != 0) {
        conf_free(&srv->cf);
        return r > 0 ? 0 : 1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (log_start(srv->cf.log_file, srv->cf.log_level) != 0) {
        fprintf(stderr, "keel-server: cannot open log file %s: %s\n", srv->cf.log_file, strerror(errno));
        return 1;
    }
    srv->start_ms = wall_ms();
    make_run_id(srv->run_id);
    int rc = run();
    log_stop();
    return rc;
}
