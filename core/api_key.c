/* api_key.c -- the keyspace calls of the SDK: every call finds the key's shard, asks the
 * process to hop when another thread owns it, and to wait when another process holds it. */
#include "config.h"
#include "block.h"
#include "keyspace.h"
#include "lock.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

keel_status keel_key_lookup(keel_proc *kp, const void *key, size_t klen, keel_value *out) {
    zvm_proc *p = zvm_of(kp);
    uint64_t h;
    shard *s;
    keel_status st = ks_locate(p, key, klen, &h, &s);
    if (st != KEEL_OK) return st;
    dk_entry e;
    if (!ks_find(s, key, klen, h, p->cur->now_ms, NULL, &e, true)) return KEEL_NOTFOUND;
    ks_value_from_entry(&e, out);
    return KEEL_OK;
}

keel_status keel_key_store(keel_proc *kp, const void *key, size_t klen, const dk_val *v, unsigned flags) {
    zvm_proc *p = zvm_of(kp);
    uint64_t h;
    shard *s;
    keel_status st = ks_locate(p, key, klen, &h, &s);
    if (st != KEEL_OK) return st;
    if (flags & KEEL_STORE_KEEPTTL) ks_find(s, key, klen, h, p->cur->now_ms, NULL, NULL, false);
    return ks_store_box(s, key, klen, h, v, (flags & KEEL_STORE_KEEPTTL) != 0);
}

keel_status keel_key_store_object(keel_proc *kp, const void *key, size_t klen, keel_type_id type, void *obj,
                                  unsigned flags) {
    zvm_proc *p = zvm_of(kp);
    if (!type_by_id(type)) return KEEL_EINVAL;
    uint64_t h;
    shard *s;
    keel_status st = ks_locate(p, key, klen, &h, &s);
    if (st != KEEL_OK) return st;
    if (flags & KEEL_STORE_KEEPTTL) ks_find(s, key, klen, h, p->cur->now_ms, NULL, NULL, false);
    return ks_store_obj(s, key, klen, h, type, obj, (flags & KEEL_STORE_KEEPTTL) != 0);
}

keel_status keel_key_delete(keel_proc *kp, const void *key, size_t klen) {
    zvm_proc *p = zvm_of(kp);
    uint64_t h;
    shard *s;
    keel_status st = ks_locate(p, key, klen, &h, &s);
    if (st != KEEL_OK) return st;
    dk_ref r;
    if (!ks_find(s, key, klen, h, p->cur->now_ms, &r, NULL, false)) return KEEL_NOTFOUND;
    ks_delete_ref(s, r);
    return KEEL_OK;
}

keel_status keel_key_expire(keel_proc *kp, const void *key, size_t klen, int64_t at_ms) {
    zvm_proc *p = zvm_of(kp);
    uint64_t h;
    shard *s;
    keel_status st = ks_locate(p, key, klen, &h, &s);
    if (st != KEEL_OK) return st;
    dk_ref r;
    if (!ks_find(s, key, klen, h, p->cur->now_ms, &r, NULL, false)) return KEEL_NOTFOUND;
    if (at_ms >= 0 && at_ms <= p->cur->now_ms) {
        ks_delete_ref(s, r);
        atomic_fetch_add_explicit(&srv->expired_keys, 1, memory_order_relaxed);
        return KEEL_OK;
    }
    ks_set_expiry(s, r, at_ms < 0 ? DK_NO_EXPIRY : at_ms);
    return KEEL_OK;
}

keel_status keel_key_aux_set(keel_proc *kp, const void *key, size_t klen, unsigned slot, bool present,
                             uint64_t value) {
    zvm_proc *p = zvm_of(kp);
    if (slot > KEEL_AUX64) return KEEL_EINVAL;
    uint64_t h;
    shard *s;
    keel_status st = ks_locate(p, key, klen, &h, &s);
    if (st != KEEL_OK) return st;
    dk_ref r;
    if (!ks_find(s, key, klen, h, p->cur->now_ms, &r, NULL, false)) return KEEL_NOTFOUND;
    r = slot == KEEL_AUX32 ? dk_table_set_aux32(s->table, r, present, (uint32_t)value)
                           : dk_table_set_aux64(s->table, r, present, value);
    return r == DK_REF_NONE ? KEEL_ENOMEM : KEEL_OK;
}

const char *keel_type_name(keel_type_id type) {
    if (type == KEEL_TYPE_BOX) return "string";
    const type_entry *te = type_by_id(type);
    return te ? te->def.name : "none";
}

uint32_t keel_key_count(keel_proc *kp) { return zvm_of(kp)->nkeys; }

keel_status keel_key_nth(keel_proc *kp, uint32_t i, keel_arg *key, uint32_t *argi) {
    zvm_proc *p = zvm_of(kp);
    if (i >= p->nkeys) return KEEL_EINVAL;
    const zvm_key *k = &p->keys[i];
    if (srv->shards[k->shard]->owner != p->cur) {
        p->target_shard = k->shard;
        return KEEL_MOVED;
    }
    if (key) {
        key->ptr = k->ptr;
        key->len = k->len;
    }
    if (argi) *argi = k->argi;
    return KEEL_OK;
}

keel_status keel_block_keys(keel_proc *kp, int64_t timeout_ms) {
    zvm_proc *p = zvm_of(kp);
    if (p->nkeys == 0 || timeout_ms < 0) return KEEL_EINVAL;
    p->block_req = true;
    p->block_timeout_ms = timeout_ms;
    return KEEL_OK;
}

bool keel_proc_timed_out(keel_proc *kp) {
    uint8_t r = zvm_of(kp)->wake_reason;
    return r == BLK_TIMEDOUT || r == BLK_CANCELLED;
}

keel_status keel_key_signal(keel_proc *kp, const void *key, size_t klen) {
    zvm_proc *p = zvm_of(kp);
    uint64_t h = ks_hash(key, klen);
    uint32_t sid = shard_of_hash(h, srv->nshards);
    shard *s = srv->shards[sid];
    if (s->owner != p->cur) {
        p->target_shard = sid;
        return KEEL_MOVED;
    }
    blk_signal(s, key, klen, h);
    return KEEL_OK;
}
