/* api_key.c -- the keyspace calls of the SDK: every call resolves the key through the
 * process's namespace to its shard and table, asking the process to hop when another thread
 * owns it and to wait when another process holds it. */
#include "config.h"
#include "block.h"
#include "evict_policy.h"
#include "keyspace.h"
#include "limit.h"
#include "lock.h"
#include "notify.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

#include <string.h>

/* A read found no key: Redis's "keymiss" for read commands (a write's lookups are not reads).
 * Inside a map a hash command pushed, only a missing map is a miss (located: false). */
static void note_keymiss(zvm_proc *p, bool located, const void *key, size_t klen) {
    if (!p->cmd || (p->cmd->def->flags & KEEL_CMD_WRITE)) return;
    /* one per declared key, however often the command looks it up */
    const char *declared = p->npush ? p->push[0].ptr : key;
    for (uint32_t i = 0; i < p->nkeys && i < 64; i++) {
        if (p->keys[i].ptr != declared) continue;
        if (p->keymiss_sent & (1ull << i)) return;
        p->keymiss_sent |= 1ull << i;
        break;
    }
    if (p->npush == 0) {
        notify_proc_event(p, KEEL_NOTIFY_KEYMISS, "keymiss", key, klen);
        return;
    }
    if (located) return;
    uint32_t base = ns_proc_depth(p) - p->npush;
    notify_proc_event_depth(p, base, KEEL_NOTIFY_KEYMISS, "keymiss", p->push[0].ptr,
                            p->push[0].len);
}

/* After a store into sp: "new" when it made a key (the table grew past before) that p names
 * itself (a map's field is not a key: ns_walk reports the map). */
static void note_new(zvm_proc *p, const ks_space *sp, uint64_t before, const void *key,
                     size_t klen) {
    if (p->npush == 0 && dk_table_count(sp->t) > before)
        notify_proc_event(p, KEEL_NOTIFY_NEW, "new", key, klen);
}

keel_status keel_key_lookup(keel_proc *kp, const void *key, size_t klen, keel_value *out) {
    zvm_proc *p = zvm_of(kp);
    ks_space sp;
    uint64_t h;
    keel_status st = ns_resolve(p, key, klen, false, &sp, &h);
    if (st == KEEL_EWRONGTYPE) st = KEEL_NOTFOUND; /* inside something that is not a namespace */
    if (st != KEEL_OK) {
        if (st == KEEL_NOTFOUND && notify_wanted(KEEL_NOTIFY_KEYMISS))
            note_keymiss(p, false, key, klen);
        return st;
    }
    dk_entry e;
    bool found = ks_find_as(&sp, key, klen, h, p->cur->now_ms, NULL, &e, true, !p->no_touch);
    p->seen_table = sp.t;
    p->seen_klen = klen;
    p->seen_hash = h;
    p->seen_ms = p->cur->now_ms;
    p->seen_found = found;
    if (!found) {
        if (notify_wanted(KEEL_NOTIFY_KEYMISS)) note_keymiss(p, true, key, klen);
        return KEEL_NOTFOUND;
    }
    ks_value_from_entry(&e, out);
    return KEEL_OK;
}

/* True when keel_key_lookup has just looked at this key, at this time: it held no expired
 * entry then, and nothing but p can have changed it since (p holds its lock). */
static bool key_just_seen(const zvm_proc *p, const ks_space *sp, size_t klen, uint64_t h) {
    return p->seen_table == sp->t && p->seen_hash == h && p->seen_ms == p->cur->now_ms &&
           p->seen_klen == klen;
}

keel_status keel_key_store(keel_proc *kp, const void *key, size_t klen, const dk_val *v,
                           unsigned flags) {
    zvm_proc *p = zvm_of(kp);
    ks_space sp;
    uint64_t h;
    keel_status st = ns_resolve(p, key, klen, true, &sp, &h);
    if (st != KEEL_OK) return st;
    bool keep = (flags & KEEL_STORE_KEEPTTL) != 0;
    if (keep && key_just_seen(p, &sp, klen, h)) { /* not expired: rewrite it in place if it can */
        if (p->seen_found && ks_overwrite_box(&sp, key, klen, h, v)) return KEEL_OK;
        p->seen_found = true; /* (absent: made below) */
    } else if (keep) {        /* drop it if expired */
        ks_find(&sp, key, klen, h, p->cur->now_ms, NULL, NULL, false);
    }
    if (!notify_wanted(KEEL_NOTIFY_NEW)) return ks_store_box(&sp, key, klen, h, v, keep);
    uint64_t before = dk_table_count(sp.t);
    st = ks_store_box(&sp, key, klen, h, v, keep);
    if (st == KEEL_OK) note_new(p, &sp, before, key, klen);
    return st;
}

keel_status keel_key_store_bytes(keel_proc *kp, const void *key, size_t klen, size_t len,
                                 void **bytes) {
    zvm_proc *p = zvm_of(kp);
    if (len < KEEL_STORE_BYTES_MIN || (uint64_t)len > UINT32_MAX) return KEEL_EINVAL;
    ks_space sp;
    uint64_t h;
    keel_status st = ns_resolve(p, key, klen, true, &sp, &h);
    if (st != KEEL_OK) return st;
    uint64_t before = dk_table_count(sp.t);
    st = ks_store_bytes_reserve(&sp, key, klen, h, len, bytes);
    if (st == KEEL_OK && notify_wanted(KEEL_NOTIFY_NEW)) note_new(p, &sp, before, key, klen);
    return st;
}

keel_status keel_key_store_object(keel_proc *kp, const void *key, size_t klen, keel_type_id type,
                                  void *obj, unsigned flags) {
    zvm_proc *p = zvm_of(kp);
    if (!type_by_id(type)) return KEEL_EINVAL;
    ks_space sp;
    uint64_t h;
    keel_status st = ns_resolve(p, key, klen, true, &sp, &h);
    if (st != KEEL_OK) return st;
    bool keep = (flags & KEEL_STORE_KEEPTTL) != 0;
    if (keep) ks_find(&sp, key, klen, h, p->cur->now_ms, NULL, NULL, false);
    if (type == ns_type()) return KEEL_EINVAL; /* namespaces are made by naming keys inside them */
    uint64_t before = dk_table_count(sp.t);
    st = ks_store_obj(&sp, key, klen, h, type, obj, keep);
    if (st == KEEL_OK && notify_wanted(KEEL_NOTIFY_NEW)) note_new(p, &sp, before, key, klen);
    return st;
}

/* Finds an existing key for a change: KEEL_OK with *sp, *ref; else the status to return. */
static keel_status key_existing(zvm_proc *p, const void *key, size_t klen, ks_space *sp,
                                dk_ref *ref) {
    uint64_t h;
    keel_status st = ns_resolve(p, key, klen, false, sp, &h);
    if (st == KEEL_EWRONGTYPE) return KEEL_NOTFOUND;
    if (st != KEEL_OK) return st;
    return ks_find(sp, key, klen, h, p->cur->now_ms, ref, NULL, false) ? KEEL_OK : KEEL_NOTFOUND;
}

keel_status keel_key_delete(keel_proc *kp, const void *key, size_t klen) {
    ks_space sp;
    dk_ref r;
    keel_status st = key_existing(zvm_of(kp), key, klen, &sp, &r);
    if (st != KEEL_OK) return st;
    ks_delete_ref(&sp, r);
    ns_prune(zvm_of(kp), &sp);
    return KEEL_OK;
}

keel_status keel_key_append(keel_proc *kp, const void *key, size_t klen, const void *data, size_t n,
                            size_t *len) {
    ks_space sp;
    dk_ref r;
    keel_status st = key_existing(zvm_of(kp), key, klen, &sp, &r);
    if (st != KEEL_OK) return st;
    dk_entry e;
    dk_table_view(sp.t, r, &e);
    /* aux words are cleared when a value is replaced (memcached's CAS must change): a store does it
     */
    if (e.kind != DK_ENTRY_BOX || e.box.type != DK_BYTES || e.has_aux32 || e.has_aux64)
        return KEEL_EINVAL;
    size_t old = e.box.len;
    if (dk_table_append_bytes(sp.t, r, data, n) == DK_REF_NONE) return KEEL_EINVAL;
    *len = old + n;
    return KEEL_OK;
}

keel_status keel_key_bytes_edit(keel_proc *kp, const void *key, size_t klen, size_t len,
                                void **bytes, size_t *out_len) {
    ks_space sp;
    dk_ref r;
    keel_status st = key_existing(zvm_of(kp), key, klen, &sp, &r);
    if (st != KEEL_OK) return st;
    dk_entry e;
    dk_table_view(sp.t, r, &e);
    /* aux words are cleared when a value is replaced (memcached's CAS must change): a store does it
     */
    if (e.kind != DK_ENTRY_BOX || e.box.type != DK_BYTES || e.has_aux32 || e.has_aux64)
        return KEEL_EINVAL;
    /* growing by nothing tells whether the value lies out of line, where it can be written */
    size_t grow = len > e.box.len ? len - e.box.len : 0;
    if (dk_table_append_bytes(sp.t, r, NULL, grow) == DK_REF_NONE) return KEEL_EINVAL;
    dk_table_view(sp.t, r, &e);
    *bytes = (void *)e.box.v.ptr;
    *out_len = e.box.len;
    return KEEL_OK;
}

keel_status keel_key_expire(keel_proc *kp, const void *key, size_t klen, int64_t at_ms) {
    zvm_proc *p = zvm_of(kp);
    ks_space sp;
    dk_ref r;
    keel_status st = key_existing(p, key, klen, &sp, &r);
    if (st != KEEL_OK) return st;
    if (at_ms >= 0 && at_ms <= p->cur->now_ms) {
        ks_delete_ref(&sp, r);
        ns_prune(p, &sp);
        atomic_fetch_add_explicit(&srv->expired_keys, 1, memory_order_relaxed);
        return KEEL_OK;
    }
    ks_set_expiry(&sp, r, at_ms < 0 ? DK_NO_EXPIRY : at_ms);
    return KEEL_OK;
}

keel_status keel_key_aux_set(keel_proc *kp, const void *key, size_t klen, unsigned slot,
                             bool present, uint64_t value) {
    if (slot > KEEL_AUX64) return KEEL_EINVAL;
    ks_space sp;
    dk_ref r;
    keel_status st = key_existing(zvm_of(kp), key, klen, &sp, &r);
    if (st != KEEL_OK) return st;
    r = slot == KEEL_AUX32 ? dk_table_set_aux32(sp.t, r, present, (uint32_t)value)
                           : dk_table_set_aux64(sp.t, r, present, value);
    return r == DK_REF_NONE ? KEEL_ENOMEM : KEEL_OK;
}

keel_status keel_key_access_set(keel_proc *kp, const void *key, size_t klen, int64_t idle_s,
                                int freq) {
    if (idle_s < -1 || freq < -1 || freq > 255) return KEEL_EINVAL;
    zvm_proc *p = zvm_of(kp);
    ks_space sp;
    dk_ref r;
    keel_status st = key_existing(p, key, klen, &sp, &r);
    if (st != KEEL_OK) return st;
    bool lfu = evict_policy_lfu(limit_get(srv->cf.maxmemory_policy));
    if (lfu && freq >= 0)
        dk_table_set_meta(sp.t, r, evict_meta_lfu((unsigned)freq, p->cur->now_ms));
    else if (!lfu && idle_s >= 0)
        dk_table_set_meta(sp.t, r, evict_meta_idle(idle_s, p->cur->now_ms));
    return KEEL_OK;
}

const char *keel_type_name(keel_type_id type) {
    if (type == KEEL_TYPE_BOX) return "string";
    const type_entry *te = type_by_id(type);
    return te ? te->def.name : "none";
}

uint32_t keel_key_count(keel_proc *kp) {
    return zvm_of(kp)->nkeys;
}

keel_status keel_key_nth(keel_proc *kp, uint32_t i, keel_arg *key, uint32_t *argi) {
    zvm_proc *p = zvm_of(kp);
    if (i >= p->nkeys) return KEEL_EINVAL;
    const zvm_key *k = &p->keys[i];
    if (shard_get(k->shard)->owner != p->cur) {
        p->target_shard = k->shard;
        return KEEL_MOVED;
    }
    if (key) {
        key->ptr = k->ptr;
        key->len = k->len;
    }
    if (argi) *argi = k->argi;
    p->nth_hint = i + 1; /* its lookup reuses its hash (ns_place_key) */
    return KEEL_OK;
}

keel_status keel_block_keys(keel_proc *kp, int64_t timeout_ms) {
    zvm_proc *p = zvm_of(kp);
    if (p->nkeys == 0 || timeout_ms < 0) return KEEL_EINVAL;
    if (timeout_ms > 0) { /* the command's deadline holds across parks (api.h) */
        int64_t now = keel_now_ms(kp);
        if (!p->block_deadline_ms) p->block_deadline_ms = now + timeout_ms;
        timeout_ms = p->block_deadline_ms > now ? p->block_deadline_ms - now : 1;
    }
    p->block_req = true;
    p->block_timeout_ms = timeout_ms;
    return KEEL_OK;
}

bool keel_proc_timed_out(keel_proc *kp) {
    uint8_t r = zvm_of(kp)->wake_reason;
    return r == BLK_TIMEDOUT || r == BLK_CANCELLED;
}

/* Blocked processes wait on their keys' lock identity (the path's top-level entry), so a
 * signal inside a namespace wakes that namespace's waiters, who look again. */
keel_status keel_key_signal(keel_proc *kp, const void *key, size_t klen) {
    zvm_proc *p = zvm_of(kp);
    ns_place pl;
    ns_place_key(p, key, klen, &pl);
    uint32_t sid = shard_of_hash(pl.shard_hash, srv->nshards);
    shard *s = shard_get(sid);
    if (s->owner != p->cur) {
        p->target_shard = sid;
        return KEEL_MOVED;
    }
    blk_signal(s, pl.top, pl.toplen, pl.tophash);
    return KEEL_OK;
}

keel_status keel_proc_ns_push(keel_proc *kp, const void *name, size_t n) {
    zvm_proc *p = zvm_of(kp);
    if (!ns_name_ok(name, n)) return KEEL_EINVAL;
    if ((p->ns ? p->ns->n : 0) + p->npush >= KEEL_NS_DEPTH_MAX) return KEEL_EDEPTH;
    if (p->npush == p->cappush) {
        uint32_t cap = p->cappush ? p->cappush * 2 : 4;
        keel_arg *v = zvm_alloc(p, sizeof *v * cap);
        if (p->npush) memcpy(v, p->push, sizeof *v * p->npush);
        p->push = v;
        p->cappush = cap;
    }
    p->push[p->npush].ptr = name;
    p->push[p->npush].len = n;
    p->npush++;
    return KEEL_OK;
}

void keel_proc_ns_pop(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    if (p->npush) p->npush--;
}

keel_type_id keel_ns_type(void) {
    return ns_type();
}

typedef struct scan_ctx {
    keel_scan_fn fn;
    void *ctx;
    int64_t now_ms;
    size_t visited;
} scan_ctx;

static void scan_one(void *arg, dk_table *t, dk_ref r) {
    scan_ctx *cx = arg;
    dk_entry e;
    dk_table_view(t, r, &e);
    cx->visited++;
    if (e.expire_ms != DK_NO_EXPIRY && e.expire_ms <= cx->now_ms) return;
    if (ks_empty_namespace(&e)) return;
    keel_arg k = {e.key, e.klen};
    keel_value v;
    ks_value_from_entry(&e, &v);
    cx->fn(cx->ctx, &k, &v);
}

keel_status keel_key_ns_size(keel_proc *kp, const void *key, size_t klen, uint64_t *n) {
    zvm_proc *p = zvm_of(kp);
    ks_space sp;
    uint64_t h;
    keel_status st = ns_resolve(p, key, klen, false, &sp, &h);
    if (st == KEEL_EWRONGTYPE) st = KEEL_NOTFOUND;
    if (st != KEEL_OK) return st;
    dk_entry e;
    if (!ks_find(&sp, key, klen, h, p->cur->now_ms, NULL, &e, false)) return KEEL_NOTFOUND;
    if (e.kind != DK_ENTRY_OBJ || e.obj_type != ns_type()) return KEEL_EWRONGTYPE;
    const ns_obj *o = e.obj;
    /* the count is every entry: exact unless one has expired unseen or is an emptied namespace */
    int64_t next = dk_table_next_expiry(o->t);
    if (o->nested || (next != DK_NO_EXPIRY && next <= p->cur->now_ms)) return KEEL_EINVAL;
    *n = dk_table_count(o->t);
    return KEEL_OK;
}

keel_status keel_key_scan(keel_proc *kp, const void *key, size_t klen, uint64_t *cursor,
                          keel_scan_fn fn, void *ctx) {
    zvm_proc *p = zvm_of(kp);
    ks_space sp;
    keel_status st;
    if (key) {
        uint64_t h;
        st = ns_resolve(p, key, klen, false, &sp, &h);
        if (st == KEEL_EWRONGTYPE) st = KEEL_NOTFOUND;
        if (st != KEEL_OK) return st;
        dk_entry e;
        if (!ks_find(&sp, key, klen, h, p->cur->now_ms, NULL, &e, false)) return KEEL_NOTFOUND;
        if (e.kind != DK_ENTRY_OBJ || e.obj_type != ns_type()) return KEEL_EWRONGTYPE;
        sp.owner = e.obj;
        sp.t = sp.owner->t;
    } else {
        if (p->cur_shard >= srv->nshards) return KEEL_EINVAL;
        shard *s = shard_get(p->cur_shard);
        if (s->owner != p->cur) {
            p->target_shard = p->cur_shard;
            return KEEL_MOVED;
        }
        st = ns_resolve_on(p, s, &sp);
        if (st == KEEL_EWRONGTYPE) st = KEEL_NOTFOUND;
        if (st != KEEL_OK) return st;
    }
    scan_ctx cx = {fn, ctx, p->cur->now_ms, 0};
    *cursor = dk_table_scan(sp.t, *cursor, scan_one, &cx);
    keel_charge(kp, (int64_t)cx.visited * KS_VISIT_COST + 1);
    return KEEL_OK;
}
