/* table_plain_int.h -- internal to datakit: the plain dk_table's struct and entry layout.
 *
 * The plain table (--enable-plain-table) is the conventional layout kept as a yardstick for
 * the compact one: one malloc'd entry per key holding a chain pointer, the key inline, the
 * value (a small packed box inline, a bigger one in an allocation of its own, or an object
 * pointer and its type), the expiry, the aux fields and the caller's 16-bit meta word at fixed
 * places.  A dk_ref is the entry's address; entries never move, so a reference outlives mutations
 * of other entries.
 *
 * Buckets are arrays of entry pointers, a power of two long.  While a resize is under way
 * bucket[1] is the new array and bucket[0]'s buckets below `rehash` have been moved into it;
 * a key is only ever in the bucket a lookup of its hash visits.  The bucket of a hash h is
 * tp_bhash(h) & (size - 1), as in the compact table.  Entries with an expiry are also in a binary
 * min-heap ordered by expiry (table_plain_expire.c); each such entry knows its heap position.
 */
#ifndef DATAKIT_TABLE_PLAIN_INT_H
#define DATAKIT_TABLE_PLAIN_INT_H

#include <datakit/table.h>

#define TP_SMALL 16 /* packed boxes up to this size live inside the entry */

enum tp_kind { TP_BOX_SMALL, TP_BOX_EXT, TP_OBJ };

#define TP_HAS_AUX32 0x01
#define TP_HAS_AUX64 0x02

typedef struct tp_entry {
    struct tp_entry *next; /* bucket chain */
    union {
        uint8_t small[TP_SMALL]; /* TP_BOX_SMALL: the packed box */
        uint8_t *ext;            /* TP_BOX_EXT: malloc'd packed box */
        void *obj;               /* TP_OBJ: the caller's object */
    } val;
    int64_t expire_ms; /* DK_NO_EXPIRY when none */
    uint64_t aux64;
    uint32_t aux32;
    uint32_t heap_pos; /* index in the expiry heap while expire_ms is set */
    uint32_t klen;
    uint16_t obj_type; /* TP_OBJ */
    uint8_t kind;      /* tp_kind */
    uint8_t flags;     /* TP_HAS_AUX32 | TP_HAS_AUX64 */
    uint16_t meta;     /* the caller's word (dk_table_meta) */
    char key[];
} tp_entry;

struct dk_table {
    tp_entry **bucket[2];
    size_t size[2]; /* bucket counts, powers of two; 0 = no array */
    size_t rehash;  /* next bucket[0] bucket to move while bucket[1] exists */
    size_t count;
    tp_entry **heap; /* entries with an expiry, a min-heap on expire_ms */
    size_t heap_len, heap_cap;
    __int128 expires_sum; /* sum of the heap's expiries (ms), for dk_table_expiry_mean */
    dk_table_hash_fn hash_fn;
    tp_entry *hint; /* the entry last found or written, and its hash */
    uint64_t hint_hash;
    size_t bytes; /* entries, out-of-line boxes, bucket arrays, heap */
};

static inline uint64_t tp_bhash(uint64_t h) {
    return (h >> 32) | (h << 32);
}

static inline tp_entry *tp_of(dk_ref r) {
    return (tp_entry *)(uintptr_t)r;
}
static inline dk_ref tp_ref(const tp_entry *e) {
    return (dk_ref)(uintptr_t)e;
}

/* ---- the expiry heap (table_plain_expire.c) ---- */

/* Makes sure one more entry can join the heap without allocating; false if memory ran out. */
bool tp_heap_reserve(dk_table *t);
/* Adds e (whose expire_ms is set) after a successful tp_heap_reserve. */
void tp_heap_add(dk_table *t, tp_entry *e);
/* Removes e from the heap (its expire_ms is left as is). */
void tp_heap_del(dk_table *t, tp_entry *e);
/* Restores the heap order after e's expire_ms changed. */
void tp_heap_fix(dk_table *t, tp_entry *e);
/* Frees the heap array (the entries are not touched). */
void tp_heap_release(dk_table *t);

#endif
