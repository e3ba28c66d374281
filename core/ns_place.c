/* ns_place.c -- key placement: which shard a process's key lives on (ns_place_key, by the name
 * its namespace path co-locates it with) and which table holds it there (ns_resolve: the shard's
 * owner, its gate and lock checks, then the walk down the namespace path, making missing levels
 * when asked), and pruning the namespaces a deletion left empty. */
#include "config.h"
#include "ns.h"
#include "gate.h"
#include "keyspace.h"
#include "lock.h"
#include "mem.h"
#include "notify.h"
#include "server.h"
#include "shard.h"
#include "snap_pit.h"
#include "thread.h"
#include "undo.h"
#include "zvm.h"

#include <string.h>

/* ---- resolving a process's key ---- */

/* The containers between the shard table and the key: the namespace path, then the components
 * the running opcode pushed (hash adapters). */
static uint32_t ns_depth(const zvm_proc *p) {
    return (p->ns ? p->ns->n : 0) + p->npush;
}

static const keel_arg *ns_component(const zvm_proc *p, uint32_t i) {
    uint32_t n = p->ns ? p->ns->n : 0;
    return i < n ? &p->ns->comp[i] : &p->push[i - n];
}

uint32_t ns_proc_depth(const zvm_proc *p) {
    return ns_depth(p);
}
const keel_arg *ns_proc_name(const zvm_proc *p, uint32_t i) {
    return ns_component(p, i);
}

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
    /* a declared key was hashed when the request came: reuse it (the key of a single-key
     * command, or the one keel_key_nth gave last; the same bytes, as the same argv pointer) */
    const zvm_key *k = p->nkeys == 1                            ? &p->keys[0]
                       : p->nth_hint && p->nth_hint <= p->nkeys ? &p->keys[p->nth_hint - 1]
                                                                : NULL;
    out->declared = k && k->lptr == out->top && k->llen == out->toplen;
    out->tophash = out->declared ? k->hash : ks_hash(out->top, out->toplen);
    out->shard_hash =
        (elem == out->top && elen == out->toplen) ? out->tophash : ks_hash(elem, elen);
}

/* Walks the containers from sp's table down; creates missing ones when create.  KEEL_EDEPTH for a
 * path longer than KEEL_NS_DEPTH_MAX (none can be made: this is the last guard). */
static keel_status ns_walk(zvm_proc *p, ks_space *sp, uint64_t tophash, bool create) {
    uint32_t depth = ns_depth(p);
    if (depth > KEEL_NS_DEPTH_MAX) return KEEL_EDEPTH; /* callers refuse such paths first */
    for (uint32_t i = 0; i < depth; i++) {
        const keel_arg *c = ns_component(p, i);
        uint64_t h = i == 0 && tophash ? tophash : ks_hash(c->ptr, c->len);
        dk_entry e;
        if (ks_find(sp, c->ptr, c->len, h, p->cur->now_ms, NULL, &e, false)) {
            if (e.kind != DK_ENTRY_OBJ || e.obj_type != ns_type()) return KEEL_EWRONGTYPE;
            sp->owner = e.obj;
            sp->t = sp->owner->t;
            sp->depth = i + 1;
            continue;
        }
        if (!create) return KEEL_NOTFOUND;
        if (i == 0 && shard_of_hash(h, srv->nshards) != sp->s->id && !atomic_load(&srv->ns_spread))
            atomic_store(&srv->ns_spread, true); /* a part away from its name's home shard */
        ns_obj *o = mem_calloc(1, sizeof *o);
        o->t = dk_table_new();
        o->shard_id = sp->s->id;
        o->spread = ns_place_index(p) > i;
        if (ks_store_obj(sp, c->ptr, c->len, h, ns_type(), o, false) != KEEL_OK) {
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

void ns_note_write_on(zvm_proc *p, shard *s, uint32_t db) {
    ns_note_write_ns(p, s, db);
    if (__builtin_expect(p->undo != NULL, 0)) undo_note_whole(p);
}

keel_status ns_find_on_db(zvm_proc *p, shard *s, uint32_t db, ks_space *sp) {
    if (!ns_start(p, s, db, false, sp)) return KEEL_NOTFOUND;
    return ns_walk(p, sp, 0, false);
}

keel_status ns_resolve_on_db(zvm_proc *p, shard *s, uint32_t db, ks_space *sp) {
    ns_note_write_on(p, s, db);
    return ns_find_on_db(p, s, db, sp);
}

keel_status ns_resolve_on(zvm_proc *p, shard *s, ks_space *sp) {
    return ns_resolve_on_db(p, s, p->db, sp);
}

keel_status ns_make_on_db(zvm_proc *p, shard *s, uint32_t db, ks_space *sp) {
    ns_note_write_ns(p, s, db);
    if (__builtin_expect(p->undo != NULL, 0)) undo_note_whole(p);
    if (!ns_start(p, s, db, true, sp)) return KEEL_ENOMEM;
    return ns_walk(p, sp, 0, true);
}

keel_status ns_resolve(zvm_proc *p, const void *key, size_t klen, bool create, ks_space *sp,
                       uint64_t *key_hash) {
    return ns_resolve_in(p, p->db, key, klen, create, sp, key_hash);
}

keel_status ns_resolve_in(zvm_proc *p, uint32_t db, const void *key, size_t klen, bool create,
                          ks_space *sp, uint64_t *key_hash) {
    ns_place pl;
    ns_place_key(p, key, klen, &pl);
    uint32_t sid = shard_of_hash(pl.shard_hash, srv->nshards);
    shard *s = shard_get(sid);
    if (s->owner != p->cur) {
        p->target_shard = sid;
        return KEEL_MOVED;
    }
    if (__builtin_expect(s->gate != NULL, 0) && gate_blocks_access(s, p)) return KEEL_WAIT;
    /* a declared key is p's since key.lock: nobody else can hold it while p runs */
    if (s->locks.count && !pl.declared) {
        lock_ent *e = lock_find(&s->locks, pl.top, pl.toplen, pl.tophash);
        if (e && e->owner != p->serial) {
            lock_watch(e, p);
            return KEEL_WAIT;
        }
    }
    ns_note_write(p, s, db, pl.top, pl.toplen, pl.tophash);
    if (__builtin_expect(p->undo != NULL, 0)) undo_note(p, s, db, pl.top, pl.toplen, pl.tophash);
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
    ks_space level[KEEL_NS_DEPTH_MAX + 1]; /* level[i]: the table holding component i */
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
        if (e.kind != DK_ENTRY_OBJ || e.obj_type != ns_type()) return;
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
        ks_delete_ref(&level[i], refs[i]); /* refs above i still name their entries: other tables */
    }
}
