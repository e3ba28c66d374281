/* table_int.h -- internal to datakit: the dk_table struct and its bucket helpers.
 *
 * Buckets are arrays of u32 entry ids (0 = empty), a power of two long, chained through each
 * entry's next id.  While a resize is under way bucket[1] is the new array and bucket[0]'s
 * buckets below `rehash` have been moved into it; new entries go to bucket[1].  The bucket of
 * a hash h is bhash(h) & (size - 1): the high half of the caller's hash, so shard choice
 * (which remixes the whole hash) and bucket choice do not correlate.
 */
#ifndef DATAKIT_TABLE_INT_H
#define DATAKIT_TABLE_INT_H

#include <datakit/table.h>
#include <datakit/timer.h>

#include "slab.h"
#include "table_entry.h"

struct dk_table {
    uint32_t *bucket[2];
    size_t size[2]; /* bucket counts, powers of two; 0 = no array */
    size_t rehash;  /* next bucket[0] bucket to move while bucket[1] exists */
    size_t count, expires;
    __int128 expires_sum; /* sum of the entries' expiries (ms), for dk_table_expiry_mean */
    dk_slab slab;         /* the entries */
    dk_timer *timer;      /* (expiry, id) of entries with an expiry; made on demand */
    dk_table_hash_fn hash_fn;
    uint32_t hint_id; /* the entry last found or written, and its hash */
    uint64_t hint_hash;
    size_t bucket_bytes, ext_bytes;
    uint8_t fixed; /* TE_FIXED, or TE_FIXED_META for a table with meta words */
};

static inline uint64_t tbl_bhash(uint64_t h) {
    return (h >> 32) | (h << 32);
}

static inline uint8_t *tbl_entry(const dk_table *t, uint32_t id) {
    return dk_slab_ptr(&t->slab, id);
}

/* Decodes entry id. */
static inline void tbl_decode(const dk_table *t, uint32_t id, te_view *v) {
    const dk_slab_page *p = &t->slab.pages[id >> DK_SLAB_SLOT_BITS];
    te_decode(tbl_entry(t, id), p->slot_size, t->fixed, v);
}

#endif
