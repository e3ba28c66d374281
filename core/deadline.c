/* deadline.c -- the table of namespace deadlines: (database, namespace path, name) -> due time,
 * under a mutex. */
#include "config.h"
#include "deadline.h"
#include "mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

/* One deadline.  Its key is the name then the path, each as a length (4 bytes) then bytes. */
typedef struct deadline_entry {
    int64_t at_ms;
    uint32_t db; /* the numbered database */
    size_t len;  /* bytes of key */
    char *key;
} deadline_entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static deadline_entry *entries; /* guarded by lock */
static size_t nentries, capentries;
static atomic_uint_fast64_t generation;
static atomic_size_t pending;

static size_t key_bytes(const keel_arg *path, uint32_t n, const char *name) {
    size_t len = 4 + strlen(name);
    for (uint32_t i = 0; i < n; i++)
        len += 4 + path[i].len;
    return len;
}

static char *put(char *w, const void *s, uint32_t len) {
    memcpy(w, &len, 4);
    memcpy(w + 4, s, len);
    return w + 4 + len;
}

/* Writes the key of (path, name) at out (key_bytes of room). */
static void key_write(char *out, const keel_arg *path, uint32_t n, const char *name) {
    out = put(out, name, (uint32_t)strlen(name));
    for (uint32_t i = 0; i < n; i++)
        out = put(out, path[i].ptr, (uint32_t)path[i].len);
}

static bool same_key(const deadline_entry *e, uint32_t db, const keel_arg *path, uint32_t n,
                     const char *name) {
    if (e->db != db || e->len != key_bytes(path, n, name)) return false;
    const char *s = e->key;
    uint32_t len;
    memcpy(&len, s, 4);
    if (len != strlen(name) || memcmp(s + 4, name, len) != 0) return false;
    s += 4 + len;
    for (uint32_t i = 0; i < n; i++) {
        memcpy(&len, s, 4);
        if (len != path[i].len || memcmp(s + 4, path[i].ptr, len) != 0) return false;
        s += 4 + len;
    }
    return true;
}

/* The entry of (db, path, name), or NULL.  Under lock. */
static deadline_entry *find(uint32_t db, const keel_arg *path, uint32_t n, const char *name) {
    for (size_t i = 0; i < nentries; i++)
        if (same_key(&entries[i], db, path, n, name)) return &entries[i];
    return NULL;
}

static void changed(void) {
    atomic_fetch_add_explicit(&generation, 1, memory_order_release);
}

/* Removes entry e.  Under lock. */
static void drop(deadline_entry *e) {
    mem_free(e->key);
    *e = entries[--nentries];
    atomic_store_explicit(&pending, nentries, memory_order_relaxed);
    changed();
}

static bool add(uint32_t db, const keel_arg *path, uint32_t n, const char *name, int64_t at_ms) {
    if (nentries == DEADLINE_MAX) return false;
    if (nentries == capentries) {
        capentries = capentries ? capentries * 2 : 8;
        entries = mem_realloc(entries, capentries * sizeof *entries);
    }
    size_t len = key_bytes(path, n, name);
    char *key = mem_alloc(len);
    key_write(key, path, n, name);
    entries[nentries++] = (deadline_entry){.at_ms = at_ms, .db = db, .len = len, .key = key};
    atomic_store_explicit(&pending, nentries, memory_order_relaxed);
    return true;
}

bool deadline_set(uint32_t db, const keel_arg *path, uint32_t n, const char *name, int64_t at_ms) {
    pthread_mutex_lock(&lock);
    deadline_entry *e = find(db, path, n, name);
    bool ok = true;
    if (e)
        e->at_ms = at_ms;
    else
        ok = add(db, path, n, name, at_ms);
    changed();
    pthread_mutex_unlock(&lock);
    return ok;
}

void deadline_cancel(uint32_t db, const keel_arg *path, uint32_t n, const char *name) {
    if (!deadline_pending()) return;
    pthread_mutex_lock(&lock);
    deadline_entry *e = find(db, path, n, name);
    if (e) drop(e);
    pthread_mutex_unlock(&lock);
}

bool deadline_take(uint32_t db, const keel_arg *path, uint32_t n, const char *name,
                   int64_t now_ms) {
    if (!deadline_pending()) return false;
    pthread_mutex_lock(&lock);
    deadline_entry *e = find(db, path, n, name);
    bool due = e && e->at_ms <= now_ms;
    if (due) drop(e);
    pthread_mutex_unlock(&lock);
    return due;
}

int64_t deadline_time(uint32_t db, const keel_arg *path, uint32_t n, const char *name) {
    if (!deadline_pending()) return INT64_MAX;
    pthread_mutex_lock(&lock);
    deadline_entry *e = find(db, path, n, name);
    int64_t at = e ? e->at_ms : INT64_MAX;
    pthread_mutex_unlock(&lock);
    return at;
}

bool deadline_due_once(deadline_seen *seen, uint32_t db, const keel_arg *path, uint32_t n,
                       const char *name, int64_t now_ms) {
    if (!deadline_pending()) return false;
    uint64_t gen = deadline_generation();
    if (seen->tried && gen == seen->tried_gen) return false;
    if (seen->known && gen == seen->gen && seen->at == INT64_MAX) return false;
    if (!seen->known || gen != seen->gen) {
        seen->at = deadline_time(db, path, n, name);
        seen->gen = gen;
        seen->known = true;
    }
    if (seen->at > now_ms) return false;
    seen->tried = true;
    seen->tried_gen = gen;
    return true;
}

bool deadline_pending(void) {
    return atomic_load_explicit(&pending, memory_order_relaxed) != 0;
}

uint64_t deadline_generation(void) {
    return atomic_load_explicit(&generation, memory_order_acquire);
}

void deadline_free(void) {
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nentries; i++)
        mem_free(entries[i].key);
    mem_free(entries);
    entries = NULL;
    nentries = capentries = 0;
    atomic_store_explicit(&pending, 0, memory_order_relaxed);
    changed();
    pthread_mutex_unlock(&lock);
}
