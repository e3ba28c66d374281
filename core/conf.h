/* conf.h -- server configuration: the embedded default, the JSON config file, command-line
 * flags on top.  A config is validated completely before anything starts. */
#ifndef KEEL_CORE_CONF_H
#define KEEL_CORE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <keel/vm.h>
#include <stdint.h>

#include "limit.h"

/* Network permissions (which command flags a network allows). */
#define PERM_READ (1u << 0)
#define PERM_WRITE (1u << 1)
#define PERM_ADMIN (1u << 2)
#define PERM_STATS (1u << 3)
#define PERM_ALL (PERM_READ | PERM_WRITE | PERM_ADMIN | PERM_STATS)

/* Which client certificates a TLS network asks for ("client_certs"). */
enum conf_client_certs {
    CONF_CLIENT_CERTS_NONE = 0,
    CONF_CLIENT_CERTS_OPTIONAL,
    CONF_CLIENT_CERTS_REQUIRED
};

typedef struct conf_tls_pair {
    char *cert; /* PEM certificate (chain) file */
    char *key;  /* PEM private key file */
} conf_tls_pair;

/* A network's "tls" object.  File names are kept as written; relative ones are resolved
 * against the config file's directory (conf_path). */
typedef struct conf_tls {
    conf_tls_pair *certs; /* one per key type (RSA, ECDSA, ...): the client's offer picks */
    int ncerts;
    char *ca;             /* CA file checking client certificates; NULL = none asked */
    int client_certs;     /* conf_client_certs; "optional" by default when ca is set */
    int min_version;      /* 12 or 13 (TLS 1.2 / 1.3); default 12 */
    int max_version;      /* 12 or 13; default 13 */
    char *ciphers;        /* OpenSSL cipher list for TLS 1.2; NULL = OpenSSL's default */
    char *ciphersuites;   /* TLS 1.3 suites; NULL = OpenSSL's default */
    bool session_tickets; /* default true */
    int ticket_rotation;  /* seconds a ticket key encrypts before the next takes over */
} conf_tls;

typedef struct conf_network {
    char *name;               /* "resp", "memcache", or the config's name */
    char *host;               /* IPv4/IPv6 literal or host name */
    int port;                 /* 0 = pick a free port */
    char *protocol;           /* a protocol module's name */
    unsigned permissions;     /* PERM_* */
    char *requirepass;        /* NULL = no AUTH needed */
    keel_arg *namespace_path; /* "namespace": "ns a b" -> {a, b}; every client starts there */
    int namespace_n;
    bool namespace_locked;   /* clients can never leave that namespace upward */
    struct opt_set *options; /* "options": {"module.option": "value", ...} for modules */
    conf_tls *tls;           /* NULL = plain TCP */
    char *reply_syntax; /* NULL = the protocol's own; else one its keel_proto_def.reply_syntaxes
                           lists (conf_check_protocols checks it once modules are loaded) */
    char **on_startup;  /* program [arg ...] run once listening, NULL-terminated */
    int max_clients;    /* connections this network accepts at once; 0 = no own bound */
    int timeout;        /* idle seconds before a client is closed; -1 = the server's */
    int database;       /* the numbered database its clients start in (default 0) */
    int eviction;       /* enum evict_net_mode: what its writes do over maxmemory */
    int index;          /* position in the file's "networks" (-1: not from the file) */
    bool implicit;      /* from the embedded default: skipped if its protocol is absent */
} conf_network;

typedef struct conf {
    char *dir;                 /* data directory (snapshots); default "." */
    char *save;                /* save points, Redis's "save" ("3600 1 300 100"); NULL = none */
    bool appendonly;           /* the append-only log (aof.h) */
    int appendfsync;           /* enum aof_fsync; default everysec */
    char *appendfilename;      /* log files' base name (default "appendonly.aof") */
    char *appenddirname;       /* their folder inside dir (default "appendonlydir") */
    bool aof_truncate_corrupt; /* cut a corrupt log at its last good record instead of stopping */
    int key_load_delay;        /* microseconds slept per replayed command or --load-rdb chunk
                                  (tests of -LOADING) */
    char *load_rdb;            /* a Redis RDB file to import at start (--load-rdb); NULL = none */
    int bgsave_slice_delay;    /* microseconds between BGSAVE slices of 16 keys (tests) */
    int snapshot_compression;  /* enum snap_z_codec of the snapshot's blocks; -1 = not given */
    int rdbcompression;        /* Redis's switch: 1 yes, 0 no, -1 not given (conf_snapshot_codec) */
    char *module_dir;          /* directories, ':'-separated; NULL = search (see conf_module_dir) */
    char **modules;            /* names to load; NULL = every module found */
    bool *module_optional; /* [nmodules]: $.modules {"name", "required": false}: a failure is logged
                            */
    char **modconf_names;  /* "module_configs": {"module.name": "value"}: module settings */
    char **modconf_values;
    int nmodconfs;
    char **modarg_names;  /* "module_args": {"name": ["arg", ...]}: load arguments by module */
    char ***modarg_lists; /* [nmodargs][modarg_counts[i]] */
    uint32_t *modarg_counts;
    int nmodargs;
    int nmodules;
    bool modules_from_flag; /* set by --modules (errors name the flag, not $.modules) */
    int threads;            /* 0 = number of cores */
    int shards;             /* 0 = 8 per thread */
    int databases;          /* numbered databases (SELECT 0 .. databases-1), default 16 */
    conf_network *networks;
    int nnetworks;
    char *log_file; /* NULL = stderr */
    int log_level;
    /* client limits (limits.h): read and changed at run time with limit_get/limit_set */
    int max_clients;   /* connections at once, all networks (admin ones get a reserve) */
    int admin_reserve; /* connections networks with the admin permission may open past
                          max_clients, so an operator is never locked out */
    int timeout;       /* idle seconds before a client is closed; 0 = never */
    int tcp_keepalive; /* seconds between TCP keepalive probes; 0 = off */
    limit_obuf obuf[LIMIT_OBUF_CLASSES]; /* client-output-buffer-limit */
    int64_t query_buffer_limit;          /* client-query-buffer-limit: unparsed input per client */
    int64_t proto_max_bulk_len;          /* the largest argument a request may carry */
    bool conn_move;           /* move connections to the thread owning their keys (conn_move.h) */
    bool direct_replies;      /* a request's reply may be written by its shard's thread
                                 (conn_direct.h) */
    bool protected_mode;      /* refuse non-loopback clients of networks without a password */
    int busy_reply_threshold; /* ms a script runs before others waiting for its keys get BUSY
                                 (busy-reply-threshold, lua-time-limit) */
    /* the memory limit (evict.h), also read and changed at run time with limit_get/limit_set */
    int64_t maxmemory;               /* bytes of used_memory; 0 = no limit */
    int maxmemory_policy;            /* enum evict_policy; noeviction by default */
    int maxmemory_samples;           /* keys sampled per shard for each eviction (5) */
    int lfu_log_factor;              /* how slowly the LFU counter grows (10) */
    int lfu_decay_time;              /* minutes for the LFU counter to drop by one (1) */
    unsigned notify_keyspace_events; /* KEEL_NOTIFY_* classes on (notify-keyspace-events) */
    struct json_t *cluster;          /* the file's "cluster" object (cluster.h reads it), or NULL */
    int cluster_enabled;             /* --cluster-enabled: 1 yes, 0 no, -1 as the file says */
    /* the slow log and the latency monitor (slowlog.h, latency.h), applied at start; CONFIG SET
       changes the running values */
    int64_t slowlog_slower_than; /* microseconds (slowlog-log-slower-than): -1 off, 0 all */
    int64_t slowlog_max_len;     /* entries kept (slowlog-max-len) */
    int64_t latency_threshold;   /* ms (latency-monitor-threshold); 0 = off */
    char *config_file;           /* the file loaded, if any */
    char *config_dir;            /* its directory: relative paths in the file start there */
    char *check_file;            /* --check-config FILE: validate and exit */
    char *load_errors;           /* --check-config: errors of the file's fields, reported with
                                    the checks that need the modules */
} conf;

/* Numbered databases: the default count and the most a config may ask for. */
#define CONF_DEFAULT_DATABASES 16
#define CONF_MAX_DATABASES 1024

/* Default RESP and memcached ports of the embedded default config. */
#define CONF_DEFAULT_PORT 6379
#define CONF_DEFAULT_MEMCACHE_PORT 11211
/* busy-reply-threshold's default, in ms (Redis's lua-time-limit). */
#define CONF_DEFAULT_BUSY_REPLY_THRESHOLD 5000
/* The slow log's defaults, as Redis 7.0's. */
#define CONF_DEFAULT_SLOWLOG_SLOWER_THAN 10000
#define CONF_DEFAULT_SLOWLOG_MAX_LEN 128

/* Fills c with the embedded default: RESP (and memcached when that protocol is loaded) on
 * 127.0.0.1, every module found, one thread per core. */
void conf_default(conf *c);
void conf_free(conf *c);

/* Loads a JSON config file over c.  Every error is appended to errs as "path: message" lines
 * ("$.networks[1].port: ..."); returns the number of errors (0 = ok). */
int conf_load_file(conf *c, const char *path, char **errs);

/* Parses command-line flags over c.  Returns 0 to run (or, with c->check_file set, to run the
 * checks of --check-config), 1 when the caller should exit 0 (--help, --version), -1 to exit
 * with an error (message printed). */
int conf_parse_args(conf *c, int argc, char **argv);

/* Appends one "path: message" line to *errs (a growing string the caller frees). */
void conf_error(char **errs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The number of lines in errs. */
int conf_error_count(const char *errs);

/* A file named in the config as a path to open: absolute names as they are, relative ones
 * against the config file's directory.  Returns a new string (mem_free it). */
char *conf_path(const conf *c, const char *file);

/* The JSON path of network n's field ("$.networks[2].tls"), or a description of where a
 * network that is not from the file came from ("network resp (command line)"). */
void conf_network_path(const conf_network *n, const char *field, char *out, size_t cap);

/* The search path modules are loaded from, directories separated by ':': the configured ones
 * (--module-dir a:b, "module_dir": "a:b" or ["a", "b"]), else $KEEL_MODULE_DIR, else the build
 * tree's .modules next to the running binary; the installed module dir always ends it. */
const char *conf_module_dir(const conf *c);

/* Number of worker threads and shards after defaults are applied. */
int conf_threads(const conf *c);
int conf_shards(const conf *c);

/* The codec snapshots use: snapshot-compression when given, else lz4 for rdbcompression yes,
 * else none (docs/config.md). */
int conf_snapshot_codec(const conf *c);

#endif
