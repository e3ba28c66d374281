/* table.c -- dk_table: a shard's keyspace with a few bytes of overhead per key (see table.h).
 *
 * Design (the memory per key is the point):
 * - Entries are byte-packed records (table_entry.h): 4-byte next id, 1 header byte holding the
 *   key length below 31 and presence bits, 2 bytes of the caller's metadata (the eviction
 *   policy's recency or frequency), the optional expiry/aux fields only when present,
 *   the key, then the value as a packed box (or a tagged object pointer, or a pointer to an
 *   out-of-line box when the record would pass DK_SLAB_MAX).  "key:0000000001" -> 7-digit
 *   integer is 4 + 1 + 2 + 14 + 4 = 25 bytes.
 * - Records live in slab pages by size class (slab.c) with no per-record header; a 32-bit id
 *   names one.  Records over DK_SLAB_MAX (huge keys) get an allocation of their own.
 * - Buckets are u32 heads (table_int.h), chained through the records: Redis-style chaining,
 *   so the reverse-binary SCAN cursor stays exact across resizes and resizing moves chains,
 *   never records (ids stay valid through a resize).  Load factor <= 1 before growing; shrink
 *   below 1/8.  A resize is incremental: every mutating call moves a few buckets
 *   (RESIZE_WORK), dk_table_step() moves more.  Growing needs each key's hash again; the
 *   table stores none and recomputes it with hash_fn (dk_table_set_hash).
 * - Expiring entries are also in a dk_timer keyed (expiry, id), updated whenever an entry
 *   with an expiry moves, changes expiry or goes away.
 * So at 1M keys an entry costs its record plus 4 / load bytes of bucket: about 27 bytes for
 * a 14-byte key and a 7-digit integer (29 with the meta word).
 */
#include "table_int.h"
#include "table_shared.h"

#include <assert.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "mem.h"

#define RESIZE_WORK 2 /* buckets moved by each mutating call */
#define EXT_MIN 64    /* boxes smaller than this never go out of line */

uint64_t dk_table_default_hash(const void *key, size_t klen) {
    return XXH3_64bits(key, klen);
}

const char *dk_table_layout(void) {
    return "compact";
}

static dk_table *table_new(size_t fixed) {
    dk_table *t = dk_calloc(1, sizeof *t);
    if (!t) return NULL;
    dk_slab_init(&t->slab);
    t->hash_fn = dk_table_default_hash;
    t->fixed = (uint8_t)fixed;
    return t;
}

dk_table *dk_table_new(void) {
    return table_new(TE_FIXED);
}

dk_table *dk_table_new_meta(void) {
    return table_new(TE_FIXED_META);
}

void dk_table_set_hash(dk_table *t, dk_table_hash_fn fn) {
    t->hash_fn = fn ? fn : dk_table_default_hash;
}

size_t dk_table_count(const dk_table *t) {
    return t->count;
}
size_t dk_table_expires_count(const dk_table *t) {
    return t->expires;
}

int64_t dk_table_expiry_mean(const dk_table *t) {
    return t->expires ? (int64_t)(t->expires_sum / (__int128)t->expires) : DK_NO_EXPIRY;
}

size_t dk_table_spare_bytes(const dk_table *t) {
    return dk_slab_free_bytes(&t->slab);
}

size_t dk_table_bytes(const dk_table *t) {
    return dk_mem_footprint(t) + t->bucket_bytes + dk_slab_bytes(&t->slab) + t->ext_bytes +
           (t->timer ? dk_timer_bytes(t->timer) : 0);
}

/* ---- buckets and resizing ---------------------------------------------------------------- */

static uint32_t *buckets_alloc(dk_table *t, size_t n) {
    uint32_t *b = dk_calloc(n, sizeof *b);
    if (b) t->bucket_bytes += dk_mem_footprint(b);
    return b;
}

static void buckets_free(dk_table *t, uint32_t *b) {
    t->bucket_bytes -= dk_mem_footprint(b);
    dk_free(b);
}

/* Starts moving to n buckets; false (and nothing changes) when memory ran out. */
static bool resize_start(dk_table *t, size_t n) {
    uint32_t *b = buckets_alloc(t, n);
    if (!b) return false;
    if (!t->size[0]) {
        t->bucket[0] = b;
        t->size[0] = n;
        return true;
    }
    t->bucket[1] = b;
    t->size[1] = n;
    t->rehash = 0;
    return true;
}

static void resize_finish(dk_table *t) {
    buckets_free(t, t->bucket[0]);
    t->bucket[0] = t->bucket[1];
    t->size[0] = t->size[1];
    t->bucket[1] = NULL;
    t->size[1] = 0;
    t->rehash = 0;
}

/* Moves bucket[0][i]'s chain into bucket[1]. */
static void move_bucket(dk_table *t, size_t i) {
    size_t mask = t->size[1] - 1;
    bool grow = t->size[1] > t->size[0];
    uint32_t id = t->bucket[0][i];
    while (id) {
        uint8_t *e = tbl_entry(t, id);
        uint32_t next = te_rd32(e);
        size_t j;
        if (!grow) {
            j = i & mask;
        } else if (id == t->hint_id) {
            j = tbl_bhash(t->hint_hash) & mask;
        } else {
            size_t klen;
            const uint8_t *key = te_key(e, t->fixed, &klen);
            j = tbl_bhash(t->hash_fn(key, klen)) & mask;
        }
        te_wr32(e, t->bucket[1][j]);
        t->bucket[1][j] = id;
        id = next;
    }
    t->bucket[0][i] = 0;
}

/* Moves up to n non-empty buckets (looking at no more than 10n empty ones) of a pending
 * resize; true while one is pending. */
static bool tbl_rehash_step(dk_table *t, size_t n) {
    size_t empty_left = n * 10;
    while (t->bucket[1] && n) {
        if (t->rehash == t->size[0]) {
            resize_finish(t);
            break;
        }
        if (t->bucket[0][t->rehash]) {
            move_bucket(t, t->rehash);
            n--;
        } else if (--empty_left == 0) {
            n = 0;
        }
        t->rehash++;
    }
    if (t->bucket[1] && t->rehash == t->size[0]) resize_finish(t);
    return t->bucket[1] != NULL;
}

bool dk_table_step(dk_table *t, size_t work) {
    return tbl_rehash_step(t, work ? work : 1);
}

/* Starts a grow or shrink when the load calls for one (and none is under way). */
static void maybe_resize(dk_table *t) {
    if (t->bucket[1]) return;
    size_t to = dk_table_resize_target(t->count, t->size[0]);
    if (to) resize_start(t, to);
}

/* After an insert: only a grow (a table made big by dk_table_reserve fills up without first
 * shrinking; a shrink a pending resize put off comes with the next delete). */
static void maybe_grow(dk_table *t) {
    if (t->bucket[1]) return;
    size_t to = dk_table_resize_target(t->count, t->size[0]);
    if (to > t->size[0]) resize_start(t, to);
}

bool dk_table_reserve(dk_table *t, size_t n) {
    if (t->count || t->bucket[1] || n <= t->size[0] || n >= ((size_t)1 << 32)) return true;
    uint32_t *b = buckets_alloc(t, dk_pow2_at_least(n + 1));
    if (!b) return false;
    if (t->bucket[0]) buckets_free(t, t->bucket[0]);
    t->bucket[0] = b;
    t->size[0] = dk_pow2_at_least(n + 1);
    return true;
}

/* ---- lookup ------------------------------------------------------------------------------- */

/* The entry with this key in the chain starting at *link, and the link that points to it. */
static uint32_t chain_find(const dk_table *t, uint8_t *link, const void *key, size_t klen,
                           uint8_t **found_link) {
    uint32_t id = te_rd32(link);
    while (id) {
        uint8_t *e = tbl_entry(t, id);
        size_t kl;
        const uint8_t *k = te_key(e, t->fixed, &kl);
        if (kl == klen && memcmp(k, key, klen) == 0) {
            *found_link = link;
            return id;
        }
        link = e;
        id = te_rd32(e);
    }
    return 0;
}

static uint32_t lookup(const dk_table *t, const void *key, size_t klen, uint64_t h,
                       uint8_t **link) {
    if (!t->size[0]) return 0;
    uint64_t bh = tbl_bhash(h);
    size_t i = bh & (t->size[0] - 1);
    if (!t->bucket[1] || i >= t->rehash) {
        uint32_t id = chain_find(t, (uint8_t *)&t->bucket[0][i], key, klen, link);
        if (id || !t->bucket[1]) return id;
    }
    return chain_find(t, (uint8_t *)&t->bucket[1][bh & (t->size[1] - 1)], key, klen, link);
}

/* The bucket a lookup of hash starts from (NULL for an empty table). */
static const uint32_t *bucket_of(const dk_table *t, uint64_t hash) {
    if (!t->size[0]) return NULL;
    uint64_t bh = tbl_bhash(hash);
    size_t i = bh & (t->size[0] - 1);
    if (!t->bucket[1] || i >= t->rehash) return &t->bucket[0][i];
    return &t->bucket[1][bh & (t->size[1] - 1)];
}

void dk_table_prefetch(const dk_table *t, uint64_t hash) {
    const uint32_t *b = bucket_of(t, hash);
    if (b) __builtin_prefetch(b);
}

void dk_table_prefetch_entry(const dk_table *t, uint64_t hash) {
    const uint32_t *b = bucket_of(t, hash);
    uint32_t id = b ? te_rd32((const uint8_t *)b) : 0;
    if (id) __builtin_prefetch(tbl_entry(t, id));
}

dk_ref dk_table_find(dk_table *t, const void *key, size_t klen, uint64_t hash) {
    uint8_t *link;
    uint32_t id = lookup(t, key, klen, hash, &link);
    if (id) {
        t->hint_id = id;
        t->hint_hash = hash;
    }
    return id;
}

/* The link pointing to entry id (its hash from the hint or recomputed). */
static uint8_t *link_of(dk_table *t, uint32_t id) {
    size_t klen;
    const uint8_t *key = te_key(tbl_entry(t, id), t->fixed, &klen);
    uint64_t h = id == t->hint_id ? t->hint_hash : t->hash_fn(key, klen);
    uint8_t *link = NULL;
    uint32_t found = lookup(t, key, klen, h, &link);
    assert(found == id);
    (void)found;
    return link;
}

void dk_table_view(dk_table *t, dk_ref r, dk_entry *out) {
    te_view v;
    tbl_decode(t, (uint32_t)r, &v);
    memset(out, 0, sizeof *out);
    out->key = v.key;
    out->klen = v.klen;
    out->expire_ms = (v.flags & TE_EXP) ? v.exp : DK_NO_EXPIRY;
    out->has_aux32 = (v.flags & TE_AUX32) != 0;
    out->has_aux64 = (v.flags & TE_AUX64) != 0;
    out->aux32 = v.aux32;
    out->aux64 = v.aux64;
    if (v.val[0] == TE_V_OBJ) {
        out->kind = DK_ENTRY_OBJ;
        out->obj_type = te_val_obj_type(&v);
        out->obj = te_val_ptr(&v);
        out->box = dk_null();
        return;
    }
    out->kind = DK_ENTRY_BOX;
    if (v.val[0] == TE_V_EXT) {
        const uint8_t *ext = te_val_ptr(&v);
        dk_box_unpack(ext, dk_mem_usable(ext), &out->box);
    } else {
        dk_box_unpack(v.val, v.vlen, &out->box);
    }
}

size_t dk_table_entry_bytes(const dk_table *t, dk_ref r) {
    te_view v;
    tbl_decode(t, (uint32_t)r, &v);
    size_t bytes = t->slab.pages[(uint32_t)r >> DK_SLAB_SLOT_BITS].slot_size;
    if (v.val[0] == TE_V_EXT) bytes += dk_mem_footprint(te_val_ptr(&v));
    return bytes + (t->count ? t->bucket_bytes / t->count : 0);
}

uint16_t dk_table_meta(const dk_table *t, dk_ref r) {
    return t->fixed == TE_FIXED_META ? te_meta(tbl_entry(t, (uint32_t)r)) : 0;
}

void dk_table_set_meta(dk_table *t, dk_ref r, uint16_t meta) {
    if (t->fixed == TE_FIXED_META) te_set_meta(tbl_entry(t, (uint32_t)r), meta);
}

/* ---- writing entries ---------------------------------------------------------------------- */

static void timer_del(dk_table *t, int64_t when, uint32_t id) {
    bool ok = dk_timer_del(t->timer, when, id);
    assert(ok);
    (void)ok;
}

/* Makes sure a timer exists and one add cannot fail. */
static bool timer_ready(dk_table *t) {
    if (!t->timer && !(t->timer = dk_timer_new())) return false;
    return dk_timer_reserve(t->timer);
}

static void hint_forget(dk_table *t, uint32_t id) {
    if (t->hint_id == id) t->hint_id = 0;
}

/* Rewrites entry id (linked from *link, or found when link is NULL) as p: in place when the
 * size class allows, else in a new slot.  Keeps the timer in step.  Returns the entry's id,
 * or 0 when memory ran out (nothing changed then). */
static uint32_t rewrite(dk_table *t, uint32_t id, uint8_t *link, const te_parts *p,
                        const te_view *old_view, size_t size) {
    te_view old;
    if (old_view)
        old = *old_view;
    else
        tbl_decode(t, id, &old);
    if (!size) size = te_size(p, t->fixed);
    if ((p->flags & TE_EXP) && !timer_ready(t)) return 0;
    uint8_t *e = tbl_entry(t, id);
    uint32_t nid = id;
    if (dk_slab_fits(&t->slab, id, size)) {
        uint8_t tmp[DK_SLAB_MAX];
        te_write(tmp, p, te_rd32(e), t->fixed);
        memcpy(e, tmp, size);
    } else {
        if (!link) link = link_of(t, id);
        nid = dk_slab_alloc(&t->slab, size);
        if (!nid) return 0;
        e = tbl_entry(t, id); /* the page array may have moved */
        te_write(tbl_entry(t, nid), p, te_rd32(e), t->fixed);
        te_wr32(link, nid);
    }
    bool had = (old.flags & TE_EXP) != 0, has = (p->flags & TE_EXP) != 0;
    bool same = had && has && old.exp == p->exp && nid == id;
    if (had && !same) timer_del(t, old.exp, id);
    if (has && !same) dk_timer_add(t->timer, p->exp, nid);
    t->expires += (size_t)has - (size_t)had;
    t->expires_sum += (__int128)(has ? p->exp : 0) - (had ? old.exp : 0);
    if (nid != id) {
        hint_forget(t, id);
        dk_slab_free(&t->slab, id);
    }
    return nid;
}

/* Fills the value of p from box v: inline, or packed into a new out-of-line block when the
 * entry would be too big for a slab slot.  False when memory ran out. */
static bool value_parts(dk_table *t, te_parts *p, const dk_val *v, size_t *size) {
    p->kind = TE_BOX;
    p->box = v;
    *size = te_size(p, t->fixed);
    if (*size <= DK_SLAB_MAX) return true;
    *size = 0; /* not known yet */
    size_t bs = dk_box_size(v);
    if (bs < EXT_MIN) return true;
    uint8_t *ext = dk_malloc(bs);
    if (!ext) return false;
    dk_box_pack(v, ext);
    t->ext_bytes += dk_mem_footprint(ext);
    p->kind = TE_EXT_PTR;
    p->ptr = ext;
    return true;
}

dk_ref dk_table_append_bytes(dk_table *t, dk_ref r, const void *p, size_t n) {
    te_view v;
    tbl_decode(t, (uint32_t)r, &v);
    if (v.val[0] != TE_V_EXT) return DK_REF_NONE;
    uint8_t *ext = dk_ext_append(te_val_ptr(&v), p, n, &t->ext_bytes);
    if (!ext) return DK_REF_NONE;
    memcpy((uint8_t *)v.val + 1, &ext, sizeof ext); /* the entry's pointer, in place */
    return r;
}

static void ext_free(dk_table *t, void *ext) {
    t->ext_bytes -= dk_mem_footprint(ext);
    dk_free(ext);
}

/* Inserts a new entry; 0 when memory ran out. */
static uint32_t insert(dk_table *t, const te_parts *p, uint64_t h) {
    if (!t->size[0] && !resize_start(t, DK_TABLE_MIN_BUCKETS)) return 0;
    uint32_t id = dk_slab_alloc(&t->slab, te_size(p, t->fixed));
    if (!id) return 0;
    int w = t->bucket[1] ? 1 : 0;
    uint32_t *head = &t->bucket[w][tbl_bhash(h) & (t->size[w] - 1)];
    te_write(tbl_entry(t, id), p, *head, t->fixed);
    *head = id;
    t->count++;
    assert((t->count & 1023) != 0 || t->hash_fn(p->key, p->klen) == h);
    maybe_grow(t);
    return id;
}

/* Stores one of: box (packed inline or out of line), ext (an out-of-line block made already,
 * owned by the table from here on, freed if the put fails), or the object obj of type. */
static dk_ref put(dk_table *t, const void *key, size_t klen, uint64_t h, const dk_val *box,
                  uint8_t *ext, uint16_t type, void *obj, bool keep_expiry, void **old_obj,
                  uint16_t *old_type) {
    if (old_obj) *old_obj = NULL;
    te_parts p;
    memset(&p, 0, sizeof p);
    p.key = key;
    p.klen = klen;
    uint8_t *link;
    uint32_t id = lookup(t, key, klen, h, &link);
    te_view old;
    if (id) {
        tbl_decode(t, id, &old);
        p.meta = old.meta; /* recency/frequency survive an overwrite */
        if (keep_expiry && (old.flags & TE_EXP)) {
            p.flags = TE_EXP;
            p.exp = old.exp;
        }
    }
    size_t size = 0; /* of the new entry, once known */
    if (ext) {
        p.kind = TE_EXT_PTR;
        p.ptr = ext;
    } else if (box) {
        if (!value_parts(t, &p, box, &size)) return DK_REF_NONE;
    } else {
        p.kind = TE_OBJ_PTR;
        p.ptr = obj;
        p.obj_type = type;
    }
    void *old_ext = NULL;
    if (id) {
        if (old.val[0] == TE_V_OBJ && old_obj) {
            *old_obj = te_val_ptr(&old);
            if (old_type) *old_type = te_val_obj_type(&old);
        }
        if (old.val[0] == TE_V_EXT) old_ext = te_val_ptr(&old);
        uint32_t nid = rewrite(t, id, link, &p, &old, size);
        if (!nid && old_obj) *old_obj = NULL;
        id = nid;
    } else {
        id = insert(t, &p, h);
    }
    if (!id) {
        if (p.kind == TE_EXT_PTR) ext_free(t, p.ptr);
        return DK_REF_NONE;
    }
    if (old_ext) ext_free(t, old_ext);
    t->hint_id = id;
    t->hint_hash = h;
    tbl_rehash_step(t, RESIZE_WORK);
    return id;
}

bool dk_table_overwrite_box(dk_table *t, dk_ref r, const dk_val *v) {
    te_view old;
    tbl_decode(t, (uint32_t)r, &old);
    if (old.val[0] == TE_V_EXT || old.val[0] == TE_V_OBJ || (old.flags & (TE_AUX32 | TE_AUX64)) ||
        dk_box_size(v) != old.vlen)
        return false;
    dk_box_pack(v, (uint8_t *)(uintptr_t)old.val);
    return true;
}

dk_ref dk_table_put_box(dk_table *t, const void *key, size_t klen, uint64_t hash, const dk_val *v,
                        bool keep_expiry, void **old_obj, uint16_t *old_type) {
    assert(v->type != DK_PTR);
    return put(t, key, klen, hash, v, NULL, 0, NULL, keep_expiry, old_obj, old_type);
}

dk_ref dk_table_put_obj(dk_table *t, const void *key, size_t klen, uint64_t hash, uint16_t type,
                        void *obj, bool keep_expiry, void **old_obj, uint16_t *old_type) {
    return put(t, key, klen, hash, NULL, NULL, type, obj, keep_expiry, old_obj, old_type);
}

dk_ref dk_table_put_bytes_reserve(dk_table *t, const void *key, size_t klen, uint64_t hash,
                                  size_t len, bool keep_expiry, void **old_obj, uint16_t *old_type,
                                  uint8_t **bytes) {
    assert(len >= EXT_MIN);
    uint8_t *data;
    uint8_t *ext = dk_ext_reserve(len, &data, &t->ext_bytes);
    if (!ext) return DK_REF_NONE;
    dk_ref r = put(t, key, klen, hash, NULL, ext, 0, NULL, keep_expiry, old_obj, old_type);
    if (r != DK_REF_NONE) *bytes = data;
    return r;
}

void dk_table_delete(dk_table *t, dk_ref r, void **obj, uint16_t *type) {
    uint32_t id = (uint32_t)r;
    te_view v;
    tbl_decode(t, id, &v);
    if (obj) *obj = NULL;
    if (v.val[0] == TE_V_OBJ && obj) {
        *obj = te_val_ptr(&v);
        if (type) *type = te_val_obj_type(&v);
    } else if (v.val[0] == TE_V_EXT) {
        ext_free(t, te_val_ptr(&v));
    }
    if (v.flags & TE_EXP) {
        timer_del(t, v.exp, id);
        t->expires--;
        t->expires_sum -= v.exp;
    }
    uint8_t *link = link_of(t, id);
    te_wr32(link, te_rd32(tbl_entry(t, id)));
    hint_forget(t, id);
    dk_slab_free(&t->slab, id);
    t->count--;
    maybe_resize(t);
    tbl_rehash_step(t, RESIZE_WORK);
}

/* Rewrites entry r with one optional field changed. */
static dk_ref set_field(dk_table *t, dk_ref r, uint8_t flag, bool present, int64_t exp,
                        uint32_t a32, uint64_t a64) {
    uint32_t id = (uint32_t)r;
    te_view v;
    tbl_decode(t, id, &v);
    te_parts p;
    te_parts_of(&v, &p);
    if (present)
        p.flags |= flag;
    else
        p.flags &= (uint8_t)~flag;
    if (flag == TE_EXP)
        p.exp = exp;
    else if (flag == TE_AUX32)
        p.aux32 = a32;
    else
        p.aux64 = a64;
    if (p.flags == v.flags && p.exp == v.exp && p.aux32 == v.aux32 && p.aux64 == v.aux64) return r;
    uint32_t nid = rewrite(t, id, NULL, &p, &v, 0);
    if (nid) tbl_rehash_step(t, RESIZE_WORK);
    return nid;
}

dk_ref dk_table_set_expiry(dk_table *t, dk_ref r, int64_t expire_ms) {
    return set_field(t, r, TE_EXP, expire_ms != DK_NO_EXPIRY, expire_ms, 0, 0);
}

dk_ref dk_table_set_aux32(dk_table *t, dk_ref r, bool present, uint32_t v) {
    return set_field(t, r, TE_AUX32, present, -1, v, 0);
}

dk_ref dk_table_set_aux64(dk_table *t, dk_ref r, bool present, uint64_t v) {
    return set_field(t, r, TE_AUX64, present, -1, 0, v);
}

/* ---- expiry ------------------------------------------------------------------------------ */

size_t dk_table_expire_due(dk_table *t, int64_t now_ms, size_t max, dk_due_fn due, void *ctx) {
    size_t n = 0;
    int64_t when, w2;
    uint32_t id, id2;
    while (n < max && t->timer && dk_timer_min(t->timer, &when, &id) && when <= now_ms) {
        due(ctx, t, id);
        n++;
        /* A callback that neither deleted nor postponed the entry would loop forever. */
        if (dk_timer_min(t->timer, &w2, &id2) && w2 == when && id2 == id) break;
    }
    return n;
}

dk_ref dk_table_soonest(const dk_table *t) {
    int64_t when;
    uint32_t id;
    return t->timer && dk_timer_min(t->timer, &when, &id) ? id : DK_REF_NONE;
}

int64_t dk_table_next_expiry(const dk_table *t) {
    int64_t when;
    uint32_t id;
    if (!t->timer || !dk_timer_min(t->timer, &when, &id)) return DK_NO_EXPIRY;
    return when;
}

/* ---- freeing ----------------------------------------------------------------------------- */

static void free_values(dk_table *t, dk_obj_free_fn free_obj, void *ctx) {
    for (int w = 0; w < 2; w++) {
        for (size_t i = 0; i < t->size[w]; i++) {
            for (uint32_t id = t->bucket[w][i]; id; id = te_rd32(tbl_entry(t, id))) {
                te_view v;
                tbl_decode(t, id, &v);
                if (v.val[0] == TE_V_OBJ && free_obj)
                    free_obj(ctx, te_val_obj_type(&v), te_val_ptr(&v));
                else if (v.val[0] == TE_V_EXT)
                    ext_free(t, te_val_ptr(&v));
            }
        }
    }
}

void dk_table_clear(dk_table *t, dk_obj_free_fn free_obj, void *ctx) {
    free_values(t, free_obj, ctx);
    for (int w = 0; w < 2; w++)
        if (t->bucket[w]) buckets_free(t, t->bucket[w]);
    dk_slab_release(&t->slab);
    dk_timer_free(t->timer);
    dk_table_hash_fn fn = t->hash_fn;
    uint8_t fixed = t->fixed; /* the layout stays: its entries to come are written the same */
    memset(t, 0, sizeof *t);
    dk_slab_init(&t->slab);
    t->hash_fn = fn;
    t->fixed = fixed;
}

void dk_table_free(dk_table *t, dk_obj_free_fn free_obj, void *ctx) {
    if (!t) return;
    dk_table_clear(t, free_obj, ctx);
    dk_free(t);
}
