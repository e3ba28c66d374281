/* keyspace.h -- key operations on shards: hashing, lookups with lazy expiry, stores and
 * deletes that free module objects through their type.  Owner thread only. */
#ifndef KEEL_CORE_KEYSPACE_H
#define KEEL_CORE_KEYSPACE_H

#include "shard.h"

#include <datakit/table.h>
#include <keel/sdk.h>
#include <stdbool.h>

struct zvm_proc;

uint64_t ks_hash(const void *key, size_t len);

/* Finds key's shard for process p: KEEL_OK with *hash and *out set; KEEL_MOVED when another
 * thread owns it (p->target_shard set: the opcode must hop); KEEL_WAIT when another process
 * holds the key (p is queued behind it: the opcode must block). */
keel_status ks_locate(struct zvm_proc *p, const void *key, size_t klen, uint64_t *hash, shard **out);

/* Finds a live key (an expired one is deleted on the way and not found).  Fills *ref and *e
 * (either may be NULL).  Counts a hit or a miss when count_stats. */
bool ks_find(shard *s, const void *key, size_t klen, uint64_t hash, int64_t now_ms, dk_ref *ref,
             dk_entry *e, bool count_stats);

/* Fills a keel_value from a table entry. */
void ks_value_from_entry(const dk_entry *e, keel_value *out);

/* Deletes the entry at ref, freeing an object value through its type. */
void ks_delete_ref(shard *s, dk_ref ref);

/* Sets or clears (DK_NO_EXPIRY) the expiry of the entry at r. */
void ks_set_expiry(shard *s, dk_ref r, int64_t at_ms);

/* Stores a box or an object (replacing, and freeing, what was there). */
keel_status ks_store_box(shard *s, const void *key, size_t klen, uint64_t hash, const dk_val *v,
                         bool keep_ttl);
keel_status ks_store_obj(shard *s, const void *key, size_t klen, uint64_t hash, keel_type_id type,
                         void *obj, bool keep_ttl);

/* Frees an object value through its type's free op. */
void ks_free_obj(void *ctx, uint16_t type, void *obj);

/* Removes every key of s. */
void ks_flush(shard *s);

#endif
