/* info.c -- INFO [section ...]: server state in Redis's text format, for tools. */
#include "config.h"
#include "builtin.h"
#include "cluster.h"
#include "client_pause.h"
#include "cmdstats.h"
#include "inst_rate.h"
#include "latency.h"
#include "monitor.h"
#include "evict.h"
#include "evict_policy.h"
#include "expire.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "persist.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "stats.h"
#include "thread.h"
#include "zvm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

typedef struct info_buf {
    char *s;
    size_t len, cap;
} info_buf;

static void info_add(info_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void info_add(info_buf *b, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->s = mem_realloc(b->s, b->cap);
    }
}

static void human_bytes(char *out, size_t cap, double n) {
    const char *units[] = {"B", "K", "M", "G", "T"};
    int u = 0;
    while (n >= 1024 && u < 4) {
        n /= 1024;
        u++;
    }
    snprintf(out, cap, u ? "%.2f%s" : "%.0f%s", n, units[u]);
}

static uint64_t sum_threads(size_t offset) {
    uint64_t n = 0;
    for (int i = 0; i < srv->nthreads; i++)
        n += atomic_load_explicit((_Atomic uint64_t *)((char *)&srv->threads[i]->st + offset),
                                  memory_order_relaxed);
    return n;
}
#define THREAD_SUM(field) sum_threads(offsetof(thr_stats, field))

static void info_server(info_buf *b, int64_t now_ms) {
    struct utsname u;
    uname(&u);
    char exe[512] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) exe[n] = '\0';
    int port = srv->nlisteners ? srv->listeners[0]->port : 0;
    for (int i = 0; i < srv->nlisteners; i++)
        if (!strcmp(srv->listeners[i]->proto->def.name, "resp")) {
            port = srv->listeners[i]->port;
            break;
        }
    int64_t up = (now_ms - srv->start_ms) / 1000;
    info_add(
        b,
        "# Server\r\nredis_version:%s\r\nkeel_version:%s\r\nredis_mode:standalone\r\nos:%s %s "
        "%s\r\n"
        "arch_bits:%d\r\nmultiplexing_api:epoll\r\nprocess_id:%d\r\nrun_id:%s\r\ntcp_port:%d\r\n"
        "server_time_usec:%lld\r\nuptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\nhz:100\r\n"
        "executable:%s\r\nconfig_file:%s\r\nthreads:%d\r\nshards:%u\r\nsdk_abi:%d.%d\r\nkeyspace_"
        "table:%s\r\n",
        KEEL_REDIS_VERSION, KEEL_VERSION, u.sysname, u.release, u.machine,
        (int)(sizeof(void *) * 8), (int)getpid(), srv->run_id, port, (long long)now_ms * 1000,
        (long long)up, (long long)(up / 86400), exe, srv->cf.config_file ? srv->cf.config_file : "",
        srv->nthreads, srv->nshards, KEEL_ABI_MAJOR, KEEL_ABI_MINOR, dk_table_layout());
    /* the rest of Redis's fields, for tools that read them: Keel is built from its own tree
     * (no git id), keeps Redis's 24-bit LRU clock in seconds, and runs at a fixed hz */
    info_add(
        b,
        "redis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nconfigured_hz:100\r\n"
        "lru_clock:%lld\r\nmonotonic_clock:POSIX clock_gettime\r\natomicvar_api:c11-builtin\r\n"
        "gcc_version:%d.%d.%d\r\nprocess_supervised:%s\r\n\r\n",
        (long long)((now_ms / 1000) & ((1 << 24) - 1)), __GNUC__, __GNUC_MINOR__,
        __GNUC_PATCHLEVEL__, getenv("NOTIFY_SOCKET") ? "systemd" : "no");
}

static uint64_t max_threads(size_t offset) {
    uint64_t m = 0;
    for (int i = 0; i < srv->nthreads; i++) {
        uint64_t v = atomic_load_explicit(
            (_Atomic uint64_t *)((char *)&srv->threads[i]->st + offset), memory_order_relaxed);
        if (v > m) m = v;
    }
    return m;
}
#define THREAD_MAX(field) max_threads(offsetof(thr_stats, field))

static void info_clients(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    info_add(b,
             "# "
             "Clients\r\nconnected_clients:%d\r\ncluster_connections:0\r\nmaxclients:%d\r\nblocked_"
             "clients:%d\r\n"
             "tracking_clients:0\r\nclient_recent_max_input_buffer:%llu\r\nclient_recent_max_"
             "output_buffer:%llu\r\n\r\n",
             atomic_load(&srv->nclients), srv->cf.max_clients,
             atomic_load(&srv->nblocked) + client_pause_held(),
             (unsigned long long)THREAD_MAX(client_max_in),
             (unsigned long long)THREAD_MAX(client_max_out));
}

static uint64_t lazy_pending(void) {
    uint64_t n = 0;
    for (int i = 0; i < srv->nthreads; i++)
        n += atomic_load_explicit(&srv->threads[i]->nlazy, memory_order_relaxed);
    return n;
}

/* Redis's split of used memory (the dataset is the keyspace's tables and values, the overhead
 * everything else), the allocator's own figures, and mechanisms Keel does not have (replication
 * buffers, defragmentation), which hold nothing. */
static void info_memory_split(info_buf *b, int64_t used, int64_t dataset, int64_t startup,
                              int64_t rss) {
    int64_t overhead = used > dataset ? used - dataset : 0;
    int64_t net = used - startup;
    int64_t allocated, active;
    mem_allocator_stats(&allocated, &active);
    if (active < allocated) active = allocated;
    b->len -= 2; /* continue the section */
    info_add(
        b,
        "used_memory_overhead:%lld\r\nused_memory_dataset:%lld\r\nused_memory_dataset_perc:%.2f%%"
        "\r\n"
        "allocator_allocated:%lld\r\nallocator_active:%lld\r\nallocator_resident:%lld\r\n"
        "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%lld\r\nallocator_rss_ratio:1.00\r\n"
        "allocator_rss_bytes:0\r\nrss_overhead_ratio:%.2f\r\nrss_overhead_bytes:%lld\r\n"
        "mem_clients_normal:%llu\r\nmem_clients_slaves:0\r\nmem_replication_backlog:0\r\nmem_total_"
        "replication_buffers:0\r\n"
        "mem_cluster_links:0\r\nactive_defrag_running:0\r\nlazyfreed_objects:%llu\r\n\r\n",
        (long long)overhead, (long long)dataset,
        net > 0 ? 100.0 * (double)dataset / (double)net : 0.0, (long long)allocated,
        (long long)active, (long long)active,
        allocated > 0 ? (double)active / (double)allocated : 0.0, (long long)(active - allocated),
        active > 0 ? (double)rss / (double)active : 0.0, (long long)(rss - active),
        (unsigned long long)THREAD_SUM(client_mem), (unsigned long long)THREAD_SUM(lazy_freed));
}

static void info_memory(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    uint64_t tables = 0;
    tables = stats_shards_sum(offsetof(shard_db, bytes));
    int64_t used = evict_memory_used(); /* all allocated: core, modules, datakit, libraries */
    int64_t peak = mem_process_peak();
    if (peak < used) peak = used;
    size_t rss = mem_rss();
    int64_t maxmemory = limit_get(srv->cf.maxmemory);
    char uh[32], rh[32], ph[32], mh[32];
    human_bytes(mh, sizeof mh, (double)maxmemory);
    human_bytes(uh, sizeof uh, (double)used);
    human_bytes(rh, sizeof rh, (double)rss);
    human_bytes(ph, sizeof ph, (double)peak);
    info_add(
        b,
        "# Memory\r\nused_memory:%lld\r\nused_memory_human:%s\r\nused_memory_rss:%zu\r\n"
        "used_memory_rss_human:%s\r\nused_memory_peak:%lld\r\nused_memory_peak_human:%s\r\n"
        "used_memory_keyspace:%llu\r\nused_memory_core:%lld\r\nlazyfree_pending_objects:%llu\r\n"
        "maxmemory:%lld\r\nmaxmemory_human:%s\r\nmaxmemory_policy:%s\r\n"
        "mem_not_counted_for_evict:0\r\nused_memory_table_spare:%lld\r\nmem_allocator:libc\r\n",
        (long long)used, uh, rss, rh, (long long)peak, ph, (unsigned long long)tables,
        (long long)mem_used(), (unsigned long long)lazy_pending(), (long long)maxmemory, mh,
        evict_policy_name(limit_get(srv->cf.maxmemory_policy)), (long long)evict_spare_bytes());
    /* Redis's fragmentation fields (RSS over allocated), the start's share, and the machine's RAM
     */
    int64_t startup = stats_startup_bytes();
    uint64_t system = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    char sh[32];
    human_bytes(sh, sizeof sh, (double)system);
    info_add(b,
             "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%lld\r\nused_memory_startup:%"
             "lld\r\n"
             "used_memory_peak_perc:%.2f%%\r\ntotal_system_memory:%llu\r\ntotal_system_memory_"
             "human:%s\r\n\r\n",
             used > 0 ? (double)rss / (double)used : 0.0, (long long)rss - (long long)used,
             (long long)startup, peak > 0 ? 100.0 * (double)used / (double)peak : 0.0,
             (unsigned long long)system, sh);
    info_memory_split(b, used, (int64_t)tables, startup, (int64_t)rss);
}

/* Redis's persistence fields with the snapshot's state (persist.c); changes are write commands
 * that did not fail since the last successful save began.  There is no append-only log yet. */
static void info_persistence(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    char text[2048];
    persist_info(text, sizeof text, THREAD_SUM(writes));
    info_add(b, "%s", text);
}

/* The end of the Stats section: active expiry's cost (Redis's names) and the expiry lag of the
 * keys removed for their time since start (removal time minus deadline, merged histograms). */
static void info_expiry(info_buf *b) {
    expire_lag_summary lag;
    expire_lag_all(&lag);
    info_add(b,
             "expired_time_cap_reached_count:%llu\r\nexpire_cycle_cpu_milliseconds:%llu\r\n"
             "expire_cycle_runs:%llu\r\n"
             "expired_lag_samples:%llu\r\nexpired_lag_p50_us:%llu\r\nexpired_lag_p99_us:%llu\r\n"
             "expired_lag_p999_us:%llu\r\nexpired_lag_max_us:%llu\r\n\r\n",
             (unsigned long long)THREAD_SUM(expire_capped),
             (unsigned long long)(THREAD_SUM(expire_ns) / 1000000),
             (unsigned long long)THREAD_SUM(expire_runs), (unsigned long long)lag.count,
             (unsigned long long)lag.p50_us, (unsigned long long)lag.p99_us,
             (unsigned long long)lag.p999_us, (unsigned long long)lag.max_us);
}

static void info_stats(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    uint64_t hits = 0, misses = 0, errors = 0;
    for (uint32_t i = 0; i < srv->nshards; i++) {
        hits += shard_get(i)->hits;
        misses += shard_get(i)->misses;
    }
    errors = THREAD_SUM(errors);
    info_add(
        b,
        "# Stats\r\ntotal_connections_received:%lld\r\ntotal_commands_processed:%llu\r\n"
        "total_net_input_bytes:%llu\r\ntotal_net_output_bytes:%llu\r\nrejected_connections:%lld\r\n"
        "expired_keys:%lld\r\nevicted_keys:%lld\r\nkeyspace_hits:%llu\r\nkeyspace_misses:%llu\r\n"
        "total_error_replies:%llu\r\nclient_query_buffer_limit_disconnections:%lld\r\n"
        "client_output_buffer_limit_disconnections:%lld\r\nclient_timeout_disconnections:%lld\r\n"
        "out_of_memory_reserve_uses:%lld\r\n"
        "zvm_yields:%llu\r\nzvm_hops:%llu\r\nzvm_direct_replies:%llu\r\n"
        "connections_moved:%lld\r\nzvm_lock_retakes:%lld\r\nzvm_lock_cycles_broken:%lld\r\n"
        "log_lines_dropped:%llu\r\n",
        (long long)atomic_load(&srv->total_connections), (unsigned long long)THREAD_SUM(commands),
        (unsigned long long)THREAD_SUM(net_in), (unsigned long long)THREAD_SUM(net_out),
        (long long)atomic_load(&srv->rejected_connections),
        (long long)atomic_load(&srv->expired_keys), (long long)evict_count(),
        (unsigned long long)hits, (unsigned long long)misses, (unsigned long long)errors,
        (long long)atomic_load(&srv->qbuf_disconnections),
        (long long)atomic_load(&srv->obuf_disconnections),
        (long long)atomic_load(&srv->timeout_disconnections), (long long)mem_reserve_used(),
        (unsigned long long)THREAD_SUM(yields), (unsigned long long)THREAD_SUM(hops),
        (unsigned long long)THREAD_SUM(direct_replies), (long long)atomic_load(&srv->conn_moves),
        (long long)atomic_load(&srv->lock_retakes),
        (long long)atomic_load(&srv->lock_cycles_broken), (unsigned long long)log_dropped());
    info_add(b,
             "monitor_lines_dropped:%llu\r\ninstantaneous_ops_per_sec:%llu\r\ninstantaneous_input_"
             "kbps:%.2f\r\n"
             "instantaneous_output_kbps:%.2f\r\n",
             (unsigned long long)monitor_dropped(), (unsigned long long)inst_rate_ops(),
             inst_rate_in_kbps(), inst_rate_out_kbps());
    /* reads and writes as Redis counts them (events handled, flushes); then mechanisms Keel does
     * not have: forks (snapshots are fork-less), replication, client eviction, defragmentation,
     * client-side caching, Redis's I/O threads (Keel's threads each do all of a client's work) */
    info_add(
        b,
        "total_reads_processed:%llu\r\ntotal_writes_processed:%llu\r\nio_threads_active:0\r\n"
        "io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\nexpired_stale_perc:0."
        "00\r\n"
        "evicted_clients:0\r\ntotal_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:"
        "0\r\n"
        "latest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\nslave_expires_tracked_"
        "keys:0\r\n"
        "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\ntotal_net_repl_input_bytes:0\r\n"
        "total_net_repl_output_bytes:0\r\ninstantaneous_input_repl_kbps:0.00\r\n"
        "instantaneous_output_repl_kbps:0.00\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\n"
        "active_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\n"
        "current_active_defrag_time:0\r\ntracking_total_keys:0\r\ntracking_total_items:0\r\n"
        "tracking_total_prefixes:0\r\nunexpected_error_replies:0\r\ndump_payload_sanitizations:"
        "0\r\n"
        "reply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
        (unsigned long long)THREAD_SUM(net_reads), (unsigned long long)THREAD_SUM(net_writes));
    info_expiry(b);
}

static void info_replication(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    /* Keel has no replication: a master without replicas, as Redis reports one */
    info_add(
        b,
        "# "
        "Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n"
        "master_replid:%s\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n"
        "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
        "repl_backlog_size:0\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n\r\n",
        srv->run_id);
}

/* The process's main thread's CPU seconds (/proc/self/task/PID/stat: utime and stime, fields 14
 * and 15, in clock ticks); zeros when it cannot be read. */
static void main_thread_cpu(double *user, double *sys) {
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)getpid());
    FILE *f = fopen(path, "r");
    if (!f) return;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *after = strrchr(line, ')'); /* the command name may hold spaces */
    unsigned long long ut, st;
    if (!after ||
        sscanf(after + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return;
    double hz = (double)sysconf(_SC_CLK_TCK);
    *user = (double)ut / hz;
    *sys = (double)st / hz;
}

static void info_cpu(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct rusage ch;
    getrusage(RUSAGE_CHILDREN, &ch);
    double main_user = 0, main_sys = 0;
    main_thread_cpu(&main_user, &main_sys);
    info_add(b,
             "# "
             "CPU\r\nused_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\nused_cpu_sys_children:%"
             "ld.%06ld\r\n"
             "used_cpu_user_children:%ld.%06ld\r\nused_cpu_sys_main_thread:%.6f\r\nused_cpu_user_"
             "main_thread:%.6f\r\n\r\n",
             (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec, (long)ru.ru_utime.tv_sec,
             (long)ru.ru_utime.tv_usec, (long)ch.ru_stime.tv_sec, (long)ch.ru_stime.tv_usec,
             (long)ch.ru_utime.tv_sec, (long)ch.ru_utime.tv_usec, main_sys, main_user);
}

static void info_modules(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    info_add(b, "# Modules\r\n");
    for (size_t i = 0; i < loader_count(); i++) {
        struct keel_module *m = loader_at(i);
        info_add(b, "module:name=%s,ver=%s,path=%s\r\n", m->name, m->version, m->path);
    }
    info_add(b, "\r\n");
}

/* One line per database that has keys (top-level keys: a namespace is one key). */
static void info_keyspace(info_buf *b, int64_t now_ms) {
    info_add(b, "# Keyspace\r\n");
    for (uint32_t db = 0; db < srv->ndbs; db++) {
        uint64_t keys = stats_db_sum(db, offsetof(shard_db, nkeys));
        if (!keys) continue;
        info_add(b, "db%u:keys=%llu,expires=%llu,avg_ttl=%lld\r\n", db, (unsigned long long)keys,
                 (unsigned long long)stats_db_sum(db, offsetof(shard_db, nexpires)),
                 (long long)stats_avg_ttl_db(db, now_ms));
    }
    info_add(b, "\r\n");
}

static void info_one_command(void *ctx, const char *name, const cmdstat_sum *s) {
    info_add(ctx,
             "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%"
             "llu\r\n",
             name, (unsigned long long)s->calls, (unsigned long long)s->usec,
             s->calls ? (double)s->usec / (double)s->calls : 0.0, (unsigned long long)s->rejected,
             (unsigned long long)s->failed);
}

/* Redis's commandstats: every command called or refused since the start or CONFIG RESETSTAT. */
static void info_commandstats(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    info_add(b, "# Commandstats\r\n");
    cmdstats_foreach(info_one_command, b);
    info_add(b, "\r\n");
}

static void info_one_error(void *ctx, const char *code, uint64_t count) {
    info_add(ctx, "errorstat_%s:count=%llu\r\n", code, (unsigned long long)count);
}

/* Redis's errorstats: error replies by their code word (ERR, WRONGTYPE, ...). */
static void info_errorstats(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    info_add(b, "# Errorstats\r\n");
    cmdstats_errors_foreach(info_one_error, b);
    info_add(b, "\r\n");
}

/* Redis's latencystats: p50, p99 and p99.9 of each command's calls, in microseconds. */
static void info_latencystats(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    info_add(b, "# Latencystats\r\n");
    for (size_t i = 0; i < cmd_count(); i++) {
        const cmd_entry *ce = cmd_at(i);
        double p50, p99, p999;
        uint64_t calls;
        if (ce->is_alias || !latency_percentile(ce->stat_idx, 0.5, &p50, &calls)) continue;
        latency_percentile(ce->stat_idx, 0.99, &p99, &calls);
        latency_percentile(ce->stat_idx, 0.999, &p999, &calls);
        info_add(b, "latency_percentiles_usec_%s:p50=%.3f,p99=%.3f,p99.9=%.3f\r\n", ce->lname, p50,
                 p99, p999);
    }
    info_add(b, "\r\n");
}

/* Redis's cluster section: whether cluster mode (cluster.h) is on. */
static void info_cluster(info_buf *b, int64_t now_ms) {
    (void)now_ms;
    info_add(b, "# Cluster\r\ncluster_enabled:%d\r\n\r\n", cluster_on ? 1 : 0);
}

typedef struct info_section {
    const char *name;
    bool in_default;
    void (*emit)(info_buf *b, int64_t now_ms);
} info_section;

static const info_section sections[] = {
    {"server", true, info_server},
    {"clients", true, info_clients},
    {"memory", true, info_memory},
    {"persistence", true, info_persistence},
    {"stats", true, info_stats},
    {"replication", true, info_replication},
    {"cpu", true, info_cpu},
    {"modules", false, info_modules},
    {"commandstats", false, info_commandstats},
    {"errorstats", true, info_errorstats},
    {"latencystats", true, info_latencystats},
    {"cluster", true, info_cluster},
    {"keyspace", true, info_keyspace},
};

static bool wanted_name(const keel_proc *p, const char *name, bool in_default) {
    if (p->argc == 1) return in_default;
    for (uint32_t i = 1; i < p->argc; i++) {
        if (keel_arg_is(&p->argv[i], name) || keel_arg_is(&p->argv[i], "all") ||
            keel_arg_is(&p->argv[i], "everything"))
            return true;
        if (keel_arg_is(&p->argv[i], "default") && in_default) return true;
    }
    return false;
}

static bool wanted(const keel_proc *p, const info_section *s) {
    return wanted_name(p, s->name, s->in_default);
}

/* The sections modules added (keel_register_info), in the default set, after the core's. */
static void info_module_sections(const keel_proc *p, info_buf *b) {
    for (size_t i = 0; i < info_count(); i++) {
        const info_entry *ie = info_at(i);
        if (!wanted_name(p, ie->name, true)) continue;
        keel_buf kb = {mem_alloc(512), 0, 512};
        ie->fn(&kb);
        info_add(b, "# %s\r\n%.*s\r\n", ie->name, (int)kb.len, kb.data);
        mem_free(kb.data);
    }
}

/* Opcode: info.report — INFO [section ...].  Reductions 1. */
static keel_op_result op_info(keel_proc *p, const keel_insn *in) {
    (void)in;
    info_buf b = {mem_alloc(4096), 0, 4096};
    int64_t now = keel_now_ms(p);
    for (size_t i = 0; i < BUILTIN_COUNT(sections); i++)
        if (wanted(p, &sections[i])) sections[i].emit(&b, now);
    info_module_sections(p, &b);
    if (b.len >= 2) b.len -= 2; /* no blank line after the last section */
    keel_reply_verbatim(p, "txt", b.s, b.len);
    mem_free(b.s);
    return KEEL_DONE;
}

static const keel_opcode_def info_ops[] = {
    {sizeof(keel_opcode_def), "info.report", op_info,
     "reply the INFO text of the sections asked for", 0, 0, 1, 0},
};
static const keel_insn_def info_prog[] = {{.op = "info.report"}, KEEL_END};
static const keel_cmd_def info_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "INFO",
     .arity = -1,
     .flags = KEEL_CMD_STATS,
     .summary = "Returns information and statistics about the server (Redis format).",
     .syntax = "INFO [section [section ...]]",
     .group = "server",
     .since = "0.1.0",
     .program = info_prog},
};

const keel_family cmd_info_family = KEEL_FAMILY(info_ops, info_cmds);
