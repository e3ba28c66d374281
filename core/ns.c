/* ns.c -- namespace paths and the namespace type ("hash": a nested table); resolving a
 * process's key to the table that holds it is ns_place.c. */
#include "config.h"
#include "ns.h"
#include "gate.h"
#include "keyspace.h"
#include "lock.h"
#include "lazyfree.h"
#include "mem.h"
#include "notify.h"
#include "ns_due.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "snap_pit.h"
#include "thread.h"
#include "zvm.h"

#include <stdio.h>
#include <string.h>

#define NS_NAME_MAX 512

/* Every walk over a nested tree (replying it, moving it, freeing it) recurses once per level, a
 * few hundred bytes of stack each: bounded because no path is ever longer than
 * KEEL_NS_DEPTH_MAX names (NS, config and keel_proc_ns_push refuse more; ns_walk checks again).
 * A tree replied whole as nested maps, from the top, inside MULTI/EXEC, still fits a reply. */
_Static_assert(KEEL_NS_DEPTH_MAX + 2 < ZVM_REPLY_DEPTH, "a namespace tree must fit a reply");

bool ns_name_ok(const char *s, size_t n) {
    (void)s;
    return n > 0 && n <= NS_NAME_MAX;
}

/* ---- paths ---- */

static ns_path *ns_path_alloc(uint32_t n, size_t bytes) {
    ns_path *p = mem_calloc(1, sizeof *p + sizeof p->comp[0] * n + bytes);
    atomic_store(&p->refs, 1);
    p->n = n;
    return p;
}

ns_path *ns_path_new(const ns_path *base, const keel_arg *add, uint32_t nadd) {
    uint32_t nb = base ? base->n : 0;
    size_t bytes = 0;
    for (uint32_t i = 0; i < nb; i++)
        bytes += base->comp[i].len + 1;
    for (uint32_t i = 0; i < nadd; i++)
        bytes += add[i].len + 1;
    ns_path *p = ns_path_alloc(nb + nadd, bytes);
    char *w = (char *)&p->comp[nb + nadd];
    for (uint32_t i = 0; i < nb + nadd; i++) {
        const keel_arg *src = i < nb ? &base->comp[i] : &add[i - nb];
        memcpy(w, src->ptr, src->len);
        w[src->len] = '\0';
        p->comp[i].ptr = w;
        p->comp[i].len = src->len;
        w += src->len + 1;
    }
    if (base) {
        p->locked = base->locked;
        p->coloc = base->coloc;
        p->coloc_n = base->coloc_n;
    }
    return p;
}

ns_path *ns_path_with(const ns_path *base, uint32_t locked, uint8_t coloc, uint32_t coloc_n) {
    ns_path *p = ns_path_new(base, NULL, 0);
    p->locked = locked;
    p->coloc = coloc;
    p->coloc_n = coloc_n;
    return p;
}

ns_path *ns_path_ref(ns_path *p) {
    if (p) atomic_fetch_add(&p->refs, 1);
    return p;
}

void ns_path_unref(ns_path *p) {
    if (p && atomic_fetch_sub(&p->refs, 1) == 1) mem_free(p);
}

/* ---- the namespace type ---- */

static keel_type_id ns_type_id = KEEL_TYPE_NONE;

keel_type_id ns_type(void) {
    return ns_type_id;
}

void ns_obj_free(void *obj) {
    ns_obj *o = obj;
    ns_due_remove(o);
    dk_table_free(o->t, ks_free_obj, NULL);
    mem_free(o->name);
    mem_free(o);
}

void ns_set_place(ns_obj *o, ns_obj *parent, uint32_t db, const void *name, size_t n) {
    o->parent = parent;
    o->db_hint = db;
    o->orphan = false;
    if (o->name && o->nlen == n && memcmp(o->name, name, n) == 0) return;
    mem_free(o->name);
    o->name = mem_alloc(n ? n : 1);
    memcpy(o->name, name, n);
    o->nlen = (uint32_t)n;
}

void ns_orphan(ns_obj *o) {
    o->orphan = true;
    o->parent = NULL;
}

/* True when root is the entry named by its name in database db's table on s. */
static bool ns_root_in(const ns_obj *root, const shard *s, uint32_t db) {
    dk_table *t = shard_table(s, db);
    if (!t) return false;
    dk_ref r = dk_table_find(t, root->name, root->nlen, ks_hash(root->name, root->nlen));
    if (r == DK_REF_NONE) return false;
    dk_entry e;
    dk_table_view(t, r, &e);
    return e.kind == DK_ENTRY_OBJ && e.obj == root;
}

int ns_obj_path(const ns_obj *o, const shard *s, keel_arg *out, uint32_t *db) {
    const ns_obj *chain[KEEL_NS_DEPTH_MAX];
    int n = 0;
    for (; o; o = o->parent) {
        if (o->orphan || !o->name || n == KEEL_NS_DEPTH_MAX) return -1;
        chain[n++] = o;
    }
    if (n == 0) return -1;
    const ns_obj *root = chain[n - 1];
    if (root->db_hint < s->ndbs && ns_root_in(root, s, root->db_hint)) {
        *db = root->db_hint;
    } else {
        uint32_t d = 0;
        while (d < s->ndbs && !ns_root_in(root, s, d))
            d++;
        if (d == s->ndbs) return -1;
        *db = d;
    }
    for (int i = 0; i < n; i++) {
        out[i].ptr = chain[n - 1 - i]->name;
        out[i].len = chain[n - 1 - i]->nlen;
    }
    return n;
}

typedef struct drain_ctx {
    char *keys; /* copies of the keys met, back to back */
    size_t *lens;
    size_t n, lcap, used, cap;
} drain_ctx;

/* Collects every key of a bucket, even past the step's count: the cursor moves past it. */
static void drain_collect(void *arg, dk_table *t, dk_ref r) {
    drain_ctx *cx = arg;
    dk_entry e;
    dk_table_view(t, r, &e);
    if (cx->used + e.klen > cx->cap) {
        cx->cap = (cx->used + e.klen) * 2;
        cx->keys = mem_realloc(cx->keys, cx->cap);
    }
    if (cx->n == cx->lcap) {
        cx->lcap *= 2;
        cx->lens = mem_realloc(cx->lens, sizeof *cx->lens * cx->lcap);
    }
    memcpy(cx->keys + cx->used, e.key, e.klen);
    cx->used += e.klen;
    cx->lens[cx->n++] = e.klen;
}

bool ns_obj_drain(ns_obj *o, size_t max, uint64_t *cursor) {
    if (dk_table_count(o->t) == 0) {
        dk_table_free(o->t, NULL, NULL);
        mem_free(o->name);
        mem_free(o);
        return true;
    }
    drain_ctx cx = {NULL, mem_alloc(sizeof(size_t) * max), 0, max, 0, 0};
    /* Collected first (deleting while scanning would move entries under the scan), from where
     * the last step stopped: starting each step at 0 walked the emptied buckets again, which
     * made freeing a million keys quadratic.  A pass that ends with keys left (a resize moved
     * them behind the cursor) starts another. */
    do {
        *cursor = dk_table_scan(o->t, *cursor, drain_collect, &cx);
    } while (*cursor != 0 && cx.n < max);
    const char *k = cx.keys;
    for (size_t i = 0; i < cx.n; i++) {
        dk_ref r = dk_table_find(o->t, k, cx.lens[i], ks_hash(k, cx.lens[i]));
        void *obj = NULL;
        uint16_t type = 0;
        if (r != DK_REF_NONE) dk_table_delete(o->t, r, &obj, &type);
        if (obj) lazy_free(type, obj);
        k += cx.lens[i];
    }
    mem_free(cx.keys);
    mem_free(cx.lens);
    return false;
}

typedef struct copy_ctx {
    ns_obj *to_obj;
    dk_table *to;
    bool ok;
} copy_ctx;

static void *ns_obj_copy(const void *obj);

/* A deep copy of an entry's object value: namespaces through ns_obj_copy, other types through
 * their type's copy op.  NULL when the type has none or memory ran out. */
static void *ns_copy_value(uint16_t type, const void *obj) {
    if (type == ns_type_id) return ns_obj_copy(obj);
    const type_entry *te = type_by_id(type);
    return te && te->def.copy ? te->def.copy(obj) : NULL;
}

static void ns_copy_entry(void *arg, dk_table *t, dk_ref r) {
    copy_ctx *cx = arg;
    if (!cx->ok) return;
    dk_entry e;
    dk_table_view(t, r, &e);
    uint64_t h = ks_hash(e.key, e.klen);
    void *old = NULL, *copy = NULL;
    uint16_t old_type = 0;
    dk_ref nr;
    if (e.kind == DK_ENTRY_BOX) {
        nr = dk_table_put_box(cx->to, e.key, e.klen, h, &e.box, false, &old, &old_type);
    } else {
        if (!(copy = ns_copy_value(e.obj_type, e.obj))) {
            cx->ok = false;
            return;
        }
        nr = dk_table_put_obj(cx->to, e.key, e.klen, h, e.obj_type, copy, false, &old, &old_type);
        if (e.obj_type == ns_type_id) ns_set_place(copy, cx->to_obj, 0, e.key, e.klen);
    }
    if (old) ks_free_obj(NULL, old_type, old); /* a scan may show an entry twice: drop the first */
    if (nr == DK_REF_NONE) {
        if (copy) ks_free_obj(NULL, e.obj_type, copy);
        cx->ok = false;
        return;
    }
    if (e.expire_ms != DK_NO_EXPIRY) nr = dk_table_set_expiry(cx->to, nr, e.expire_ms);
    if (nr != DK_REF_NONE && e.has_aux32) nr = dk_table_set_aux32(cx->to, nr, true, e.aux32);
    if (nr != DK_REF_NONE && e.has_aux64) nr = dk_table_set_aux64(cx->to, nr, true, e.aux64);
    cx->ok = nr != DK_REF_NONE;
}

/* COPY of a namespace: every key below it, at every depth, with its TTL and aux words.  The copy
 * is on no shard's expiry list until ns_attach puts it on its new shard's.  Recursion is bounded
 * by KEEL_NS_DEPTH_MAX.  NULL when a value cannot be copied or memory ran out. */
static void *ns_obj_copy(const void *obj) {
    const ns_obj *o = obj;
    ns_obj *c = mem_calloc(1, sizeof *c);
    c->t = dk_table_new();
    c->shard_id = o->shard_id;
    c->spread = o->spread;
    c->nested = o->nested;
    copy_ctx cx = {c, c->t, c->t != NULL};
    uint64_t cursor = 0;
    do {
        cursor = cx.ok ? dk_table_scan(o->t, cursor, ns_copy_entry, &cx) : 0;
    } while (cursor != 0);
    if (cx.ok) return c;
    if (c->t) dk_table_free(c->t, ks_free_obj, NULL);
    mem_free(c);
    return NULL;
}

static size_t ns_obj_memory(const void *obj) {
    const ns_obj *o = obj;
    return sizeof *o + dk_table_bytes(o->t);
}

static size_t ns_obj_describe(const void *obj, char *out, size_t cap) {
    int n = snprintf(out, cap, "namespace, %zu keys", dk_table_count(((const ns_obj *)obj)->t));
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

typedef struct reply_ctx {
    keel_proc *p;
    int64_t now_ms;
    size_t visited;
} reply_ctx;

static void ns_reply_entry(void *arg, dk_table *t, dk_ref r) {
    reply_ctx *cx = arg;
    dk_entry e;
    cx->visited++;
    dk_table_view(t, r, &e);
    if (e.expire_ms != DK_NO_EXPIRY && e.expire_ms <= cx->now_ms) return;
    keel_reply_bulk(cx->p, e.key, e.klen);
    keel_value v;
    ks_value_from_entry(&e, &v);
    keel_reply_stored(cx->p, &v);
}

/* GET on a namespace: a map of its keys to their values (nested namespaces as maps). */
static void ns_obj_to_reply(keel_proc *p, const void *obj) {
    const ns_obj *o = obj;
    reply_ctx cx = {p, keel_now_ms(p), 0};
    keel_reply_open(p, KEEL_REPLY_MAP);
    uint64_t cursor = 0;
    do {
        cursor = dk_table_scan(o->t, cursor, ns_reply_entry, &cx);
    } while (cursor != 0);
    keel_reply_close(p);
    keel_charge(p, (int64_t)dk_table_count(o->t));
}

/* The same a slice at a time (GET uses it): *cursor is 0 before the map opens, then one more
 * than the table's scan cursor.  The key stays locked between slices, so no key is added or
 * replied twice; nested namespaces are replied whole. */
static bool ns_obj_to_reply_step(keel_proc *p, const void *obj, uint64_t *cursor) {
    const ns_obj *o = obj;
    reply_ctx cx = {p, keel_now_ms(p), 0};
    if (*cursor == 0) {
        keel_reply_open(p, KEEL_REPLY_MAP);
        *cursor = 1;
    }
    uint64_t c = *cursor - 1;
    do {
        cx.visited = 0;
        c = dk_table_scan(o->t, c, ns_reply_entry, &cx);
        keel_charge(p, (int64_t)cx.visited * KS_VISIT_COST + 1);
    } while (c != 0 && p->budget > 0);
    if (c != 0) {
        *cursor = c + 1;
        return false;
    }
    keel_reply_close(p);
    return true;
}

/* OBJECT ENCODING: a namespace (a hash) is a keyspace table of its own. */
static const char *ns_obj_encoding(const void *obj) {
    (void)obj;
    return "namespace";
}

static const keel_type_def ns_type_def = {
    .size = sizeof(keel_type_def),
    .name = "hash",
    .free = ns_obj_free,
    .copy = ns_obj_copy,
    .memory_usage = ns_obj_memory,
    .describe = ns_obj_describe,
    .to_reply = ns_obj_to_reply,
    .to_reply_step = ns_obj_to_reply_step,
    .encoding = ns_obj_encoding,
};

void ns_register_type(keel_module *core) {
    reg_type(core, &ns_type_def, &ns_type_id, NULL);
}

void ns_note_expiring(ks_space *sp) {
    if (sp->owner) ns_due_update(sp->owner);
}

typedef struct move_ctx {
    bool attach;
    uint32_t shard_id;
} move_ctx;

static void ns_move(ns_obj *o, const move_ctx *cx);

static void ns_move_entry(void *arg, dk_table *t, dk_ref r) {
    dk_entry e;
    dk_table_view(t, r, &e);
    if (e.kind == DK_ENTRY_OBJ && e.obj_type == ns_type_id) ns_move(e.obj, arg);
}

static void ns_move(ns_obj *o, const move_ctx *cx) {
    if (cx->attach) {
        o->shard_id = cx->shard_id;
        ns_due_update(o);
    } else {
        ns_due_remove(o);
    }
    uint64_t cursor = 0;
    do {
        cursor = dk_table_scan(o->t, cursor, ns_move_entry, (void *)cx);
    } while (cursor != 0);
}

void ns_detach(ns_obj *o) {
    move_ctx cx = {false, 0};
    ns_move(o, &cx);
}

void ns_attach(ns_obj *o, uint32_t shard_id) {
    move_ctx cx = {true, shard_id};
    ns_move(o, &cx);
}
