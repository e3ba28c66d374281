/* config_rewrite.c -- CONFIG REWRITE (config_rewrite.h): load the file with jansson, set the
 * changed settings, dump it indented, and replace the file atomically. */
#include "config.h"
#include "config_rewrite.h"
#include "aof.h"
#include "conf.h"
#include "evict_policy.h"
#include "latency.h"
#include "log.h"
#include "mem.h"
#include "notify.h"
#include "persist.h"
#include "savepoint.h"
#include "server.h"
#include "slowlog.h"
#include "snap_z.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Which value a setting has: `running` (the server now) or what a config read from the file
 * holds (`file`, the file's value or the default).  Both in the form the file stores. */
typedef json_t *(*setting_value)(const conf *file, bool running);

/* One setting CONFIG SET changes and the file key holding it ("log.level": key level of the
 * object at key log). */
typedef struct rewrite_setting {
    const char *key;
    setting_value value;
} rewrite_setting;

#define LIVE_OR_FILE(field) (running ? limit_get(srv->cf.field) : file->field)

static json_t *v_max_clients(const conf *file, bool running) {
    return json_integer(LIVE_OR_FILE(max_clients));
}
static json_t *v_timeout(const conf *file, bool running) {
    return json_integer(LIVE_OR_FILE(timeout));
}
static json_t *v_keepalive(const conf *file, bool running) {
    return json_integer(LIVE_OR_FILE(tcp_keepalive));
}
static json_t *v_qbuf(const conf *file, bool running) {
    return json_integer(LIVE_OR_FILE(query_buffer_limit));
}
static json_t *v_maxbulk(const conf *file, bool running) {
    return json_integer(LIVE_OR_FILE(proto_max_bulk_len));
}
static json_t *v_protected(const conf *file, bool running) {
    return json_boolean(LIVE_OR_FILE(protected_mode));
}
static json_t *v_busy(const conf *file, bool running) {
    return json_integer(LIVE_OR_FILE(busy_reply_threshold));
}
static json_t *v_maxmemory(const conf *file, bool running) {
    return json_integer(LIVE_OR_FILE(maxmemory));
}
static json_t *v_samples(const conf *file, bool running) {
    return json_integer(LIVE_OR_FILE(maxmemory_samples));
}
static json_t *v_lfu_log(const conf *file, bool running) {
    return json_integer(LIVE_OR_FILE(lfu_log_factor));
}
static json_t *v_lfu_decay(const conf *file, bool running) {
    return json_integer(LIVE_OR_FILE(lfu_decay_time));
}

static json_t *v_policy(const conf *file, bool running) {
    return json_string(evict_policy_name(LIVE_OR_FILE(maxmemory_policy)));
}

static json_t *v_obuf(const conf *file, bool running) {
    limit_obuf o[LIMIT_OBUF_CLASSES];
    for (int i = 0; i < LIMIT_OBUF_CLASSES; i++)
        o[i] = running
                   ? (limit_obuf){limit_get(srv->cf.obuf[i].hard), limit_get(srv->cf.obuf[i].soft),
                                  limit_get(srv->cf.obuf[i].soft_seconds)}
                   : file->obuf[i];
    char text[256];
    limit_format_obuf(o, text, sizeof text);
    return json_string(text);
}

static json_t *v_notify(const conf *file, bool running) {
    char text[64];
    notify_format(running ? notify_configured() : file->notify_keyspace_events, text, sizeof text);
    return json_string(text);
}

static json_t *v_save(const conf *file, bool running) {
    char text[512] = "";
    if (running) {
        persist_save_points_text(text, sizeof text);
    } else if (file->save) { /* the file's text in the same form as the running one */
        savepoint sp[SAVEPOINT_MAX];
        int n = savepoint_parse(file->save, sp, SAVEPOINT_MAX);
        if (n > 0) savepoint_format(sp, n, text, sizeof text);
    }
    return json_string(text);
}

static json_t *v_appendonly(const conf *file, bool running) {
    return json_boolean(running ? aof_enabled() : file->appendonly);
}

static json_t *v_appendfsync(const conf *file, bool running) {
    return json_string(aof_fsync_name(running ? aof_fsync_policy() : file->appendfsync));
}

static json_t *v_snapz(const conf *file, bool running) {
    return json_string(snap_z_name(running ? snap_z_setting() : conf_snapshot_codec(file)));
}

static json_t *v_slowlog_us(const conf *file, bool running) {
    return json_integer(running ? slowlog_threshold_us() : file->slowlog_slower_than);
}

static json_t *v_slowlog_len(const conf *file, bool running) {
    return json_integer(running ? slowlog_max_len() : file->slowlog_max_len);
}

static json_t *v_latency(const conf *file, bool running) {
    return json_integer(running ? latency_threshold_ms() : file->latency_threshold);
}

static json_t *v_loglevel(const conf *file, bool running) {
    return json_string(log_level_name(running ? log_get_level() : file->log_level));
}

/* In the order CONFIG SET lists them (CONFIG HELP); docs/config.md names each. */
static const rewrite_setting settings[] = {
    {"log.level", v_loglevel},
    {"max_clients", v_max_clients},
    {"timeout", v_timeout},
    {"tcp_keepalive", v_keepalive},
    {"client_output_buffer_limit", v_obuf},
    {"client_query_buffer_limit", v_qbuf},
    {"max_memory", v_maxmemory},
    {"max_memory_policy", v_policy},
    {"max_memory_samples", v_samples},
    {"lfu_log_factor", v_lfu_log},
    {"lfu_decay_time", v_lfu_decay},
    {"proto_max_bulk_len", v_maxbulk},
    {"protected_mode", v_protected},
    {"busy_reply_threshold", v_busy},
    {"notify_keyspace_events", v_notify},
    {"save", v_save},
    {"appendonly", v_appendonly},
    {"appendfsync", v_appendfsync},
    {"snapshot_compression", v_snapz},
    {"slowlog_log_slower_than", v_slowlog_us},
    {"slowlog_max_len", v_slowlog_len},
    {"latency_monitor_threshold", v_latency},
};

/* The object holding key's last part (made when missing) and that part: "log.level" ->
 * (root.log, "level"). */
static json_t *parent_of(json_t *root, const char *key, const char **leaf) {
    const char *dot = strchr(key, '.');
    if (!dot) {
        *leaf = key;
        return root;
    }
    char head[64];
    snprintf(head, sizeof head, "%.*s", (int)(dot - key), key);
    json_t *obj = json_object_get(root, head);
    if (!json_is_object(obj)) {
        obj = json_object();
        json_object_set_new(root, head, obj);
    }
    *leaf = dot + 1;
    return obj;
}

/* Sets every setting whose running value differs from file's in root.  Returns how many. */
static int apply_settings(json_t *root, const conf *file) {
    int changed = 0;
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        json_t *now = settings[i].value(file, true), *was = settings[i].value(file, false);
        if (!json_equal(now, was)) {
            const char *leaf;
            json_t *parent = parent_of(root, settings[i].key, &leaf);
            json_object_set(parent, leaf, now);
            changed++;
        }
        json_decref(now);
        json_decref(was);
    }
    return changed;
}

/* Writes text to a temporary file in path's directory, fsyncs it and renames it over path (then
 * fsyncs the directory).  The file keeps path's permission bits.  0 or an errno. */
static int replace_file(const char *path, const char *text) {
    size_t plen = strlen(path);
    char *tmp = mem_alloc(plen + 16);
    snprintf(tmp, plen + 16, "%s.rewriteXXXXXX", path);
    int fd = mkstemp(tmp), err = 0;
    if (fd < 0) {
        err = errno;
        mem_free(tmp);
        return err;
    }
    struct stat st;
    if (stat(path, &st) == 0) fchmod(fd, st.st_mode & 07777);
    size_t len = strlen(text), off = 0;
    while (off < len && !err) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno != EINTR)
            err = errno;
        else if (w > 0)
            off += (size_t)w;
    }
    if (!err && fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && !err) err = errno;
    if (!err && rename(tmp, path) != 0) err = errno;
    if (err) {
        unlink(tmp);
    } else {
        char *dir = mem_strndup(path, plen), *slash = strrchr(dir, '/');
        if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        mem_free(dir);
    }
    mem_free(tmp);
    return err;
}

/* The settings as the file and the defaults give them; false with the first error in err. */
static bool read_file_conf(const char *path, conf *file, char *err, size_t cap) {
    conf_default(file);
    char *errs = NULL;
    if (conf_load_file(file, path, &errs) == 0) {
        mem_free(errs);
        return true;
    }
    const char *nl = errs ? strchr(errs, '\n') : NULL;
    snprintf(err, cap, "ERR Rewriting config file: the file no longer passes its checks: %.*s",
             (int)(nl     ? nl - errs
                   : errs ? (long)strlen(errs)
                          : 0),
             errs ? errs : "");
    mem_free(errs);
    conf_free(file);
    return false;
}

bool config_rewrite(char *err, size_t cap) {
    const char *named = srv->cf.config_file;
    if (!named) {
        snprintf(err, cap, "ERR The server is running without a config file");
        return false;
    }
    char real[PATH_MAX];
    const char *path = realpath(named, real) ? real : named; /* a symlink stays one */
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        snprintf(err, cap, "ERR Rewriting config file: %s: %s", named,
                 root ? "not a JSON object" : jerr.text);
        json_decref(root);
        return false;
    }
    conf file;
    if (!read_file_conf(path, &file, err, cap)) {
        json_decref(root);
        return false;
    }
    int changed = apply_settings(root, &file);
    conf_free(&file);
    char *text = changed ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(root);
    if (!changed) return true; /* nothing differs: the file stays byte for byte */
    if (!text) {
        snprintf(err, cap, "ERR Rewriting config file: out of memory");
        return false;
    }
    size_t n = strlen(text);
    char *withnl = mem_alloc(n + 2);
    memcpy(withnl, text, n);
    memcpy(withnl + n, "\n", 2);
    free(text);
    int e = replace_file(path, withnl);
    mem_free(withnl);
    if (e) {
        snprintf(err, cap, "ERR Rewriting config file: %s", strerror(e));
        return false;
    }
    log_notice("CONFIG REWRITE wrote %d changed setting%s into %s", changed,
               changed == 1 ? "" : "s", path);
    return true;
}
