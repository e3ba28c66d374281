/* cmd_server.c -- memcached's server commands: MC.STATS (stats [settings|items|slabs|sizes|
 * conns|reset]) and MC.QUIT (the binary protocol's quit: a reply, then the connection closes),
 * plus the memcache.nil opcode MC.FLUSH ends with. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "counters.h"
#include "family.h"
#include "item_size.h"
#include <datakit/decimal.h>
#include <keel/memcache.h>

/* ---- stat lines ---- */

static void stat_str(keel_proc *p, const char *name, const char *value) {
    keel_reply_bulk(p, name, strlen(name));
    keel_reply_bulk(p, value, strlen(value));
}

static void stat_int(keel_proc *p, const char *name, int64_t value) {
    keel_reply_bulk(p, name, strlen(name));
    keel_reply_int(p, value);
}

/* A server counter by name (0 when the core does not know it). */
static int64_t server(const char *name) {
    int64_t v = 0;
    return keel_server_stat(name, &v) == KEEL_OK ? v : 0;
}

static void stat_counter(keel_proc *p, mc_counter c) {
    stat_int(p, mc_counter_names[c], (int64_t)mc_counter_total(c));
}

/* maxmemory when set (memcached's -m), else the machine's memory. */
static int64_t memory_limit(void) {
    int64_t max = server("maxmemory");
    if (max > 0) return max;
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (int64_t)pages * size : 0;
}

static void stat_rusage(keel_proc *p) {
    struct rusage ru;
    char text[48];
    if (getrusage(RUSAGE_SELF, &ru) != 0) memset(&ru, 0, sizeof ru);
    snprintf(text, sizeof text, "%ld.%06ld", (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec);
    stat_str(p, "rusage_user", text);
    snprintf(text, sizeof text, "%ld.%06ld", (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
    stat_str(p, "rusage_system", text);
}

/* "stats": memcached's general statistics, in its order. */
static void stats_general(keel_proc *p) {
    keel_reply_open(p, KEEL_REPLY_MAP);
    stat_int(p, "pid", server("pid"));
    stat_int(p, "uptime", server("uptime"));
    stat_int(p, "time", keel_now_ms(p) / 1000);
    stat_str(p, "version", MC_VERSION_PREFIX KEEL_VERSION);
    stat_int(p, "pointer_size", (int64_t)(8 * sizeof(void *)));
    stat_rusage(p);
    stat_int(p, "curr_connections", server("connections"));
    stat_int(p, "total_connections", server("total_connections"));
    stat_int(p, "rejected_connections", server("rejected_connections"));
    stat_int(p, "connection_structures", server("connections"));
    for (int c = MC_CMD_GET; c <= MC_GET_MISSES; c++)
        stat_counter(p, (mc_counter)c);
    stat_int(p, "get_expired", 0);
    stat_int(p, "get_flushed", 0);
    for (int c = MC_DELETE_MISSES; c <= MC_STORE_TOO_LARGE; c++)
        stat_counter(p, (mc_counter)c);
    stat_int(p, "store_no_memory", 0);
    stat_int(p, "auth_cmds", 0);
    stat_int(p, "auth_errors", 0);
    stat_int(p, "bytes_read", server("net_input_bytes"));
    stat_int(p, "bytes_written", server("net_output_bytes"));
    stat_int(p, "limit_maxbytes", memory_limit());
    stat_int(p, "accepting_conns", 1);
    stat_int(p, "listen_disabled_num", 0);
    stat_int(p, "threads", server("threads"));
    stat_int(p, "conn_yields", 0);
    stat_int(p, "bytes", server("used_memory"));
    stat_int(p, "curr_items", server("keys"));
    stat_counter(p, MC_TOTAL_ITEMS);
    stat_int(p, "expired_unfetched", 0);
    stat_int(p, "evicted_unfetched", 0);
    stat_int(p, "evicted_active", 0);
    stat_int(p, "evictions", server("evicted_keys"));
    stat_int(p, "reclaimed", server("expired_keys"));
    keel_reply_close(p);
}

/* "stats settings": the settings that mean something for Keel. */
static void stats_settings(keel_proc *p) {
    keel_reply_open(p, KEEL_REPLY_MAP);
    stat_int(p, "maxbytes", memory_limit());
    stat_int(p, "verbosity", 0);
    stat_int(p, "oldest", 0);
    stat_str(p, "evictions", "on");
    stat_int(p, "num_threads", server("threads"));
    stat_str(p, "cas_enabled", "yes");
    stat_str(p, "binding_protocol", "auto-negotiate");
    stat_str(p, "auth_enabled_sasl", "no");
    stat_int(p, "item_size_max", (int64_t)mc_item_size_max(p));
    stat_str(p, "flush_enabled", "yes");
    stat_str(p, "slab_reassign", "yes");
    stat_int(p, "slab_automove", 0);
    stat_str(p, "lru_crawler", "no");
    stat_str(p, "temp_lru", "no");
    keel_reply_close(p);
}

/* "stats items": Keel has no slab classes; every item is reported in class 1. */
static void stats_items(keel_proc *p) {
    int64_t items = server("keys");
    keel_reply_open(p, KEEL_REPLY_MAP);
    if (items > 0) {
        static const char *const zero[] = {
            "number_hot", "number_warm",       "age_hot",          "age_warm",    "age",
            "evicted",    "evicted_nonzero",   "evicted_time",     "outofmemory", "tailrepairs",
            "reclaimed",  "expired_unfetched", "evicted_unfetched"};
        stat_int(p, "items:1:number", items);
        stat_int(p, "items:1:number_cold", items);
        stat_int(p, "items:1:mem_requested", server("used_memory"));
        for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
            char name[48];
            snprintf(name, sizeof name, "items:1:%s", zero[i]);
            stat_int(p, name, 0);
        }
    }
    keel_reply_close(p);
}

static void stats_slabs(keel_proc *p) {
    keel_reply_open(p, KEEL_REPLY_MAP);
    stat_int(p, "active_slabs", server("keys") > 0 ? 1 : 0);
    stat_int(p, "total_malloced", server("used_memory"));
    keel_reply_close(p);
}

/* "stats conns": only the asking connection (the SDK shows no other). */
static void stats_conns(keel_proc *p) {
    keel_conn *c = keel_proc_conn(p);
    keel_reply_open(p, KEEL_REPLY_MAP);
    if (c) {
        char name[48];
        snprintf(name, sizeof name, "%llu:state", (unsigned long long)keel_conn_id(c));
        stat_str(p, name, "conn_parse_cmd");
    }
    keel_reply_close(p);
}

static bool arg_is(const keel_arg *a, const char *w) {
    return a->len == strlen(w) && !memcmp(a->ptr, w, a->len);
}

/* Opcode: memcache.stats
 * MC.STATS [section]: memcached's statistics.  Reductions 1.  Replies a map of names to
 * values, the word RESET, or an error for an unknown section. */
static keel_op_result op_stats(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->argc == 1) {
        stats_general(p);
        return KEEL_NEXT;
    }
    const keel_arg *s = &p->argv[1];
    if (arg_is(s, "settings"))
        stats_settings(p);
    else if (arg_is(s, "items"))
        stats_items(p);
    else if (arg_is(s, "slabs"))
        stats_slabs(p);
    else if (arg_is(s, "conns"))
        stats_conns(p);
    else if (arg_is(s, "sizes")) {
        keel_reply_map(p, 1);
        stat_str(p, "sizes_status", "disabled");
    } else if (arg_is(s, "reset")) {
        mc_counters_reset();
        keel_reply_simple(p, "RESET");
    } else if (arg_is(s, "detail")) {
        keel_reply_error(p, "CLIENT_ERROR usage: stats detail on|off|dump");
        return KEEL_FAIL;
    } else {
        keel_reply_error(p, "ERROR");
        return KEEL_FAIL;
    }
    return KEEL_NEXT;
}

/* Opcode: memcache.nil
 * No operands.  Reductions 1.  Replies nil (the end of MC.FLUSH's walk: the encoder writes the
 * line its tag names). */
static keel_op_result op_nil(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_reply_nil(p);
    return KEEL_NEXT;
}

/* Opcode: memcache.quit
 * No operands.  Runs on the connection's thread (KEEL_CMD_CONN): the connection closes once the
 * replies queued so far, this one's included, are written.  Reductions 1.  Replies nil. */
static keel_op_result op_quit(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_conn *c = keel_proc_conn(p);
    if (c) keel_conn_close_after_reply(c);
    keel_reply_nil(p);
    return KEEL_NEXT;
}

static const keel_opcode_def server_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.stats",
     .fn = op_stats,
     .synopsis = "reply memcached's statistics (argv[1]: the section)",
     .cost = 1},
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.nil",
     .fn = op_nil,
     .synopsis = "reply nil",
     .cost = 1},
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.quit",
     .fn = op_quit,
     .synopsis = "close the connection after this reply",
     .cost = 1},
};

static const keel_insn_def stats_prog[] = {{.op = "memcache.stats"}, KEEL_END};
static const keel_insn_def quit_prog[] = {{.op = "memcache.quit"}, KEEL_END};

static const keel_cmd_def server_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "MC.STATS",
     .arity = -1,
     .flags = KEEL_CMD_STATS | KEEL_CMD_CONN,
     .group = "memcache",
     .since = "0.1.0",
     .summary = "memcached stats: general, settings, items, slabs, sizes, conns, reset.",
     .syntax = "MC.STATS [section]",
     .program = stats_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "MC.QUIT",
     .arity = 1,
     .flags = KEEL_CMD_CONN | KEEL_CMD_FAST | KEEL_CMD_NOAUTH,
     .group = "memcache",
     .since = "0.1.0",
     .summary = "memcached binary quit: replies, then closes the connection.",
     .syntax = "MC.QUIT",
     .program = quit_prog},
};

const keel_family mc_server_family = KEEL_FAMILY(server_ops, server_cmds);
