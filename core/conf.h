/* conf.h -- server configuration: the embedded default, the JSON config file, command-line
 * flags on top.  A config is validated completely before anything starts. */
#ifndef KEEL_CORE_CONF_H
#define KEEL_CORE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <keel/vm.h>

/* Network permissions (which command flags a network allows). */
#define PERM_READ (1u << 0)
#define PERM_WRITE (1u << 1)
#define PERM_ADMIN (1u << 2)
#define PERM_STATS (1u << 3)
#define PERM_ALL (PERM_READ | PERM_WRITE | PERM_ADMIN | PERM_STATS)

typedef struct conf_network {
    char *name;                /* "resp", "memcache", or the config's name */
    char *host;                /* IPv4/IPv6 literal or host name */
    int port;                  /* 0 = pick a free port */
    char *protocol;            /* a protocol module's name */
    unsigned permissions;      /* PERM_* */
    char *requirepass;         /* NULL = no AUTH needed */
    keel_arg *namespace_path;  /* "namespace": "ns a b" -> {a, b}; every client starts there */
    int namespace_n;
    bool namespace_locked;     /* clients can never leave that namespace upward */
    bool implicit;             /* from the embedded default: skipped if its protocol is absent */
} conf_network;

typedef struct conf {
    char *dir;                 /* data directory (snapshots); default "." */
    char *module_dir;          /* NULL = search (see conf_module_dir) */
    char **modules;            /* names to load; NULL = every module found */
    int nmodules;
    int threads;               /* 0 = number of cores */
    int shards;                /* 0 = 8 per thread */
    conf_network *networks;
    int nnetworks;
    char *log_file;            /* NULL = stderr */
    int log_level;
    int max_clients;
    char *config_file;         /* the file loaded, if any */
} conf;

/* Default RESP and memcached ports of the embedded default config. */
#define CONF_DEFAULT_PORT 6379
#define CONF_DEFAULT_MEMCACHE_PORT 11211

/* Fills c with the embedded default: RESP (and memcached when that protocol is loaded) on
 * 127.0.0.1, every module found, one thread per core. */
void conf_default(conf *c);
void conf_free(conf *c);

/* Loads a JSON config file over c.  Every error is appended to errs as "path: message" lines
 * ("$.networks[1].port: ..."); returns the number of errors (0 = ok). */
int conf_load_file(conf *c, const char *path, char **errs);

/* Parses command-line flags over c.  Returns 0 to run, 1 when the caller should exit 0
 * (--help, --version, --check-config ok), -1 to exit with an error (message printed). */
int conf_parse_args(conf *c, int argc, char **argv);

/* The directory modules are loaded from: the configured one, else $KEEL_MODULE_DIR, else the
 * build tree's .modules next to the running binary, else the installed module dir. */
const char *conf_module_dir(const conf *c);

/* Number of worker threads and shards after defaults are applied. */
int conf_threads(const conf *c);
int conf_shards(const conf *c);

#endif
