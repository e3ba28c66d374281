/* view.c -- the server-wide view of subscriptions (see view.h): striped channel tables under
 * mutexes, the pattern array under a reader-writer lock. */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "view.h"

#include <datakit/glob.h>
#include <datakit/table.h>
#include <pthread.h>
#include <stdatomic.h>

#define STRIPES 16

/* Subscribers of one channel, per thread. */
typedef struct chan_entry {
    uint32_t total;
    uint32_t per_thread[];
} chan_entry;

typedef struct stripe {
    pthread_mutex_t lock;
    dk_table *t;  /* identity -> chan_entry */
    uint64_t gen; /* subscriptions ever added here */
} stripe;

/* Subscribers of one pattern, per thread. */
typedef struct pat_entry {
    char *id;
    size_t len, name_off;
    uint32_t total;
    uint32_t per_thread[];
} pat_entry;

static struct {
    uint32_t nthreads;
    stripe stripes[STRIPES];
    pthread_rwlock_t pat_lock;
    pat_entry **pats; /* in the order they were first subscribed */
    uint32_t npats, cappats;
    uint64_t pat_gen;
    _Atomic uint64_t channels, shard_channels; /* names with subscribers (INFO) */
    bool ready;
} v;

static stripe *stripe_of(const char *id, size_t len, uint64_t *hash) {
    *hash = dk_table_default_hash(id, len);
    return &v.stripes[*hash >> 60];
}

bool view_init(uint32_t nthreads) {
    v.nthreads = nthreads;
    for (int i = 0; i < STRIPES; i++) {
        pthread_mutex_init(&v.stripes[i].lock, NULL);
        if (!(v.stripes[i].t = dk_table_new())) return false;
    }
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
#ifdef __GLIBC__
    /* a steady flow of publishes must not starve a PSUBSCRIBE */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    pthread_rwlock_init(&v.pat_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    v.ready = true;
    return true;
}

static void free_obj(void *ctx, uint16_t type, void *obj) {
    (void)ctx;
    (void)type;
    keel_free(obj);
}

void view_free(void) {
    for (int i = 0; i < STRIPES; i++) {
        if (v.stripes[i].t) dk_table_free(v.stripes[i].t, free_obj, NULL);
        v.stripes[i].t = NULL;
        if (v.ready) pthread_mutex_destroy(&v.stripes[i].lock);
    }
    for (uint32_t i = 0; i < v.npats; i++) {
        keel_free(v.pats[i]->id);
        keel_free(v.pats[i]);
    }
    keel_free(v.pats);
    if (v.ready) pthread_rwlock_destroy(&v.pat_lock);
    memset(&v, 0, sizeof v);
}

/* ---- patterns (under pat_lock) ---- */

static uint32_t pat_find(const char *id, size_t len) {
    for (uint32_t i = 0; i < v.npats; i++)
        if (v.pats[i]->len == len && !memcmp(v.pats[i]->id, id, len)) return i;
    return UINT32_MAX;
}

/* Room for one more pattern; false when out of memory. */
static bool pat_room(void) {
    if (v.npats < v.cappats) return true;
    uint32_t cap = v.cappats ? v.cappats * 2 : 8;
    pat_entry **grown = keel_realloc(v.pats, sizeof *v.pats * cap);
    if (!grown) return false;
    v.pats = grown;
    v.cappats = cap;
    return true;
}

static uint64_t pat_add(const char *id, size_t len, size_t name_off, uint32_t t) {
    pthread_rwlock_wrlock(&v.pat_lock);
    uint32_t i = pat_find(id, len);
    if (i == UINT32_MAX) {
        pat_entry *e =
            pat_room() ? keel_calloc(1, sizeof *e + sizeof e->per_thread[0] * v.nthreads) : NULL;
        char *copy = e ? keel_alloc(len) : NULL;
        if (!copy) {
            keel_free(e);
            pthread_rwlock_unlock(&v.pat_lock);
            return 0;
        }
        memcpy(copy, id, len);
        e->id = copy;
        e->len = len;
        e->name_off = name_off;
        i = v.npats++;
        v.pats[i] = e;
    }
    v.pats[i]->total++;
    v.pats[i]->per_thread[t]++;
    uint64_t gen = ++v.pat_gen;
    pthread_rwlock_unlock(&v.pat_lock);
    return gen;
}

static void pat_remove(const char *id, size_t len, uint32_t t) {
    pthread_rwlock_wrlock(&v.pat_lock);
    uint32_t i = pat_find(id, len);
    if (i != UINT32_MAX && v.pats[i]->per_thread[t] > 0) {
        pat_entry *e = v.pats[i];
        e->per_thread[t]--;
        if (--e->total == 0) { /* keep the order of the others: PSUBSCRIBE order is reply order */
            memmove(&v.pats[i], &v.pats[i + 1], sizeof *v.pats * (v.npats - i - 1));
            v.npats--;
            keel_free(e->id);
            keel_free(e);
        }
    }
    pthread_rwlock_unlock(&v.pat_lock);
}

/* ---- channels (under their stripe's lock) ---- */

uint64_t view_add(const char *id, size_t len, size_t name_off, uint32_t t) {
    if (ps_id_kind(id) == PS_PATTERN) return pat_add(id, len, name_off, t);
    uint64_t hash;
    stripe *s = stripe_of(id, len, &hash);
    pthread_mutex_lock(&s->lock);
    dk_ref r = dk_table_find(s->t, id, len, hash);
    chan_entry *e;
    if (r) {
        dk_entry de;
        dk_table_view(s->t, r, &de);
        e = de.obj;
    } else {
        e = keel_calloc(1, sizeof *e + sizeof e->per_thread[0] * v.nthreads);
        if (!e || !dk_table_put_obj(s->t, id, len, hash, 0, e, false, NULL, NULL)) {
            keel_free(e);
            pthread_mutex_unlock(&s->lock);
            return 0;
        }
        atomic_fetch_add(ps_id_kind(id) == PS_SHARD ? &v.shard_channels : &v.channels, 1);
    }
    e->total++;
    e->per_thread[t]++;
    uint64_t gen = ++s->gen;
    pthread_mutex_unlock(&s->lock);
    return gen;
}

void view_remove(const char *id, size_t len, size_t name_off, uint32_t t) {
    (void)name_off;
    if (ps_id_kind(id) == PS_PATTERN) {
        pat_remove(id, len, t);
        return;
    }
    uint64_t hash;
    stripe *s = stripe_of(id, len, &hash);
    pthread_mutex_lock(&s->lock);
    dk_ref r = dk_table_find(s->t, id, len, hash);
    if (r) {
        dk_entry de;
        dk_table_view(s->t, r, &de);
        chan_entry *e = de.obj;
        if (e->per_thread[t] > 0) {
            e->per_thread[t]--;
            if (--e->total == 0) {
                dk_table_delete(s->t, r, NULL, NULL);
                keel_free(e);
                atomic_fetch_sub(ps_id_kind(id) == PS_SHARD ? &v.shard_channels : &v.channels, 1);
            }
        }
    }
    pthread_mutex_unlock(&s->lock);
}

/* ---- reading ---- */

static void add_threads(view_route *r, const uint32_t *per_thread) {
    for (uint32_t t = 0; t < v.nthreads; t++)
        if (per_thread[t]) r->dest[t] = 1;
}

void view_route_publish(const char *id, size_t len, size_t name_off, view_route *r) {
    uint64_t hash;
    stripe *s = stripe_of(id, len, &hash);
    pthread_mutex_lock(&s->lock);
    dk_ref ref = dk_table_find(s->t, id, len, hash);
    if (ref) {
        dk_entry de;
        dk_table_view(s->t, ref, &de);
        const chan_entry *e = de.obj;
        r->receivers += e->total;
        add_threads(r, e->per_thread);
    }
    r->chan_gen = s->gen;
    pthread_mutex_unlock(&s->lock);
    if (ps_id_kind(id) != PS_CHANNEL) return; /* shard channels have no patterns */
    pthread_rwlock_rdlock(&v.pat_lock);
    r->pat_gen = v.pat_gen;
    for (uint32_t i = 0; i < v.npats; i++) {
        const pat_entry *e = v.pats[i];
        if (!ps_same_path(e->id, e->name_off, id, name_off)) continue;
        if (!dk_glob_match(e->id + e->name_off, e->len - e->name_off, id + name_off, len - name_off,
                           false))
            continue;
        r->receivers += e->total;
        add_threads(r, e->per_thread);
    }
    pthread_rwlock_unlock(&v.pat_lock);
}

int64_t view_numsub(const char *id, size_t len) {
    uint64_t hash;
    stripe *s = stripe_of(id, len, &hash);
    pthread_mutex_lock(&s->lock);
    dk_ref r = dk_table_find(s->t, id, len, hash);
    int64_t n = 0;
    if (r) {
        dk_entry de;
        dk_table_view(s->t, r, &de);
        n = ((const chan_entry *)de.obj)->total;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

uint64_t view_distinct(ps_kind kind) {
    if (kind == PS_CHANNEL) return atomic_load(&v.channels);
    if (kind == PS_SHARD) return atomic_load(&v.shard_channels);
    pthread_rwlock_rdlock(&v.pat_lock);
    uint64_t n = v.npats;
    pthread_rwlock_unlock(&v.pat_lock);
    return n;
}

int64_t view_numpat(const char *in, size_t in_off) {
    int64_t n = 0;
    pthread_rwlock_rdlock(&v.pat_lock);
    for (uint32_t i = 0; i < v.npats; i++)
        n += ps_same_path(v.pats[i]->id, v.pats[i]->name_off, in, in_off);
    pthread_rwlock_unlock(&v.pat_lock);
    return n;
}

typedef struct channels_walk {
    ps_kind kind;
    const char *in;
    size_t in_off;
    const keel_arg *pattern;
    void (*fn)(void *ctx, const char *name, size_t n);
    void *ctx;
} channels_walk;

static void channels_visit(void *ctx, dk_table *t, dk_ref r) {
    channels_walk *w = ctx;
    dk_entry de;
    dk_table_view(t, r, &de);
    const char *id = de.key;
    if (ps_id_kind(id) != w->kind) return;
    /* same namespace: the path bytes are equal, so the name starts at the same offset */
    if (de.klen < w->in_off || !ps_same_path(id, w->in_off, w->in, w->in_off)) return;
    const char *name = id + w->in_off;
    size_t n = de.klen - w->in_off;
    if (w->pattern && !dk_glob_match(w->pattern->ptr, w->pattern->len, name, n, false)) return;
    w->fn(w->ctx, name, n);
}

void view_channels(ps_kind kind, const char *in, size_t in_off, const keel_arg *pattern,
                   void (*fn)(void *ctx, const char *name, size_t n), void *ctx) {
    channels_walk w = {kind, in, in_off, pattern, fn, ctx};
    for (int i = 0; i < STRIPES; i++) {
        stripe *s = &v.stripes[i];
        pthread_mutex_lock(&s->lock);
        uint64_t cursor = 0;
        do {
            cursor = dk_table_scan(s->t, cursor, channels_visit, &w);
        } while (cursor);
        pthread_mutex_unlock(&s->lock);
    }
}
