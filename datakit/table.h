/* table.h -- the keyspace table of one shard: key -> value with as little as possible per key.
 *
 * An entry holds the key bytes, a value (a packed box, or an object pointer with a 16-bit type
 * tag), a 16-bit word of the caller's (eviction metadata: recency or frequency), and optional
 * fields that cost memory only when present: an expiry (absolute ms), a 32-bit aux word and a
 * 64-bit aux word (the memcached protocol keeps flags and CAS there).
 *
 * The table grows and shrinks incrementally: no call ever rehashes the whole table; each
 * mutating call moves a bounded number of buckets, and dk_table_step() moves more when the
 * owner is idle.  Scan cursors stay valid across resizes (every key present for a whole scan
 * is returned at least once).  Expiring keys are kept in a timer structure, so the keys due
 * by a time are found without looking at the others.
 *
 * References (dk_ref) name an entry until the next call that mutates the table; any
 * mutation may move entries.  Views (dk_entry) point into the table under the same rule.
 * Single-threaded: one owner thread per table.
 */
#ifndef DATAKIT_TABLE_H
#define DATAKIT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/box.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_table dk_table;
typedef uint64_t dk_ref; /* 0 = no entry */
#define DK_REF_NONE ((dk_ref)0)

#define DK_ENTRY_BOX 0 /* value is a packed box */
#define DK_ENTRY_OBJ 1 /* value is an object pointer + type tag */

#define DK_NO_EXPIRY ((int64_t)-1)

/* A read-only view of one entry. */
typedef struct dk_entry {
    const void *key;
    size_t klen;
    uint8_t kind;      /* DK_ENTRY_BOX / DK_ENTRY_OBJ */
    uint16_t obj_type; /* DK_ENTRY_OBJ: the caller's type tag */
    void *obj;         /* DK_ENTRY_OBJ */
    dk_val box;        /* DK_ENTRY_BOX (bytes point into the table) */
    int64_t expire_ms; /* DK_NO_EXPIRY when none */
    bool has_aux32, has_aux64;
    uint32_t aux32;
    uint64_t aux64;
} dk_entry;

/* Called for object values when the table drops them (delete of an OBJ entry is the caller's
 * business: dk_table_delete returns the object to the caller instead). */
typedef void (*dk_obj_free_fn)(void *ctx, uint16_t obj_type, void *obj);

dk_table *dk_table_new(void);
/* A table whose entries carry the 16-bit metadata word (dk_table_meta): 2 bytes more a key.
 * dk_table_new's entries have none (their dk_table_meta is 0, and setting it does nothing). */
dk_table *dk_table_new_meta(void);

/* "compact", or "plain" in a build configured with --enable-plain-table (the conventional
 * layout kept to measure the compact one against). */
const char *dk_table_layout(void);

/* The table keeps no hash per key: when it grows it recomputes hashes with this function,
 * which must return exactly the hashes callers pass in.  The default is
 * dk_table_default_hash (XXH3_64bits, seed 0).  Set it before the first insert.
 * (Added to the first API: the incremental resize needs it.) */
typedef uint64_t (*dk_table_hash_fn)(const void *key, size_t klen);
void dk_table_set_hash(dk_table *t, dk_table_hash_fn fn);
/* XXH3_64bits(key, klen): the hash callers should pass unless they set another. */
uint64_t dk_table_default_hash(const void *key, size_t klen);
/* Frees the table; free_obj (may be NULL) is called for every object value still inside. */
void dk_table_free(dk_table *t, dk_obj_free_fn free_obj, void *ctx);
/* Removes every entry (FLUSHALL): also incremental-friendly, but may be O(n) here. */
void dk_table_clear(dk_table *t, dk_obj_free_fn free_obj, void *ctx);

size_t dk_table_count(const dk_table *t);
/* Every byte the table owns: slots, entry storage, allocator slack, timer structure. */
size_t dk_table_bytes(const dk_table *t);
/* Of those, the bytes free for the next entries without asking the allocator (free slots in
 * the entries' pages): memory held but not in use, as an allocator's free lists are.  O(1).
 * (Added for eviction, which counts used memory without it.) */
size_t dk_table_spare_bytes(const dk_table *t);
/* Entries with an expiry. */
size_t dk_table_expires_count(const dk_table *t);
/* The mean of those entries' expiries (absolute ms, rounded toward zero), DK_NO_EXPIRY when there
 * are none: O(1), from a running sum.  (Added for INFO keyspace's avg_ttl.) */
int64_t dk_table_expiry_mean(const dk_table *t);

/* hash: any well-mixed 64-bit hash of the key (the caller's, e.g. XXH3_64bits); the same key
 * must always come with the same hash. */
dk_ref dk_table_find(dk_table *t, const void *key, size_t klen, uint64_t hash);
/* Hints that key `hash` is about to be looked up: starts loading its bucket, so that several
 * lookups issued together overlap their cache misses.  No effect on the table. */
void dk_table_prefetch(const dk_table *t, uint64_t hash);
/* The second step, a little later (once the bucket has arrived): starts loading the first entry
 * of the bucket's chain, where the key is compared.  No effect on the table. */
void dk_table_prefetch_entry(const dk_table *t, uint64_t hash);

/* Fills *e for a live reference. */
void dk_table_view(dk_table *t, dk_ref r, dk_entry *e);
/* Bytes entry r takes in the table: its record (the slot or allocation holding it), an
 * out-of-line value's block, and its share of the bucket array; not an object value's own bytes.
 * (Added for MEMORY USAGE.) */
size_t dk_table_entry_bytes(const dk_table *t, dk_ref r);

/* The entry's 16-bit metadata word in a table made by dk_table_new_meta (the caller's: the core
 * keeps eviction recency/frequency in it); 0 in other tables.  A new entry's is 0; an overwrite, a
 * new expiry or aux word, or a resize keeps it.  O(1), no decoding, no effect on references. (Added
 * for eviction.) */
uint16_t dk_table_meta(const dk_table *t, dk_ref r);
void dk_table_set_meta(dk_table *t, dk_ref r, uint16_t meta);

/* Insert or overwrite.  Overwriting keeps the expiry when keep_expiry, else clears it; aux
 * fields are cleared on overwrite.  For an overwritten OBJ entry, the old object is returned in
 * *old_obj / *old_type (else *old_obj = NULL) and NOT freed.  Returns the entry's reference, or
 * DK_REF_NONE when memory ran out. */
dk_ref dk_table_put_box(dk_table *t, const void *key, size_t klen, uint64_t hash, const dk_val *v,
                        bool keep_expiry, void **old_obj, uint16_t *old_type);
dk_ref dk_table_put_obj(dk_table *t, const void *key, size_t klen, uint64_t hash, uint16_t type,
                        void *obj, bool keep_expiry, void **old_obj, uint16_t *old_type);
/* Overwrites the value of entry r with box v where it lies, as dk_table_put_box with keep_expiry
 * would (its expiry and meta kept), when that needs no move: r holds an inline box packed in as
 * many bytes as v packs to, and no aux field.  False, changing nothing, otherwise. */
bool dk_table_overwrite_box(dk_table *t, dk_ref r, const dk_val *v);

/* Inserts or overwrites key with a bytes value of len bytes kept out of line, whose content the
 * caller writes at *bytes (the table does not read it until then).  *bytes stays valid until
 * the entry is changed or deleted: the caller must finish writing before anyone reads the key.
 * Otherwise as dk_table_put_box.  DK_REF_NONE when memory ran out. */
dk_ref dk_table_put_bytes_reserve(dk_table *t, const void *key, size_t klen, uint64_t hash,
                                  size_t len, bool keep_expiry, void **old_obj, uint16_t *old_type,
                                  uint8_t **bytes);

/* Deletes the entry; an object value is handed back in *obj / *type (NULL for a box). */
void dk_table_delete(dk_table *t, dk_ref r, void **obj, uint16_t *type);

/* Per-entry optional fields.  Each returns the (possibly moved) reference, or DK_REF_NONE
 * when memory ran out (the entry is then unchanged and r still names it). */
dk_ref dk_table_set_expiry(dk_table *t, dk_ref r, int64_t expire_ms); /* DK_NO_EXPIRY clears */
/* Appends n bytes to the bytes value at r in place, when the table keeps it out of line (a big
 * value): its block grows with room to spare, so repeated appends cost amortised O(1) per byte.
 * Returns r, or DK_REF_NONE with the value unchanged when it is not such a value or memory ran
 * out (the caller then stores the whole new value).  Expiry and aux words are kept.  p NULL
 * appends n zero bytes. */
dk_ref dk_table_append_bytes(dk_table *t, dk_ref r, const void *p, size_t n);
dk_ref dk_table_set_aux32(dk_table *t, dk_ref r, bool present, uint32_t v);
dk_ref dk_table_set_aux64(dk_table *t, dk_ref r, bool present, uint64_t v);

/* Calls due(ctx, ref) for up to max entries whose expiry is <= now_ms, earliest first, and
 * returns how many it found.  The callback must delete the entry (dk_table_delete) or move its
 * expiry later; it may not otherwise mutate the table. */
typedef void (*dk_due_fn)(void *ctx, dk_table *t, dk_ref r);
size_t dk_table_expire_due(dk_table *t, int64_t now_ms, size_t max, dk_due_fn due, void *ctx);
/* Earliest expiry in the table, or DK_NO_EXPIRY. */
int64_t dk_table_next_expiry(const dk_table *t);
/* The entry with the earliest expiry (volatile-ttl's candidate), DK_REF_NONE when none expires.
 * (Added for eviction.) */
dk_ref dk_table_soonest(const dk_table *t);

/* Scan: starts with cursor 0; calls fn for the entries of the next few buckets and returns the
 * next cursor, 0 when the scan is complete.  fn must not mutate the table. */
typedef void (*dk_scan_fn)(void *ctx, dk_table *t, dk_ref r);
uint64_t dk_table_scan(dk_table *t, uint64_t cursor, dk_scan_fn fn, void *ctx);

/* Calls fn for every entry once, in the order they lie in memory (much faster than a scan over a
 * big table: no chain is followed).  No cursor: the whole table at once, and fn must not mutate
 * the table. */
void dk_table_each(dk_table *t, dk_scan_fn fn, void *ctx);

/* The shape of the bucket arrays a scan walks: it changes when a resize starts or ends.  While it
 * is the same before two dk_table_scan calls (of one table), the second shows no entry the first
 * showed; a resize between them may make a scan show an entry twice (never skip one). */
uint64_t dk_table_scan_shape(const dk_table *t);

/* A uniformly-ish random entry (DK_REF_NONE when empty); rnd is any random 64-bit number. */
dk_ref dk_table_random(dk_table *t, uint64_t rnd);

/* Sizes an empty table's buckets for n entries at once (no resize while it fills to n): a
 * loader that knows how many keys come.  Does nothing to a table that holds entries or is
 * resizing, or for n past 2^32; false only when memory ran out (the table is unchanged). */
bool dk_table_reserve(dk_table *t, size_t n);

/* Does up to `work` units of pending incremental resize; returns true while more is pending. */
bool dk_table_step(dk_table *t, size_t work);

#ifdef __cplusplus
}
#endif
#endif
