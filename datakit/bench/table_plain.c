/* table_plain.c -- dk_table laid out the conventional way: a malloc'd entry per key (see
 * table_plain_int.h), chained buckets of pointers, incremental rehash.  Built instead of
 * table.c with --enable-plain-table, to measure what the compact layout costs or saves.
 *
 * Same contract as table.h.  Growth and shrink follow the compact table (grow past load 1,
 * shrink below 1/8, RESIZE_WORK buckets moved per mutating call); growing recomputes each
 * key's hash with hash_fn, as the entries keep none.  Deleting by reference finds the link to
 * the entry from its hash (remembered for the entry last found or written, else recomputed).
 */
#include "table_plain_int.h"
#include <datakit/table_shared.h>

#include <assert.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <datakit/mem.h>

#define RESIZE_WORK 2 /* buckets moved by each mutating call */

uint64_t dk_table_default_hash(const void *key, size_t klen) {
    return XXH3_64bits(key, klen);
}

const char *dk_table_layout(void) {
    return "plain";
}

dk_table *dk_table_new_meta(void) {
    return dk_table_new();
} /* every plain entry has one */

dk_table *dk_table_new(void) {
    dk_table *t = dk_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->hash_fn = dk_table_default_hash;
    return t;
}

void dk_table_set_hash(dk_table *t, dk_table_hash_fn fn) {
    t->hash_fn = fn ? fn : dk_table_default_hash;
}

size_t dk_table_count(const dk_table *t) {
    return t->count;
}
size_t dk_table_expires_count(const dk_table *t) {
    return t->heap_len;
}

int64_t dk_table_expiry_mean(const dk_table *t) {
    return t->heap_len ? (int64_t)(t->expires_sum / (__int128)t->heap_len) : DK_NO_EXPIRY;
}
size_t dk_table_bytes(const dk_table *t) {
    return dk_mem_footprint(t) + t->bytes;
}

/* ---- buckets and resizing ---------------------------------------------------------------- */

/* Starts moving to n buckets; false (and nothing changes) when memory ran out. */
static bool resize_start(dk_table *t, size_t n) {
    tp_entry **b = dk_calloc(n, sizeof *b);
    if (!b) return false;
    t->bytes += dk_mem_footprint(b);
    int w = t->size[0] ? 1 : 0;
    t->bucket[w] = b;
    t->size[w] = n;
    t->rehash = 0;
    return true;
}

static void buckets_free(dk_table *t, int w) {
    t->bytes -= dk_mem_footprint(t->bucket[w]);
    dk_free(t->bucket[w]);
    t->bucket[w] = NULL;
    t->size[w] = 0;
}

static void resize_finish(dk_table *t) {
    buckets_free(t, 0);
    t->bucket[0] = t->bucket[1];
    t->size[0] = t->size[1];
    t->bucket[1] = NULL;
    t->size[1] = 0;
    t->rehash = 0;
}

static uint64_t hash_of(const dk_table *t, const tp_entry *e) {
    return e == t->hint ? t->hint_hash : t->hash_fn(e->key, e->klen);
}

/* Moves bucket[0][i]'s chain into bucket[1]. */
static void move_bucket(dk_table *t, size_t i) {
    size_t mask = t->size[1] - 1;
    bool grow = t->size[1] > t->size[0];
    tp_entry *e = t->bucket[0][i];
    while (e) {
        tp_entry *next = e->next;
        size_t j = grow ? tp_bhash(hash_of(t, e)) & mask : i & mask;
        e->next = t->bucket[1][j];
        t->bucket[1][j] = e;
        e = next;
    }
    t->bucket[0][i] = NULL;
}

/* Moves up to n non-empty buckets (looking at no more than 10n empty ones) of a pending
 * resize; true while one is pending. */
static bool rehash_step(dk_table *t, size_t n) {
    size_t empty_left = n * 10;
    while (t->bucket[1] && n && t->rehash < t->size[0]) {
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
    return rehash_step(t, work ? work : 1);
}

/* Starts a grow or shrink when the load calls for one (and none is under way).  A failed
 * allocation only postpones it. */
static void maybe_resize(dk_table *t) {
    if (t->bucket[1]) return;
    size_t to = dk_table_resize_target(t->count, t->size[0]);
    if (to) resize_start(t, to);
}

/* After an insert: only a grow (see table.c). */
static void maybe_grow(dk_table *t) {
    if (t->bucket[1]) return;
    size_t to = dk_table_resize_target(t->count, t->size[0]);
    if (to > t->size[0]) resize_start(t, to);
}

bool dk_table_reserve(dk_table *t, size_t n) {
    if (t->count || t->bucket[1] || n <= t->size[0] || n >= ((size_t)1 << 32)) return true;
    tp_entry **b = dk_calloc(dk_pow2_at_least(n + 1), sizeof *b);
    if (!b) return false;
    if (t->bucket[0]) buckets_free(t, 0);
    t->bytes += dk_mem_footprint(b);
    t->bucket[0] = b;
    t->size[0] = dk_pow2_at_least(n + 1);
    return true;
}

/* ---- lookup ------------------------------------------------------------------------------- */

/* The bucket slot that holds hash h's chain (NULL for a table without buckets).  Every entry
 * is in the slot of its hash: a new one goes where a lookup looks, in the old array when its
 * bucket has not been moved yet. */
static tp_entry **slot_of(const dk_table *t, uint64_t h) {
    if (!t->size[0]) return NULL;
    uint64_t bh = tp_bhash(h);
    size_t i = bh & (t->size[0] - 1);
    if (!t->bucket[1] || i >= t->rehash) return &t->bucket[0][i];
    return &t->bucket[1][bh & (t->size[1] - 1)];
}

/* The entry with this key, and the link that points to it. */
static tp_entry *lookup(const dk_table *t, const void *key, size_t klen, uint64_t h,
                        tp_entry ***link) {
    tp_entry **l = slot_of(t, h);
    if (!l) return NULL;
    for (; *l; l = &(*l)->next) {
        tp_entry *e = *l;
        if (e->klen == klen && memcmp(e->key, key, klen) == 0) {
            *link = l;
            return e;
        }
    }
    return NULL;
}

/* The link that points to entry e. */
static tp_entry **link_of(const dk_table *t, const tp_entry *e) {
    tp_entry **l = slot_of(t, hash_of(t, e));
    while (*l != e) {
        assert(*l);
        l = &(*l)->next;
    }
    return l;
}

void dk_table_prefetch(const dk_table *t, uint64_t hash) {
    tp_entry **l = slot_of(t, hash);
    if (l) __builtin_prefetch(l);
}

void dk_table_prefetch_entry(const dk_table *t, uint64_t hash) {
    tp_entry **l = slot_of(t, hash);
    tp_entry *e = l ? *l : NULL;
    if (!e) return;
    __builtin_prefetch(e);
    __builtin_prefetch(e->key); /* the key may start on the next cache line */
}

dk_ref dk_table_find(dk_table *t, const void *key, size_t klen, uint64_t hash) {
    tp_entry **link;
    tp_entry *e = lookup(t, key, klen, hash, &link);
    if (!e) return DK_REF_NONE;
    t->hint = e;
    t->hint_hash = hash;
    return tp_ref(e);
}

size_t dk_table_spare_bytes(const dk_table *t) {
    (void)t;
    return 0; /* entries are the allocator's: a deleted one goes back to it */
}

uint16_t dk_table_meta(const dk_table *t, dk_ref r) {
    (void)t;
    return tp_of(r)->meta;
}

void dk_table_set_meta(dk_table *t, dk_ref r, uint16_t meta) {
    (void)t;
    tp_of(r)->meta = meta;
}

void dk_table_view(dk_table *t, dk_ref r, dk_entry *out) {
    (void)t;
    const tp_entry *e = tp_of(r);
    memset(out, 0, sizeof *out);
    out->key = e->key;
    out->klen = e->klen;
    out->expire_ms = e->expire_ms;
    out->has_aux32 = (e->flags & TP_HAS_AUX32) != 0;
    out->has_aux64 = (e->flags & TP_HAS_AUX64) != 0;
    out->aux32 = e->aux32;
    out->aux64 = e->aux64;
    if (e->kind == TP_OBJ) {
        out->kind = DK_ENTRY_OBJ;
        out->obj_type = e->obj_type;
        out->obj = e->val.obj;
        out->box = dk_null();
    } else if (e->kind == TP_BOX_EXT) {
        out->kind = DK_ENTRY_BOX;
        dk_box_unpack(e->val.ext, dk_mem_usable(e->val.ext), &out->box);
    } else {
        out->kind = DK_ENTRY_BOX;
        dk_box_unpack(e->val.small, TP_SMALL, &out->box);
    }
}

size_t dk_table_entry_bytes(const dk_table *t, dk_ref r) {
    const tp_entry *e = tp_of(r);
    size_t bytes = dk_mem_footprint(e);
    if (e->kind == TP_BOX_EXT) bytes += dk_mem_footprint(e->val.ext);
    size_t buckets = (t->size[0] + t->size[1]) * sizeof(tp_entry *);
    return bytes + (t->count ? buckets / t->count : 0);
}

/* ---- values ------------------------------------------------------------------------------- */

/* A value about to be stored: built completely before the entry is touched, so that a box
 * whose bytes point into the entry's current value is read before that value goes. */
typedef struct tp_value {
    uint8_t kind;
    uint16_t obj_type;
    uint8_t small[TP_SMALL];
    void *ptr; /* TP_BOX_EXT: the packed box; TP_OBJ: the object */
} tp_value;

/* Packs box v (inline when small, else into a new allocation); false when memory ran out. */
static bool value_of_box(dk_table *t, const dk_val *v, tp_value *out) {
    size_t size = dk_box_size(v);
    if (size <= TP_SMALL) {
        out->kind = TP_BOX_SMALL;
        dk_box_pack(v, out->small);
        return true;
    }
    uint8_t *ext = dk_malloc(size);
    if (!ext) return false;
    dk_box_pack(v, ext);
    t->bytes += dk_mem_footprint(ext);
    out->kind = TP_BOX_EXT;
    out->ptr = ext;
    return true;
}

/* Frees what the entry's value owns (an out-of-line box; objects belong to the caller). */
static void value_drop(dk_table *t, tp_entry *e) {
    if (e->kind != TP_BOX_EXT) return;
    t->bytes -= dk_mem_footprint(e->val.ext);
    dk_free(e->val.ext);
}

static void value_store(tp_entry *e, const tp_value *v) {
    e->kind = v->kind;
    if (v->kind == TP_BOX_SMALL) {
        memcpy(e->val.small, v->small, TP_SMALL);
    } else if (v->kind == TP_BOX_EXT) {
        e->val.ext = v->ptr;
    } else {
        e->val.obj = v->ptr;
        e->obj_type = v->obj_type;
    }
}

/* ---- writing entries ---------------------------------------------------------------------- */

/* Clears e's expiry (taking it out of the heap). */
static void expiry_clear(dk_table *t, tp_entry *e) {
    if (e->expire_ms == DK_NO_EXPIRY) return;
    tp_heap_del(t, e);
    e->expire_ms = DK_NO_EXPIRY;
}

/* A new entry for key with value v, linked into the bucket of h; NULL when memory ran out. */
static tp_entry *insert(dk_table *t, const void *key, size_t klen, uint64_t h, const tp_value *v) {
    if (klen > UINT32_MAX) return NULL;
    if (!t->size[0] && !resize_start(t, DK_TABLE_MIN_BUCKETS)) return NULL;
    tp_entry *e = dk_malloc(sizeof *e + klen);
    if (!e) return NULL;
    t->bytes += dk_mem_footprint(e);
    memset(e, 0, sizeof *e);
    e->expire_ms = DK_NO_EXPIRY;
    e->klen = (uint32_t)klen;
    if (klen) memcpy(e->key, key, klen);
    value_store(e, v);
    tp_entry **head = slot_of(t, h);
    e->next = *head;
    *head = e;
    t->count++;
    assert((t->count & 1023) != 0 || t->hash_fn(key, klen) == h);
    maybe_grow(t);
    return e;
}

static dk_ref put(dk_table *t, const void *key, size_t klen, uint64_t h, const tp_value *v,
                  bool keep_expiry, void **old_obj, uint16_t *old_type) {
    tp_entry **link;
    tp_entry *e = lookup(t, key, klen, h, &link);
    if (e) {
        if (e->kind == TP_OBJ && old_obj) {
            *old_obj = e->val.obj;
            if (old_type) *old_type = e->obj_type;
        }
        value_drop(t, e);
        value_store(e, v);
        e->flags = 0;
        e->aux32 = 0;
        e->aux64 = 0;
        if (!keep_expiry) expiry_clear(t, e);
    } else if (!(e = insert(t, key, klen, h, v))) {
        return DK_REF_NONE;
    }
    t->hint = e;
    t->hint_hash = h;
    rehash_step(t, RESIZE_WORK);
    return tp_ref(e);
}

dk_ref dk_table_put_box(dk_table *t, const void *key, size_t klen, uint64_t hash, const dk_val *v,
                        bool keep_expiry, void **old_obj, uint16_t *old_type) {
    assert(v->type != DK_PTR);
    if (old_obj) *old_obj = NULL;
    tp_value nv = {0};
    if (!value_of_box(t, v, &nv)) return DK_REF_NONE;
    dk_ref r = put(t, key, klen, hash, &nv, keep_expiry, old_obj, old_type);
    if (r == DK_REF_NONE && nv.kind == TP_BOX_EXT) {
        t->bytes -= dk_mem_footprint(nv.ptr);
        dk_free(nv.ptr);
    }
    return r;
}

dk_ref dk_table_put_bytes_reserve(dk_table *t, const void *key, size_t klen, uint64_t hash,
                                  size_t len, bool keep_expiry, void **old_obj, uint16_t *old_type,
                                  uint8_t **bytes) {
    if (old_obj) *old_obj = NULL;
    uint8_t *data;
    tp_value nv = {.kind = TP_BOX_EXT};
    if (!(nv.ptr = dk_ext_reserve(len, &data, &t->bytes))) return DK_REF_NONE;
    dk_ref r = put(t, key, klen, hash, &nv, keep_expiry, old_obj, old_type);
    if (r == DK_REF_NONE) {
        t->bytes -= dk_mem_footprint(nv.ptr);
        dk_free(nv.ptr);
    } else {
        *bytes = data;
    }
    return r;
}

dk_ref dk_table_put_obj(dk_table *t, const void *key, size_t klen, uint64_t hash, uint16_t type,
                        void *obj, bool keep_expiry, void **old_obj, uint16_t *old_type) {
    if (old_obj) *old_obj = NULL;
    tp_value nv = {.kind = TP_OBJ, .obj_type = type, .ptr = obj};
    return put(t, key, klen, hash, &nv, keep_expiry, old_obj, old_type);
}

void dk_table_delete(dk_table *t, dk_ref r, void **obj, uint16_t *type) {
    tp_entry *e = tp_of(r);
    if (obj) *obj = NULL;
    if (e->kind == TP_OBJ && obj) {
        *obj = e->val.obj;
        if (type) *type = e->obj_type;
    }
    value_drop(t, e);
    expiry_clear(t, e);
    tp_entry **link = link_of(t, e);
    *link = e->next;
    if (t->hint == e) t->hint = NULL;
    t->bytes -= dk_mem_footprint(e);
    dk_free(e);
    t->count--;
    maybe_resize(t);
    rehash_step(t, RESIZE_WORK);
}

bool dk_table_overwrite_box(dk_table *t, dk_ref r, const dk_val *v) {
    (void)t;
    (void)r;
    (void)v;
    return false; /* entries are the allocator's: an overwrite is a put */
}

dk_ref dk_table_set_expiry(dk_table *t, dk_ref r, int64_t expire_ms) {
    tp_entry *e = tp_of(r);
    if (e->expire_ms == expire_ms) return r;
    if (expire_ms == DK_NO_EXPIRY) {
        expiry_clear(t, e);
    } else if (e->expire_ms == DK_NO_EXPIRY) {
        if (!tp_heap_reserve(t)) return DK_REF_NONE;
        e->expire_ms = expire_ms;
        tp_heap_add(t, e);
    } else {
        t->expires_sum += (__int128)expire_ms - e->expire_ms;
        e->expire_ms = expire_ms;
        tp_heap_fix(t, e);
    }
    rehash_step(t, RESIZE_WORK);
    return r;
}

dk_ref dk_table_append_bytes(dk_table *t, dk_ref r, const void *p, size_t n) {
    tp_entry *e = tp_of(r);
    if (e->kind != TP_BOX_EXT) return DK_REF_NONE;
    uint8_t *ext = dk_ext_append(e->val.ext, p, n, &t->bytes);
    if (!ext) return DK_REF_NONE;
    e->val.ext = ext;
    return r;
}

dk_ref dk_table_set_aux32(dk_table *t, dk_ref r, bool present, uint32_t v) {
    tp_entry *e = tp_of(r);
    e->aux32 = present ? v : 0;
    e->flags = (uint8_t)(present ? e->flags | TP_HAS_AUX32 : e->flags & ~TP_HAS_AUX32);
    rehash_step(t, RESIZE_WORK);
    return r;
}

dk_ref dk_table_set_aux64(dk_table *t, dk_ref r, bool present, uint64_t v) {
    tp_entry *e = tp_of(r);
    e->aux64 = present ? v : 0;
    e->flags = (uint8_t)(present ? e->flags | TP_HAS_AUX64 : e->flags & ~TP_HAS_AUX64);
    rehash_step(t, RESIZE_WORK);
    return r;
}

/* ---- freeing ----------------------------------------------------------------------------- */

void dk_table_clear(dk_table *t, dk_obj_free_fn free_obj, void *ctx) {
    for (int w = 0; w < 2; w++) {
        for (size_t i = 0; i < t->size[w]; i++) {
            for (tp_entry *e = t->bucket[w][i], *next; e; e = next) {
                next = e->next;
                if (e->kind == TP_OBJ && free_obj) free_obj(ctx, e->obj_type, e->val.obj);
                value_drop(t, e);
                dk_free(e);
            }
        }
        if (t->bucket[w]) dk_free(t->bucket[w]);
    }
    tp_heap_release(t);
    dk_table_hash_fn fn = t->hash_fn;
    memset(t, 0, sizeof *t);
    t->hash_fn = fn;
}

void dk_table_free(dk_table *t, dk_obj_free_fn free_obj, void *ctx) {
    if (!t) return;
    dk_table_clear(t, free_obj, ctx);
    dk_free(t);
}
