/* watch.h -- WATCH: which keys clients watch, and whether they changed since.
 *
 * Each shard keeps a table of the keys some client watches, each with two counters: `version`,
 * moved by every write to the key (a write command's key.lock, FLUSHALL/FLUSHDB of an existing
 * key), and `expiries`, moved when the key is deleted by expiry.  WATCH records the counters it
 * saw (and whether the key existed then); EXEC compares them on each shard while it holds the
 * keys' locks.  A write moves `version` when it takes the key's lock, before it changes anything:
 * an EXEC, which needs the same lock, checks either before the write starts or after it ended.
 *
 * A watched key is named by its database and its lock identity: the top-level entry of the
 * client's namespace path (the key itself at the top), so a write anywhere inside a watched
 * namespace counts.
 * Owner thread only, like the rest of the shard.
 */
#ifndef KEEL_CORE_WATCH_H
#define KEEL_CORE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shard;
struct zvm_proc;
struct keel_conn;

typedef struct watch_ent {
    uint64_t hash; /* the lock identity's hash (ks_hash) */
    uint32_t db;
    uint64_t version;  /* writes */
    uint64_t expiries; /* deletions by expiry */
    uint32_t nwatch;   /* watch records that name it */
    uint32_t len;
    struct watch_ent *next;
    char ident[];
} watch_ent;

typedef struct watch_table {
    watch_ent **buckets;
    uint32_t mask; /* buckets - 1, 0 when unallocated */
    uint32_t count;
} watch_table;

/* What WATCH saw of one key: kept by the connection until EXEC, DISCARD, UNWATCH or close. */
typedef struct watch_rec {
    uint32_t shard, db;
    bool existed; /* the key existed (not expired) when watched */
    uint64_t hash;
    uint64_t version, expiries;
    uint32_t len;
    char ident[];
} watch_rec;

/* ---- the shard's side (its owner thread) ---- */

/* Counts one more watcher of ident and fills rec's counters from it (rec->ident set already). */
void watch_add(struct shard *s, watch_rec *rec);
/* One watcher fewer; the entry goes with its last watcher. */
void watch_drop(struct shard *s, uint32_t db, const char *ident, size_t len, uint64_t hash);
/* True when rec's key has not changed since it was watched (a key that existed and has expired
 * since, deleted or not, has changed). */
bool watch_unchanged(struct shard *s, const watch_rec *rec, int64_t now_ms);

/* Callers test s->watch.count first: a shard nobody watches pays that one test.
 * A write to ident (a key's lock identity) is about to happen. */
void watch_touch(struct shard *s, uint32_t db, const char *ident, size_t len, uint64_t hash);
/* ident was deleted by expiry. */
void watch_touch_expired(struct shard *s, uint32_t db, const char *ident, size_t len,
                         uint64_t hash);
/* The write command p took its keys [first, end) on shard s (in its database). */
void watch_touch_keys(struct shard *s, const struct zvm_proc *p, uint32_t first, uint32_t end);
/* Database db of s is about to be emptied or swapped (FLUSHDB, FLUSHALL, SWAPDB): every watched
 * key of it that exists now counts as written. */
void watch_touch_existing(struct shard *s, uint32_t db);

void watch_table_free(watch_table *t);

/* ---- the connection's side (its thread) ---- */

/* Forgets every key the connection watches (UNWATCH, EXEC, DISCARD, close): each shard's count
 * drops on its own thread. */
void watch_release_all(watch_rec **recs, uint32_t n);

#endif
