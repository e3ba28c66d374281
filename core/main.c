/* main.c -- keel-server: read the config, load modules, start the worker threads and the
 * listeners, and shut everything down in order on SIGTERM, SIGINT or SHUTDOWN. */
#include "clock.h"
#include "cmdstats.h"
#include "config.h"
#include "cluster.h"
#include "aof.h"
#include "builtin.h"
#include "conf.h"
#include "conf_check.h"
#include "evict.h"
#include "expire.h"
#include "latency.h"
#include "loader.h"
#include "modconf.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "notify.h"
#include "persist.h"
#include "rdb_import.h"
#include "savepoint.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "slowlog.h"
#include "startup.h"
#include "stats.h"
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
#include <sys/resource.h>
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
    if (sig == SIGCHLD) {
        startup_reap();
        return;
    }
    log_notice("received %s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (persist_has_save_points()) persist_request_exit_save(); /* as Redis: save points save */
    atomic_store(&srv->shutting_down, 1);
    event_base_loopbreak(srv->main_base);
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
 * once.  A snapshot in the data directory is loaded into the shards before the threads start.
 * Without a configured shard count, the snapshot's is used (its keys are placed by it). */
static int start_threads(void) {
    srv->nthreads = conf_threads(&srv->cf);
    cmdstats_init(srv->nthreads); /* the command table is final: modules have loaded */
    srv->nshards = (uint32_t)conf_shards(&srv->cf);
    uint32_t snap_shards = srv->cf.shards ? 0 : persist_snapshot_shards();
    if (snap_shards >= (uint32_t)srv->nthreads && snap_shards != srv->nshards) {
        log_notice("using the snapshot's %u shards (the default would be %u)", snap_shards,
                   srv->nshards);
        srv->nshards = snap_shards;
    }
    if (srv->nshards < (uint32_t)srv->nthreads) srv->nshards = (uint32_t)srv->nthreads;
    if (srv->nshards > (1u << 16)) srv->nshards = 1u << 16;
    srv->ndbs = (uint32_t)srv->cf.databases;
    notify_configure(srv->cf.notify_keyspace_events);
    slowlog_set_threshold_us(srv->cf.slowlog_slower_than);
    slowlog_set_max_len(srv->cf.slowlog_max_len);
    latency_set_threshold_ms(srv->cf.latency_threshold);
    srv->threads = mem_calloc((size_t)srv->nthreads, sizeof *srv->threads);
    srv->shards = mem_calloc(srv->nshards, sizeof *srv->shards);
    for (int i = 0; i < srv->nthreads; i++)
        if (!(srv->threads[i] = thr_new(i, srv->nthreads))) return -1;
    for (uint32_t s = 0; s < srv->nshards; s++) {
        thr *t = srv->threads[(uint64_t)s * (uint64_t)srv->nthreads / srv->nshards];
        srv->shards[s] = shard_new(s, t, srv->ndbs);
        t->shards = mem_realloc(t->shards, sizeof *t->shards * (size_t)(t->nshards + 1));
        t->shards[t->nshards++] = shard_get(s);
    }
    if (persist_load_at_start() != 0) return -2; /* nothing started yet */
    if (rdb_import_prepare() != 0) return -2;
    /* the loaded keys' expiries were set without the timers: each thread looks at once */
    int64_t now_ms = expire_wall_us() / 1000; /* (0 would disarm the timer: the clock's now) */
    for (int i = 0; i < srv->nthreads; i++)
        if (srv->threads[i]->nshards) expire_soon(srv->threads[i]->shards[0], now_ms);
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
    for (uint32_t s = 0; s < srv->nshards; s++)
        shard_free(shard_get(s));
    for (int i = 0; i < srv->nthreads; i++)
        thr_free(srv->threads[i]);
    evict_free_all();
    mem_free(srv->shards);
    mem_free(srv->threads);
    net_free_all();
    reg_free();
    modconf_free();
    loader_unload_all();
    conf_free(&srv->cf);
}

static void print_ready(void) {
    printf("keel-server %s ready (pid %d, %d threads, %u shards):", KEEL_VERSION, (int)getpid(),
           srv->nthreads, srv->nshards);
    for (int i = 0; i < srv->nlisteners; i++)
        printf(" %s on %s:%d%s", srv->listeners[i]->proto->def.name, srv->listeners[i]->cf->host,
               srv->listeners[i]->port, i + 1 < srv->nlisteners ? "," : "");
    printf("\n");
    fflush(stdout);
}

/* Registers the core's commands, loads the modules and resolves every program.  names/nnames
 * override the configured module list (NULL = the config's). */
static int load_modules(const char *dir, char *const *names, const bool *optional, int nnames) {
    keel_module *core = loader_core_module();
    core->in_init = true;
    int rc = builtin_register_all(core);
    core->in_init = false;
    if (rc != 0) return -1;
    for (int i = 0; i < srv->cf.nmodconfs; i++)
        modconf_give(srv->cf.modconf_names[i], srv->cf.modconf_values[i]);
    for (int i = 0; i < srv->cf.nmodargs; i++)
        loader_give_args(srv->cf.modarg_names[i], srv->cf.modarg_counts[i],
                         (const char *const *)srv->cf.modarg_lists[i]);
    rc = loader_load_all(dir, names, optional, nnames);
    loader_clear_args();
    const char *unused = rc == 0 ? modconf_given_unused() : NULL;
    if (unused) log_warning("module_configs: no loaded module has the setting '%s'", unused);
    modconf_clear_given();
    if (rc != 0) return -1;
    return reg_resolve_programs() != 0 ? -1 : 0;
}

/* --check-config FILE: the file's field errors plus every check startup makes before it
 * listens (files, addresses, modules, protocols); prints them all.  Exit status 0 or 1. */
static int check_config(void) {
    conf *c = &srv->cf;
    char *errs = c->load_errors;
    c->load_errors = NULL;
    if (c->config_file) {           /* NULL: the file is not JSON at all; nothing more to check */
        log_set_level(LOG_WARNING); /* module loading stays quiet unless something is wrong */
        const char *dir = conf_module_dir(c);
        int missing = conf_check_modules(c, dir, &errs);
        conf_check_networks(c, &errs);
        /* load what is there, so protocols can be checked against the modules that exist */
        char **names = NULL;
        bool *optional = NULL;
        int nnames = 0;
        for (int i = 0; i < c->nmodules; i++) {
            char file[4096];
            if (!missing || loader_find_file(dir, c->modules[i], file, sizeof file)) {
                names = mem_realloc(names, sizeof *names * (size_t)(nnames + 1));
                optional = mem_realloc(optional, sizeof *optional * (size_t)(nnames + 1));
                optional[nnames] = c->module_optional[i];
                names[nnames++] = c->modules[i];
            }
        }
        if (load_modules(dir, c->modules ? names : NULL, optional, nnames) != 0)
            conf_error(&errs, "$.modules: the modules did not load (the lines above say why)");
        else
            conf_check_protocols(c, &errs);
        mem_free(names);
        mem_free(optional);
        reg_free();
        modconf_free();
        loader_unload_all();
    }
    int n = conf_error_count(errs);
    if (n)
        fprintf(stderr, "keel-server: %d error%s in %s:\n%s", n, n == 1 ? "" : "s", c->check_file,
                errs);
    else
        printf("%s: ok\n", c->check_file);
    mem_free(errs);
    conf_free(c);
    return n ? 1 : 0;
}

/* The checks --check-config makes, before anything listens; logs every error. */
static int check_before_listening(void) {
    char *errs = NULL;
    conf_check_networks(&srv->cf, &errs);
    conf_check_protocols(&srv->cf, &errs);
    int n = conf_error_count(errs);
    for (char *line = errs, *nl; line && (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = '\0';
        log_error("config: %s", line);
    }
    mem_free(errs);
    return n ? -1 : 0;
}

/* A start that failed before any worker thread ran: give everything back (so a sanitizer build
 * reports no leak) and exit 1. */
static int run_failed(void) {
    free_everything();
    if (srv->main_base) event_base_free(srv->main_base);
    srv->main_base = NULL;
    return 1;
}

/* Raises the open-file limit so that max_clients, with the admin reserve, can be served; where
 * the system allows fewer files, lowers max_clients to fit (as Redis does) and says so. */
static void adjust_open_files(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    rlim_t spare =
        128 + 4 * (rlim_t)conf_threads(&srv->cf); /* listeners, eventfds, logs, TLS files */
    rlim_t want = (rlim_t)srv->cf.max_clients + (rlim_t)srv->cf.admin_reserve + spare;
    if (rl.rlim_cur >= want) return;
    rlim_t got = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = got;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) got = old;
    if (got >= want) return;
    int fit = got > spare + (rlim_t)srv->cf.admin_reserve
                  ? (int)(got - spare - (rlim_t)srv->cf.admin_reserve)
                  : 1;
    log_warning("only %llu open files are allowed (ulimit -n): max_clients lowered from %d to %d",
                (unsigned long long)got, srv->cf.max_clients, fit);
    srv->cf.max_clients = fit;
}

static int run(void) {
    const char *dir = conf_module_dir(&srv->cf);
    if (load_modules(dir, srv->cf.modules, srv->cf.module_optional, srv->cf.nmodules) != 0)
        return run_failed();
    if (check_before_listening() != 0) return run_failed();
    if (ensure_dir(srv->cf.dir) != 0) {
        log_error("data directory %s cannot be used: %s", srv->cf.dir, strerror(errno));
        return run_failed();
    }
    adjust_open_files();
    mem_reserve_refill();
    if (!(srv->main_base = event_base_new())) return run_failed();
    if (net_listen_all() != 0) return run_failed();
    if (cluster_init() != 0) return run_failed();
    int started = start_threads();
    if (started == -2) return run_failed();
    if (started != 0) return 1;

    srv->shutdown_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct event *sd =
        event_new(srv->main_base, srv->shutdown_fd, EV_READ | EV_PERSIST, on_shutdown_fd, NULL);
    event_add(sd, NULL);
    enum { NSIGS = 4 };
    struct event *sigs[NSIGS];
    const int signums[NSIGS] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
    for (int i = 0; i < NSIGS; i++) {
        sigs[i] = evsignal_new(srv->main_base, signums[i], on_signal, NULL);
        event_add(sigs[i], NULL);
    }
    aof_start_after_load(); /* replays the log on worker 0 (data commands: -LOADING) */
    rdb_import_start();     /* --load-rdb: dump.so imports the file on worker 0 (-LOADING) */
    print_ready();
    log_notice("Keel %s ready: %d threads, %u shards, modules from %s", KEEL_VERSION, srv->nthreads,
               srv->nshards, dir);
    stats_note_ready();
    startup_run_programs();
    if (!atomic_load(&srv->shutting_down)) event_base_dispatch(srv->main_base);

    log_notice("shutting down");
    net_close_all();
    stop_threads();
    cluster_fini();
    persist_finish_stopped();
    int rc = 0;
    if (rdb_import_failed()) rc = 1;
    if (rdb_import_unfinished()) {
        if (persist_exit_save_requested())
            log_warning("no snapshot at exit: the --load-rdb import did not finish");
    } else if (persist_exit_save_requested() && persist_save_stopped() != 0) {
        log_error("the snapshot asked for at shutdown failed: exiting with status 1");
        rc = 1;
    }
    aof_shutdown();
    startup_forget();
    for (int i = 0; i < NSIGS; i++)
        event_free(sigs[i]);
    event_free(sd);
    close(srv->shutdown_fd);
    event_base_free(srv->main_base);
    free_everything();
    log_notice("bye");
    return rc;
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
    if (srv->cf.check_file) return check_config();
    signal(SIGPIPE, SIG_IGN);
    if (log_start(srv->cf.log_file, srv->cf.log_level) != 0) {
        fprintf(stderr, "keel-server: cannot open log file %s: %s\n", srv->cf.log_file,
                strerror(errno));
        return 1;
    }
    srv->start_ms = wall_ms();
    savepoint points[SAVEPOINT_MAX];
    int npoints = srv->cf.save ? savepoint_parse(srv->cf.save, points, SAVEPOINT_MAX) : 0;
    persist_set_save_points(points, npoints > 0 ? npoints : 0);
    make_run_id(srv->run_id);
    int rc = run();
    log_stop();
    return rc;
}
