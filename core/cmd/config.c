/* config.c -- CONFIG GET (known parameters, Redis names), CONFIG SET (runtime-changeable
 * ones, admin only), CONFIG REWRITE (config_rewrite.c, admin only), CONFIG RESETSTAT.  There is no
 * persistence yet: the persistence parameters say so (no file, no save points, no AOF,
 * "persistence" is "unavailable") and refuse changes. */
#include "latency.h"
#include "slowlog.h"
#include "cmdstats.h"
#include "config.h"
#include "aof.h"
#include "builtin.h"
#include "config_advisory.h"
#include "config_rewrite.h"
#include "conn.h"
#include "evict_policy.h"
#include "log.h"
#include "modconf.h"
#include "net.h"
#include "notify.h"
#include "persist.h"
#include "savepoint.h"
#include "snap_z.h"
#include "server.h"
#include "zvm.h"

#include <datakit/glob.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct config_param {
    const char *name;
    void (*get)(char *out, size_t cap);
    /* NULL when the parameter cannot change at run time; returns an error message or NULL */
    const char *(*set)(const char *value);
} config_param;

static const listener *first_listener(const char *proto) {
    for (int i = 0; i < srv->nlisteners; i++)
        if (!strcmp(srv->listeners[i]->proto->def.name, proto)) return srv->listeners[i];
    return NULL;
}

static void get_bind(char *o, size_t n) {
    const listener *l = first_listener("resp");
    snprintf(o, n, "%s", l ? l->cf->host : "");
}
static void get_port(char *o, size_t n) {
    const listener *l = first_listener("resp");
    snprintf(o, n, "%d", l ? l->port : 0);
}
static void get_mcport(char *o, size_t n) {
    const listener *l = first_listener("memcache");
    snprintf(o, n, "%d", l ? l->port : 0);
}
static void get_dir(char *o, size_t n) {
    snprintf(o, n, "%s", srv->cf.dir);
}
static void get_persistence(char *o, size_t n) {
    snprintf(o, n, aof_enabled() ? "snapshots+aof" : "snapshots");
}
static void get_empty(char *o, size_t n) {
    snprintf(o, n, "%s", "");
}
static void get_maxclients(char *o, size_t n) {
    snprintf(o, n, "%d", limit_get(srv->cf.max_clients));
}
static void get_maxmemory(char *o, size_t n) {
    snprintf(o, n, "%lld", (long long)limit_get(srv->cf.maxmemory));
}
static void get_policy(char *o, size_t n) {
    snprintf(o, n, "%s", evict_policy_name(limit_get(srv->cf.maxmemory_policy)));
}
static void get_samples(char *o, size_t n) {
    snprintf(o, n, "%d", limit_get(srv->cf.maxmemory_samples));
}
static void get_lfu_log(char *o, size_t n) {
    snprintf(o, n, "%d", limit_get(srv->cf.lfu_log_factor));
}
static void get_lfu_decay(char *o, size_t n) {
    snprintf(o, n, "%d", limit_get(srv->cf.lfu_decay_time));
}
static void get_threads(char *o, size_t n) {
    snprintf(o, n, "%d", srv->nthreads);
}
static void get_shards(char *o, size_t n) {
    snprintf(o, n, "%u", srv->nshards);
}
static void get_databases(char *o, size_t n) {
    snprintf(o, n, "%u", srv->ndbs);
}
static void get_loglevel(char *o, size_t n) {
    snprintf(o, n, "%s", log_level_name(log_get_level()));
}
static void get_logfile(char *o, size_t n) {
    snprintf(o, n, "%s", srv->cf.log_file ? srv->cf.log_file : "");
}
static void get_moddir(char *o, size_t n) {
    snprintf(o, n, "%s", conf_module_dir(&srv->cf));
}

static void get_timeout(char *o, size_t n) {
    snprintf(o, n, "%d", limit_get(srv->cf.timeout));
}
static void get_keepalive(char *o, size_t n) {
    snprintf(o, n, "%d", limit_get(srv->cf.tcp_keepalive));
}
static void get_obuf(char *o, size_t n) {
    limit_format_obuf(srv->cf.obuf, o, n);
}
static void get_qbuf(char *o, size_t n) {
    snprintf(o, n, "%lld", (long long)limit_get(srv->cf.query_buffer_limit));
}
static void get_maxbulk(char *o, size_t n) {
    snprintf(o, n, "%lld", (long long)limit_get(srv->cf.proto_max_bulk_len));
}
static void get_busy(char *o, size_t n) {
    snprintf(o, n, "%d", limit_get(srv->cf.busy_reply_threshold));
}
static void get_protected(char *o, size_t n) {
    snprintf(o, n, "%s", limit_get(srv->cf.protected_mode) ? "yes" : "no");
}

/* A whole number from lo to hi, or false. */
static bool config_int(const char *v, long long lo, long long hi, long long *out) {
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) return false;
    *out = x;
    return true;
}

static const char *set_maxclients(const char *v) {
    long long x;
    if (!config_int(v, 1, 1000000, &x)) return "argument must be between 1 and 1000000 inclusive";
    limit_set(srv->cf.max_clients, (int)x);
    return NULL;
}

static const char *set_timeout(const char *v) {
    long long x;
    if (!config_int(v, 0, INT_MAX, &x)) return "argument couldn't be parsed into an integer";
    limit_set(srv->cf.timeout, (int)x);
    return NULL;
}

static const char *set_keepalive(const char *v) {
    long long x;
    if (!config_int(v, 0, INT_MAX, &x)) return "argument couldn't be parsed into an integer";
    limit_set(srv->cf.tcp_keepalive, (int)x);
    return NULL;
}

static const char *set_obuf(const char *v) {
    limit_obuf next[LIMIT_OBUF_CLASSES];
    for (int i = 0; i < LIMIT_OBUF_CLASSES; i++)
        next[i] = (limit_obuf){limit_get(srv->cf.obuf[i].hard), limit_get(srv->cf.obuf[i].soft),
                               limit_get(srv->cf.obuf[i].soft_seconds)};
    const char *err = limit_parse_obuf(v, next);
    if (err) return err;
    for (int i = 0; i < LIMIT_OBUF_CLASSES; i++) {
        limit_set(srv->cf.obuf[i].hard, next[i].hard);
        limit_set(srv->cf.obuf[i].soft, next[i].soft);
        limit_set(srv->cf.obuf[i].soft_seconds, next[i].soft_seconds);
    }
    return NULL;
}

/* A byte count of at least 1mb (and at most hi), as Redis takes both buffer limits. */
static const char *set_bytes(const char *v, int64_t hi, int64_t *field) {
    int64_t x;
    if (!limit_parse_bytes(v, &x)) return "argument must be a memory value";
    if (x < 1024 * 1024 || x > hi)
        return "argument must be between 1mb and the largest size allowed";
    limit_set(*field, x);
    return NULL;
}

static const char *set_qbuf(const char *v) {
    return set_bytes(v, INT64_MAX, &srv->cf.query_buffer_limit);
}
static const char *set_maxbulk(const char *v) {
    return set_bytes(v, INT32_MAX, &srv->cf.proto_max_bulk_len);
}

static const char *set_protected(const char *v) {
    if (strcasecmp(v, "yes") != 0 && strcasecmp(v, "no") != 0)
        return "argument must be 'yes' or 'no'";
    limit_set(srv->cf.protected_mode, !strcasecmp(v, "yes"));
    return NULL;
}

static const char *set_busy(const char *v) {
    long long x;
    if (!config_int(v, 0, INT_MAX, &x)) return "argument couldn't be parsed into an integer";
    limit_set(srv->cf.busy_reply_threshold, (int)x);
    return NULL;
}

/* maxmemory: a byte count with Redis's units; 0 turns the limit off. */
static const char *set_maxmemory(const char *v) {
    int64_t x;
    if (!limit_parse_bytes(v, &x)) return "argument must be a memory value";
    limit_set(srv->cf.maxmemory, x);
    return NULL;
}

static const char *set_policy(const char *v) {
    int p = evict_policy_parse(v);
    if (p < 0)
        return "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
               "volatile-random, "
               "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction";
    limit_set(srv->cf.maxmemory_policy, p);
    return NULL;
}

static const char *set_int_in(const char *v, long long lo, long long hi, int *field) {
    long long x;
    if (!config_int(v, lo, hi, &x)) return "argument couldn't be parsed into an integer";
    limit_set(*field, (int)x);
    return NULL;
}

static const char *set_samples(const char *v) {
    return set_int_in(v, 1, 64, &srv->cf.maxmemory_samples);
}
static const char *set_lfu_log(const char *v) {
    return set_int_in(v, 0, INT_MAX, &srv->cf.lfu_log_factor);
}
static const char *set_lfu_decay(const char *v) {
    return set_int_in(v, 0, INT_MAX, &srv->cf.lfu_decay_time);
}

static const char *set_loglevel(const char *v) {
    int lv = log_level_parse(v);
    if (lv < 0) return "argument must be one of: debug, verbose, notice, warning, error";
    log_set_level(lv);
    return NULL;
}

static void get_notify(char *o, size_t n) {
    notify_format(notify_configured(), o, n);
}
static const char *set_notify(const char *v) {
    unsigned flags;
    if (!notify_parse(v, &flags)) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
    notify_configure(flags);
    return NULL;
}

/* The persistence parameters accept only what is true already: no save points, no AOF. */
#define NO_PERSISTENCE "persistence is not available in this version of Keel"
static const char *set_save(const char *v) {
    savepoint sp[SAVEPOINT_MAX];
    int n = savepoint_parse(v, sp, SAVEPOINT_MAX);
    if (n < 0) return "Invalid save parameters";
    persist_set_save_points(sp, n);
    return NULL;
}
static void get_save(char *o, size_t n) {
    persist_save_points_text(o, n);
}
static void get_appendonly(char *o, size_t n) {
    snprintf(o, n, aof_enabled() ? "yes" : "no");
}
static const char *set_appendonly(const char *v) {
    if (strcasecmp(v, "yes") && strcasecmp(v, "no")) return "argument must be 'yes' or 'no'";
    return aof_set_enabled(!strcasecmp(v, "yes"));
}
static void get_appendfsync(char *o, size_t n) {
    snprintf(o, n, "%s", aof_fsync_name(aof_fsync_policy()));
}
static const char *set_appendfsync(const char *v) {
    int policy = aof_fsync_parse(v);
    if (policy < 0) return "argument(s) must be one of the following: always, everysec, no";
    aof_set_fsync_policy(policy);
    return NULL;
}
/* snapshot-compression names the codec; rdbcompression (Redis's switch) is yes while any is on,
 * and "yes" turns on lz4 unless a codec is on already (docs/config.md). */
static void get_snapz(char *o, size_t n) {
    snprintf(o, n, "%s", snap_z_name(snap_z_setting()));
}
static const char *set_snapz(const char *v) {
    int codec = snap_z_parse(v);
    if (codec < 0) return "argument(s) must be one of the following: no, lz4, zstd";
    snap_z_set_setting(codec);
    return NULL;
}
static void get_rdbcompression(char *o, size_t n) {
    snprintf(o, n, snap_z_setting() != SNAP_Z_NONE ? "yes" : "no");
}
static const char *set_rdbcompression(const char *v) {
    if (strcasecmp(v, "yes") && strcasecmp(v, "no")) return "argument must be 'yes' or 'no'";
    if (!strcasecmp(v, "no"))
        snap_z_set_setting(SNAP_Z_NONE);
    else if (snap_z_setting() == SNAP_Z_NONE)
        snap_z_set_setting(SNAP_Z_LZ4);
    return NULL;
}
static void get_appendfilename(char *o, size_t n) {
    snprintf(o, n, "%s", srv->cf.appendfilename);
}
static void get_appenddirname(char *o, size_t n) {
    snprintf(o, n, "%s", srv->cf.appenddirname);
}
static const char *set_dbfilename(const char *v) {
    return *v ? NO_PERSISTENCE : NULL;
}

static void get_slowlog_us(char *o, size_t n) {
    snprintf(o, n, "%lld", (long long)slowlog_threshold_us());
}
static const char *set_slowlog_us(const char *v) {
    long long x;
    if (!config_int(v, LLONG_MIN, LLONG_MAX, &x))
        return "argument couldn't be parsed into an integer";
    if (x < -1) return "argument must be between -1 and 9223372036854775807 inclusive";
    slowlog_set_threshold_us(x);
    return NULL;
}
static void get_slowlog_len(char *o, size_t n) {
    snprintf(o, n, "%lld", (long long)slowlog_max_len());
}
static const char *set_slowlog_len(const char *v) {
    long long x;
    if (!config_int(v, LLONG_MIN, LLONG_MAX, &x))
        return "argument couldn't be parsed into an integer";
    if (x < 0) return "argument must be between 0 and 9223372036854775807 inclusive";
    slowlog_set_max_len(x);
    return NULL;
}

static void get_latency_ms(char *o, size_t n) {
    snprintf(o, n, "%lld", (long long)latency_threshold_ms());
}
static const char *set_latency_ms(const char *v) {
    long long x;
    if (!config_int(v, LLONG_MIN, LLONG_MAX, &x))
        return "argument couldn't be parsed into an integer";
    if (x < 0) return "argument must be between 0 and 9223372036854775807 inclusive";
    latency_set_threshold_ms(x);
    return NULL;
}

static const config_param params[] = {
    {"latency-monitor-threshold", get_latency_ms, set_latency_ms},
    {"slowlog-log-slower-than", get_slowlog_us, set_slowlog_us},
    {"slowlog-max-len", get_slowlog_len, set_slowlog_len},
    {"bind", get_bind, NULL},
    {"port", get_port, NULL},
    {"memcache-port", get_mcport, NULL},
    {"dir", get_dir, NULL},
    {"dbfilename", get_empty, set_dbfilename},
    {"maxmemory", get_maxmemory, set_maxmemory},
    {"maxmemory-policy", get_policy, set_policy},
    {"maxmemory-samples", get_samples, set_samples},
    {"lfu-log-factor", get_lfu_log, set_lfu_log},
    {"lfu-decay-time", get_lfu_decay, set_lfu_decay},
    {"maxclients", get_maxclients, set_maxclients},
    {"save", get_save, set_save},
    {"appendonly", get_appendonly, set_appendonly},
    {"appendfsync", get_appendfsync, set_appendfsync},
    {"snapshot-compression", get_snapz, set_snapz},
    {"rdbcompression", get_rdbcompression, set_rdbcompression},
    {"appendfilename", get_appendfilename, NULL},
    {"appenddirname", get_appenddirname, NULL},
    {"persistence", get_persistence, NULL},
    {"databases", get_databases, NULL},
    {"timeout", get_timeout, set_timeout},
    {"tcp-keepalive", get_keepalive, set_keepalive},
    {"client-output-buffer-limit", get_obuf, set_obuf},
    {"client-query-buffer-limit", get_qbuf, set_qbuf},
    {"proto-max-bulk-len", get_maxbulk, set_maxbulk},
    {"protected-mode", get_protected, set_protected},
    {"busy-reply-threshold", get_busy, set_busy},
    {"lua-time-limit", get_busy, set_busy},
    {"io-threads", get_threads, NULL},
    {"threads", get_threads, NULL},
    {"shards", get_shards, NULL},
    {"loglevel", get_loglevel, set_loglevel},
    {"logfile", get_logfile, NULL},
    {"module-dir", get_moddir, NULL},
    {"notify-keyspace-events", get_notify, set_notify},
};

/* The name of CONFIG GET's i-th parameter: the core's, the advisory ones, then the modules'. */
static const char *param_name(size_t i, size_t nparams, size_t nadv) {
    if (i < nparams) return params[i].name;
    if (i < nparams + nadv) return advisory_name(i - nparams);
    return modconf_name(i - nparams - nadv);
}

/* True when p's client came through a network with the admin permission (CONFIG SET, REWRITE). */
static bool admin_network(keel_proc *p) {
    const conn *c = zvm_of(p)->conn;
    return c && (c->net->cf->permissions & PERM_ADMIN);
}

/* Opcode: config.run — CONFIG GET pattern [pattern ...] | SET name value [name value ...] |
 * REWRITE | RESETSTAT | HELP.  Reductions 1. */
static keel_op_result op_config(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *sub = &p->argv[1];
    if (keel_arg_is(sub, "GET") && p->argc >= 3) {
        size_t nparams = BUILTIN_COUNT(params), nadv = advisory_count(),
               total = nparams + nadv + modconf_count();
        bool *hit = keel_proc_alloc(p, total);
        memset(hit, 0, total);
        size_t n = 0;
        for (uint32_t a = 2; a < p->argc; a++)
            for (size_t i = 0; i < total; i++) {
                const char *name = param_name(i, nparams, nadv);
                if (!hit[i] &&
                    dk_glob_match(p->argv[a].ptr, p->argv[a].len, name, strlen(name), true)) {
                    hit[i] = true;
                    n++;
                }
            }
        keel_reply_map(p, n);
        for (size_t i = 0; i < total; i++) {
            if (!hit[i]) continue;
            char v[1100];
            const char *name = param_name(i, nparams, nadv);
            if (i < nparams)
                params[i].get(v, sizeof v);
            else if (i < nparams + nadv)
                advisory_get(i - nparams, v, sizeof v);
            else
                modconf_value(i - nparams - nadv, v, sizeof v);
            keel_reply_bulk(p, name, strlen(name));
            keel_reply_bulk(p, v, strlen(v));
        }
        return KEEL_DONE;
    }
    if (keel_arg_is(sub, "REWRITE") && p->argc == 2) {
        if (!admin_network(p)) {
            keel_reply_error(p, "NOPERM this network does not allow 'config|rewrite' (it needs the "
                                "admin permission)");
            return KEEL_FAIL;
        }
        char err[512];
        if (!config_rewrite(err, sizeof err)) {
            keel_reply_error(p, "%s", err);
            return KEEL_FAIL;
        }
        keel_reply_ok(p);
        return KEEL_DONE;
    }
    if (keel_arg_is(sub, "SET") && p->argc >= 4 && p->argc % 2 == 0) {
        if (!admin_network(p)) {
            keel_reply_error(
                p,
                "NOPERM this network does not allow 'config|set' (it needs the admin permission)");
            return KEEL_FAIL;
        }
        for (uint32_t a = 2; a < p->argc; a += 2) {
            const config_param *cp = NULL;
            for (size_t i = 0; i < BUILTIN_COUNT(params); i++)
                if (keel_arg_is(&p->argv[a], params[i].name)) cp = &params[i];
            long adv = cp ? -1 : advisory_find(p->argv[a].ptr);
            if (!cp && adv < 0 && modconf_exists(p->argv[a].ptr)) { /* a module's "module.name" */
                const char *why = modconf_set(p->argv[a].ptr, p->argv[a + 1].ptr);
                if (why) {
                    keel_reply_error(
                        p, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                        p->argv[a].ptr, why);
                    return KEEL_FAIL;
                }
                continue;
            }
            if ((!cp || !cp->set) && adv < 0) {
                keel_reply_error(p,
                                 "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                                 p->argv[a].ptr);
                return KEEL_FAIL;
            }
            const char *err =
                cp ? cp->set(p->argv[a + 1].ptr) : advisory_set((size_t)adv, p->argv[a + 1].ptr);
            if (err) {
                keel_reply_error(p,
                                 "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                                 cp ? cp->name : advisory_name((size_t)adv), err);
                return KEEL_FAIL;
            }
        }
        keel_reply_ok(p);
        return KEEL_DONE;
    }
    if (keel_arg_is(sub, "RESETSTAT") && p->argc == 2) {
        cmdstats_reset(); /* INFO commandstats and errorstats start over */
        keel_reply_ok(p);
        return KEEL_DONE;
    }
    if (keel_arg_is(sub, "HELP") && p->argc == 2) {
        static const char *const help[] = {
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value> (loglevel, maxclients, timeout,",
            "    tcp-keepalive, client-output-buffer-limit, client-query-buffer-limit, maxmemory,",
            "    maxmemory-policy, maxmemory-samples, lfu-log-factor, lfu-decay-time,",
            "    proto-max-bulk-len, protected-mode, busy-reply-threshold (lua-time-limit),",
            "    notify-keyspace-events, save, appendonly, appendfsync, snapshot-compression,",
            "    rdbcompression; dbfilename accepts only \"\").",
            "REWRITE",
            "    Rewrite the configuration file with the running values of what SET changes.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
        };
        keel_reply_array(p, BUILTIN_COUNT(help));
        for (size_t i = 0; i < BUILTIN_COUNT(help); i++)
            keel_reply_simple(p, help[i]);
        return KEEL_DONE;
    }
    keel_reply_error(
        p, "ERR unknown subcommand or wrong number of arguments for '%.64s'. Try CONFIG HELP.",
        sub->ptr);
    return KEEL_FAIL;
}

static const keel_opcode_def config_ops[] = {
    {sizeof(keel_opcode_def), "config.run", op_config, "CONFIG GET/SET/REWRITE/RESETSTAT/HELP", 0,
     0, 1, 0},
};
static const keel_insn_def config_prog[] = {{.op = "config.run"}, KEEL_END};
static const keel_cmd_def config_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "CONFIG",
     .arity = -2,
     .flags = KEEL_CMD_STATS,
     .summary = "Reads (GET) and changes (SET, admin networks only) server parameters; REWRITE "
                "(admin) saves "
                "the running ones into the config file.",
     .syntax =
         "CONFIG GET pattern [pattern ...] | CONFIG SET parameter value [parameter value ...] | "
         "CONFIG REWRITE | CONFIG RESETSTAT | CONFIG HELP",
     .group = "server",
     .since = "0.1.0",
     .program = config_prog},
};

const keel_family cmd_config_family = KEEL_FAMILY(config_ops, config_cmds);
