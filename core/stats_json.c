/* stats_json.c -- the STATS sections and SELF STATS as jansson objects. */
#include "config.h"
#include "stats_json.h"
#include "memtype.h"
#include "registry.h"
#include "aof.h"
#include "persist.h"
#include "conn.h"
#include "expire.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "stats.h"
#include "thread.h"
#include "tls.h"

#include <keel/abi.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define JI(v) json_integer((json_int_t)(v))

static void set(json_t *o, const char *k, json_t *v) {
    json_object_set_new(o, k, v);
}
static void set_int(json_t *o, const char *k, int64_t v) {
    json_object_set_new(o, k, JI(v));
}
static void set_str(json_t *o, const char *k, const char *v) {
    json_object_set_new(o, k, v ? json_string(v) : json_null());
}
static uint64_t ld(_Atomic uint64_t *a) {
    return atomic_load_explicit(a, memory_order_relaxed);
}

static int64_t timeval_ms(struct timeval tv) {
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* ---- sections ---- */

static json_t *sec_process(int64_t now) {
    json_t *o = json_object();
    char exe[PATH_MAX] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) exe[n] = '\0';
    char abi[16];
    snprintf(abi, sizeof abi, "%d.%d", KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
    set_int(o, "pid", getpid());
    set_str(o, "version", KEEL_VERSION);
    set_str(o, "sdk_abi", abi);
    set_str(o, "run_id", srv->run_id);
    set_str(o, "executable", exe);
    set_str(o, "config_file", srv->cf.config_file);
    set_int(o, "uptime_s", (now - srv->start_ms) / 1000);
    set_int(o, "threads", srv->nthreads);
    set_int(o, "shards", srv->nshards);
    set_int(o, "max_clients", srv->cf.max_clients);
    set_int(o, "connections", atomic_load(&srv->nclients));
    set_int(o, "connections_total", atomic_load(&srv->total_connections));
    set_int(o, "connections_rejected", atomic_load(&srv->rejected_connections));
    set_int(o, "commands", (int64_t)stats_threads_sum(offsetof(thr_stats, commands)));
    set_int(o, "error_replies", (int64_t)stats_threads_sum(offsetof(thr_stats, errors)));
    return o;
}

static json_t *sec_cpu(int64_t now) {
    (void)now;
    json_t *o = json_object(), *threads = json_array();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    set_int(o, "user_ms", timeval_ms(ru.ru_utime));
    set_int(o, "sys_ms", timeval_ms(ru.ru_stime));
    set_int(o, "voluntary_switches", ru.ru_nvcsw);
    set_int(o, "involuntary_switches", ru.ru_nivcsw);
    for (int i = 0; i < srv->nthreads; i++) {
        thr *t = srv->threads[i];
        json_t *to = json_object();
        clockid_t cid;
        struct timespec ts = {0, 0};
        if (pthread_getcpuclockid(t->pt, &cid) == 0) clock_gettime(cid, &ts);
        set_int(to, "id", t->id);
        set_int(to, "cpu_ms", (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        set_int(to, "commands", (int64_t)ld(&t->st.commands));
        set_int(to, "hops_in", (int64_t)ld(&t->st.hops));
        set_int(to, "yields", (int64_t)ld(&t->st.yields));
        set_int(to, "shards", t->nshards);
        json_array_append_new(threads, to);
    }
    set(o, "threads", threads);
    return o;
}

static json_t *sec_memory(int64_t now) {
    json_t *o = json_object();
    int64_t tables = (int64_t)stats_shards_sum(offsetof(shard_db, bytes));
    int64_t used = mem_process_sample(), peak = mem_process_peak();
    set_int(o, "used", used);
    set_int(o, "peak", peak < used ? used : peak);
    set_int(o, "keyspace", tables);
    set_int(o, "rss", (int64_t)mem_rss());
    set_str(o, "allocator", "libc");
    memtype_want(now);
    json_t *types = json_object(); /* the object values of each type (memtype.h) */
    for (size_t i = 1; i <= type_count() && i < MEMTYPE_SLOTS; i++) {
        const type_entry *te = type_by_id((keel_type_id)i);
        if (te && te->def.name) set_int(types, te->def.name, (int64_t)memtype_bytes((uint16_t)i));
    }
    set(o, "by_type", types);
    set_int(o, "by_type_passes", (int64_t)memtype_passes());
    return o;
}

static json_t *sec_startup(int64_t now) {
    (void)now;
    json_t *o = json_object(), *mods = json_array();
    int64_t ready = stats_ready_ms();
    set_int(o, "started_at_ms", srv->start_ms);
    set_int(o, "ready_at_ms", ready);
    set_int(o, "startup_ms", ready ? ready - srv->start_ms : 0);
    set_str(o, "config_file", srv->cf.config_file);
    set_str(o, "module_dir", conf_module_dir(&srv->cf));
    for (size_t i = 0; i < loader_count(); i++)
        json_array_append_new(mods, json_string(loader_at(i)->name));
    set(o, "modules_loaded", mods);
    set_int(o, "networks", srv->nlisteners);
    set_str(o, "data_dir", srv->cf.dir);
    return o;
}

static json_t *sec_os(int64_t now) {
    (void)now;
    json_t *o = json_object(), *load = json_array();
    struct utsname u;
    uname(&u);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    double avg[3] = {0, 0, 0};
    int navg = getloadavg(avg, 3);
    for (int i = 0; i < 3; i++)
        json_array_append_new(load, json_real(i < navg ? avg[i] : 0));
    struct sysinfo si;
    int64_t ram = sysinfo(&si) == 0 ? (int64_t)si.totalram * si.mem_unit : 0;
    set_str(o, "name", u.sysname);
    set_str(o, "release", u.release);
    set_str(o, "version", u.version);
    set_str(o, "machine", u.machine);
    set_str(o, "hostname", host);
    set_int(o, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
    set_int(o, "memory", ram);
    set_int(o, "page_size", sysconf(_SC_PAGESIZE));
    set(o, "load_average", load);
    return o;
}

static json_t *sec_log(int64_t now) {
    (void)now;
    json_t *o = json_object();
    set_str(o, "level", log_level_name(log_get_level()));
    set_str(o, "file", *log_path() ? log_path() : "stderr");
    set_int(o, "lines_written", (int64_t)log_written());
    set_int(o, "lines_dropped", (int64_t)log_dropped());
    set_int(o, "ring_lines", log_ring_size());
    return o;
}

/* Active expiry's cost and the expiry lag since start (as INFO stats' expire fields). */
static json_t *expiry_object(void) {
    json_t *o = json_object();
    expire_lag_summary lag;
    expire_lag_all(&lag);
    uint64_t runs = 0, ns = 0, capped = 0;
    for (int i = 0; i < srv->nthreads; i++) {
        runs += ld(&srv->threads[i]->st.expire_runs);
        ns += ld(&srv->threads[i]->st.expire_ns);
        capped += ld(&srv->threads[i]->st.expire_capped);
    }
    set_int(o, "lag_samples", (int64_t)lag.count);
    set_int(o, "lag_p50_us", (int64_t)lag.p50_us);
    set_int(o, "lag_p99_us", (int64_t)lag.p99_us);
    set_int(o, "lag_p999_us", (int64_t)lag.p999_us);
    set_int(o, "lag_max_us", (int64_t)lag.max_us);
    set_int(o, "cycle_runs", (int64_t)runs);
    set_int(o, "cycle_cpu_ms", (int64_t)(ns / 1000000));
    set_int(o, "time_cap_reached", (int64_t)capped);
    return o;
}

/* Each shard's keys, table bytes and lookups (every database summed), and its owner thread. */
static json_t *per_shard_array(void) {
    json_t *a = json_array();
    for (uint32_t i = 0; i < srv->nshards; i++) {
        const shard *s = shard_get(i);
        uint64_t keys = 0, expires = 0, bytes = 0;
        for (uint32_t db = 0; db < s->ndbs; db++) {
            keys += ld(&s->dbs[db].nkeys);
            expires += ld(&s->dbs[db].nexpires);
            bytes += ld(&s->dbs[db].bytes);
        }
        json_t *o = json_object();
        set_int(o, "id", s->id);
        set_int(o, "thread", s->owner->id);
        set_int(o, "keys", (int64_t)keys);
        set_int(o, "expires", (int64_t)expires);
        set_int(o, "bytes", (int64_t)bytes);
        set_int(o, "hits", (int64_t)s->hits);
        set_int(o, "misses", (int64_t)s->misses);
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *sec_keyspace(int64_t now) {
    json_t *o = json_object();
    uint64_t hits = 0, misses = 0;
    for (uint32_t i = 0; i < srv->nshards; i++) {
        hits += shard_get(i)->hits;
        misses += shard_get(i)->misses;
    }
    set_int(o, "keys", (int64_t)stats_shards_sum(offsetof(shard_db, nkeys)));
    set_int(o, "expires", (int64_t)stats_shards_sum(offsetof(shard_db, nexpires)));
    set_int(o, "avg_ttl", stats_avg_ttl(now));
    set_int(o, "databases", srv->ndbs);
    json_t *dbs = json_object();
    for (uint32_t db = 0; db < srv->ndbs; db++) { /* the non-empty ones, as INFO keyspace */
        uint64_t keys = stats_db_sum(db, offsetof(shard_db, nkeys));
        if (!keys) continue;
        json_t *d = json_object();
        char name[16];
        snprintf(name, sizeof name, "db%u", db);
        set_int(d, "keys", (int64_t)keys);
        set_int(d, "expires", (int64_t)stats_db_sum(db, offsetof(shard_db, nexpires)));
        set_int(d, "avg_ttl", stats_avg_ttl_db(db, now));
        set(dbs, name, d);
    }
    set(o, "db", dbs);
    set_int(o, "expired_keys", atomic_load(&srv->expired_keys));
    set(o, "expiry", expiry_object());
    set_int(o, "hits", (int64_t)hits);
    set_int(o, "misses", (int64_t)misses);
    set_int(o, "shards", srv->nshards);
    set_int(o, "types", (int64_t)type_count());
    set(o, "per_shard", per_shard_array());
    return o;
}

static json_t *perm_array(unsigned perms) {
    json_t *a = json_array();
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {PERM_READ, "read"}, {PERM_WRITE, "write"}, {PERM_ADMIN, "admin"}, {PERM_STATS, "stats"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (perms & names[i].bit) json_array_append_new(a, json_string(names[i].name));
    return a;
}

/* "ns a b" from a path's components. */
static json_t *ns_text(const keel_arg *comp, uint32_t n) {
    if (n == 0) return json_null();
    size_t len = 2;
    for (uint32_t i = 0; i < n; i++)
        len += comp[i].len + 1;
    char *s = mem_alloc(len + 1), *w = s;
    memcpy(w, "ns", 2);
    w += 2;
    for (uint32_t i = 0; i < n; i++) {
        *w++ = ' ';
        memcpy(w, comp[i].ptr, comp[i].len);
        w += comp[i].len;
    }
    json_t *j = json_stringn_nocheck(s, (size_t)(w - s));
    mem_free(s);
    return j;
}

static json_t *tls_object(listener *l) {
    const conf_tls *t = l->cf->tls;
    json_t *o = json_object();
    char types[64];
    tls_server_key_types(l->tls, types, sizeof types);
    static const char *const cc[] = {"none", "optional", "required"};
    set_str(o, "key_types", types);
    set_str(o, "min_version", t->min_version == 13 ? "1.3" : "1.2");
    set_str(o, "max_version", t->max_version == 12 ? "1.2" : "1.3");
    set_str(o, "client_certs", cc[t->client_certs]);
    set(o, "session_tickets", json_boolean(t->session_tickets));
    set_int(o, "ticket_rotation_s", t->ticket_rotation);
    set_int(o, "loaded_at_ms", tls_server_loaded_ms(l->tls));
    set_int(o, "handshakes", (int64_t)ld(&l->st.tls_handshakes));
    set_int(o, "resumed", (int64_t)ld(&l->st.tls_resumed));
    set_int(o, "handshake_failures", (int64_t)ld(&l->st.tls_failures));
    return o;
}

static json_t *sec_network(int64_t now) {
    (void)now;
    json_t *o = json_object();
    for (int i = 0; i < srv->nlisteners; i++) {
        listener *l = srv->listeners[i];
        const conf_network *cf = l->cf;
        json_t *n = json_object();
        set_str(n, "host", cf->host);
        set_int(n, "port", l->port);
        set_int(n, "configured_port", cf->port);
        set_str(n, "protocol", l->proto->def.name);
        set(n, "tls", l->tls ? tls_object(l) : json_false());
        set(n, "permissions", perm_array(cf->permissions));
        set(n, "namespace", ns_text(cf->namespace_path, (uint32_t)cf->namespace_n));
        set(n, "namespace_locked", json_boolean(cf->namespace_locked));
        set_int(n, "database", cf->database);
        set_str(n, "reply_syntax",
                cf->reply_syntax ? cf->reply_syntax : proto_default_syntax(l->proto));
        set(n, "requirepass", json_boolean(cf->requirepass != NULL));
        set_str(n, "on_startup", cf->on_startup ? cf->on_startup[0] : NULL);
        set_int(n, "connections", (int64_t)ld(&l->st.active));
        set_int(n, "connections_total", (int64_t)ld(&l->st.connections));
        set_int(n, "connections_rejected", (int64_t)ld(&l->st.rejected));
        set_int(n, "commands", (int64_t)ld(&l->st.commands));
        set_int(n, "bytes_in", (int64_t)ld(&l->st.bytes_in));
        set_int(n, "bytes_out", (int64_t)ld(&l->st.bytes_out));
        set_int(n, "errors", (int64_t)ld(&l->st.errors));
        set_int(n, "tls_handshakes", (int64_t)ld(&l->st.tls_handshakes));
        set_int(n, "tls_handshake_failures", (int64_t)ld(&l->st.tls_failures));
        set(o, cf->name, n);
    }
    return o;
}

static json_t *sec_modules(int64_t now) {
    (void)now;
    json_t *o = json_object();
    for (size_t i = 0; i < loader_count(); i++) {
        struct keel_module *m = loader_at(i);
        json_t *mo = json_object();
        set_str(mo, "version", m->version);
        set_str(mo, "path", m->path);
        set_str(mo, "description", m->description);
        set_int(mo, "commands", (int64_t)cmd_count_for_module(m));
        set(o, m->name, mo);
    }
    return o;
}

/* Snapshots and the append-only log (docs/persistence.md). */
static json_t *sec_persistence(int64_t now) {
    (void)now;
    json_t *o = json_object();
    set(o, "loading", json_boolean(aof_loading()));
    set(o, "saving", json_boolean(persist_saving()));
    set_int(o, "last_save_time", persist_last_save());
    set(o, "last_save_ok", json_boolean(persist_last_ok()));
    set_int(o, "saves", (int64_t)persist_saves());
    set_int(o, "last_bgsave_preimages", (int64_t)persist_last_preimages());
    set_int(o, "last_bgsave_preimage_bytes", (int64_t)persist_last_preimage_bytes());
    aof_stats_json(o);
    return o;
}

typedef struct stats_section {
    const char *name;
    json_t *(*build)(int64_t now_ms);
} stats_section;

static const stats_section sections[] = {
    {"process", sec_process},         {"cpu", sec_cpu},         {"memory", sec_memory},
    {"startup", sec_startup},         {"os", sec_os},           {"log", sec_log},
    {"keyspace", sec_keyspace},       {"network", sec_network}, {"modules", sec_modules},
    {"persistence", sec_persistence},
};

const char *const stats_sections[] = {"process",  "cpu",     "memory",  "startup",     "os", "log",
                                      "keyspace", "network", "modules", "persistence", NULL};

bool stats_json_section(json_t *root, const char *name, int64_t now_ms) {
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        if (strcasecmp(name, sections[i].name) != 0) continue;
        set(root, sections[i].name, sections[i].build(now_ms));
        return true;
    }
    return false;
}

/* ---- one connection ---- */

json_t *stats_json_conn(const conn *c, int64_t now_ms) {
    json_t *o = json_object();
    uint32_t n = c->ns ? c->ns->n : 0, locked = c->ns ? c->ns->locked : 0;
    set_int(o, "id", (int64_t)c->id);
    set_str(o, "name", c->name);
    set_str(o, "network", c->net->cf->name);
    set_str(o, "protocol", c->proto->def.name);
    set_str(o, "addr", c->addr);
    set_str(o, "laddr", c->laddr);
    set(o, "namespace", ns_text(c->ns ? c->ns->comp : NULL, n));
    set(o, "namespace_locked", ns_text(c->ns ? c->ns->comp : NULL, locked));
    set_int(o, "database", atomic_load_explicit(&c->db, memory_order_relaxed));
    set(o, "permissions", perm_array(c->net->cf->permissions));
    set(o, "authenticated", json_boolean(c->flags & CONN_AUTHED));
    if (c->tls) {
        json_t *t = json_object();
        char peer[512];
        tls_session_peer(c->tls, peer, sizeof peer);
        set_str(t, "version", tls_session_version(c->tls));
        set_str(t, "cipher", tls_session_cipher(c->tls));
        set(t, "resumed", json_boolean(tls_session_resumed(c->tls)));
        set_str(t, "client_cert", peer[0] ? peer : NULL);
        set(o, "tls", t);
    } else {
        set(o, "tls", json_false());
    }
    set_int(o, "age_s", (now_ms - c->created_ms) / 1000);
    set_int(o, "idle_s", (now_ms - c->last_ms) / 1000);
    set_int(o, "commands", (int64_t)c->ncommands);
    set_int(o, "bytes_in", (int64_t)c->bytes_in);
    set_int(o, "bytes_out", (int64_t)c->bytes_out);
    set_int(o, "errors", (int64_t)c->nerrors);
    set_int(o, "pending", c->npend);
    set_int(o, "input_buffer", (int64_t)(c->in_len - c->in_off));
    set_int(o, "output_buffer", (int64_t)(c->out.len - c->out_off));
    set_int(o, "thread", c->t->id);
    return o;
}

char *stats_json_text(json_t *root, bool visual) {
    size_t flags =
        JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6) | (visual ? JSON_INDENT(2) : JSON_COMPACT);
    return json_dumps(root, flags);
}
