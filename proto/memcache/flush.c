/* flush.c -- the table of delayed flushes: (database, namespace path) -> due time, under a
 * mutex. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <keel/sdk.h>
#include "flush.h"

/* A namespace's schedule.  Its path is kept as each name's length (4 bytes) then its bytes. */
typedef struct flush_entry {
    int64_t at_ms;
    uint32_t db; /* the numbered database */
    uint32_t n;  /* names in the path */
    size_t len; /* bytes of path */
    char *path;
} flush_entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static flush_entry *entries; /* guarded by lock */
static size_t nentries, capentries;
static atomic_uint_fast64_t generation;
static atomic_size_t pending;

static size_t path_bytes(const keel_arg *path, uint32_t n) {
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++)
        len += 4 + path[i].len;
    return len;
}

static bool same_path(const flush_entry *e, uint32_t db, const keel_arg *path, uint32_t n) {
    if (e->db != db || e->n != n || e->len != path_bytes(path, n)) return false;
    const char *s = e->path;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len;
        memcpy(&len, s, 4);
        if (len != path[i].len || memcmp(s + 4, path[i].ptr, len) != 0) return false;
        s += 4 + len;
    }
    return true;
}

/* The entry of path in db, or NULL.  Under lock. */
static flush_entry *find(uint32_t db, const keel_arg *path, uint32_t n) {
    for (size_t i = 0; i < nentries; i++)
        if (same_path(&entries[i], db, path, n)) return &entries[i];
    return NULL;
}

/* Removes entry e.  Under lock. */
static void drop(flush_entry *e) {
    keel_free(e->path);
    *e = entries[--nentries];
    atomic_store_explicit(&pending, nentries, memory_order_relaxed);
}

static void changed(void) {
    atomic_fetch_add_explicit(&generation, 1, memory_order_release);
}

static bool add(uint32_t db, const keel_arg *path, uint32_t n, int64_t at_ms) {
    if (nentries == MC_FLUSH_MAX) return false;
    if (nentries == capentries) {
        size_t cap = capentries ? capentries * 2 : 8;
        flush_entry *grown = keel_realloc(entries, cap * sizeof *grown);
        if (!grown) return false;
        entries = grown;
        capentries = cap;
    }
    size_t len = path_bytes(path, n);
    char *copy = keel_alloc(len ? len : 1), *w = copy;
    if (!copy) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t nlen = (uint32_t)path[i].len;
        memcpy(w, &nlen, 4);
        memcpy(w + 4, path[i].ptr, nlen);
        w += 4 + nlen;
    }
    entries[nentries++] = (flush_entry){.at_ms = at_ms, .db = db, .n = n, .len = len, .path = copy};
    atomic_store_explicit(&pending, nentries, memory_order_relaxed);
    return true;
}

uint32_t mc_flush_database(keel_conn *c) {
    const char *db = keel_conn_network_setting(c, "database");
    return db ? (uint32_t)strtoul(db, NULL, 10) : 0;
}

bool mc_flush_schedule(uint32_t db, const keel_arg *path, uint32_t n, int64_t at_ms) {
    pthread_mutex_lock(&lock);
    flush_entry *e = find(db, path, n);
    bool ok = true;
    if (e)
        e->at_ms = at_ms;
    else
        ok = add(db, path, n, at_ms);
    changed();
    pthread_mutex_unlock(&lock);
    return ok;
}

void mc_flush_cancel(uint32_t db, const keel_arg *path, uint32_t n) {
    if (!mc_flush_pending()) return;
    pthread_mutex_lock(&lock);
    flush_entry *e = find(db, path, n);
    if (e) {
        drop(e);
        changed();
    }
    pthread_mutex_unlock(&lock);
}

bool mc_flush_take_due(uint32_t db, const keel_arg *path, uint32_t n, int64_t now_ms) {
    if (!mc_flush_pending()) return false;
    pthread_mutex_lock(&lock);
    flush_entry *e = find(db, path, n);
    bool due = e && e->at_ms <= now_ms;
    if (due) {
        drop(e);
        changed();
    }
    pthread_mutex_unlock(&lock);
    return due;
}

int64_t mc_flush_time(uint32_t db, const keel_arg *path, uint32_t n) {
    if (!mc_flush_pending()) return INT64_MAX;
    pthread_mutex_lock(&lock);
    flush_entry *e = find(db, path, n);
    int64_t at = e ? e->at_ms : INT64_MAX;
    pthread_mutex_unlock(&lock);
    return at;
}

bool mc_flush_pending(void) {
    return atomic_load_explicit(&pending, memory_order_relaxed) != 0;
}

uint64_t mc_flush_generation(void) {
    return atomic_load_explicit(&generation, memory_order_acquire);
}

void mc_flush_free(void) {
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nentries; i++)
        keel_free(entries[i].path);
    keel_free(entries);
    entries = NULL;
    nentries = capentries = 0;
    atomic_store_explicit(&pending, 0, memory_order_relaxed);
    changed();
    pthread_mutex_unlock(&lock);
}
