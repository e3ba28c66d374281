/* keyspace.h -- key operations on one table of a shard (a database's own table, or a
 * namespace's nested one): hashing, lookups with lazy expiry, stores and deletes that free
 * module objects through their type, and the shard's published counts.  Owner thread only. */
#ifndef KEEL_CORE_KEYSPACE_H
#define KEEL_CORE_KEYSPACE_H

#include "ns.h"
#include "shard.h"

#include <datakit/table.h>
#include <keel/sdk.h>
#include <stdbool.h>

struct zvm_proc;

uint64_t ks_hash(const void *key, size_t len);

/* Reductions a scan charges per entry it visits: a visit (view, checks, a callback) costs about
 * as much as eight simple per-element steps. */
#define KS_VISIT_COST 8

/* Database db's own table on s as a space (no namespace); its t is NULL when the database has
 * never held a key on s. */
static inline ks_space ks_top(shard *s, uint32_t db) {
    ks_space sp = {s, shard_table(s, db), NULL, db, NULL, 0};
    return sp;
}

/* Finds a live key (an expired one is deleted on the way and not found).  Fills *ref and *e
 * (either may be NULL).  Counts a hit or a miss when count_stats. */
/* ks_find, touching the entry's recency/frequency only when touch (CLIENT NO-TOUCH). */
bool ks_find_as(ks_space *sp, const void *key, size_t klen, uint64_t hash, int64_t now_ms,
                dk_ref *ref, dk_entry *e, bool count_stats, bool touch);
bool ks_find(ks_space *sp, const void *key, size_t klen, uint64_t hash, int64_t now_ms, dk_ref *ref,
             dk_entry *e, bool count_stats);

/* The same without counting an access (OBJECT FREQ/IDLETIME look without touching). */
bool ks_find_untouched(ks_space *sp, const void *key, size_t klen, uint64_t hash, int64_t now_ms,
                       dk_ref *ref, dk_entry *e);

/* True for a namespace entry that holds no keys any more (it counts as absent). */
bool ks_empty_namespace(const dk_entry *e);

/* Fills a keel_value from a table entry. */
void ks_value_from_entry(const dk_entry *e, keel_value *out);

/* Deletes the entry at ref, freeing an object value through its type. */
void ks_delete_ref(ks_space *sp, dk_ref ref);
/* Deletes the entry at ref but hands its object (if any) to the caller instead of freeing it. */
void ks_take_ref(ks_space *sp, dk_ref ref, void **obj, uint16_t *type);

/* Sets or clears (DK_NO_EXPIRY) the expiry of the entry at r. */
void ks_set_expiry(ks_space *sp, dk_ref r, int64_t at_ms);

/* Stores a box or an object (replacing, and freeing, what was there). */
keel_status ks_store_box(ks_space *sp, const void *key, size_t klen, uint64_t hash, const dk_val *v,
                         bool keep_ttl);
/* Overwrites an existing key's box value where it lies, keeping its expiry, when the table can
 * (dk_table_overwrite_box); false, changing nothing, when it cannot or the key is absent. */
bool ks_overwrite_box(ks_space *sp, const void *key, size_t klen, uint64_t hash, const dk_val *v);
/* Stores a bytes value of len bytes (no expiry) whose content the caller writes at *bytes before
 * anyone reads the key (see dk_table_put_bytes_reserve). */
keel_status ks_store_bytes_reserve(ks_space *sp, const void *key, size_t klen, uint64_t hash,
                                   size_t len, void **bytes);
keel_status ks_store_obj(ks_space *sp, const void *key, size_t klen, uint64_t hash,
                         keel_type_id type, void *obj, bool keep_ttl);

/* Frees an object value through its type's free op. */
void ks_free_obj(void *ctx, uint16_t type, void *obj);

/* Removes every key of database db on s. */
void ks_flush(shard *s, uint32_t db);

#endif
