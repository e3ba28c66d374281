/* ns.h -- namespaces: nested maps of keys inside the keyspace, each key with its own value and
 * TTL at any depth.  A connection sits in a namespace path; every key a command names is read
 * relative to it, so a client can never name a key above or beside its namespace.
 *
 * Storage: a namespace is an entry of the core type "hash" whose value (ns_obj) holds a nested
 * datakit table.  The path's co-location element (its first component by default, the key
 * itself for HS, the n-th for CS n) picks the shard, so a namespace's keys live together unless
 * the client asked otherwise.  Locks are taken on the top-level entry of the path (coarse, but a
 * namespace can never be deleted under a process that is working inside it).
 */
#ifndef KEEL_CORE_NS_H
#define KEEL_CORE_NS_H

#include <datakit/table.h>
#include <keel/sdk.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct shard;
struct zvm_proc;

enum ns_coloc { NS_COLOC_FIRST = 0, NS_COLOC_LAST, NS_COLOC_NTH };

/* An immutable, shared namespace path: a connection holds one, each of its processes a
 * reference (processes may run on other threads). */
typedef struct ns_path {
    _Atomic int refs;
    uint32_t n;       /* components */
    uint32_t locked;  /* the first `locked` components cannot be left */
    uint8_t coloc;    /* enum ns_coloc */
    uint32_t coloc_n; /* NS_COLOC_NTH: the component index (clamped) */
    keel_arg comp[];  /* bytes follow the array */
} ns_path;

/* A new path: base's components plus add (base may be NULL), keeping base's settings. */
ns_path *ns_path_new(const ns_path *base, const keel_arg *add, uint32_t nadd);
/* A copy of base with other settings (locked count, co-location). */
ns_path *ns_path_with(const ns_path *base, uint32_t locked, uint8_t coloc, uint32_t coloc_n);
ns_path *ns_path_ref(ns_path *p);
void ns_path_unref(ns_path *p);

/* The value of a namespace entry. */
typedef struct ns_obj {
    dk_table *t;
    uint32_t shard_id; /* the shard whose tree holds it (for active expiry) */
    bool expiring;     /* in the shard's heap of tables with expiring keys (ns_due.h) */
    bool spread;       /* a part: its keys are placed by a deeper name (HS, CS n) */
    bool nested;       /* a namespace has been stored in t (never cleared) */
    bool orphan;       /* deleted, waiting to be freed: it has no path any more */
    /* where it is stored, for keyspace notifications of keys that go without a process (active
     * expiry): the namespace whose table holds it (NULL: a database's own table), its key
     * there (mem_alloc'd) and, at the top, the database it was stored in (a hint: SWAPDB) */
    struct ns_obj *parent;
    char *name;
    uint32_t nlen;
    uint32_t db_hint;
    uint32_t due_pos; /* while expiring: its place in that heap */
    int64_t due;      /* while expiring: the earliest expiry in t */
} ns_obj;

/* Records where o is stored now (ks_store_obj calls it for every namespace it stores). */
void ns_set_place(ns_obj *o, ns_obj *parent, uint32_t db, const void *name, size_t n);
/* Marks o deleted (queued to be freed): the namespaces and keys below it have no path now. */
void ns_orphan(ns_obj *o);
/* The path of the keys in o's table (names from the top, into out[KEEL_NS_DEPTH_MAX]) and its
 * database, on shard s: the count, or -1 when o is no longer reachable from a database. */
int ns_obj_path(const ns_obj *o, const struct shard *s, keel_arg *out, uint32_t *db);

/* The type id of namespaces ("hash"), registered by the core before any module. */
/* Frees a namespace object and everything in it (the type's free op). */
void ns_obj_free(void *obj);
keel_type_id ns_type(void);
void ns_register_type(keel_module *core);

/* Where a key of a process lives: the shard, the database, the table holding it, and the
 * namespace object owning that table (NULL for the database's own table on the shard). */
typedef struct ks_space {
    struct shard *s;
    dk_table *t;
    ns_obj *owner;
    uint32_t db;
    /* the process whose path led here (NULL: not resolved for one) and how many of its path's
     * names lead to t: keyspace notifications name a key that goes by that path */
    const struct zvm_proc *proc;
    uint32_t depth;
} ks_space;

/* ---- key placement (ns_place.c) ---- */

/* The placement of a key named by process p (namespace path + pushed components + key):
 * the co-location hash (picks the shard) and the lock identity (the top-level entry). */
typedef struct ns_place {
    uint64_t shard_hash;
    const char *top;
    size_t toplen;
    uint64_t tophash;
    bool declared; /* top is the lock identity of a key the command declared (see below) */
} ns_place;
void ns_place_key(const struct zvm_proc *p, const void *key, size_t klen, ns_place *out);

/* Finds (create: makes) the table key lives in for process p in its database, walking p's
 * namespace path from the database's table on the key's shard.  KEEL_OK with *sp and *key_hash;
 * KEEL_MOVED when another thread owns the shard (p->target_shard set); KEEL_WAIT when another
 * process holds the key or its shard's gate (gate.h); KEEL_NOTFOUND when a namespace on the way (or
 * the database's table on that shard) is missing (create false); KEEL_EWRONGTYPE when a component
 * on the way holds another type; KEEL_EDEPTH for a path past KEEL_NS_DEPTH_MAX names (the calls
 * that make paths refuse those first); KEEL_ENOMEM. */
keel_status ns_resolve(struct zvm_proc *p, const void *key, size_t klen, bool create, ks_space *sp,
                       uint64_t *key_hash);
/* The same in database db (< the configured count): MOVE and COPY name a key in another one.
 * A database never changes where a key lives: the same name is on the same shard in each. */
keel_status ns_resolve_in(struct zvm_proc *p, uint32_t db, const void *key, size_t klen,
                          bool create, ks_space *sp, uint64_t *key_hash);

/* The table of p's own namespace (path + pushed components) in p's database on shard s, which
 * the current thread owns, without creating it: KEEL_OK, KEEL_NOTFOUND or KEEL_EWRONGTYPE. */
keel_status ns_resolve_on(struct zvm_proc *p, struct shard *s, ks_space *sp);
/* The same in database db. */
keel_status ns_resolve_on_db(struct zvm_proc *p, struct shard *s, uint32_t db, ks_space *sp);
/* ns_resolve_on_db for a lookup: nothing is noted (a spread walk notes, with ns_note_write_on,
 * only what it changes). */
keel_status ns_find_on_db(struct zvm_proc *p, struct shard *s, uint32_t db, ks_space *sp);
/* p, which may write, is about to change something in its namespace on s (which the current
 * thread owns) in database db: a point-in-time snapshot writes the namespace first, and a
 * parent's undo log, which cannot keep a whole namespace, ends (undo.h). */
void ns_note_write_on(struct zvm_proc *p, struct shard *s, uint32_t db);
/* The same, making the namespace's tables when missing (SWAPDB inside a namespace). */
keel_status ns_make_on_db(struct zvm_proc *p, struct shard *s, uint32_t db, ks_space *sp);

/* After a nested table changed: puts it in, moves it in or takes it out of its shard's heap of
 * tables with expiring keys (ns_due.h) by what it holds now.  No-op for a database's table. */
void ns_note_expiring(ks_space *sp);

/* Frees about max keys of a detached namespace (freeing their values, big ones lazily too);
 * frees the namespace itself and returns true once it is empty.  *cursor is where the walk of
 * its table stands: 0 before the first step, kept by the caller between steps. */
bool ns_obj_drain(ns_obj *o, size_t max, uint64_t *cursor);

/* Moving a namespace subtree to another shard (RENAME): ns_detach takes it off its shard's
 * lists (on the old shard's thread), ns_attach puts it on the new shard's (on its thread). */
void ns_detach(ns_obj *o);
void ns_attach(ns_obj *o, uint32_t shard_id);

/* After a key of process p was deleted from the namespace table `where`: deletes that namespace
 * if it is left with no key, and so on upward along p's path (a namespace with no key does not
 * exist, as a hash with no field).  On the shard's thread. */
void ns_prune(struct zvm_proc *p, const ks_space *where);

/* How many names lead from the database's table to p's keys (its path, then the names its
 * opcode pushed), and the i-th of them (i < that). */
uint32_t ns_proc_depth(const struct zvm_proc *p);
const keel_arg *ns_proc_name(const struct zvm_proc *p, uint32_t i);

/* True for a component a client may name (not empty, at most 512 bytes). */
bool ns_name_ok(const char *s, size_t n);

#endif
