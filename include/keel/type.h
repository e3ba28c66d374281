/* type.h -- data types: the operations the core needs on values a module stores. */
#ifndef KEEL_TYPE_H
#define KEEL_TYPE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <keel/status.h>
#include <keel/vm.h>

/* A registered type's number.  KEEL_TYPE_BOX is the core's own: a datakit box (a string or a
 * number) stored inline in the keyspace. */
typedef uint16_t keel_type_id;

/* (Added in 1.3) Where a type's save op writes an object's bytes: the core's, opaque; written
 * with keel_sink_write. */
typedef struct keel_sink keel_sink;
#define KEEL_TYPE_NONE ((keel_type_id)0xffffu)
#define KEEL_TYPE_BOX ((keel_type_id)0)

/* (Added in 1.4) Called by a type's members_step op for each member it visits: the member's
 * bytes (a view, valid during the call) and its score (1 for members of types without scores,
 * as Redis scores a set's members in ZUNION).  Returns false to stop the visit after it. */
typedef bool (*keel_member_fn)(void *ctx, const void *member, size_t len, double score);

typedef struct keel_type_def {
    size_t size;      /* sizeof(keel_type_def) */
    const char *name; /* what TYPE answers: "list", "set", ... */
    /* Frees an object.  Called on the thread that owns its shard. */
    void (*free)(void *obj);
    /* Deep copy (COPY, snapshots); NULL = the type cannot be copied. */
    void *(*copy)(const void *obj);
    /* Bytes the object uses, everything counted (for INFO memory and MEMORY USAGE). */
    size_t (*memory_usage)(const void *obj);
    /* A short human description ("list, 3 elements"); returns bytes written (< cap). */
    size_t (*describe)(const void *obj, char *out, size_t cap);
    /* Replies with the whole value (so GET works on any type) in one call; may charge
     * reductions.  See to_reply_step for a reply that yields. */
    void (*to_reply)(keel_proc *p, const void *obj);
    /* Persistence (given real signatures in 1.3; NULL before, and NULL = the type's values
     * cannot be saved: SAVE fails naming the type).  save writes the whole object to sink with
     * keel_sink_write, in one call, on the thread that owns the key (the object does not change
     * meanwhile): KEEL_OK, or a failure status (the snapshot is abandoned).  load rebuilds an
     * object from exactly the bytes one save wrote (data[0..len), valid during the call); it
     * must check everything it reads (a file may be damaged): NULL with *err set to a static
     * message when the bytes are malformed or memory ran out.  Both may run on any thread (a
     * snapshot loads on one thread per shard), never on the same object at once. */
    keel_status (*save)(const void *obj, keel_sink *sink);
    void *(*load)(const void *data, size_t len, const char **err);
    /* Added in 1.1 (optional): replies the whole value a part at a time, so GET of a huge value
     * never holds its thread.  Called first with *cursor == 0 (it then writes the reply's
     * header) and again with what it left in *cursor until it returns true; charges reductions
     * per element and returns false once p's budget is spent.  Between calls the caller yields
     * with the key locked, so the object is unchanged.  NULL: to_reply does it in one call. */
    bool (*to_reply_step)(keel_proc *p, const void *obj, uint64_t *cursor);
    /* Added in 1.4 (optional): the name of the layout obj is in now, for OBJECT ENCODING (a
     * static string, e.g. "flat" or "chunked").  NULL: OBJECT ENCODING answers the type's name. */
    const char *(*encoding)(const void *obj);
    /* Added in 1.4 (optional): visits the object's members in the type's own order, for other
     * modules' commands that accept it as an input (keel_value_members).  From *cursor (0 the
     * first member) calls fn for at most max members, each as bytes (integers in decimal) and
     * a score; leaves in *cursor where to go on and returns true once every member was
     * visited (fn returning false stops early: *cursor is then past that member).  The object
     * is unchanged between calls (the caller holds its key).  NULL: members are not offered. */
    bool (*members_step)(const void *obj, uint64_t *cursor, size_t max, keel_member_fn fn,
                         void *ctx);
} keel_type_def;

/* The size of a 1.0 keel_type_def (modules built against 1.0 pass this much). */
#define KEEL_TYPE_DEF_SIZE_1_0 offsetof(keel_type_def, to_reply_step)

/* A value found in the keyspace.  Views into the keyspace stay valid until the process next
 * changes the keyspace, yields, hops or blocks. */
typedef struct keel_value {
    uint32_t size;             /* sizeof(keel_value) as the caller built it */
    keel_type_id type;         /* KEEL_TYPE_BOX or a registered type */
    dk_val box;                /* KEEL_TYPE_BOX: the value (bytes are a view) */
    void *obj;                 /* registered type: the object, owned by the keyspace */
    int64_t expire_at_ms;      /* absolute unix time in ms, -1 = no expiry */
    bool has_aux32, has_aux64; /* the key's optional words (see keel_key_aux_set) */
    uint32_t aux32;
    uint64_t aux64;
} keel_value;

/* keel_key_aux_set slots: two optional per-key words that cost memory only on keys that have
 * them, cleared whenever the key's value is replaced.  The memcached protocol keeps an item's
 * client flags in the 32-bit word and its CAS unique in the 64-bit word. */
#define KEEL_AUX32 0u
#define KEEL_AUX64 1u

/* Called by keel_key_scan for each live key of a namespace; views valid during the call. */
typedef void (*keel_scan_fn)(void *ctx, const keel_arg *key, const keel_value *v);

/* (Added in 1.6) A key walk (keel_walk_new): opaque, in its process's arena. */
typedef struct keel_walk keel_walk;

/* Called by keel_walk_step for each live key that matches, on the thread that owns the key,
 * with the partial result of the key's shard; views valid during the call.  It keeps what it
 * computes in the partial only (a shard may be walked over with its partial zeroed) and must
 * not touch the keyspace.  Returns false to end the whole walk early (a limit was reached). */
typedef bool (*keel_walk_fn)(void *ctx, void *partial, const keel_arg *key, const keel_value *v);

/* The largest partial result a walk keeps per shard (keel_walk_new). */
#define KEEL_WALK_PARTIAL_MAX 65536u

/* Reductions keel_walk_step charges per entry it visits (matched or not). */
#define KEEL_WALK_VISIT_COST 8

/* (Added in 1.1) Namespaces nest at most this many levels: a key's path (the connection's
 * namespace plus the names a command pushes) holds at most this many names.  Entering or pushing
 * deeper answers KEEL_EDEPTH, so every walk over nested namespaces is bounded; it leaves room
 * below the 32 levels a reply may nest (a whole tree as nested maps, inside MULTI/EXEC). */
#define KEEL_NS_DEPTH_MAX 16

/* Namespace co-location modes (keel_conn_ns_coloc): which element of a key's path picks its
 * shard -- the first (the namespace: a namespace's keys live together), the last (the key
 * itself: keys spread over every shard), or the n-th (clamped to the path). */
#define KEEL_COLOC_FIRST 0u
#define KEEL_COLOC_LAST 1u
#define KEEL_COLOC_NTH 2u

/* keel_key_store flags */
#define KEEL_STORE_KEEPTTL (1u << 0) /* keep the key's current expiry (SET ... KEEPTTL) */
/* The smallest value keel_key_store_bytes takes (added in 1.2): smaller ones copy at once. */
#define KEEL_STORE_BYTES_MIN (64 * 1024)

#endif
