/* api_walk.c -- the key walks of the SDK (keel_walk_*): an aggregator's visit of every key of
 * the client's namespace that matches a pattern, shard by shard on each shard's own thread,
 * with one partial result per shard, ending back on the connection's thread for the merge.
 *
 * A shard is scanned in slices with the table's reverse-binary cursor, yielding in between.  A
 * table that resizes between two slices may show a key twice (never skip one).  So when the
 * walk comes back to a shard and finds its table resized (or replaced), it starts that shard
 * over once, its partial zeroed, remembering from then on every key it hands out there and
 * dropping the repeats: a walk pays for the memory only on shards that resized under it. */
#include "config.h"
#include "keyspace.h"
#include "ns.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

#include <datakit/glob.h>

#include <string.h>

/* A key handed out on the current shard (its bytes copied into the arena). */
typedef struct seen_key {
    const char *key; /* NULL = empty slot */
    size_t klen;
    uint64_t hash;
} seen_key;

struct keel_walk {
    const char *pattern; /* NULL = every key */
    size_t plen;
    bool prefix;  /* the pattern is literal text then one '*': a prefix compare will do */
    size_t psize; /* bytes of one partial, rounded up to 16 */
    unsigned char *partials;
    uint32_t nshards;
    uint32_t shard;        /* the shard being walked; nshards once all are */
    uint64_t cursor;       /* the table cursor on `shard` */
    bool in_shard;         /* the scan of `shard` has begun */
    bool record;           /* `shard` started over: remember its keys (seen) */
    const dk_table *table; /* the table `shard`'s scan is in, and its shape, at the last yield */
    uint64_t shape;
    bool stopped;   /* fn asked to end the walk */
    seen_key *seen; /* open addressing, seen_cap a power of two */
    size_t seen_cap, seen_n;
};

keel_walk *keel_walk_new(keel_proc *kp, const void *pattern, size_t plen, size_t partial_size) {
    if (partial_size > KEEL_WALK_PARTIAL_MAX) return NULL;
    zvm_proc *p = zvm_of(kp);
    keel_walk *w = zvm_alloc(p, sizeof *w);
    memset(w, 0, sizeof *w);
    if (pattern && !(plen == 1 && *(const char *)pattern == '*')) {
        char *copy = zvm_alloc(p, plen + 1);
        memcpy(copy, pattern, plen);
        copy[plen] = '\0';
        w->pattern = copy;
        w->plen = plen;
        w->prefix = plen > 0 && copy[plen - 1] == '*' && !memchr(copy, '?', plen) &&
                    !memchr(copy, '[', plen) && !memchr(copy, '\\', plen) &&
                    memchr(copy, '*', plen) == copy + plen - 1;
    }
    w->nshards = srv->nshards;
    w->psize = (partial_size + 15) & ~(size_t)15;
    if (w->psize) {
        w->partials = zvm_alloc(p, w->psize * w->nshards);
        memset(w->partials, 0, w->psize * w->nshards);
    }
    return w;
}

uint32_t keel_walk_partials(const keel_walk *w) {
    return w->nshards;
}

void *keel_walk_partial(keel_walk *w, uint32_t i) {
    return i < w->nshards && w->psize ? w->partials + (size_t)i * w->psize : NULL;
}

static void seen_put(seen_key *v, size_t cap, const char *key, size_t klen, uint64_t h) {
    size_t i = h & (cap - 1);
    while (v[i].key)
        i = (i + 1) & (cap - 1);
    v[i] = (seen_key){key, klen, h};
}

/* True when key was handed out on this shard before; else records it. */
static bool seen_check_add(zvm_proc *p, keel_walk *w, const char *key, size_t klen) {
    uint64_t h = ks_hash(key, klen);
    if (w->seen_cap) {
        for (size_t i = h & (w->seen_cap - 1); w->seen[i].key; i = (i + 1) & (w->seen_cap - 1)) {
            const seen_key *s = &w->seen[i];
            if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0) return true;
        }
    }
    if ((w->seen_n + 1) * 2 > w->seen_cap) {
        size_t cap = w->seen_cap ? w->seen_cap * 2 : 256;
        seen_key *v = zvm_alloc(p, sizeof *v * cap);
        memset(v, 0, sizeof *v * cap);
        for (size_t i = 0; i < w->seen_cap; i++)
            if (w->seen[i].key) seen_put(v, cap, w->seen[i].key, w->seen[i].klen, w->seen[i].hash);
        w->seen = v;
        w->seen_cap = cap;
    }
    char *copy = zvm_alloc(p, klen ? klen : 1);
    memcpy(copy, key, klen);
    seen_put(w->seen, w->seen_cap, copy, klen, h);
    w->seen_n++;
    return false;
}

static void seen_reset(keel_walk *w) {
    if (w->seen_cap) memset(w->seen, 0, sizeof *w->seen * w->seen_cap);
    w->seen_n = 0;
}

typedef struct walk_visit {
    zvm_proc *p;
    keel_walk *w;
    keel_walk_fn fn;
    void *ctx;
    void *partial;
    int64_t now_ms;
    size_t visited;
} walk_visit;

static void walk_one(void *arg, dk_table *t, dk_ref r) {
    walk_visit *cx = arg;
    cx->visited++;
    if (cx->w->stopped) return;
    dk_entry e;
    dk_table_view(t, r, &e);
    if (e.expire_ms != DK_NO_EXPIRY && e.expire_ms <= cx->now_ms) return;
    if (ks_empty_namespace(&e)) return;
    if (cx->w->prefix) {
        if (e.klen < cx->w->plen - 1 || memcmp(e.key, cx->w->pattern, cx->w->plen - 1) != 0) return;
    } else if (cx->w->pattern &&
               !dk_glob_match(cx->w->pattern, cx->w->plen, e.key, e.klen, false)) {
        return;
    }
    if (cx->w->record && seen_check_add(cx->p, cx->w, e.key, e.klen)) return;
    keel_arg k = {e.key, e.klen};
    keel_value v;
    ks_value_from_entry(&e, &v);
    if (!cx->fn(cx->ctx, cx->partial, &k, &v)) cx->w->stopped = true;
}

keel_op_result keel_walk_step(keel_proc *kp, keel_walk *w, keel_walk_fn fn, void *ctx) {
    zvm_proc *p = zvm_of(kp);
    while (w->shard < w->nshards && !w->stopped) {
        shard *s = shard_get(w->shard);
        if (s->owner != p->cur) {
            p->target_shard = w->shard;
            return KEEL_HOP;
        }
        ks_space sp;
        dk_table *t = ns_resolve_on(p, s, &sp) == KEEL_OK ? sp.t : NULL;
        if (!w->in_shard) {
            w->in_shard = true;
            w->record = false;
            w->cursor = 0;
        } else if (!w->record && (t != w->table || (t && dk_table_scan_shape(t) != w->shape))) {
            /* resized (or replaced) since the last slice: start the shard over, remembering */
            w->record = true;
            w->cursor = 0;
            seen_reset(w);
            if (w->psize) memset(keel_walk_partial(w, w->shard), 0, w->psize);
        }
        walk_visit cx = {p, w, fn, ctx, keel_walk_partial(w, w->shard), p->cur->now_ms, 0};
        while (t) {
            w->cursor = dk_table_scan(t, w->cursor, walk_one, &cx);
            keel_charge(kp, (int64_t)cx.visited * KEEL_WALK_VISIT_COST + 1);
            cx.visited = 0;
            if (w->cursor == 0 || w->stopped) break;
            if (kp->budget <= 0) {
                w->table = t;
                w->shape = dk_table_scan_shape(t);
                return KEEL_YIELD;
            }
        }
        w->shard++;
        w->in_shard = false;
    }
    w->shard = w->nshards;
    /* the merge runs on the connection's thread (when that thread owns a shard to hop to) */
    if (p->cur != p->home && p->home && p->home->nshards > 0) {
        p->target_shard = p->home->shards[0]->id;
        return KEEL_HOP;
    }
    return KEEL_NEXT;
}
