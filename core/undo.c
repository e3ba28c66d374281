/* undo.c -- a process's log of what its children wrote, and putting it back (see undo.h). */
#include "config.h"
#include "undo.h"
#include "aof.h"
#include "keyspace.h"
#include "lazyfree.h"
#include "mem.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

#include <string.h>

/* What one top-level key held before the first child that may write reached it. */
typedef struct undo_ent {
    uint32_t shard, db;
    uint64_t hash;
    char *key;
    size_t klen;
    bool present; /* else the key did not exist: putting back deletes it */
    bool put_back;
    dk_entry was; /* what it held, its object (DK_ENTRY_OBJ) a copy and its bytes (a DK_BYTES
                     box) in `bytes`, both owned here until put back */
    char *bytes;
} undo_ent;

/* The log, its entries and their key and byte copies live in the arena of the process that
 * keeps it (its children, which add to it, run while it waits): only object copies are freed. */
struct undo_log {
    zvm_proc *owner;
    undo_ent *ents;
    uint32_t n, cap;
    size_t bytes;     /* what the kept values take, as their types count it */
    size_t value_max; /* the largest value kept (keel_proc_undo_begin) */
    bool broken;      /* a write it could not keep: nothing can be put back (nothing is kept) */
};

static void ent_release(undo_ent *e) {
    if (e->present && e->was.kind == DK_ENTRY_OBJ && e->was.obj)
        lazy_free(e->was.obj_type, e->was.obj);
    e->was.obj = NULL;
}

static void log_clear(undo_log *u) {
    for (uint32_t i = 0; i < u->n; i++)
        ent_release(&u->ents[i]);
    u->n = 0;
}

/* A write the log cannot keep: what it kept is of no use any more. */
static void break_log(undo_log *u) {
    log_clear(u);
    u->bytes = 0;
    u->broken = true;
}

static void log_free(void *ptr) {
    log_clear(ptr);
}

static bool kept_already(const undo_log *u, uint32_t sid, uint32_t db, const void *key, size_t klen,
                         uint64_t hash) {
    for (uint32_t i = 0; i < u->n; i++) {
        const undo_ent *e = &u->ents[i];
        if (e->hash == hash && e->shard == sid && e->db == db && e->klen == klen &&
            memcmp(e->key, key, klen) == 0)
            return true;
    }
    return false;
}

/* Counts a value of size bytes in u: false past its value_max, or UNDO_TOTAL_TIMES that in all. */
static bool fits(undo_log *u, size_t size) {
    u->bytes += size;
    return size <= u->value_max && u->bytes <= u->value_max * UNDO_TOTAL_TIMES;
}

/* Copies what the entry holds into e, counting it in u; false when it cannot be kept. */
static bool keep_value(undo_log *u, undo_ent *e, const dk_entry *v) {
    e->present = true;
    e->was = *v;
    e->was.key = e->key;
    if (v->kind == DK_ENTRY_OBJ) {
        const type_entry *te = type_by_id(v->obj_type);
        e->was.obj = NULL;
        if (!te || !te->def.copy) return false;
        size_t size = te->def.memory_usage ? te->def.memory_usage(v->obj) : 0;
        if (!fits(u, size)) return false;
        e->was.obj = te->def.copy(v->obj);
        return e->was.obj != NULL;
    }
    if (v->box.type == DK_BYTES) {
        if (!fits(u, v->box.len)) return false;
        e->bytes = zvm_alloc(u->owner, v->box.len ? v->box.len : 1);
        memcpy(e->bytes, v->box.v.ptr, v->box.len);
        e->was.box = dk_bytes(e->bytes, v->box.len);
    }
    return true;
}

void undo_note(zvm_proc *p, shard *s, uint32_t db, const void *top, size_t toplen,
               uint64_t tophash) {
    undo_log *u = p->undo;
    if (u->broken || !zvm_writes(p)) return;
    uint64_t hash = tophash ? tophash : ks_hash(top, toplen);
    if (kept_already(u, s->id, db, top, toplen, hash)) return;
    if (u->n == UNDO_KEYS_MAX) {
        break_log(u);
        return;
    }
    if (u->n == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 2;
        undo_ent *grown = zvm_alloc(u->owner, sizeof *u->ents * u->cap);
        if (u->n) memcpy(grown, u->ents, sizeof *u->ents * u->n);
        u->ents = grown;
    }
    undo_ent *e = &u->ents[u->n];
    memset(e, 0, sizeof *e);
    e->shard = s->id;
    e->db = db;
    e->hash = hash;
    e->klen = toplen;
    e->key = zvm_alloc(u->owner, toplen ? toplen : 1);
    memcpy(e->key, top, toplen);
    ks_space sp = ks_top(s, db);
    dk_ref r = sp.t ? dk_table_find(sp.t, top, toplen, hash) : DK_REF_NONE;
    if (r != DK_REF_NONE) {
        dk_entry v;
        dk_table_view(sp.t, r, &v);
        if (!keep_value(u, e, &v)) {
            ent_release(e);
            break_log(u);
            return;
        }
    }
    u->n++;
}

void undo_note_whole(zvm_proc *p) {
    if (zvm_writes(p)) break_log(p->undo);
}

/* Puts e back on its shard (this thread owns it); the copies it held now belong to the table. */
static void put_back(undo_ent *e) {
    shard *s = shard_get(e->shard);
    ks_space sp = ks_top(s, e->db);
    if (sp.t) {
        dk_ref r = dk_table_find(sp.t, e->key, e->klen, e->hash);
        if (r != DK_REF_NONE) ks_delete_ref(&sp, r);
    }
    e->put_back = true;
    if (!e->present) return;
    if (!sp.t) {
        shard_table_make(s, e->db);
        sp = ks_top(s, e->db);
    }
    const dk_entry *w = &e->was;
    if (w->kind == DK_ENTRY_OBJ) {
        if (w->obj_type == ns_type()) ns_attach(w->obj, s->id); /* a hash: on s's expiry lists */
        ks_store_obj(&sp, e->key, e->klen, e->hash, w->obj_type, w->obj, false);
        e->was.obj = NULL;
    } else {
        ks_store_box(&sp, e->key, e->klen, e->hash, &w->box, false);
    }
    dk_ref r = dk_table_find(sp.t, e->key, e->klen, e->hash);
    if (r == DK_REF_NONE) return;
    if (w->expire_ms != DK_NO_EXPIRY) ks_set_expiry(&sp, r, w->expire_ms);
    r = dk_table_find(sp.t, e->key, e->klen, e->hash);
    if (r != DK_REF_NONE && w->has_aux32) r = dk_table_set_aux32(sp.t, r, true, w->aux32);
    if (r != DK_REF_NONE && w->has_aux64) dk_table_set_aux64(sp.t, r, true, w->aux64);
}

void keel_proc_undo_begin(keel_proc *kp, size_t value_max) {
    zvm_proc *p = zvm_of(kp);
    if (p->undo) return;
    undo_log *u = zvm_alloc(p, sizeof *u);
    memset(u, 0, sizeof *u);
    u->owner = p;
    u->value_max = value_max < UNDO_VALUE_LIMIT ? value_max : UNDO_VALUE_LIMIT;
    p->undo = u;
    keel_proc_defer_free(kp, log_free, u);
}

bool keel_proc_undo_ready(keel_proc *kp) {
    const zvm_proc *p = zvm_of(kp);
    return p->undo && !p->undo->broken;
}

keel_op_result keel_proc_undo(keel_proc *kp) {
    zvm_proc *p = zvm_of(kp);
    undo_log *u = p->undo;
    if (!u || u->broken) { /* nothing kept, or not all of it: nothing to put back */
        undo_forget(p);
        return KEEL_NEXT;
    }
    uint32_t elsewhere = UINT32_MAX;
    for (uint32_t i = u->n; i-- > 0;) {
        undo_ent *e = &u->ents[i];
        if (e->put_back) continue;
        if (shard_get(e->shard)->owner == p->cur)
            put_back(e);
        else
            elsewhere = e->shard;
    }
    if (elsewhere != UINT32_MAX) {
        p->target_shard = elsewhere;
        return KEEL_HOP;
    }
    undo_forget(p);
    aof_forget_children(p); /* what they did is gone: the log never hears of it */
    return KEEL_NEXT;
}

void undo_forget(zvm_proc *p) {
    if (!p->undo) return;
    log_clear(p->undo); /* the struct itself goes with p (keel_proc_defer_free) */
    p->undo->bytes = 0;
    p->undo->broken = false;
    p->undo = NULL;
}
