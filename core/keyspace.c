/* keyspace.c -- key operations on a table of a shard, with lazy expiry, object freeing, and the
 * shard's published key counts. */
#include "config.h"
#include "keyspace.h"
#include "evict_policy.h"
#include "expire.h"
#include "notify.h"
#include "watch.h"
#include "shard.h"
#include "lazyfree.h"
#include "registry.h"
#include "server.h"
#include "snap_pit.h"
#include "thread.h"

#include <xxhash.h>

uint64_t ks_hash(const void *key, size_t len) {
    return XXH3_64bits(key, len);
}

void ks_free_obj(void *ctx, uint16_t type, void *obj) {
    (void)ctx;
    lazy_free(type, obj);
}

/* Publishes the key counts for other threads (DBSIZE, INFO keyspace): only a database's own
 * table counts; a namespace is one key.  Relaxed stores. */
static void ks_changed(ks_space *sp) {
    if (sp->owner) {
        ns_note_expiring(sp);
        return;
    }
    shard_db *d = &sp->s->dbs[sp->db];
    atomic_store_explicit(&d->nkeys, dk_table_count(sp->t), memory_order_relaxed);
    atomic_store_explicit(&d->nexpires, dk_table_expires_count(sp->t), memory_order_relaxed);
}

/* A key of a database's table loses its object value (deleted, or replaced): wakes the processes
 * blocked on it, so they look again (a blocked XREADGROUP then ends with Redis's error, a BLPOP
 * parks again).  Costs one test while nothing is blocked on the shard.  Inside a namespace the
 * waiters wait on the namespace's name, not known here: they look at their next wake-up. */
static void ks_wake_gone(ks_space *sp, const void *key, size_t klen, uint64_t hash) {
    if (sp->owner || !sp->s || !sp->s->waits.count) return;
    blk_signal(sp->s, key, klen, hash ? hash : ks_hash(key, klen));
}

/* Before a key of sp changes: a point-in-time BGSAVE first writes what it was, when its walk
 * has not (snap_pit.h; a namespace's key: the namespace whole).  One test while none runs. */
static inline void ks_note(ks_space *sp, const void *key, size_t klen, uint64_t hash) {
    if (__builtin_expect(!sp->s || !sp->s->pit, 1)) return;
    if (sp->owner)
        snap_pit_note_nested(sp->s, sp->db, sp->owner);
    else
        snap_pit_note_slow(sp->s, sp->db, key, klen, hash);
}

/* The same for the entry at ref. */
static inline void ks_note_ref(ks_space *sp, dk_ref ref) {
    if (__builtin_expect(!sp->s || !sp->s->pit, 1)) return;
    dk_entry e;
    dk_table_view(sp->t, ref, &e);
    ks_note(sp, e.key, e.klen, 0);
}

void ks_take_ref(ks_space *sp, dk_ref ref, void **obj, uint16_t *type) {
    *obj = NULL;
    *type = 0;
    ks_note_ref(sp, ref);
    if (!sp->owner && sp->s && sp->s->waits.count) {
        dk_entry e;
        dk_table_view(sp->t, ref, &e);
        if (e.kind == DK_ENTRY_OBJ) ks_wake_gone(sp, e.key, e.klen, 0);
    }
    dk_table_delete(sp->t, ref, obj, type);
    ks_changed(sp);
}

void ks_delete_ref(ks_space *sp, dk_ref ref) {
    void *obj;
    uint16_t type;
    ks_take_ref(sp, ref, &obj, &type);
    if (obj) ks_free_obj(NULL, type, obj);
}

bool ks_find_as(ks_space *sp, const void *key, size_t klen, uint64_t hash, int64_t now_ms,
                dk_ref *ref, dk_entry *e, bool count_stats, bool touch) {
    dk_ref r = dk_table_find(sp->t, key, klen, hash);
    dk_entry tmp;
    if (r != DK_REF_NONE) {
        dk_entry *v = e ? e : &tmp;
        dk_table_view(sp->t, r, v);
        if (v->expire_ms != DK_NO_EXPIRY && v->expire_ms <= now_ms) {
            NOTIFY_GONE(sp, KEEL_NOTIFY_EXPIRED, "expired", key, klen);
            expire_note_lazy(sp->s, v->expire_ms);
            ks_delete_ref(sp, r);
            atomic_fetch_add_explicit(&srv->expired_keys, 1, memory_order_relaxed);
            if (!sp->owner && sp->s->watch.count)
                watch_touch_expired(sp->s, sp->db, key, klen, hash);
            r = DK_REF_NONE;
        } else if (ks_empty_namespace(v)) { /* its last key went: the namespace goes too */
            ks_delete_ref(sp, r);
            r = DK_REF_NONE;
        } else if (touch) {
            evict_touch(sp->t, r, now_ms);
        }
    }
    if (count_stats) {
        if (r != DK_REF_NONE)
            sp->s->hits++;
        else
            sp->s->misses++;
    }
    if (ref) *ref = r;
    return r != DK_REF_NONE;
}

bool ks_find(ks_space *sp, const void *key, size_t klen, uint64_t hash, int64_t now_ms, dk_ref *ref,
             dk_entry *e, bool count_stats) {
    return ks_find_as(sp, key, klen, hash, now_ms, ref, e, count_stats, true);
}

bool ks_find_untouched(ks_space *sp, const void *key, size_t klen, uint64_t hash, int64_t now_ms,
                       dk_ref *ref, dk_entry *e) {
    return ks_find_as(sp, key, klen, hash, now_ms, ref, e, false, false);
}

/* Stamps the entry a store made or overwrote: a new key starts its recency/frequency, an
 * overwritten one counts an access. */
static void ks_stamp(ks_space *sp, dk_ref r, size_t count_before) {
    if (r == DK_REF_NONE) return;
    int64_t now = sp->s->owner ? sp->s->owner->now_ms : 0;
    if (dk_table_count(sp->t) > count_before)
        evict_stamp(sp->t, r, now);
    else
        evict_touch(sp->t, r, now);
}

bool ks_empty_namespace(const dk_entry *e) {
    return e->kind == DK_ENTRY_OBJ && e->obj_type == ns_type() &&
           dk_table_count(((const ns_obj *)e->obj)->t) == 0;
}

void ks_value_from_entry(const dk_entry *e, keel_value *out) {
    out->size = sizeof *out;
    out->expire_at_ms = e->expire_ms == DK_NO_EXPIRY ? -1 : e->expire_ms;
    if (e->kind == DK_ENTRY_OBJ) {
        out->type = e->obj_type;
        out->obj = e->obj;
        out->box = dk_null();
    } else {
        out->type = KEEL_TYPE_BOX;
        out->obj = NULL;
        out->box = e->box;
    }
    out->has_aux32 = e->has_aux32;
    out->has_aux64 = e->has_aux64;
    out->aux32 = e->aux32;
    out->aux64 = e->aux64;
}

void ks_set_expiry(ks_space *sp, dk_ref r, int64_t at_ms) {
    ks_note_ref(sp, r);
    dk_table_set_expiry(sp->t, r, at_ms);
    ks_changed(sp);
    if (at_ms != DK_NO_EXPIRY) expire_soon(sp->s, at_ms);
}

keel_status ks_store_box(ks_space *sp, const void *key, size_t klen, uint64_t hash, const dk_val *v,
                         bool keep_ttl) {
    void *old = NULL;
    uint16_t old_type = 0;
    ks_note(sp, key, klen, hash);
    size_t before = dk_table_count(sp->t);
    dk_ref r = dk_table_put_box(sp->t, key, klen, hash, v, keep_ttl, &old, &old_type);
    ks_stamp(sp, r, before);
    if (old) {
        ks_wake_gone(sp, key, klen, hash);
        ks_free_obj(NULL, old_type, old);
    }
    ks_changed(sp);
    return r == DK_REF_NONE ? KEEL_ENOMEM : KEEL_OK;
}

bool ks_overwrite_box(ks_space *sp, const void *key, size_t klen, uint64_t hash, const dk_val *v) {
    dk_ref r = dk_table_find(sp->t, key, klen, hash);
    if (r == DK_REF_NONE) return false;
    ks_note(sp, key, klen, hash); /* writes only: r stays valid */
    if (!dk_table_overwrite_box(sp->t, r, v)) return false;
    evict_touch(sp->t, r,
                sp->s->owner ? sp->s->owner->now_ms : 0); /* as ks_stamp on an overwrite */
    return true;
}

keel_status ks_store_bytes_reserve(ks_space *sp, const void *key, size_t klen, uint64_t hash,
                                   size_t len, void **bytes) {
    void *old = NULL;
    uint16_t old_type = 0;
    uint8_t *data = NULL;
    ks_note(sp, key, klen, hash);
    size_t before = dk_table_count(sp->t);
    dk_ref r =
        dk_table_put_bytes_reserve(sp->t, key, klen, hash, len, false, &old, &old_type, &data);
    ks_stamp(sp, r, before);
    if (old) {
        ks_wake_gone(sp, key, klen, hash);
        ks_free_obj(NULL, old_type, old);
    }
    ks_changed(sp);
    *bytes = data;
    return r == DK_REF_NONE ? KEEL_ENOMEM : KEEL_OK;
}

keel_status ks_store_obj(ks_space *sp, const void *key, size_t klen, uint64_t hash,
                         keel_type_id type, void *obj, bool keep_ttl) {
    void *old = NULL;
    uint16_t old_type = 0;
    ks_note(sp, key, klen, hash);
    size_t before = dk_table_count(sp->t);
    dk_ref r = dk_table_put_obj(sp->t, key, klen, hash, type, obj, keep_ttl, &old, &old_type);
    ks_stamp(sp, r, before);
    if (old && old != obj) {
        ks_wake_gone(sp, key, klen, hash);
        ks_free_obj(NULL, old_type, old);
    }
    if (type == ns_type() && sp->owner) sp->owner->nested = true; /* see keel_key_ns_size */
    if (type == ns_type() && r != DK_REF_NONE) ns_set_place(obj, sp->owner, sp->db, key, klen);
    ks_changed(sp);
    return r == DK_REF_NONE ? KEEL_ENOMEM : KEEL_OK;
}

void ks_flush(shard *s, uint32_t db) {
    ks_space sp = ks_top(s, db);
    if (!sp.t) return;
    snap_pit_finish_walk(s); /* a point-in-time BGSAVE writes every key of s first */
    dk_table_clear(sp.t, ks_free_obj, NULL);
    ks_changed(&sp);
}
