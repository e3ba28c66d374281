/* blob_walk.c -- converting values between live objects and opaque blobs on every shard (see
 * blob_walk.h).  A table may not change while it is scanned, so each table is scanned for the
 * keys to convert first, and then each key is rewritten (its expiry, aux words and metadata
 * kept). */
#include "config.h"
#include "blob_walk.h"
#include "blob.h"
#include "keyspace.h"
#include "lazyfree.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "snap_shard.h"
#include "thread.h"

#include <stdio.h>
#include <string.h>

/* Which values a walk converts. */
typedef bool (*pick_fn)(const type_entry *te, const void *ctx);

typedef struct found_key {
    dk_table *t;
    char *key;
    size_t klen;
    void *replacement; /* to_blobs: the blob made in the first pass */
} found_key;

typedef struct walk {
    pick_fn pick;
    const void *pick_ctx;
    bool
        objects_are_blobs; /* the picked types' values are blobs (their ops already the module's) */
    found_key *keys;
    size_t n, cap;
} walk;

static void note(walk *w, dk_table *t, const dk_entry *e) {
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->keys = mem_realloc(w->keys, sizeof *w->keys * w->cap);
    }
    found_key *k = &w->keys[w->n++];
    k->t = t;
    k->key = mem_alloc(e->klen ? e->klen : 1);
    memcpy(k->key, e->key, e->klen);
    k->klen = e->klen;
    k->replacement = NULL;
}

static void collect_table(walk *w, dk_table *t);

static void collect_one(void *arg, dk_table *t, dk_ref ref) {
    walk *w = arg;
    dk_entry e;
    dk_table_view(t, ref, &e);
    if (e.kind != DK_ENTRY_OBJ) return;
    if (e.obj_type == ns_type()) {
        collect_table(w, ((ns_obj *)e.obj)->t);
        return;
    }
    const type_entry *te = type_by_id(e.obj_type);
    if (te && w->pick(te, w->pick_ctx)) note(w, t, &e);
}

static void collect_table(walk *w, dk_table *t) {
    uint64_t c = 0;
    do
        c = dk_table_scan(t, c, collect_one, w);
    while (c != 0);
}

/* A queued value of a type the walk converts is freed now, by the ops its object has now. */
static bool take_queued(void *arg, uint16_t type, void *obj) {
    const walk *w = arg;
    const type_entry *te = type_by_id(type);
    if (!te || !w->pick(te, w->pick_ctx)) return false;
    if (w->objects_are_blobs)
        blob_type_ops()->free(obj);
    else
        te->def.free(obj);
    return true;
}

static void collect_lazy_table(void *arg, dk_table *t) {
    collect_table(arg, t);
}

/* Every table of every shard, and the namespaces waiting in the background-free queues. */
static void collect_all(walk *w) {
    for (uint32_t s = 0; s < srv->nshards; s++) {
        shard *sh = shard_get(s);
        for (uint32_t db = 0; db < sh->ndbs; db++)
            if (shard_table(sh, db)) collect_table(w, shard_table(sh, db));
    }
    for (int i = 0; i < srv->nthreads; i++)
        lazy_free_module_values(srv->threads[i], take_queued, collect_lazy_table, w);
}

/* Puts obj as key's value where the key is now, as it was (expiry, aux words, metadata); the
 * old object goes to *old.  False when the key is gone or memory ran out. */
static bool replace_obj(found_key *k, keel_type_id type, void *obj, void **old) {
    uint64_t hash = ks_hash(k->key, k->klen);
    dk_ref r = dk_table_find(k->t, k->key, k->klen, hash);
    if (r == DK_REF_NONE) return false;
    dk_entry e;
    dk_table_view(k->t, r, &e);
    uint16_t meta = dk_table_meta(k->t, r);
    uint16_t old_type = 0;
    r = dk_table_put_obj(k->t, k->key, k->klen, hash, type, obj, true, old, &old_type);
    if (r == DK_REF_NONE) return false;
    if (e.has_aux32) r = dk_table_set_aux32(k->t, r, true, e.aux32);
    if (r != DK_REF_NONE && e.has_aux64) r = dk_table_set_aux64(k->t, r, true, e.aux64);
    if (r != DK_REF_NONE) dk_table_set_meta(k->t, r, meta);
    return true;
}

static void free_walk(walk *w) {
    for (size_t i = 0; i < w->n; i++)
        mem_free(w->keys[i].key);
    mem_free(w->keys);
}

/* The object of key k now (NULL when gone), and its type. */
static void *current_obj(const found_key *k, uint16_t *type) {
    dk_ref r = dk_table_find(k->t, k->key, k->klen, ks_hash(k->key, k->klen));
    if (r == DK_REF_NONE) return NULL;
    dk_entry e;
    dk_table_view(k->t, r, &e);
    *type = e.obj_type;
    return e.kind == DK_ENTRY_OBJ ? e.obj : NULL;
}

static bool of_module(const type_entry *te, const void *m) {
    return te->module == m;
}

bool blob_walk_to_blobs(const struct keel_module *m, size_t *converted, char *err, size_t cap) {
    walk w = {.pick = of_module, .pick_ctx = m};
    collect_all(&w);
    struct keel_sink sink;
    memset(&sink, 0, sizeof sink);
    bool ok = true;
    for (size_t i = 0; i < w.n && ok; i++) { /* first every blob, so a failure changes nothing */
        uint16_t type = 0;
        void *obj = current_obj(&w.keys[i], &type);
        const type_entry *te = type_by_id(type);
        sink.buf.len = 0;
        sink.buf.oom = false;
        if (obj && te && te->def.save && te->def.save(obj, &sink) == KEEL_OK && !sink.buf.oom) {
            w.keys[i].replacement = blob_new(sink.buf.p, sink.buf.len);
            continue;
        }
        snprintf(err, cap, "a value of type '%s' could not be saved", te ? te->def.name : "?");
        ok = false;
    }
    snap_buf_free(&sink.buf);
    *converted = 0;
    for (size_t i = 0; i < w.n; i++) {
        found_key *k = &w.keys[i];
        if (!ok || !k->replacement) {
            mem_free(k->replacement);
            continue;
        }
        uint16_t type = 0;
        current_obj(k, &type);
        const type_entry *te = type_by_id(type);
        void *old = NULL;
        if (!replace_obj(k, type, k->replacement, &old)) { /* left as it was: drop the key */
            log_warning("MODULE UNLOAD %s: a key of type '%s' could not become opaque: deleted",
                        m->name, te->def.name);
            mem_free(k->replacement);
            dk_ref r = dk_table_find(k->t, k->key, k->klen, ks_hash(k->key, k->klen));
            if (r != DK_REF_NONE) dk_table_delete(k->t, r, &old, &type);
        }
        if (old) te->def.free(old);
        ++*converted;
    }
    free_walk(&w);
    return ok;
}

static bool to_revive(const type_entry *te, const void *ctx) {
    (void)ctx;
    return te->revive;
}

size_t blob_walk_revive(void) {
    walk w = {.pick = to_revive, .pick_ctx = NULL, .objects_are_blobs = true};
    collect_all(&w);
    size_t revived = 0;
    for (size_t i = 0; i < w.n; i++) {
        found_key *k = &w.keys[i];
        uint16_t type = 0;
        void *blob = current_obj(k, &type);
        const type_entry *te = type_by_id(type);
        if (!blob || !te) continue;
        size_t len = 0;
        const void *bytes = blob_bytes(blob, &len);
        const char *why = "malformed value";
        void *obj = te->def.load(bytes, len, &why);
        void *old = NULL;
        if (obj && replace_obj(k, type, obj, &old)) {
            blob_type_ops()->free(old);
            revived++;
            continue;
        }
        if (obj) te->def.free(obj);
        log_warning("module %s: a value of type '%s' did not load back (%s): its key is deleted",
                    loader_module_name(te->module), te->def.name, why);
        dk_ref r = dk_table_find(k->t, k->key, k->klen, ks_hash(k->key, k->klen));
        if (r != DK_REF_NONE) {
            dk_table_delete(k->t, r, &old, &type);
            blob_type_ops()->free(old);
        }
    }
    free_walk(&w);
    reg_types_revived();
    return revived;
}
