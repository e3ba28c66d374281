/* ns.c -- namespace paths, the namespace type ("hash": a nested table), and resolving a
 * process's key to the table that holds it. */
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
    for (uint32_t i = 0; i < nb; i++) bytes += base->comp[i].len + 1;
    for (uint32_t i = 0; i < nadd; i++) bytes += add[i].len + 1;
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

keel_type_id ns_type(void) { return ns_type_id; }

static void ns_obj_free(void *obj) {
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
        while (d < s->ndbs && !ns_root_in(root, s, d)) d++;
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
    char *keys;          /* copies of the keys met, back to back */
    size_t *lens;
    size_t n, max, used, cap;
} drain_ctx;

static void drain_collect(void *arg, dk_table *t, dk_ref r) {
    drain_ctx *cx = arg;
    if (cx->n == cx->max) return;
    dk_entry e;
    dk_table_view(t, r, &e);
    if (cx->used + e.klen > cx->cap) {
        cx->cap = (cx->used + e.klen) * 2;
        cx->keys = mem_realloc(cx->keys, cx->cap);
    }
    memcpy(cx->keys + cx->used, e.key, e.klen);
    cx->used += e.klen;
    cx->lens[cx->n++] = e.klen;
}

bool ns_obj_drain(ns_obj *o, size_t max) {
    if (dk_table_count(o->t) == 0) {
        dk_table_free(o->t, NULL, NULL);
        mem_free(o->name);
        mem_free(o);
        return true;
    }
    drain_ctx cx = {NULL, mem_alloc(sizeof(size_t) * max), 0, max, 0, 0};
    uint64_t cursor = 0;
    do {   /* collect first: deleting while scanning would move entries under the scan */
        cursor = dk_table_scan(o->t, cursor, drain_collect, &cx);
    } while (cursor != 0 && cx.n < max);
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
    .size = sizeof(keel_type_def), .name = "hash", .free = ns_obj_free, .copy = ns_obj_copy,
    .memory_usage = ns_obj_memory,
    .describe = ns_obj_describe, .to_reply = ns_obj_to_reply, .to_reply_step = ns_obj_to_reply_step,
    .encoding = ns_obj_encoding,
};

void ns_register_type(keel_module *core) { reg_type(core, &ns_type_def, &ns_type_id, NULL); }

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

/* ---- resolving a process's key ---- */

/* The containers between the shard table and the key: the namespace path, then the components
 * the running opcode pushed (hash adapters). */
static uint32_t ns_depth(const zvm_proc *p) { return (p->ns ? p->ns->n : 0) + p->npush; }

static const keel_arg *ns_component(const zvm_proc *p, uint32_t i) {
    uint32_t n = p->ns ? p->ns->n : 0;
    return i < n ? &p->ns->comp[i] : &p->push[i - n];
}

uint32_t ns_proc_depth(const zvm_proc *p) { return ns_depth(p); }
const keel_arg *ns_proc_name(const zvm_proc *p, uint32_t i) { return ns_component(p, i); }

/* The path component whose name places p's keys (ns_place_key); the path's length means the
 * key itself. */
static uint32_t ns_place_index(const zvm_proc *p) {
    uint32_t n = p->ns ? p->ns->n : 0;
    if (p->ns && p->ns->coloc == NS_COLOC_LAST) return n;
    if (p->ns && p->ns->coloc == NS_COLOC_NTH) return p->ns->coloc_n < n ? p->ns->coloc_n : n;
    return 0;
}

void ns_place_key(const zvm_proc *p, const void *key, size_t klen, ns_place *out) {
    uint32_t n = p->ns ? p->ns->n : 0;
    /* the declared key: pushed components live inside it, with it */
    const char *base = p->npush ? p->push[0].ptr : key;
    size_t blen = p->npush ? p->push[0].len : klen;
    uint32_t idx = ns_place_index(p);
    const char *elem = idx < n ? p->ns->comp[idx].ptr : base;
    size_t elen = idx < n ? p->ns->comp[idx].len : blen;
    out->top = n ? p->ns->comp[0].ptr : base;
    out->toplen = n ? p->ns->comp[0].len : blen;
    /* the key a single-key command declared was hashed when the request came: reuse it */
    if (p->nkeys == 1 && p->keys[0].lptr == out->top && p->keys[0].llen == out->toplen)
        out->tophash = p->keys[0].hash;
    else
        out->tophash = ks_hash(out->top, out->toplen);
    out->shard_hash = (elem == out->top && elen == out->toplen) ? out->tophash : ks_hash(elem, elen);
}

/* Walks the containers from sp's table down; creates missing ones when create.  KEEL_EDEPTH for a
 * path longer than KEEL_NS_DEPTH_MAX (none can be made: this is the last guard). */
static keel_status ns_walk(zvm_proc *p, ks_space *sp, uint64_t tophash, bool create) {
    uint32_t depth = ns_depth(p);
    if (depth > KEEL_NS_DEPTH_MAX) return KEEL_EDEPTH;   /* callers refuse such paths first */
    for (uint32_t i = 0; i < depth; i++) {
        const keel_arg *c = ns_component(p, i);
        uint64_t h = i == 0 && tophash ? tophash : ks_hash(c->ptr, c->len);
        dk_entry e;
        if (ks_find(sp, c->ptr, c->len, h, p->cur->now_ms, NULL, &e, false)) {
            if (e.kind != DK_ENTRY_OBJ || e.obj_type != ns_type_id) return KEEL_EWRONGTYPE;
            sp->owner = e.obj;
            sp->t = sp->owner->t;
            sp->depth = i + 1;
            continue;
        }
        if (!create) return KEEL_NOTFOUND;
        if (i == 0 && shard_of_hash(h, srv->nshards) != sp->s->id && !atomic_load(&srv->ns_spread))
            atomic_store(&srv->ns_spread, true);   /* a part away from its name's home shard */
        ns_obj *o = mem_calloc(1, sizeof *o);
        o->t = dk_table_new();
        o->shard_id = sp->s->id;
        o->spread = ns_place_index(p) > i;
        if (ks_store_obj(sp, c->ptr, c->len, h, ns_type_id, o, false) != KEEL_OK) {
            ns_obj_free(o);
            return KEEL_ENOMEM;
        }
        sp->owner = o;
        sp->t = o->t;
        sp->depth = i + 1;
        /* a map a hash command names is a key of the command's namespace: it is new */
        if (p->npush && i == depth - p->npush && notify_wanted(KEEL_NOTIFY_NEW))
            notify_proc_event_depth(p, i, KEEL_NOTIFY_NEW, "new", c->ptr, c->len);
    }
    return KEEL_OK;
}

/* Starts *sp at database db's table on s (made when create): false when there is none. */
static bool ns_start(const zvm_proc *p, shard *s, uint32_t db, bool create, ks_space *sp) {
    sp->s = s;
    sp->db = db;
    sp->owner = NULL;
    sp->proc = p;
    sp->depth = 0;
    sp->t = create ? shard_table_make(s, db) : shard_table(s, db);
    return sp->t != NULL;
}

/* A process that may write is about to reach key `top` of database db on s (a namespace's
 * top-level entry, or a key of the database's own table): a point-in-time BGSAVE writes it
 * first if its walk has not (snap_pit.h).  A process without a command counts as a writer. */
static void ns_note_write(zvm_proc *p, shard *s, uint32_t db, const void *top, size_t toplen,
                          uint64_t tophash) {
    if (__builtin_expect(s->pit != NULL, 0) && (!p->cmd || zvm_writes(p)))
        snap_pit_note_slow(s, db, top, toplen, tophash);
}

/* The same for p's own namespace on s (nothing when p is at the top: the whole database). */
static void ns_note_write_ns(zvm_proc *p, shard *s, uint32_t db) {
    if (__builtin_expect(s->pit != NULL, 0) && ns_depth(p) > 0) {
        const keel_arg *c = ns_component(p, 0);
        ns_note_write(p, s, db, c->ptr, c->len, 0);
    }
}

keel_status ns_resolve_on_db(zvm_proc *p, shard *s, uint32_t db, ks_space *sp) {
    ns_note_write_ns(p, s, db);
    if (!ns_start(p, s, db, false, sp)) return KEEL_NOTFOUND;
    return ns_walk(p, sp, 0, false);
}

keel_status ns_resolve_on(zvm_proc *p, shard *s, ks_space *sp) {
    return ns_resolve_on_db(p, s, p->db, sp);
}

keel_status ns_make_on_db(zvm_proc *p, shard *s, uint32_t db, ks_space *sp) {
    ns_note_write_ns(p, s, db);
    if (!ns_start(p, s, db, true, sp)) return KEEL_ENOMEM;
    return ns_walk(p, sp, 0, true);
}

keel_status ns_resolve(zvm_proc *p, const void *key, size_t klen, bool create, ks_space *sp, uint64_t *key_hash) {
    return ns_resolve_in(p, p->db, key, klen, create, sp, key_hash);
}

keel_status ns_resolve_in(zvm_proc *p, uint32_t db, const void *key, size_t klen, bool create,
                          ks_space *sp, uint64_t *key_hash) {
    ns_place pl;
    ns_place_key(p, key, klen, &pl);
    uint32_t sid = shard_of_hash(pl.shard_hash, srv->nshards);
    shard *s = srv->shards[sid];
    if (s->owner != p->cur) {
        p->target_shard = sid;
        return KEEL_MOVED;
    }
    if (__builtin_expect(s->gate != NULL, 0) && gate_blocks_access(s, p)) return KEEL_WAIT;
    if (s->locks.count) {
        lock_ent *e = lock_find(&s->locks, pl.top, pl.toplen, pl.tophash);
        if (e && e->owner != p->serial) {
            lock_watch(e, p);
            return KEEL_WAIT;
        }
    }
    ns_note_write(p, s, db, pl.top, pl.toplen, pl.tophash);
    if (!ns_start(p, s, db, create, sp)) return create ? KEEL_ENOMEM : KEEL_NOTFOUND;
    keel_status st = ns_walk(p, sp, pl.tophash, create);
    if (st != KEEL_OK) return st;
    uint32_t depth = ns_depth(p);
    *key_hash = depth == 0 ? pl.tophash : ks_hash(key, klen);
    return KEEL_OK;
}

void ns_prune(zvm_proc *p, const ks_space *where) {
    if (!where->owner || dk_table_count(where->t) != 0) return;
    uint32_t depth = ns_depth(p);
    ks_space level[KEEL_NS_DEPTH_MAX + 1];   /* level[i]: the table holding component i */
    dk_ref refs[KEEL_NS_DEPTH_MAX + 1];
    if (depth == 0 || depth > KEEL_NS_DEPTH_MAX) return;
    ks_space sp = ks_top(where->s, where->db);
    if (!sp.t) return;
    for (uint32_t i = 0; i < depth; i++) {
        const keel_arg *c = ns_component(p, i);
        dk_ref r = dk_table_find(sp.t, c->ptr, c->len, ks_hash(c->ptr, c->len));
        if (r == DK_REF_NONE) return;
        dk_entry e;
        dk_table_view(sp.t, r, &e);
        if (e.kind != DK_ENTRY_OBJ || e.obj_type != ns_type_id) return;
        level[i] = sp;
        refs[i] = r;
        sp.owner = e.obj;
        sp.t = sp.owner->t;
    }
    /* from the deepest: a namespace left with no key goes, and may leave its parent empty */
    for (uint32_t i = depth; i-- > 0;) {
        dk_entry e;
        dk_table_view(level[i].t, refs[i], &e);
        if (dk_table_count(((const ns_obj *)e.obj)->t) != 0) return;
        ks_delete_ref(&level[i], refs[i]);   /* refs above i still name their entries: other tables */
    }
}
