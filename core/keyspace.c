/* keyspace.c -- key operations on a shard's table, with lazy expiry and object freeing. */
#include "config.h"
#include "keyspace.h"
#include "lock.h"
#include "registry.h"
#include "server.h"
#include "thread.h"
#include "zvm.h"

#include <xxhash.h>

uint64_t ks_hash(const void *key, size_t len) { return XXH3_64bits(key, len); }

void ks_free_obj(void *ctx, uint16_t type, void *obj) {
    (void)ctx;
    const type_entry *te = type_by_id(type);
    if (te && te->def.free) te->def.free(obj);
}

/* Publishes the key counts for other threads (DBSIZE, INFO keyspace); relaxed stores. */
static void ks_counts_changed(shard *s) {
    atomic_store_explicit(&s->nkeys, dk_table_count(s->table), memory_order_relaxed);
    atomic_store_explicit(&s->nexpires, dk_table_expires_count(s->table), memory_order_relaxed);
}

void ks_delete_ref(shard *s, dk_ref ref) {
    void *obj = NULL;
    uint16_t type = 0;
    dk_table_delete(s->table, ref, &obj, &type);
    if (obj) ks_free_obj(NULL, type, obj);
    ks_counts_changed(s);
}

bool ks_find(shard *s, const void *key, size_t klen, uint64_t hash, int64_t now_ms, dk_ref *ref,
             dk_entry *e, bool count_stats) {
    dk_ref r = dk_table_find(s->table, key, klen, hash);
    dk_entry tmp;
    if (r != DK_REF_NONE) {
        dk_entry *v = e ? e : &tmp;
        dk_table_view(s->table, r, v);
        if (v->expire_ms != DK_NO_EXPIRY && v->expire_ms <= now_ms) {
            ks_delete_ref(s, r);
            atomic_fetch_add_explicit(&srv->expired_keys, 1, memory_order_relaxed);
            r = DK_REF_NONE;
        }
    }
    if (count_stats) {
        if (r != DK_REF_NONE) s->hits++;
        else s->misses++;
    }
    if (ref) *ref = r;
    return r != DK_REF_NONE;
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

void ks_set_expiry(shard *s, dk_ref r, int64_t at_ms) {
    dk_table_set_expiry(s->table, r, at_ms);
    ks_counts_changed(s);
}

keel_status ks_store_box(shard *s, const void *key, size_t klen, uint64_t hash, const dk_val *v,
                         bool keep_ttl) {
    void *old = NULL;
    uint16_t old_type = 0;
    dk_ref r = dk_table_put_box(s->table, key, klen, hash, v, keep_ttl, &old, &old_type);
    if (old) ks_free_obj(NULL, old_type, old);
    ks_counts_changed(s);
    return r == DK_REF_NONE ? KEEL_ENOMEM : KEEL_OK;
}

keel_status ks_store_obj(shard *s, const void *key, size_t klen, uint64_t hash, keel_type_id type,
                         void *obj, bool keep_ttl) {
    void *old = NULL;
    uint16_t old_type = 0;
    dk_ref r = dk_table_put_obj(s->table, key, klen, hash, type, obj, keep_ttl, &old, &old_type);
    if (old && old != obj) ks_free_obj(NULL, old_type, old);
    ks_counts_changed(s);
    return r == DK_REF_NONE ? KEEL_ENOMEM : KEEL_OK;
}

void ks_flush(shard *s) {
    dk_table_clear(s->table, ks_free_obj, NULL);
    shard_sync_counts(s);
}

keel_status ks_locate(zvm_proc *p, const void *key, size_t klen, uint64_t *hash, shard **out) {
    uint64_t h = ks_hash(key, klen);
    uint32_t sid = shard_of_hash(h, srv->nshards);
    shard *s = srv->shards[sid];
    if (s->owner != p->cur) {
        p->target_shard = sid;
        return KEEL_MOVED;
    }
    if (s->locks.count) {
        lock_ent *e = lock_find(&s->locks, key, klen, h);
        if (e && e->owner != p->serial) {
            lock_wait(e, p);
            return KEEL_WAIT;
        }
    }
    *hash = h;
    *out = s;
    return KEEL_OK;
}
