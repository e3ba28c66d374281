/* metrics.c -- STATS's JSON and INFO's text turned into Prometheus series (metrics.h).
 *
 * Each family is written whole (its # HELP and # TYPE lines, then every sample) before the next,
 * as the format requires.  Names follow Prometheus's conventions: base units (seconds, bytes),
 * counters ending in _total, a label per dimension (network, thread, shard, db, command ...). */
#include "metrics.h"

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number of a STATS object turned into a series. */
typedef struct metric_field {
    const char *field; /* key in the JSON object */
    const char *name;  /* series name */
    const char *type;  /* "counter" or "gauge" */
    const char *help;
    double scale; /* 0: the number as it is; else multiplied (ms -> s: 0.001) */
} metric_field;

/* Writes the label set of one member of a collection (key: its name in an object, NULL in an
 * array) into labels, e.g. `network="main"`. */
typedef void (*label_fn)(const char *key, json_t *member, char *labels, size_t cap);

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static void put(keel_buf *out, const char *s, size_t n) {
    char *w = keel_buf_reserve(out, n);
    memcpy(w, s, n);
    out->len += n;
}

static void putf(keel_buf *out, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0) put(out, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void family(keel_buf *out, const char *name, const char *type, const char *help) {
    putf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    if (s[0] < 0x80) return 1;
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (!len || s[0] > 0xf4 || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
        return 0; /* overlong, surrogate, or past U+10FFFF */
    return len;
}

/* Appends key="value" to labels, comma-separated from what is there, as the format wants it:
 * backslash, quote and newline escaped, and (since values can come from clients: an error code
 * a script chose) every byte that is not valid UTF-8 or is a control character written as '?',
 * so no value can break a scraper's parse.  A value too long for the room left is cut. */
static void label_add(char *labels, size_t cap, const char *key, const char *value) {
    size_t n = strlen(labels);
    int w = snprintf(labels + n, cap - n, "%s%s=\"", n ? "," : "", key);
    if (w < 0 || (size_t)w >= cap - n) return;
    n += (size_t)w;
    const unsigned char *v = (const unsigned char *)(value ? value : "");
    size_t left = strlen((const char *)v);
    while (left && n + 6 < cap) {
        size_t len = utf8_len(v, left);
        if (len > 1) {
            memcpy(labels + n, v, len);
            n += len;
        } else if (*v == '\\' || *v == '"') {
            labels[n++] = '\\';
            labels[n++] = (char)*v;
        } else if (*v == '\n') {
            labels[n++] = '\\';
            labels[n++] = 'n';
        } else {
            labels[n++] = len == 1 && *v >= 0x20 && *v != 0x7f ? (char)*v : '?';
            len = 1;
        }
        v += len;
        left -= len;
    }
    labels[n++] = '"';
    labels[n] = '\0';
}

static void sample_double(keel_buf *out, const char *name, const char *labels, double v) {
    putf(out, labels && *labels ? "%s{%s} %.9g\n" : "%s%s %.9g\n", name, labels ? labels : "", v);
}

static void sample_int(keel_buf *out, const char *name, const char *labels, long long v) {
    putf(out, labels && *labels ? "%s{%s} %lld\n" : "%s%s %lld\n", name, labels ? labels : "", v);
}

/* One JSON number (or boolean: 1 or 0) as a sample; nothing for anything else. */
static void sample_json(keel_buf *out, const metric_field *f, const char *labels, json_t *v) {
    if (json_is_integer(v) && f->scale == 0)
        sample_int(out, f->name, labels, (long long)json_integer_value(v));
    else if (json_is_number(v))
        sample_double(out, f->name, labels, json_number_value(v) * (f->scale ? f->scale : 1));
    else if (json_is_boolean(v))
        sample_int(out, f->name, labels, json_is_true(v));
}

/* The fields of one object, each a series without labels. */
static void emit_object(keel_buf *out, json_t *obj, const metric_field *fields, size_t n) {
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(obj, fields[i].field);
        if (!v) continue;
        family(out, fields[i].name, fields[i].type, fields[i].help);
        sample_json(out, &fields[i], NULL, v);
    }
}

/* The fields of every member of a collection (an object of objects or an array of objects),
 * one family per field, one sample per member labelled by fn. */
static void emit_collection(keel_buf *out, json_t *coll, const metric_field *fields, size_t n,
                            label_fn fn) {
    if (!json_is_object(coll) && !json_is_array(coll)) return;
    for (size_t i = 0; i < n; i++) {
        family(out, fields[i].name, fields[i].type, fields[i].help);
        char labels[512];
        const char *key;
        json_t *member;
        size_t idx;
        if (json_is_object(coll)) {
            json_object_foreach(coll, key, member) {
                labels[0] = '\0';
                fn(key, member, labels, sizeof labels);
                sample_json(out, &fields[i], labels, json_object_get(member, fields[i].field));
            }
        } else {
            json_array_foreach(coll, idx, member) {
                labels[0] = '\0';
                fn(NULL, member, labels, sizeof labels);
                sample_json(out, &fields[i], labels, json_object_get(member, fields[i].field));
            }
        }
    }
}

/* A JSON value as label text (numbers in decimal, false as "false"). */
static const char *json_text(json_t *v, char *buf, size_t cap) {
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    else
        snprintf(buf, cap, "%s", json_is_true(v) ? "true" : json_is_object(v) ? "true" : "false");
    return buf;
}

static void label_network(const char *key, json_t *m, char *labels, size_t cap) {
    (void)m;
    label_add(labels, cap, "network", key);
}

static void label_module(const char *key, json_t *m, char *labels, size_t cap) {
    (void)m;
    label_add(labels, cap, "module", key);
}

static void label_db(const char *key, json_t *m, char *labels, size_t cap) {
    (void)m;
    label_add(labels, cap, "db", !strncmp(key, "db", 2) ? key + 2 : key);
}

static void label_thread(const char *key, json_t *m, char *labels, size_t cap) {
    (void)key;
    char t[32];
    label_add(labels, cap, "thread", json_text(json_object_get(m, "id"), t, sizeof t));
}

static void label_shard(const char *key, json_t *m, char *labels, size_t cap) {
    (void)key;
    char s[32], t[32];
    label_add(labels, cap, "shard", json_text(json_object_get(m, "id"), s, sizeof s));
    label_add(labels, cap, "thread", json_text(json_object_get(m, "thread"), t, sizeof t));
}

/* ---- STATS sections ---- */

static const metric_field process_fields[] = {
    {"uptime_s", "keel_uptime_seconds", "gauge", "Seconds since the server started.", 0},
    {"threads", "keel_threads", "gauge", "Worker threads.", 0},
    {"shards", "keel_shards", "gauge", "Keyspace shards.", 0},
    {"max_clients", "keel_max_clients", "gauge", "The most clients accepted at once (maxclients).",
     0},
    {"connections", "keel_connections", "gauge", "Client connections open now.", 0},
    {"connections_total", "keel_connections_received_total", "counter",
     "Client connections accepted since start.", 0},
    {"connections_rejected", "keel_connections_rejected_total", "counter",
     "Client connections refused (maxclients).", 0},
    {"commands", "keel_commands_processed_total", "counter", "Commands run since start.", 0},
    {"error_replies", "keel_error_replies_total", "counter", "Error replies sent since start.", 0},
};

static const metric_field cpu_fields[] = {
    {"user_ms", "keel_cpu_user_seconds_total", "counter", "User CPU time of the process.", 0.001},
    {"sys_ms", "keel_cpu_system_seconds_total", "counter", "System CPU time of the process.",
     0.001},
    {"voluntary_switches", "keel_context_switches_voluntary_total", "counter",
     "Voluntary context switches.", 0},
    {"involuntary_switches", "keel_context_switches_involuntary_total", "counter",
     "Involuntary context switches.", 0},
};

static const metric_field thread_fields[] = {
    {"cpu_ms", "keel_thread_cpu_seconds_total", "counter", "CPU time of each worker thread.",
     0.001},
    {"commands", "keel_thread_commands_total", "counter", "Commands each worker thread finished.",
     0},
    {"hops_in", "keel_thread_hops_in_total", "counter",
     "Processes that moved to each thread for a key it owns.", 0},
    {"yields", "keel_thread_yields_total", "counter",
     "Processes each thread requeued after spending their budget.", 0},
    {"shards", "keel_thread_shards", "gauge", "Shards each thread owns.", 0},
};

static const metric_field keyspace_fields[] = {
    {"keys", "keel_keys", "gauge", "Top-level keys in every database.", 0},
    {"expires", "keel_keys_expiring", "gauge", "Top-level keys with a time to live.", 0},
    {"avg_ttl", "keel_keys_avg_ttl_seconds", "gauge",
     "Mean time to live left of the keys that expire.", 0.001},
    {"databases", "keel_databases", "gauge", "Numbered databases configured.", 0},
    {"expired_keys", "keel_expired_keys_total", "counter", "Keys removed because their time came.",
     0},
    {"hits", "keel_keyspace_hits_total", "counter", "Key lookups that found the key.", 0},
    {"misses", "keel_keyspace_misses_total", "counter", "Key lookups that did not.", 0},
    {"types", "keel_types_registered", "gauge", "Data types the loaded modules registered.", 0},
};

static const metric_field db_fields[] = {
    {"keys", "keel_db_keys", "gauge", "Top-level keys of each non-empty database.", 0},
    {"expires", "keel_db_keys_expiring", "gauge",
     "Keys with a time to live in each non-empty database.", 0},
    {"avg_ttl", "keel_db_avg_ttl_seconds", "gauge",
     "Mean time to live left in each non-empty database.", 0.001},
};

static const metric_field shard_fields[] = {
    {"keys", "keel_shard_keys", "gauge", "Top-level keys on each shard.", 0},
    {"expires", "keel_shard_keys_expiring", "gauge", "Keys with a time to live on each shard.", 0},
    {"bytes", "keel_shard_table_bytes", "gauge", "Bytes of each shard's tables.", 0},
    {"hits", "keel_shard_hits_total", "counter", "Key lookups that found the key, per shard.", 0},
    {"misses", "keel_shard_misses_total", "counter", "Key lookups that did not, per shard.", 0},
};

static const metric_field expiry_fields[] = {
    {"lag_samples", "keel_expiry_lag_samples_total", "counter",
     "Keys whose expiry lag was measured.", 0},
    {"lag_max_us", "keel_expiry_lag_max_seconds", "gauge",
     "The longest expiry lag seen (removal after deadline).", 1e-6},
    {"cycle_runs", "keel_expire_cycles_total", "counter", "Active expiry cycles run.", 0},
    {"cycle_cpu_ms", "keel_expire_cycle_cpu_seconds_total", "counter", "CPU time of active expiry.",
     0.001},
    {"time_cap_reached", "keel_expire_time_cap_reached_total", "counter",
     "Expiry cycles that stopped at their time cap.", 0},
};

static const metric_field network_fields[] = {
    {"connections", "keel_network_connections", "gauge", "Connections open now, per network.", 0},
    {"connections_total", "keel_network_connections_total", "counter",
     "Connections accepted, per network.", 0},
    {"connections_rejected", "keel_network_connections_rejected_total", "counter",
     "Connections refused, per network.", 0},
    {"commands", "keel_network_commands_total", "counter", "Commands run, per network.", 0},
    {"bytes_in", "keel_network_receive_bytes_total", "counter",
     "Bytes read from clients, per network.", 0},
    {"bytes_out", "keel_network_transmit_bytes_total", "counter",
     "Bytes written to clients, per network.", 0},
    {"errors", "keel_network_errors_total", "counter", "Error replies, per network.", 0},
    {"tls_handshakes", "keel_network_tls_handshakes_total", "counter",
     "TLS handshakes, per network.", 0},
    {"tls_handshake_failures", "keel_network_tls_handshake_failures_total", "counter",
     "Failed TLS handshakes, per network.", 0},
};

static const metric_field module_fields[] = {
    {"commands", "keel_module_commands", "gauge", "Commands each loaded module registered.", 0},
};

static const metric_field persistence_fields[] = {
    {"loading", "keel_loading", "gauge", "1 while the dataset is being loaded.", 0},
    {"saving", "keel_saving", "gauge", "1 while a snapshot is being written.", 0},
    {"last_save_time", "keel_last_save_timestamp_seconds", "gauge",
     "Unix time of the last successful save.", 0},
    {"last_save_ok", "keel_last_save_success", "gauge", "1 when the last save succeeded.", 0},
    {"saves", "keel_saves_total", "counter", "Successful saves since start.", 0},
};

static const metric_field log_fields[] = {
    {"lines_written", "keel_log_lines_written_total", "counter", "Log lines written.", 0},
    {"lines_dropped", "keel_log_lines_dropped_total", "counter",
     "Log lines dropped (the log ring was full).", 0},
};

static void emit_build_info(keel_buf *out, json_t *process) {
    char labels[256] = "";
    label_add(labels, sizeof labels, "version",
              json_string_value(json_object_get(process, "version")));
    label_add(labels, sizeof labels, "sdk_abi",
              json_string_value(json_object_get(process, "sdk_abi")));
    family(out, "keel_build_info", "gauge",
           "Always 1: the server's version and SDK ABI as labels.");
    sample_int(out, "keel_build_info", labels, 1);
}

static void emit_network_info(keel_buf *out, json_t *networks) {
    if (!json_is_object(networks)) return;
    family(out, "keel_network_info", "gauge",
           "Always 1: each network's protocol, address and TLS as labels.");
    const char *key;
    json_t *n;
    json_object_foreach(networks, key, n) {
        char labels[512] = "", port[32], tls[32];
        label_add(labels, sizeof labels, "network", key);
        label_add(labels, sizeof labels, "protocol",
                  json_string_value(json_object_get(n, "protocol")));
        label_add(labels, sizeof labels, "host", json_string_value(json_object_get(n, "host")));
        label_add(labels, sizeof labels, "port",
                  json_text(json_object_get(n, "port"), port, sizeof port));
        label_add(labels, sizeof labels, "tls",
                  json_text(json_object_get(n, "tls"), tls, sizeof tls));
        sample_int(out, "keel_network_info", labels, 1);
    }
}

static void emit_module_info(keel_buf *out, json_t *modules) {
    if (!json_is_object(modules)) return;
    family(out, "keel_module_info", "gauge",
           "Always 1: each loaded module and its version as labels.");
    const char *key;
    json_t *m;
    json_object_foreach(modules, key, m) {
        char labels[512] = "";
        label_add(labels, sizeof labels, "module", key);
        label_add(labels, sizeof labels, "version",
                  json_string_value(json_object_get(m, "version")));
        sample_int(out, "keel_module_info", labels, 1);
    }
}

static void emit_expiry_lag(keel_buf *out, json_t *expiry) {
    static const struct {
        const char *field, *quantile;
    } q[] = {{"lag_p50_us", "0.5"}, {"lag_p99_us", "0.99"}, {"lag_p999_us", "0.999"}};
    if (!json_is_object(expiry)) return;
    family(out, "keel_expiry_lag_seconds", "gauge",
           "Expiry lag (how long after its deadline a key was removed), quantiles since start.");
    for (size_t i = 0; i < COUNT_OF(q); i++) {
        json_t *v = json_object_get(expiry, q[i].field);
        if (!json_is_integer(v)) continue;
        char labels[64] = "";
        label_add(labels, sizeof labels, "quantile", q[i].quantile);
        sample_double(out, "keel_expiry_lag_seconds", labels, (double)json_integer_value(v) * 1e-6);
    }
    emit_object(out, expiry, expiry_fields, COUNT_OF(expiry_fields));
}

/* ---- INFO fields ---- */

/* The value of INFO field `name` (a line "name:value"), or NULL; *n its length. */
static const char *info_get(const char *info, size_t len, const char *name, size_t *n) {
    size_t nl = strlen(name);
    for (size_t at = 0; at < len;) {
        const char *line = info + at, *end = memchr(line, '\n', len - at);
        size_t ll = end ? (size_t)(end - line) : len - at;
        at += ll + 1;
        if (ll && line[ll - 1] == '\r') ll--;
        if (ll > nl && !memcmp(line, name, nl) && line[nl] == ':') {
            *n = ll - nl - 1;
            return line + nl + 1;
        }
    }
    return NULL;
}

/* The number after `key=` in a "k=v,k=v" list, or false. */
static bool info_sub(const char *v, size_t n, const char *key, double *out) {
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl < n; i++) {
        if ((i == 0 || v[i - 1] == ',') && !memcmp(v + i, key, kl) && v[i + kl] == '=') {
            char num[64];
            size_t j = i + kl + 1, k = 0;
            while (j < n && v[j] != ',' && k < sizeof num - 1)
                num[k++] = v[j++];
            num[k] = '\0';
            char *endp;
            *out = strtod(num, &endp);
            return endp != num;
        }
    }
    return false;
}

/* One family over every INFO line starting with prefix ("cmdstat_"): its label `label` is
 * what follows the prefix, its value the sub-field `sub` times scale. */
static void emit_info_lines(keel_buf *out, const char *info, size_t len, const char *prefix,
                            const char *label, const char *sub, const char *extra_label,
                            const char *extra_value, const metric_field *f, bool with_header) {
    size_t pl = strlen(prefix);
    if (with_header) family(out, f->name, f->type, f->help);
    for (size_t at = 0; at < len;) {
        const char *line = info + at, *end = memchr(line, '\n', len - at);
        size_t ll = end ? (size_t)(end - line) : len - at;
        at += ll + 1;
        if (ll && line[ll - 1] == '\r') ll--;
        const char *colon = memchr(line, ':', ll);
        if (ll <= pl || memcmp(line, prefix, pl) || !colon) continue;
        double v;
        if (!info_sub(colon + 1, ll - (size_t)(colon + 1 - line), sub, &v)) continue;
        char name[256], labels[512] = "";
        snprintf(name, sizeof name, "%.*s", (int)(colon - line - (ptrdiff_t)pl), line + pl);
        label_add(labels, sizeof labels, label, name);
        if (extra_label) label_add(labels, sizeof labels, extra_label, extra_value);
        sample_double(out, f->name, labels, v * (f->scale ? f->scale : 1));
    }
}

static void emit_command_stats(keel_buf *out, const char *info, size_t len) {
    static const metric_field
        calls = {"calls", "keel_command_calls_total", "counter", "Calls of each command.", 0},
        usec = {"usec", "keel_command_duration_seconds_total", "counter",
                "Time spent running each command.", 1e-6},
        rejected = {"rejected_calls", "keel_command_rejected_calls_total", "counter",
                    "Calls of each command refused before running (arity, permission ...).", 0},
        failed = {"failed_calls", "keel_command_failed_calls_total", "counter",
                  "Calls of each command that ran and failed.", 0},
        errors = {"count", "keel_errors_total", "counter", "Error replies by error code.", 0},
        latency = {"", "keel_command_latency_seconds", "gauge",
                   "Latency of each command's calls, quantiles since start.", 1e-6};
    const metric_field *per_command[] = {&calls, &usec, &rejected, &failed};
    for (size_t i = 0; i < COUNT_OF(per_command); i++)
        emit_info_lines(out, info, len, "cmdstat_", "command", per_command[i]->field, NULL, NULL,
                        per_command[i], true);
    emit_info_lines(out, info, len, "errorstat_", "code", "count", NULL, NULL, &errors, true);
    static const char *const quantiles[][2] = {{"p50", "0.5"}, {"p99", "0.99"}, {"p99.9", "0.999"}};
    for (size_t i = 0; i < COUNT_OF(quantiles); i++)
        emit_info_lines(out, info, len, "latency_percentiles_usec_", "command", quantiles[i][0],
                        "quantile", quantiles[i][1], &latency, i == 0);
}

/* A plain "name:number" INFO field as one series. */
static void emit_info_number(keel_buf *out, const char *info, size_t len, const metric_field *f) {
    size_t n;
    const char *v = info_get(info, len, f->field, &n);
    if (!v) return;
    char num[64];
    snprintf(num, sizeof num, "%.*s", (int)(n < 63 ? n : 63), v);
    char *endp;
    double d = strtod(num, &endp);
    if (endp == num) return;
    family(out, f->name, f->type, f->help);
    sample_double(out, f->name, NULL, d);
}

/* Memory by kind: STATS's memory section and the INFO fields it lacks. */
static void emit_memory(keel_buf *out, json_t *memory, const char *info, size_t len) {
    static const struct {
        const char *field, *kind;
    } stats_kinds[] = {{"used", "used"},
                       {"peak", "peak"},
                       {"keyspace", "keyspace"},
                       {"rss", "rss"}},
      info_kinds[] = {{"used_memory_core", "core"},
                      {"used_memory_startup", "startup"},
                      {"used_memory_table_spare", "table_spare"}};
    family(out, "keel_memory_bytes", "gauge",
           "Memory by kind: used (all allocated), peak, keyspace (the shards' tables), rss, core "
           "(the core's own allocations), startup, table_spare.");
    for (size_t i = 0; i < COUNT_OF(stats_kinds); i++) {
        json_t *v = json_object_get(memory, stats_kinds[i].field);
        if (!json_is_integer(v)) continue;
        char labels[64] = "";
        label_add(labels, sizeof labels, "kind", stats_kinds[i].kind);
        sample_int(out, "keel_memory_bytes", labels, (long long)json_integer_value(v));
    }
    for (size_t i = 0; i < COUNT_OF(info_kinds); i++) {
        size_t n;
        const char *v = info_get(info, len, info_kinds[i].field, &n);
        if (!v) continue;
        char labels[64] = "";
        label_add(labels, sizeof labels, "kind", info_kinds[i].kind);
        sample_int(out, "keel_memory_bytes", labels, strtoll(v, NULL, 10));
    }
    json_t *types = json_object_get(memory, "by_type");
    if (!json_is_object(types)) return;
    family(out, "keel_memory_type_bytes", "gauge",
           "Memory of the values of each type (strings are in kind=\"keyspace\"), as of the "
           "background walk's last pass; values inside hashes (namespaces) are sampled.");
    const char *name;
    json_t *v;
    json_object_foreach(types, name, v) {
        if (!json_is_integer(v)) continue;
        char labels[160] = "";
        label_add(labels, sizeof labels, "type", name);
        sample_int(out, "keel_memory_type_bytes", labels, (long long)json_integer_value(v));
    }
}

static const metric_field info_fields[] = {
    {"maxmemory", "keel_memory_max_bytes", "gauge", "The memory limit (maxmemory; 0 = none).", 0},
    {"lazyfree_pending_objects", "keel_lazyfree_pending_objects", "gauge",
     "Values waiting to be freed in the background.", 0},
    {"evicted_keys", "keel_evicted_keys_total", "counter", "Keys evicted to stay under maxmemory.",
     0},
    {"blocked_clients", "keel_blocked_clients", "gauge", "Clients waiting in a blocking command.",
     0},
    {"instantaneous_ops_per_sec", "keel_instantaneous_ops_per_second", "gauge",
     "Commands per second, recent samples.", 0},
};

bool http_metrics_write(const char *stats, size_t stats_len, const char *info, size_t info_len,
                        keel_buf *out) {
    json_error_t err;
    json_t *root = json_loadb(stats, stats_len, 0, &err);
    if (!json_is_object(root)) {
        json_decref(root);
        return false;
    }
    json_t *process = json_object_get(root, "process"), *cpu = json_object_get(root, "cpu"),
           *keyspace = json_object_get(root, "keyspace"), *memory = json_object_get(root, "memory");
    emit_build_info(out, process);
    emit_object(out, process, process_fields, COUNT_OF(process_fields));
    emit_object(out, cpu, cpu_fields, COUNT_OF(cpu_fields));
    emit_collection(out, json_object_get(cpu, "threads"), thread_fields, COUNT_OF(thread_fields),
                    label_thread);
    emit_memory(out, memory, info, info_len);
    for (size_t i = 0; i < COUNT_OF(info_fields); i++)
        emit_info_number(out, info, info_len, &info_fields[i]);
    emit_object(out, keyspace, keyspace_fields, COUNT_OF(keyspace_fields));
    emit_collection(out, json_object_get(keyspace, "db"), db_fields, COUNT_OF(db_fields), label_db);
    emit_collection(out, json_object_get(keyspace, "per_shard"), shard_fields,
                    COUNT_OF(shard_fields), label_shard);
    emit_expiry_lag(out, json_object_get(keyspace, "expiry"));
    json_t *networks = json_object_get(root, "network");
    emit_network_info(out, networks);
    emit_collection(out, networks, network_fields, COUNT_OF(network_fields), label_network);
    json_t *modules = json_object_get(root, "modules");
    emit_module_info(out, modules);
    emit_collection(out, modules, module_fields, COUNT_OF(module_fields), label_module);
    emit_object(out, json_object_get(root, "persistence"), persistence_fields,
                COUNT_OF(persistence_fields));
    emit_object(out, json_object_get(root, "log"), log_fields, COUNT_OF(log_fields));
    emit_command_stats(out, info, info_len);
    json_decref(root);
    return true;
}
