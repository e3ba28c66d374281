/* conf.c -- the embedded default config, JSON config files (jansson) and command-line flags. */
#include "config.h"
#include "conf.h"
#include "cluster.h"
#include "evict_policy.h"
#include "log.h"
#include "mem.h"
#include "notify.h"
#include "ns.h"
#include "opts.h"
#include "savepoint.h"
#include "snap_z.h"
#include "aof.h"

#include <keel/abi.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static char *xstrdup(const char *s) {
    return s ? mem_strndup(s, strlen(s)) : NULL;
}

/* One error is one line: control bytes the message quotes from the file (a JSON parse error's
 * context, a name holding "\n") are written as \xNN. */
void conf_error(char **errs, const char *fmt, ...) {
    char raw[768], line[4 * sizeof raw];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)raw; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            n += (size_t)snprintf(line + n, sizeof line - n, "\\x%02x", *p);
        else
            line[n++] = (char)*p;
    }
    line[n] = '\0';
    size_t old = *errs ? strlen(*errs) : 0;
    *errs = mem_realloc(*errs, old + n + 2);
    memcpy(*errs + old, line, n);
    (*errs)[old + n] = '\n';
    (*errs)[old + n + 1] = '\0';
}

int conf_error_count(const char *errs) {
    int count = 0;
    for (const char *s = errs; s && *s; s++)
        count += *s == '\n';
    return count;
}

char *conf_path(const conf *c, const char *file) {
    if (!file) return NULL;
    if (file[0] == '/' || !c->config_dir) return xstrdup(file);
    while (file[0] == '.' && file[1] == '/')
        file += 2;
    size_t nd = strlen(c->config_dir), nf = strlen(file);
    char *out = mem_alloc(nd + nf + 2);
    memcpy(out, c->config_dir, nd);
    out[nd] = '/';
    memcpy(out + nd + 1, file, nf + 1);
    return out;
}

void conf_network_path(const conf_network *n, const char *field, char *out, size_t cap) {
    if (n->index >= 0)
        snprintf(out, cap, "$.networks[%d]%s%s", n->index, field && *field ? "." : "",
                 field ? field : "");
    else
        snprintf(out, cap, "network %s%s%s", n->name, field && *field ? " " : "",
                 field ? field : "");
}

static conf_network *conf_add_network(conf *c, const char *name, const char *host, int port,
                                      const char *protocol) {
    c->networks = mem_realloc(c->networks, sizeof *c->networks * (size_t)(c->nnetworks + 1));
    conf_network *n = &c->networks[c->nnetworks++];
    memset(n, 0, sizeof *n);
    n->name = xstrdup(name);
    n->host = xstrdup(host);
    n->port = port;
    n->protocol = xstrdup(protocol);
    n->permissions = PERM_ALL;
    n->index = -1;
    n->timeout = -1;
    return n;
}

static void conf_tls_free(conf_tls *t) {
    if (!t) return;
    for (int i = 0; i < t->ncerts; i++) {
        mem_free(t->certs[i].cert);
        mem_free(t->certs[i].key);
    }
    mem_free(t->certs);
    mem_free(t->ca);
    mem_free(t->ciphers);
    mem_free(t->ciphersuites);
    mem_free(t);
}

static void conf_argv_free(char **argv) {
    for (char **a = argv; a && *a; a++)
        mem_free(*a);
    mem_free(argv);
}

static void conf_network_free(conf_network *n) {
    opt_unref(n->options);
    for (int i = 0; i < n->namespace_n; i++)
        mem_free((char *)n->namespace_path[i].ptr);
    mem_free(n->namespace_path);
    mem_free(n->name);
    mem_free(n->host);
    mem_free(n->protocol);
    mem_free(n->requirepass);
    conf_tls_free(n->tls);
    mem_free(n->reply_syntax);
    conf_argv_free(n->on_startup);
}

static void conf_clear_networks(conf *c) {
    for (int i = 0; i < c->nnetworks; i++)
        conf_network_free(&c->networks[i]);
    mem_free(c->networks);
    c->networks = NULL;
    c->nnetworks = 0;
}

static void conf_clear_modules(conf *c) {
    for (int i = 0; i < c->nmodules; i++)
        mem_free(c->modules[i]);
    mem_free(c->modules);
    mem_free(c->module_optional);
    c->modules = NULL;
    c->module_optional = NULL;
    c->nmodules = 0;
}

static void conf_clear_modconfs(conf *c) {
    for (int i = 0; i < c->nmodconfs; i++) {
        mem_free(c->modconf_names[i]);
        mem_free(c->modconf_values[i]);
    }
    mem_free(c->modconf_names);
    mem_free(c->modconf_values);
    c->modconf_names = c->modconf_values = NULL;
    c->nmodconfs = 0;
}

static void conf_clear_modargs(conf *c) {
    for (int i = 0; i < c->nmodargs; i++) {
        for (uint32_t j = 0; j < c->modarg_counts[i]; j++)
            mem_free(c->modarg_lists[i][j]);
        mem_free(c->modarg_lists[i]);
        mem_free(c->modarg_names[i]);
    }
    mem_free(c->modarg_names);
    mem_free(c->modarg_lists);
    mem_free(c->modarg_counts);
    c->modarg_names = NULL;
    c->modarg_lists = NULL;
    c->modarg_counts = NULL;
    c->nmodargs = 0;
}

static void conf_add_module(conf *c, char *name, bool optional) {
    c->modules = mem_realloc(c->modules, sizeof *c->modules * (size_t)(c->nmodules + 1));
    c->module_optional =
        mem_realloc(c->module_optional, sizeof *c->module_optional * (size_t)(c->nmodules + 1));
    c->module_optional[c->nmodules] = optional;
    c->modules[c->nmodules++] = name;
}

void conf_default(conf *c) {
    memset(c, 0, sizeof *c);
    c->dir = xstrdup(".");
    c->appendfsync = AOF_FSYNC_EVERYSEC;
    c->snapshot_compression = -1;
    c->rdbcompression = -1;
    c->cluster_enabled = -1;
    c->appendfilename = xstrdup("appendonly.aof");
    c->appenddirname = xstrdup("appendonlydir");
    c->log_level = LOG_NOTICE;
    c->databases = CONF_DEFAULT_DATABASES;
    c->max_clients = LIMIT_DEFAULT_MAX_CLIENTS;
    c->admin_reserve = LIMIT_DEFAULT_ADMIN_RESERVE;
    c->tcp_keepalive = LIMIT_DEFAULT_TCP_KEEPALIVE;
    limit_obuf_default(c->obuf);
    c->query_buffer_limit = LIMIT_DEFAULT_QUERY_BUFFER;
    c->proto_max_bulk_len = LIMIT_DEFAULT_MAX_BULK;
    c->protected_mode = true;
    c->conn_move = true;
    c->direct_replies = true;
    c->busy_reply_threshold = CONF_DEFAULT_BUSY_REPLY_THRESHOLD;
    c->slowlog_slower_than = CONF_DEFAULT_SLOWLOG_SLOWER_THAN;
    c->slowlog_max_len = CONF_DEFAULT_SLOWLOG_MAX_LEN;
    c->maxmemory_policy = EVICT_NOEVICTION;
    c->maxmemory_samples = EVICT_DEFAULT_SAMPLES;
    c->lfu_log_factor = EVICT_DEFAULT_LFU_LOG_FACTOR;
    c->lfu_decay_time = EVICT_DEFAULT_LFU_DECAY_TIME;
    conf_add_network(c, "resp", "127.0.0.1", CONF_DEFAULT_PORT, "resp")->implicit = true;
    conf_add_network(c, "memcache", "127.0.0.1", CONF_DEFAULT_MEMCACHE_PORT, "memcache")->implicit =
        true;
}

void conf_free(conf *c) {
    mem_free(c->dir);
    mem_free(c->save);
    mem_free(c->appendfilename);
    mem_free(c->load_rdb);
    mem_free(c->appenddirname);
    mem_free(c->module_dir);
    conf_clear_modules(c);
    conf_clear_modconfs(c);
    conf_clear_modargs(c);
    conf_clear_networks(c);
    mem_free(c->log_file);
    mem_free(c->config_file);
    mem_free(c->config_dir);
    mem_free(c->check_file);
    mem_free(c->load_errors);
    if (c->cluster) json_decref(c->cluster);
    memset(c, 0, sizeof *c);
}

/* By default one worker per core but one: that core is left to what else must run beside the
 * workers for them to go at full speed (the kernel's network work, the log's writer, a save's
 * I/O, clients on the same machine); see docs/performance.md, "How many threads". */
int conf_threads(const conf *c) {
    if (c->threads > 0) return c->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN) - 1;
    return n > 1 ? (int)(n > 256 ? 256 : n) : 1;
}

int conf_shards(const conf *c) {
    return c->shards > 0 ? c->shards : conf_threads(c) * 8;
}

static bool dir_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The first directories of the search path (conf_module_dir adds the installed one). */
static const char *module_dirs_chosen(const conf *c) {
    static char built[PATH_MAX + 32];
    if (c->module_dir) return c->module_dir;
    const char *env = getenv("KEEL_MODULE_DIR");
    if (env && *env) return env;
    /* An uninstalled binary (core/keel-server or core/.libs/...) uses the modules built beside
     * it, staged by `make` in <builddir>/.modules. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        const char *ups[] = {"/../.modules", "/../../.modules"};
        for (size_t i = 0; i < 2; i++) {
            snprintf(built, sizeof built, "%s%s", exe, ups[i]);
            if (dir_exists(built)) return built;
        }
    }
    return KEEL_MODULE_DIR;
}

/* True when path (':'-separated) lists dir. */
static bool path_has(const char *path, const char *dir) {
    size_t n = strlen(dir);
    for (const char *s = path; s && *s; s = strchr(s, ':') ? strchr(s, ':') + 1 : NULL)
        if (!strncmp(s, dir, n) && (s[n] == ':' || s[n] == '\0')) return true;
    return false;
}

const char *conf_module_dir(const conf *c) {
    static char path[8192];
    const char *first = module_dirs_chosen(c);
    if (path_has(first, KEEL_MODULE_DIR)) return first;
    snprintf(path, sizeof path, "%s:%s", first, KEEL_MODULE_DIR);
    return path;
}

/* ---- JSON ---- */

static bool json_str(json_t *v, const char *path, char **out, char **errs) {
    if (!json_is_string(v)) {
        conf_error(errs, "%s: expected a string", path);
        return false;
    }
    mem_free(*out);
    *out = xstrdup(json_string_value(v));
    return true;
}

/* "yes"/"no" as redis-server takes them; -1 otherwise. */
static int yes_no(const char *s) {
    return !strcasecmp(s, "yes") ? 1 : !strcasecmp(s, "no") ? 0 : -1;
}

/* "save": Redis's save points as one string ("3600 1 300 100"; "" = none). */
static void conf_json_save(conf *c, json_t *v, const char *path, char **errs) {
    savepoint sp[SAVEPOINT_MAX];
    if (!json_is_string(v) || savepoint_parse(json_string_value(v), sp, SAVEPOINT_MAX) < 0) {
        conf_error(errs,
                   "%s: expected \"\" or pairs of positive integers \"seconds changes ...\" "
                   "(at most %d pairs)",
                   path, SAVEPOINT_MAX);
        return;
    }
    json_str(v, path, &c->save, errs);
}

static bool json_int_range(json_t *v, const char *path, long lo, long hi, int *out, char **errs) {
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        conf_error(errs, "%s: expected an integer from %ld to %ld", path, lo, hi);
        return false;
    }
    *out = (int)json_integer_value(v);
    return true;
}

/* A byte count: an integer, or a string with Redis's units ("64mb", "1gb"). */
static bool json_bytes(json_t *v, const char *path, int64_t lo, int64_t hi, int64_t *out,
                       char **errs) {
    int64_t n = -1;
    if (json_is_integer(v))
        n = json_integer_value(v);
    else if (!json_is_string(v) || !limit_parse_bytes(json_string_value(v), &n))
        n = -1;
    if (n < lo || n > hi) {
        conf_error(
            errs,
            "%s: expected a byte count from %lld to %lld (an integer or a string such as \"64mb\")",
            path, (long long)lo, (long long)hi);
        return false;
    }
    *out = n;
    return true;
}

/* A whole number from lo up (64 bits). */
static void json_int64_from(json_t *v, const char *path, int64_t lo, int64_t *out, char **errs) {
    if (!json_is_integer(v) || json_integer_value(v) < lo)
        conf_error(errs, "%s: expected an integer from %lld up", path, (long long)lo);
    else
        *out = json_integer_value(v);
}

static void json_policy(json_t *v, const char *path, int *out, char **errs) {
    int p = json_is_string(v) ? evict_policy_parse(json_string_value(v)) : -1;
    if (p < 0)
        conf_error(errs,
                   "%s: expected one of volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
                   "allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
                   path);
    else
        *out = p;
}

/* "client_output_buffer_limit": {"normal": {"hard": B, "soft": B, "soft_seconds": N}, "pubsub":
 * {...}}, or Redis's string "normal 0 0 0 pubsub 32mb 8mb 60". */
static void conf_json_obuf(conf *c, json_t *v, const char *path, char **errs) {
    if (json_is_string(v)) {
        const char *err = limit_parse_obuf(json_string_value(v), c->obuf);
        if (err) conf_error(errs, "%s: %s", path, err);
        return;
    }
    if (!json_is_object(v)) {
        conf_error(
            errs,
            "%s: expected {\"normal\": {\"hard\": ..., \"soft\": ..., \"soft_seconds\": ...}, "
            "\"pubsub\": {...}} or \"normal 0 0 0 pubsub 32mb 8mb 60\"",
            path);
        return;
    }
    const char *cls;
    json_t *jc;
    json_object_foreach(v, cls, jc) {
        char cpath[224];
        snprintf(cpath, sizeof cpath, "%s.%s", path, cls);
        int k = limit_obuf_class(cls, strlen(cls));
        if (k < 0 || !json_is_object(jc)) {
            conf_error(
                errs,
                "%s: expected \"normal\" or \"pubsub\" with an object of hard, soft, soft_seconds",
                cpath);
            continue;
        }
        const char *f;
        json_t *jv;
        json_object_foreach(jc, f, jv) {
            char fpath[288];
            snprintf(fpath, sizeof fpath, "%s.%s", cpath, f);
            if (!strcmp(f, "hard"))
                json_bytes(jv, fpath, 0, INT64_MAX, &c->obuf[k].hard, errs);
            else if (!strcmp(f, "soft"))
                json_bytes(jv, fpath, 0, INT64_MAX, &c->obuf[k].soft, errs);
            else if (!strcmp(f, "soft_seconds")) {
                int secs = 0;
                if (json_int_range(jv, fpath, 0, 86400 * 365, &secs, errs))
                    c->obuf[k].soft_seconds = secs;
            } else
                conf_error(errs, "%s: unknown field", fpath);
        }
    }
}

static unsigned perm_bit(const char *s) {
    if (!strcmp(s, "read")) return PERM_READ;
    if (!strcmp(s, "write")) return PERM_WRITE;
    if (!strcmp(s, "admin")) return PERM_ADMIN;
    if (!strcmp(s, "stats")) return PERM_STATS;
    return 0;
}

/* "namespace": "ns a b" (or "namespace a b"): the words after the command are the path, each a
 * name NS would accept, at most KEEL_NS_DEPTH_MAX of them. */
static void conf_network_namespace(conf_network *n, json_t *v, const char *path, char **errs) {
    if (!json_is_string(v)) {
        conf_error(errs, "%s: expected a string such as \"ns tenant1\"", path);
        return;
    }
    const char *s = json_string_value(v);
    char *words[KEEL_NS_DEPTH_MAX + 2];
    int nw = 0;
    bool too_long = false;
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s) break;
        const char *e = s;
        while (*e && *e != ' ')
            e++;
        if (nw == KEEL_NS_DEPTH_MAX + 2) break; /* one word too many is enough to refuse */
        too_long |= nw > 0 && !ns_name_ok(s, (size_t)(e - s));
        words[nw++] = mem_strndup(s, (size_t)(e - s));
        s = e;
    }
    bool bad = true;
    if (nw < 2 || (strcasecmp(words[0], "ns") != 0 && strcasecmp(words[0], "namespace") != 0))
        conf_error(errs, "%s: expected \"ns name [name ...]\"", path);
    else if (nw - 1 > KEEL_NS_DEPTH_MAX)
        conf_error(errs, "%s: namespace nesting is limited to %d levels", path, KEEL_NS_DEPTH_MAX);
    else if (too_long)
        conf_error(errs, "%s: namespace names are at most 512 bytes", path);
    else
        bad = false;
    if (bad) {
        for (int i = 0; i < nw; i++)
            mem_free(words[i]);
        return;
    }
    mem_free(words[0]);
    n->namespace_path = mem_calloc((size_t)(nw - 1), sizeof *n->namespace_path);
    for (int i = 1; i < nw; i++) {
        n->namespace_path[i - 1].ptr = words[i];
        n->namespace_path[i - 1].len = strlen(words[i]);
    }
    n->namespace_n = nw - 1;
}

static bool json_bool(json_t *v, const char *path, bool *out, char **errs) {
    if (!json_is_boolean(v)) {
        conf_error(errs, "%s: expected true or false", path);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

/* "1.2" / "1.3" (or "TLSv1.2" / "TLSv1.3") -> 12 / 13. */
static bool json_tls_version(json_t *v, const char *path, int *out, char **errs) {
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    if (!strncasecmp(s, "TLSv", 4)) s += 4;
    if (!strcmp(s, "1.2"))
        *out = 12;
    else if (!strcmp(s, "1.3"))
        *out = 13;
    else {
        conf_error(errs, "%s: expected \"1.2\" or \"1.3\" (TLS below 1.2 is not offered)", path);
        return false;
    }
    return true;
}

/* "certs": [{"cert": "rsa.crt", "key": "rsa.key"}, ...] */
static void conf_tls_certs(conf_tls *t, json_t *v, const char *path, char **errs) {
    if (!json_is_array(v) || json_array_size(v) == 0) {
        conf_error(errs, "%s: expected a non-empty array of {\"cert\": FILE, \"key\": FILE}", path);
        return;
    }
    size_t i;
    json_t *jp;
    json_array_foreach(v, i, jp) {
        char ppath[256], fpath[288];
        snprintf(ppath, sizeof ppath, "%s[%zu]", path, i);
        if (!json_is_object(jp)) {
            conf_error(errs, "%s: expected {\"cert\": FILE, \"key\": FILE}", ppath);
            continue;
        }
        t->certs = mem_realloc(t->certs, sizeof *t->certs * (size_t)(t->ncerts + 1));
        conf_tls_pair *pair = &t->certs[t->ncerts++];
        memset(pair, 0, sizeof *pair);
        const char *key;
        json_t *f;
        json_object_foreach(jp, key, f) {
            snprintf(fpath, sizeof fpath, "%s.%s", ppath, key);
            if (!strcmp(key, "cert"))
                json_str(f, fpath, &pair->cert, errs);
            else if (!strcmp(key, "key"))
                json_str(f, fpath, &pair->key, errs);
            else
                conf_error(errs, "%s: unknown field", fpath);
        }
        if (!pair->cert) conf_error(errs, "%s.cert: missing (the certificate file)", ppath);
        if (!pair->key) conf_error(errs, "%s.key: missing (the private key file)", ppath);
    }
}

static void conf_network_tls(conf_network *n, json_t *v, const char *path, char **errs) {
    if (!json_is_object(v)) {
        conf_error(errs,
                   "%s: expected an object such as {\"certs\": [{\"cert\": FILE, \"key\": FILE}]}",
                   path);
        return;
    }
    conf_tls *t = mem_calloc(1, sizeof *t);
    t->min_version = 12;
    t->max_version = 13;
    t->session_tickets = true;
    t->ticket_rotation = 3600;
    t->client_certs = -1;
    conf_tls_free(n->tls);
    n->tls = t;
    const char *key;
    json_t *f;
    char fpath[224];
    json_object_foreach(v, key, f) {
        snprintf(fpath, sizeof fpath, "%s.%s", path, key);
        if (!strcmp(key, "certs"))
            conf_tls_certs(t, f, fpath, errs);
        else if (!strcmp(key, "ca"))
            json_str(f, fpath, &t->ca, errs);
        else if (!strcmp(key, "client_certs")) {
            const char *s = json_is_string(f) ? json_string_value(f) : "";
            if (!strcmp(s, "none"))
                t->client_certs = CONF_CLIENT_CERTS_NONE;
            else if (!strcmp(s, "optional"))
                t->client_certs = CONF_CLIENT_CERTS_OPTIONAL;
            else if (!strcmp(s, "required"))
                t->client_certs = CONF_CLIENT_CERTS_REQUIRED;
            else
                conf_error(errs, "%s: expected \"none\", \"optional\" or \"required\"", fpath);
        } else if (!strcmp(key, "min_version"))
            json_tls_version(f, fpath, &t->min_version, errs);
        else if (!strcmp(key, "max_version"))
            json_tls_version(f, fpath, &t->max_version, errs);
        else if (!strcmp(key, "ciphers"))
            json_str(f, fpath, &t->ciphers, errs);
        else if (!strcmp(key, "ciphersuites"))
            json_str(f, fpath, &t->ciphersuites, errs);
        else if (!strcmp(key, "session_tickets"))
            json_bool(f, fpath, &t->session_tickets, errs);
        else if (!strcmp(key, "ticket_rotation"))
            json_int_range(f, fpath, 1, 7 * 86400, &t->ticket_rotation, errs);
        else
            conf_error(errs, "%s: unknown field", fpath);
    }
    if (!json_object_get(v, "certs"))
        conf_error(errs, "%s.certs: missing (at least one {\"cert\": FILE, \"key\": FILE})", path);
    if (t->client_certs < 0)
        t->client_certs = t->ca ? CONF_CLIENT_CERTS_OPTIONAL : CONF_CLIENT_CERTS_NONE;
    else if (t->client_certs != CONF_CLIENT_CERTS_NONE && !t->ca)
        conf_error(errs,
                   "%s.client_certs: needs \"ca\", the CA file that checks client certificates",
                   path);
    if (t->min_version > t->max_version)
        conf_error(errs, "%s.min_version: above max_version", path);
}

/* "on_startup": "/path/prog" or ["/path/prog", "arg", ...]; the network's name, host, port,
 * tls|notls and protocol follow. */
static void conf_network_on_startup(conf_network *n, json_t *v, const char *path, char **errs) {
    size_t count = json_is_string(v) ? 1 : json_is_array(v) ? json_array_size(v) : 0;
    bool ok = count > 0;
    for (size_t i = 0; ok && json_is_array(v) && i < count; i++)
        ok = json_is_string(json_array_get(v, i));
    if (!ok || (json_is_string(v) && !*json_string_value(v))) {
        conf_error(errs, "%s: expected a program (a string) or [program, arg, ...]", path);
        return;
    }
    conf_argv_free(n->on_startup);
    n->on_startup = mem_calloc(count + 1, sizeof *n->on_startup);
    for (size_t i = 0; i < count; i++)
        n->on_startup[i] = xstrdup(json_string_value(json_is_string(v) ? v : json_array_get(v, i)));
}

/* "dialect": "redis" (the default) or "keel": the connections' KEEL_DIALECT_OPTION. */
static void conf_network_dialect(conf_network *n, json_t *v, const char *path, char **errs) {
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    if (strcmp(s, "redis") != 0 && strcmp(s, "keel") != 0) {
        conf_error(errs, "%s: expected \"redis\" or \"keel\"", path);
        return;
    }
    opt_set *next = opt_set_with(n->options, KEEL_DIALECT_OPTION, s);
    opt_unref(n->options);
    n->options = next;
}

static void conf_network_reply_syntax(conf_network *n, json_t *v, const char *path, char **errs) {
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    if (!*s) { /* which names are valid is the protocol's to say (conf_check_protocols) */
        conf_error(errs, "%s: expected the name of a reply syntax of the network's protocol", path);
        return;
    }
    mem_free(n->reply_syntax);
    n->reply_syntax = xstrdup(s);
}

/* "options": {"hll.merge_reply": "ok", ...}: string values for modules, named module.option. */
static void conf_network_options(conf_network *n, json_t *v, const char *path, char **errs) {
    if (!json_is_object(v)) {
        conf_error(errs, "%s: expected an object of \"module.option\": \"value\" strings", path);
        return;
    }
    const char *k;
    json_t *val;
    json_object_foreach(v, k, val) {
        if (!json_is_string(val) || !strchr(k, '.')) {
            conf_error(errs, "%s.%s: expected a string value and a name like \"module.option\"",
                       path, k);
            continue;
        }
        opt_set *next = opt_set_with(n->options, k, json_string_value(val));
        opt_unref(n->options);
        n->options = next;
    }
}

static void conf_json_network(conf *c, json_t *jn, int idx, char **errs) {
    char path[96];
    snprintf(path, sizeof path, "$.networks[%d]", idx);
    if (!json_is_object(jn)) {
        conf_error(errs, "%s: expected an object", path);
        return;
    }
    conf_network *n = conf_add_network(c, NULL, "127.0.0.1", 0, "resp");
    n->index = idx;
    const char *key;
    json_t *v;
    char fpath[160];
    json_object_foreach(jn, key, v) {
        snprintf(fpath, sizeof fpath, "%s.%s", path, key);
        if (!strcmp(key, "name"))
            json_str(v, fpath, &n->name, errs);
        else if (!strcmp(key, "host"))
            json_str(v, fpath, &n->host, errs);
        else if (!strcmp(key, "port"))
            json_int_range(v, fpath, 0, 65535, &n->port, errs);
        else if (!strcmp(key, "protocol"))
            json_str(v, fpath, &n->protocol, errs);
        else if (!strcmp(key, "requirepass"))
            json_str(v, fpath, &n->requirepass, errs);
        else if (!strcmp(key, "namespace"))
            conf_network_namespace(n, v, fpath, errs);
        else if (!strcmp(key, "options"))
            conf_network_options(n, v, fpath, errs);
        else if (!strcmp(key, "namespace_locked"))
            json_bool(v, fpath, &n->namespace_locked, errs);
        else if (!strcmp(key, "tls"))
            conf_network_tls(n, v, fpath, errs);
        else if (!strcmp(key, "reply_syntax"))
            conf_network_reply_syntax(n, v, fpath, errs);
        else if (!strcmp(key, "dialect"))
            conf_network_dialect(n, v, fpath, errs);
        else if (!strcmp(key, "on_startup"))
            conf_network_on_startup(n, v, fpath, errs);
        else if (!strcmp(key, "max_clients"))
            json_int_range(v, fpath, 0, 1000000, &n->max_clients, errs);
        else if (!strcmp(key, "timeout"))
            json_int_range(v, fpath, 0, INT_MAX, &n->timeout, errs);
        else if (!strcmp(key, "eviction")) {
            int m = json_is_string(v) ? evict_net_mode_parse(json_string_value(v)) : -1;
            if (m < 0)
                conf_error(errs, "%s: expected \"policy\", \"evict\" or \"refuse\"", fpath);
            else
                n->eviction = m;
        } else if (!strcmp(key, "database"))
            json_int_range(v, fpath, 0, CONF_MAX_DATABASES - 1, &n->database, errs);
        else if (!strcmp(key, "permissions")) {
            if (!json_is_array(v)) {
                conf_error(errs,
                           "%s: expected an array of \"read\", \"write\", \"admin\", \"stats\"",
                           fpath);
                continue;
            }
            n->permissions = 0;
            size_t i;
            json_t *p;
            json_array_foreach(v, i, p) {
                unsigned bit = json_is_string(p) ? perm_bit(json_string_value(p)) : 0;
                if (!bit)
                    conf_error(errs, "%s[%zu]: unknown permission (use read, write, admin, stats)",
                               fpath, i);
                n->permissions |= bit;
            }
        } else
            conf_error(errs, "%s: unknown field", fpath);
    }
    if (!n->name) {
        char def[32];
        snprintf(def, sizeof def, "net%d", idx);
        n->name = xstrdup(def);
    }
}

static void conf_json_modules(conf *c, json_t *v, char **errs) {
    if (!json_is_array(v)) {
        conf_error(errs, "$.modules: expected an array of module names");
        return;
    }
    conf_clear_modules(c);
    size_t i;
    json_t *m;
    json_array_foreach(v, i, m) {
        if (json_is_string(m)) {
            conf_add_module(c, xstrdup(json_string_value(m)), false);
            continue;
        }
        json_t *name = json_object_get(m, "name"), *req = json_object_get(m, "required");
        const char *key;
        json_t *val;
        bool unknown = false;
        if (json_is_object(m))
            json_object_foreach(m, key, val) unknown |=
                strcmp(key, "name") != 0 && strcmp(key, "required") != 0;
        if (!json_is_object(m) || !json_is_string(name) || (req && !json_is_boolean(req)) ||
            unknown) {
            conf_error(errs,
                       "$.modules[%zu]: expected a module name or {\"name\": \"...\", "
                       "\"required\": true|false}",
                       i);
            continue;
        }
        conf_add_module(c, xstrdup(json_string_value(name)), req && json_is_false(req));
    }
}

/* "module_configs": {"module.name": "value", ...}: settings modules registering them take. */
static void conf_json_modconfs(conf *c, json_t *v, char **errs) {
    if (!json_is_object(v)) {
        conf_error(errs,
                   "$.module_configs: expected an object of \"module.name\": \"value\" strings");
        return;
    }
    conf_clear_modconfs(c);
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        const char *dot = strchr(key, '.');
        if (!dot || dot == key || !dot[1] || strlen(key) > 128 || !json_is_string(val)) {
            conf_error(errs,
                       "$.module_configs.%.128s: expected \"module.name\": \"value\" (a string)",
                       key);
            continue;
        }
        c->modconf_names =
            mem_realloc(c->modconf_names, sizeof *c->modconf_names * (size_t)(c->nmodconfs + 1));
        c->modconf_values =
            mem_realloc(c->modconf_values, sizeof *c->modconf_values * (size_t)(c->nmodconfs + 1));
        c->modconf_names[c->nmodconfs] = xstrdup(key);
        c->modconf_values[c->nmodconfs++] = xstrdup(json_string_value(val));
    }
}

/* "module_args": {"name": ["arg", ...], ...}: the arguments each named module is loaded with
 * (keel_module_args), at most 1024 strings of at most 4096 bytes each. */
static void conf_json_modargs(conf *c, json_t *v, char **errs) {
    if (!json_is_object(v)) {
        conf_error(errs, "$.module_args: expected an object of \"module\": [\"arg\", ...] lists");
        return;
    }
    conf_clear_modargs(c);
    const char *key;
    json_t *list;
    json_object_foreach(v, key, list) {
        bool ok = *key && strlen(key) <= 64 && json_is_array(list) && json_array_size(list) <= 1024;
        size_t i;
        json_t *a;
        json_array_foreach(list, i, a) ok =
            ok && json_is_string(a) && strlen(json_string_value(a)) <= 4096;
        if (!ok) {
            conf_error(errs,
                       "$.module_args.%.64s: expected a module name and a list of at most 1024 "
                       "strings of at most 4096 bytes",
                       key);
            continue;
        }
        size_t n = json_array_size(list);
        c->modarg_names =
            mem_realloc(c->modarg_names, sizeof *c->modarg_names * (size_t)(c->nmodargs + 1));
        c->modarg_lists =
            mem_realloc(c->modarg_lists, sizeof *c->modarg_lists * (size_t)(c->nmodargs + 1));
        c->modarg_counts =
            mem_realloc(c->modarg_counts, sizeof *c->modarg_counts * (size_t)(c->nmodargs + 1));
        char **args = mem_calloc(n ? n : 1, sizeof *args);
        json_array_foreach(list, i, a) args[i] = xstrdup(json_string_value(a));
        c->modarg_names[c->nmodargs] = xstrdup(key);
        c->modarg_lists[c->nmodargs] = args;
        c->modarg_counts[c->nmodargs++] = (uint32_t)n;
    }
}

/* "module_dir": "a:b" or ["a", "b"]: the search path, ':'-separated. */
static void conf_json_module_dir(conf *c, json_t *v, const char *fpath, char **errs) {
    if (!json_is_array(v)) {
        json_str(v, fpath, &c->module_dir, errs);
        return;
    }
    char joined[8192] = "";
    size_t len = 0, i;
    json_t *d;
    json_array_foreach(v, i, d) {
        const char *s = json_is_string(d) ? json_string_value(d) : NULL;
        if (!s || !*s || strchr(s, ':') || len + strlen(s) + 2 > sizeof joined) {
            conf_error(errs, "%s[%zu]: expected a directory (a non-empty string without ':')",
                       fpath, i);
            return;
        }
        len += (size_t)snprintf(joined + len, sizeof joined - len, "%s%s", len ? ":" : "", s);
    }
    if (!len) {
        conf_error(errs, "%s: expected at least one directory", fpath);
        return;
    }
    mem_free(c->module_dir);
    c->module_dir = xstrdup(joined);
}

static void conf_json_log(conf *c, json_t *v, char **errs) {
    if (!json_is_object(v)) {
        conf_error(errs, "$.log: expected an object with \"file\" and \"level\"");
        return;
    }
    const char *key;
    json_t *f;
    json_object_foreach(v, key, f) {
        if (!strcmp(key, "file"))
            json_str(f, "$.log.file", &c->log_file, errs);
        else if (!strcmp(key, "level")) {
            int lv = json_is_string(f) ? log_level_parse(json_string_value(f)) : -1;
            if (lv < 0)
                conf_error(errs, "$.log.level: expected debug, info, notice, warning or error");
            else
                c->log_level = lv;
        } else
            conf_error(errs, "$.log.%s: unknown field", key);
    }
}

int conf_snapshot_codec(const conf *c) {
    if (c->snapshot_compression >= 0) return c->snapshot_compression;
    return c->rdbcompression == 1 ? SNAP_Z_LZ4 : SNAP_Z_NONE;
}

/* "snapshot_compression" ("no", "lz4", "zstd") and Redis's "rdbcompression" (true/false or
 * "yes"/"no"). */
static bool conf_json_snapz(conf *c, const char *key, json_t *v, const char *path, char **errs) {
    if (!strcmp(key, "snapshot_compression")) {
        int codec = json_is_string(v) ? snap_z_parse(json_string_value(v)) : -1;
        if (codec < 0)
            conf_error(errs, "%s: expected \"no\", \"lz4\" or \"zstd\"", path);
        else
            c->snapshot_compression = codec;
    } else if (!strcmp(key, "rdbcompression")) {
        int yn = json_is_boolean(v)  ? json_is_true(v)
                 : json_is_string(v) ? yes_no(json_string_value(v))
                                     : -1;
        if (yn < 0)
            conf_error(errs, "%s: expected true, false, \"yes\" or \"no\"", path);
        else
            c->rdbcompression = yn;
    } else {
        return false;
    }
    return true;
}

/* The directory of the config file, absolute when it can be found. */
static char *conf_dir_of(const char *path) {
    char real[PATH_MAX];
    const char *p = realpath(path, real) ? real : path;
    const char *slash = strrchr(p, '/');
    if (!slash) return xstrdup(".");
    if (slash == p) return xstrdup("/");
    return mem_strndup(p, (size_t)(slash - p));
}

/* notify-keyspace-events' letters, as CONFIG SET takes them. */
static void conf_json_notify(conf *c, json_t *v, const char *path, char **errs) {
    if (!json_is_string(v) || !notify_parse(json_string_value(v), &c->notify_keyspace_events))
        conf_error(errs, "%s: expected a string of the event class letters 'Ag$lshzxeKEtmdn'",
                   path);
}

/* A log file or folder name: one path component. */
static bool aof_name_ok(const char *s) {
    return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

/* The append-only log's settings: "appendonly" (true/false or "yes"/"no"), "appendfsync",
 * "appendfilename", "appenddirname", "aof_truncate_corrupt", "key_load_delay",
 * "bgsave_slice_delay", "load_rdb". */
static bool conf_json_aof(conf *c, const char *key, json_t *v, const char *path, char **errs) {
    if (!strcmp(key, "appendonly")) {
        int yn = json_is_boolean(v)  ? json_is_true(v)
                 : json_is_string(v) ? yes_no(json_string_value(v))
                                     : -1;
        if (yn < 0)
            conf_error(errs, "%s: expected true, false, \"yes\" or \"no\"", path);
        else
            c->appendonly = yn;
    } else if (!strcmp(key, "appendfsync")) {
        int pol = json_is_string(v) ? aof_fsync_parse(json_string_value(v)) : -1;
        if (pol < 0)
            conf_error(errs, "%s: expected \"always\", \"everysec\" or \"no\"", path);
        else
            c->appendfsync = pol;
    } else if (!strcmp(key, "appendfilename") || !strcmp(key, "appenddirname")) {
        char **field = key[6] == 'f' ? &c->appendfilename : &c->appenddirname;
        if (!json_is_string(v) || !aof_name_ok(json_string_value(v))) {
            conf_error(errs, "%s: expected a file name (no '/')", path);
        } else {
            mem_free(*field);
            *field = xstrdup(json_string_value(v));
        }
    } else if (!strcmp(key, "aof_truncate_corrupt")) {
        json_bool(v, path, &c->aof_truncate_corrupt, errs);
    } else if (!strcmp(key, "key_load_delay")) {
        json_int_range(v, path, 0, 1000000, &c->key_load_delay, errs);
    } else if (!strcmp(key, "bgsave_slice_delay")) {
        json_int_range(v, path, 0, 1000000, &c->bgsave_slice_delay, errs);
    } else if (!strcmp(key, "load_rdb")) {
        if (!json_is_string(v) || !*json_string_value(v)) {
            conf_error(errs, "%s: expected the path of a Redis RDB file", path);
        } else {
            mem_free(c->load_rdb);
            c->load_rdb = xstrdup(json_string_value(v));
        }
    } else {
        return false;
    }
    return true;
}

int conf_load_file(conf *c, const char *path, char **errs) {
    int before = conf_error_count(*errs);
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        conf_error(errs, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        return 1;
    }
    mem_free(c->config_file);
    c->config_file = xstrdup(path);
    mem_free(c->config_dir);
    c->config_dir = conf_dir_of(path);
    if (!json_is_object(root)) {
        conf_error(errs, "$: expected a JSON object");
        json_decref(root);
        return 1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        char fpath[96];
        snprintf(fpath, sizeof fpath, "$.%s", key);
        if (!strcmp(key, "modules"))
            conf_json_modules(c, v, errs);
        else if (!strcmp(key, "module_dir"))
            conf_json_module_dir(c, v, fpath, errs);
        else if (!strcmp(key, "module_configs"))
            conf_json_modconfs(c, v, errs);
        else if (!strcmp(key, "module_args"))
            conf_json_modargs(c, v, errs);
        else if (!strcmp(key, "dir"))
            json_str(v, fpath, &c->dir, errs);
        else if (!strcmp(key, "save"))
            conf_json_save(c, v, fpath, errs);
        else if (conf_json_aof(c, key, v, fpath, errs))
            continue;
        else if (conf_json_snapz(c, key, v, fpath, errs))
            continue;
        else if (!strcmp(key, "threads"))
            json_int_range(v, fpath, 0, 256, &c->threads, errs);
        else if (!strcmp(key, "shards"))
            json_int_range(v, fpath, 0, 65536, &c->shards, errs);
        else if (!strcmp(key, "databases"))
            json_int_range(v, fpath, 1, CONF_MAX_DATABASES, &c->databases, errs);
        else if (!strcmp(key, "max_clients"))
            json_int_range(v, fpath, 1, 1000000, &c->max_clients, errs);
        else if (!strcmp(key, "admin_reserve"))
            json_int_range(v, fpath, 0, 100000, &c->admin_reserve, errs);
        else if (!strcmp(key, "timeout"))
            json_int_range(v, fpath, 0, INT_MAX, &c->timeout, errs);
        else if (!strcmp(key, "tcp_keepalive"))
            json_int_range(v, fpath, 0, INT_MAX, &c->tcp_keepalive, errs);
        else if (!strcmp(key, "client_output_buffer_limit"))
            conf_json_obuf(c, v, fpath, errs);
        else if (!strcmp(key, "client_query_buffer_limit"))
            json_bytes(v, fpath, 1024 * 1024, INT64_MAX, &c->query_buffer_limit, errs);
        else if (!strcmp(key, "proto_max_bulk_len"))
            json_bytes(v, fpath, 1024 * 1024, INT32_MAX, &c->proto_max_bulk_len, errs);
        else if (!strcmp(key, "protected_mode"))
            json_bool(v, fpath, &c->protected_mode, errs);
        else if (!strcmp(key, "conn_move"))
            json_bool(v, fpath, &c->conn_move, errs);
        else if (!strcmp(key, "direct_replies"))
            json_bool(v, fpath, &c->direct_replies, errs);
        else if (!strcmp(key, "busy_reply_threshold"))
            json_int_range(v, fpath, 0, INT_MAX, &c->busy_reply_threshold, errs);
        else if (!strcmp(key, "max_memory"))
            json_bytes(v, fpath, 0, INT64_MAX, &c->maxmemory, errs);
        else if (!strcmp(key, "max_memory_policy"))
            json_policy(v, fpath, &c->maxmemory_policy, errs);
        else if (!strcmp(key, "max_memory_samples"))
            json_int_range(v, fpath, 1, 64, &c->maxmemory_samples, errs);
        else if (!strcmp(key, "lfu_log_factor"))
            json_int_range(v, fpath, 0, INT_MAX, &c->lfu_log_factor, errs);
        else if (!strcmp(key, "lfu_decay_time"))
            json_int_range(v, fpath, 0, INT_MAX, &c->lfu_decay_time, errs);
        else if (!strcmp(key, "notify_keyspace_events"))
            conf_json_notify(c, v, fpath, errs);
        else if (!strcmp(key, "slowlog_log_slower_than"))
            json_int64_from(v, fpath, -1, &c->slowlog_slower_than, errs);
        else if (!strcmp(key, "slowlog_max_len"))
            json_int64_from(v, fpath, 0, &c->slowlog_max_len, errs);
        else if (!strcmp(key, "latency_monitor_threshold"))
            json_int64_from(v, fpath, 0, &c->latency_threshold, errs);
        else if (!strcmp(key, "log"))
            conf_json_log(c, v, errs);
        else if (!strcmp(key, "cluster")) {
            cluster_conf_check(v, errs);
            if (c->cluster) json_decref(c->cluster);
            c->cluster = json_incref(v);
        } else if (!strcmp(key, "networks")) {
            if (!json_is_array(v)) {
                conf_error(errs, "$.networks: expected an array");
                continue;
            }
            conf_clear_networks(c);
            size_t i;
            json_t *jn;
            json_array_foreach(v, i, jn) conf_json_network(c, jn, (int)i, errs);
        } else
            conf_error(errs, "%s: unknown field", fpath);
    }
    json_decref(root);
    return conf_error_count(*errs) - before;
}

/* ---- command line ---- */

static void usage(FILE *f) {
    fprintf(
        f,
        "Usage: keel-server [options]\n"
        "  --config FILE          JSON config file (default: the embedded default)\n"
        "  --check-config FILE    validate FILE, print every error, and exit\n"
        "  --bind HOST            address of the RESP listener (default 127.0.0.1)\n"
        "  --port PORT            port of the RESP listener (default %d, 0 = pick one)\n"
        "  --memcache-port PORT   port of the memcached listener (default %d)\n"
        "  --dir DIR              data directory (default .): snapshots are saved and loaded "
        "there\n"
        "  --save \"S C ...\"       save points: snapshot after S seconds and C changes (default "
        "none)\n"
        "  --appendonly yes|no    the append-only log (default no): docs/persistence.md\n"
        "  --appendfsync P        always, everysec (default) or no\n"
        "  --snapshot-compression C  no (default), lz4 or zstd: the snapshot's record blocks\n"
        "  --rdbcompression yes|no   Redis's switch: yes = lz4 unless --snapshot-compression says\n"
        "  --appendfilename F     log files' base name (default appendonly.aof)\n"
        "  --appenddirname D      their folder inside --dir (default appendonlydir)\n"
        "  --aof-truncate-corrupt cut a corrupt log at its last good record and start\n"
        "  --load-rdb FILE        import a Redis RDB file (versions up to 10, Redis 7.0) at\n"
        "                         start, into an empty server: docs/persistence.md\n"
        "  --module-dir DIR[:DIR] where modules are looked for, in order (the installed dir last)\n"
        "  --modules a,b,...      load only these modules (default: every module found)\n"
        "  --threads N            worker threads (default: cores - 1, at least 1)\n"
        "  --shards N             keyspace shards (default: 8 per thread)\n"
        "  --databases N          numbered databases, SELECT 0..N-1 (default %d, at most %d)\n"
        "  --loglevel LEVEL       debug, info, notice, warning, error (default notice)\n"
        "  --logfile FILE         log to FILE instead of stderr\n"
        "  --protected-mode yes|no  refuse non-loopback clients of networks without a\n"
        "                         password (default yes)\n"
        "  --maxmemory BYTES      memory limit (100mb, 2gb; default 0 = none)\n"
        "  --maxmemory-policy P   noeviction (default), allkeys-lru, allkeys-lfu, allkeys-random,\n"
        "                         volatile-lru, volatile-lfu, volatile-random, volatile-ttl\n"
        "  --dialect redis|keel   the RESP network's dialect where Keel differs from Redis\n"
        "                         (default redis: docs/compatibility.md)\n"
        "  --cluster-enabled yes|no  speak Redis Cluster's protocol (the config's \"cluster\"\n"
        "                         map, or this node owning every slot: docs/scale-out.md)\n"
        "  --help                 this text\n"
        "  --version              print the version\n",
        CONF_DEFAULT_PORT, CONF_DEFAULT_MEMCACHE_PORT, CONF_DEFAULT_DATABASES, CONF_MAX_DATABASES);
}

static conf_network *conf_network_by_protocol(conf *c, const char *protocol) {
    for (int i = 0; i < c->nnetworks; i++)
        if (!strcmp(c->networks[i].protocol, protocol)) return &c->networks[i];
    return NULL;
}

static bool parse_port(const char *s, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 65535) return false;
    *out = (int)v;
    return true;
}

static bool parse_count(const char *s, int lo, int hi, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return false;
    *out = (int)v;
    return true;
}

static void conf_set_modules_csv(conf *c, const char *csv) {
    conf_clear_modules(c);
    const char *s = csv;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n > 0) conf_add_module(c, mem_strndup(s, n), false);
        s += n + (e ? 1 : 0);
    }
}

enum {
    OPT_CONFIG = 1000,
    OPT_CHECK,
    OPT_BIND,
    OPT_PORT,
    OPT_MCPORT,
    OPT_DIR,
    OPT_MODDIR,
    OPT_MODULES,
    OPT_THREADS,
    OPT_SHARDS,
    OPT_DATABASES,
    OPT_LOGLEVEL,
    OPT_LOGFILE,
    OPT_PROTECTED,
    OPT_MAXMEMORY,
    OPT_POLICY,
    OPT_DIALECT,
    OPT_SAVE,
    OPT_APPENDONLY,
    OPT_APPENDFSYNC,
    OPT_SNAPSHOT_COMPRESSION,
    OPT_RDBCOMPRESSION,
    OPT_APPENDFILENAME,
    OPT_APPENDDIRNAME,
    OPT_AOF_TRUNCATE,
    OPT_KEY_LOAD_DELAY,
    OPT_BGSAVE_SLICE_DELAY,
    OPT_LOAD_RDB,
    OPT_CLUSTER,
    OPT_HELP,
    OPT_VERSION
};

static const struct option long_opts[] = {
    {"config", required_argument, NULL, OPT_CONFIG},
    {"check-config", required_argument, NULL, OPT_CHECK},
    {"bind", required_argument, NULL, OPT_BIND},
    {"port", required_argument, NULL, OPT_PORT},
    {"memcache-port", required_argument, NULL, OPT_MCPORT},
    {"dir", required_argument, NULL, OPT_DIR},
    {"save", required_argument, NULL, OPT_SAVE},
    {"appendonly", required_argument, NULL, OPT_APPENDONLY},
    {"appendfsync", required_argument, NULL, OPT_APPENDFSYNC},
    {"snapshot-compression", required_argument, NULL, OPT_SNAPSHOT_COMPRESSION},
    {"rdbcompression", required_argument, NULL, OPT_RDBCOMPRESSION},
    {"appendfilename", required_argument, NULL, OPT_APPENDFILENAME},
    {"appenddirname", required_argument, NULL, OPT_APPENDDIRNAME},
    {"aof-truncate-corrupt", no_argument, NULL, OPT_AOF_TRUNCATE},
    {"key-load-delay", required_argument, NULL, OPT_KEY_LOAD_DELAY},
    {"bgsave-slice-delay", required_argument, NULL, OPT_BGSAVE_SLICE_DELAY},
    {"load-rdb", required_argument, NULL, OPT_LOAD_RDB},
    {"module-dir", required_argument, NULL, OPT_MODDIR},
    {"modules", required_argument, NULL, OPT_MODULES},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"shards", required_argument, NULL, OPT_SHARDS},
    {"databases", required_argument, NULL, OPT_DATABASES},
    {"loglevel", required_argument, NULL, OPT_LOGLEVEL},
    {"logfile", required_argument, NULL, OPT_LOGFILE},
    {"protected-mode", required_argument, NULL, OPT_PROTECTED},
    {"maxmemory", required_argument, NULL, OPT_MAXMEMORY},
    {"maxmemory-policy", required_argument, NULL, OPT_POLICY},
    {"dialect", required_argument, NULL, OPT_DIALECT},
    {"cluster-enabled", required_argument, NULL, OPT_CLUSTER},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* The config file is loaded first, so flags given anywhere on the line override it.  With
 * --check-config the file's errors are kept for main, which adds the checks that need the
 * modules and reports everything at once. */
static int conf_load_from_args(conf *c, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *file = NULL;
        bool check = false;
        if (!strcmp(a, "--config") || !strcmp(a, "--check-config")) {
            check = !strcmp(a, "--check-config");
            if (i + 1 < argc) file = argv[++i];
        } else if (!strncmp(a, "--config=", 9))
            file = a + 9;
        else if (!strncmp(a, "--check-config=", 15)) {
            file = a + 15;
            check = true;
        }
        if (!file) continue;
        char *errs = NULL;
        int n = conf_load_file(c, file, &errs);
        if (check) {
            mem_free(c->check_file);
            c->check_file = xstrdup(file);
            mem_free(c->load_errors);
            c->load_errors = errs;
            continue;
        }
        if (n > 0) {
            fprintf(stderr, "keel-server: %d error%s in %s:\n%s", n, n == 1 ? "" : "s", file, errs);
            mem_free(errs);
            return -1;
        }
        mem_free(errs);
    }
    return 0;
}

int conf_parse_args(conf *c, int argc, char **argv) {
    int r = conf_load_from_args(c, argc, argv);
    if (r != 0) return r;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        conf_network *n;
        int port;
        switch (opt) {
        case OPT_CONFIG:
        case OPT_CHECK:
            break;
        case OPT_BIND:
        case OPT_PORT:
            n = conf_network_by_protocol(c, "resp");
            if (!n) n = conf_add_network(c, "resp", "127.0.0.1", CONF_DEFAULT_PORT, "resp");
            n->implicit = false;
            if (opt == OPT_BIND) {
                mem_free(n->host);
                n->host = xstrdup(optarg);
            } else if (!parse_port(optarg, &n->port)) {
                fprintf(stderr, "keel-server: --port: expected 0..65535, got '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_MCPORT:
            if (!parse_port(optarg, &port)) {
                fprintf(stderr, "keel-server: --memcache-port: expected 0..65535, got '%s'\n",
                        optarg);
                return -1;
            }
            n = conf_network_by_protocol(c, "memcache");
            if (!n) n = conf_add_network(c, "memcache", "127.0.0.1", port, "memcache");
            n->port = port;
            n->implicit = false;
            break;
        case OPT_DIR:
            mem_free(c->dir);
            c->dir = xstrdup(optarg);
            break;
        case OPT_APPENDONLY:
            if (yes_no(optarg) < 0) {
                fprintf(stderr, "keel-server: --appendonly: expected yes or no, got '%s'\n",
                        optarg);
                return -1;
            }
            c->appendonly = yes_no(optarg) == 1;
            break;
        case OPT_APPENDFSYNC:
            if (aof_fsync_parse(optarg) < 0) {
                fprintf(stderr,
                        "keel-server: --appendfsync: expected always, everysec or no, got '%s'\n",
                        optarg);
                return -1;
            }
            c->appendfsync = aof_fsync_parse(optarg);
            break;
        case OPT_SNAPSHOT_COMPRESSION:
            if (snap_z_parse(optarg) < 0) {
                fprintf(stderr,
                        "keel-server: --snapshot-compression: expected no, lz4 or zstd, got '%s'\n",
                        optarg);
                return -1;
            }
            c->snapshot_compression = snap_z_parse(optarg);
            break;
        case OPT_RDBCOMPRESSION:
            if (yes_no(optarg) < 0) {
                fprintf(stderr, "keel-server: --rdbcompression: expected yes or no, got '%s'\n",
                        optarg);
                return -1;
            }
            c->rdbcompression = yes_no(optarg);
            break;
        case OPT_APPENDFILENAME:
        case OPT_APPENDDIRNAME: {
            if (!aof_name_ok(optarg)) {
                fprintf(stderr, "keel-server: --%s: expected a file name (no '/'), got '%s'\n",
                        opt == OPT_APPENDFILENAME ? "appendfilename" : "appenddirname", optarg);
                return -1;
            }
            char **field = opt == OPT_APPENDFILENAME ? &c->appendfilename : &c->appenddirname;
            mem_free(*field);
            *field = xstrdup(optarg);
            break;
        }
        case OPT_AOF_TRUNCATE:
            c->aof_truncate_corrupt = true;
            break;
        case OPT_LOAD_RDB:
            if (!*optarg) {
                fprintf(stderr, "keel-server: --load-rdb: expected the path of a Redis RDB file\n");
                return -1;
            }
            mem_free(c->load_rdb);
            c->load_rdb = xstrdup(optarg);
            break;
        case OPT_KEY_LOAD_DELAY:
            if (!parse_count(optarg, 0, 1000000, &c->key_load_delay)) {
                fprintf(stderr, "keel-server: --key-load-delay: expected 0..1000000, got '%s'\n",
                        optarg);
                return -1;
            }
            break;
        case OPT_BGSAVE_SLICE_DELAY:
            if (!parse_count(optarg, 0, 1000000, &c->bgsave_slice_delay)) {
                fprintf(stderr,
                        "keel-server: --bgsave-slice-delay: expected 0..1000000, got '%s'\n",
                        optarg);
                return -1;
            }
            break;
        case OPT_SAVE: {
            savepoint sp[SAVEPOINT_MAX];
            if (savepoint_parse(optarg, sp, SAVEPOINT_MAX) < 0) {
                fprintf(stderr,
                        "keel-server: --save: expected \"\" or pairs of positive integers "
                        "\"seconds changes ...\" (at most %d), got '%s'\n",
                        SAVEPOINT_MAX, optarg);
                return -1;
            }
            mem_free(c->save);
            c->save = xstrdup(optarg);
            break;
        }
        case OPT_MODDIR:
            mem_free(c->module_dir);
            c->module_dir = xstrdup(optarg);
            break;
        case OPT_MODULES:
            conf_set_modules_csv(c, optarg);
            c->modules_from_flag = true;
            break;
        case OPT_THREADS:
            if (!parse_count(optarg, 1, 256, &c->threads)) {
                fprintf(stderr, "keel-server: --threads: expected 1..256, got '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_SHARDS:
            if (!parse_count(optarg, 1, 65536, &c->shards)) {
                fprintf(stderr, "keel-server: --shards: expected 1..65536, got '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_DATABASES:
            if (!parse_count(optarg, 1, CONF_MAX_DATABASES, &c->databases)) {
                fprintf(stderr, "keel-server: --databases: expected 1..%d, got '%s'\n",
                        CONF_MAX_DATABASES, optarg);
                return -1;
            }
            break;
        case OPT_LOGLEVEL:
            if ((c->log_level = log_level_parse(optarg)) < 0) {
                fprintf(
                    stderr,
                    "keel-server: --loglevel: expected debug, info, notice, warning or error\n");
                return -1;
            }
            break;
        case OPT_LOGFILE:
            mem_free(c->log_file);
            c->log_file = xstrdup(optarg);
            break;
        case OPT_PROTECTED:
            if (strcasecmp(optarg, "yes") != 0 && strcasecmp(optarg, "no") != 0) {
                fprintf(stderr, "keel-server: --protected-mode: expected yes or no\n");
                return -1;
            }
            c->protected_mode = !strcasecmp(optarg, "yes");
            break;
        case OPT_CLUSTER:
            if (strcasecmp(optarg, "yes") != 0 && strcasecmp(optarg, "no") != 0) {
                fprintf(stderr, "keel-server: --cluster-enabled: expected yes or no\n");
                return -1;
            }
            c->cluster_enabled = !strcasecmp(optarg, "yes");
            break;
        case OPT_MAXMEMORY:
            if (!limit_parse_bytes(optarg, &c->maxmemory)) {
                fprintf(stderr,
                        "keel-server: --maxmemory: expected a byte count such as 100mb, got '%s'\n",
                        optarg);
                return -1;
            }
            break;
        case OPT_POLICY:
            if ((c->maxmemory_policy = evict_policy_parse(optarg)) < 0) {
                fprintf(stderr, "keel-server: --maxmemory-policy: unknown policy '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_DIALECT: { /* the RESP network's, as --port makes it */
            char *errs = NULL;
            json_t *v = json_string(optarg);
            n = conf_network_by_protocol(c, "resp");
            if (!n) n = conf_add_network(c, "resp", "127.0.0.1", CONF_DEFAULT_PORT, "resp");
            n->implicit = false;
            conf_network_dialect(n, v, "--dialect", &errs);
            json_decref(v);
            if (errs) {
                fprintf(stderr, "keel-server: %s", errs); /* errs ends with a newline */
                mem_free(errs);
                return -1;
            }
            break;
        }
        case OPT_HELP:
            usage(stdout);
            return 1;
        case OPT_VERSION:
            printf("keel-server %s (SDK ABI %d.%d)\n", PACKAGE_VERSION, KEEL_ABI_MAJOR,
                   KEEL_ABI_MINOR);
            return 1;
        default:
            fprintf(stderr, "keel-server: unknown or incomplete option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "keel-server: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}
