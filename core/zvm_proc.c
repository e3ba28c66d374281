/* zvm_proc.c -- process lifetime: the per-thread pool, the arena, argv and declared keys. */
#include "config.h"
#include "zvm.h"
#include "keyspace.h"
#include "loader.h"
#include "ns.h"
#include "opts.h"
#include "mem.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"

#include <malloc.h>
#include <stddef.h>
#include <string.h>

#define ARENA_FIRST 1024 /* argv, keys and reply of a typical command fit */
#define ARENA_MIN_EXTRA 16384
#define POOL_MAX 2048 /* recycled processes kept per thread: deep pipelines reuse them */
#define POOL_KEEP 64  /* kept through a trim even when idle */
#define TRIM_RELEASE_BYTES (256 * 1024) /* a trim that frees this much returns it to the OS */

struct arena_chunk {
    arena_chunk *next;
    size_t cap;
    char data[];
};

static arena_chunk *arena_chunk_new(size_t cap) {
    arena_chunk *c = mem_alloc(sizeof *c + cap);
    c->next = NULL;
    c->cap = cap;
    return c;
}

/* Rewinds the arena to its first chunk, freeing the others. */
static void arena_rewind(zvm_proc *p) {
    arena_chunk *c = p->arena;
    while (c && c->next) {
        arena_chunk *next = c->next;
        mem_free(c);
        c = next;
    }
    p->arena = c;
    p->arena_ptr = c->data;
    p->arena_left = c->cap;
}

void *zvm_alloc_grow(zvm_proc *p, size_t n, bool may_fail) {
    size_t cap = n > ARENA_MIN_EXTRA ? n : ARENA_MIN_EXTRA;
    arena_chunk *c = mem_try_alloc(sizeof *c + cap);
    if (c) {
        c->cap = cap;
        /* keep the first chunk last so arena_rewind finds it */
        c->next = p->arena;
        p->arena = c;
        p->arena_ptr = c->data + n;
        p->arena_left = cap - n;
        p->arena_bytes += cap;
        return c->data;
    }
    if (may_fail) return NULL;
    c = arena_chunk_new(n); /* the reserve, or abort */
    c->next = p->arena;
    p->arena = c;
    p->arena_bytes += c->cap;
    p->arena_ptr = c->data;
    p->arena_left = 0; /* the chunk is exactly this allocation */
    return c->data;
}

typedef struct zvm_cleanup {
    struct zvm_cleanup *next;
    void (*fn)(void *ptr);
    void *ptr;
} zvm_cleanup;

keel_status keel_proc_defer_free(keel_proc *kp, void (*fn)(void *ptr), void *ptr) {
    zvm_proc *p = zvm_of(kp);
    if (!fn) return KEEL_EINVAL;
    zvm_cleanup *c = zvm_alloc(p, sizeof *c);
    c->fn = fn;
    c->ptr = ptr;
    c->next = p->cleanups;
    p->cleanups = c;
    return KEEL_OK;
}

const char *keel_proc_option(keel_proc *kp, const char *name) {
    return opt_get(zvm_of(kp)->opts, name);
}

static void zvm_proc_clear(zvm_proc *p) {
    for (zvm_cleanup *c = p->cleanups; c; c = c->next)
        c->fn(c->ptr); /* newest first */
    ns_path_unref(p->ns);
    opt_unref(p->opts);
    arena_chunk *a = p->arena;
    memset(p, 0, offsetof(zvm_proc, frames));
    p->arena = a;
    arena_rewind(p);
    p->pub.size = sizeof p->pub;
    p->pub.reg = p->reg;
    p->depth = -1;
}

zvm_proc *zvm_proc_new(thr *t) {
    zvm_proc *p = t->pool;
    if (p) {
        t->pool = p->next;
        if (--t->npool < t->pool_low) t->pool_low = t->npool;
    } else {
        p = mem_calloc(1, sizeof *p);
        p->arena = arena_chunk_new(ARENA_FIRST);
        zvm_proc_clear(p);
    }
    p->home = p->cur = t;
    atomic_fetch_add_explicit(&t->live, 1, memory_order_relaxed); /* only t writes it */
    p->serial = thr_next_serial(t);
    p->state = ZVM_NEW;
    p->pub.budget = ZVM_SLICE;
    return p;
}

void zvm_proc_set_cmd(zvm_proc *p, const cmd_entry *ce) {
    if (p->counted_in) loader_module_proc_gone(p->counted_in, p->home->id);
    p->cmd = ce;
    p->counted_in = ce ? ce->module : NULL;
    if (p->counted_in) loader_module_proc_new(p->counted_in, p->home->id);
}

void zvm_proc_recycle(zvm_proc *p) {
    thr *t = p->home;
    if (p->counted_in) loader_module_proc_gone(p->counted_in, t->id);
    atomic_fetch_sub_explicit(&t->live, 1, memory_order_relaxed);
    zvm_proc_clear(p);
    if (t->npool >= POOL_MAX) {
        zvm_proc_destroy(p);
        return;
    }
    p->next = t->pool;
    t->pool = p;
    t->npool++;
}

void zvm_pool_trim(thr *t) {
    int spare = t->pool_low - POOL_KEEP; /* stayed unused for the whole period */
    size_t freed = 0;                    /* counted here: other threads move mem_used() too */
    for (; spare > 0 && t->pool; spare--) {
        zvm_proc *p = t->pool;
        t->pool = p->next;
        t->npool--;
        freed += sizeof *p + p->arena->cap; /* a pooled process keeps only its first chunk */
        zvm_proc_destroy(p);
    }
    t->pool_low = t->npool;
    if (freed >= TRIM_RELEASE_BYTES) malloc_trim(0);
}

void zvm_proc_destroy(zvm_proc *p) {
    arena_rewind(p);
    mem_free(p->arena);
    mem_free(p);
}

/* True when argument a is left where it is (see zvm_set_argv_moved). */
static bool arg_moves(const keel_arg *a, const char *lo, const char *hi) {
    return a->len >= ZVM_ARG_MOVE_MIN && a->ptr >= lo && a->ptr + a->len < hi;
}

bool zvm_set_argv_moved(zvm_proc *p, uint32_t argc, const keel_arg *argv, const char *lo,
                        const char *hi) {
    size_t copied = 0; /* the arguments copied take one block after the array */
    for (uint32_t i = 0; i < argc; i++)
        if (!arg_moves(&argv[i], lo, hi)) copied += argv[i].len + 1;
    keel_arg *v = zvm_alloc_try(p, sizeof *v * (argc ? argc : 1) + copied);
    if (!v) goto oom;
    char *s = (char *)(v + (argc ? argc : 1));
    for (uint32_t i = 0; i < argc; i++) {
        const keel_arg *a = &argv[i];
        if (arg_moves(a, lo, hi)) {
            ((char *)a->ptr)[a->len] = '\0'; /* the byte after it is in [lo, hi) too */
            v[i] = *a;
            continue;
        }
        memcpy(s, a->ptr, a->len);
        s[a->len] = '\0';
        v[i].ptr = s;
        v[i].len = a->len;
        s += a->len + 1;
    }
    p->pub.argc = argc;
    p->pub.argv = v;
    return true;
oom:
    p->pub.argc = 0;
    p->pub.argv = NULL;
    return false;
}

void zvm_set_argv(zvm_proc *p, uint32_t argc, const keel_arg *argv) {
    if (zvm_set_argv_moved(p, argc, argv, NULL, NULL)) return;
    keel_arg *v = zvm_alloc(p, sizeof *v * (argc ? argc : 1)); /* internal callers: small */
    for (uint32_t i = 0; i < argc; i++) {
        char *s = zvm_alloc(p, argv[i].len + 1);
        memcpy(s, argv[i].ptr, argv[i].len);
        s[argv[i].len] = '\0';
        v[i].ptr = s;
        v[i].len = argv[i].len;
    }
    p->pub.argc = argc;
    p->pub.argv = v;
}

/* The call's key positions; a keys callback's hints (negative positions: keys a script may touch
 * without declaring them) are kept, as positive positions, or left out. */
static int key_positions(const keel_cmd_def *d, uint32_t argc, const keel_arg *argv, int *pos,
                         bool hints) {
    int n = 0;
    if (d->keys) {
        n = d->keys((int)argc, argv, pos, (int)argc);
        if (n > (int)argc) return -1;
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (pos[i] < 0 && (!hints || -pos[i] >= (int)argc)) continue;
            if (pos[i] >= (int)argc) return -1;
            pos[kept++] = pos[i] < 0 ? -pos[i] : pos[i];
        }
        n = kept;
    } else if (d->first_key > 0) {
        int last = d->last_key < 0 ? (int)argc + d->last_key : d->last_key;
        int step = d->key_step > 0 ? d->key_step : 1;
        for (int i = d->first_key; i <= last && i < (int)argc; i += step)
            pos[n++] = i;
    }
    return n;
}

int zvm_key_positions(const keel_cmd_def *d, uint32_t argc, const keel_arg *argv, int *pos) {
    return key_positions(d, argc, argv, pos, true);
}

int zvm_declared_key_positions(const keel_cmd_def *d, uint32_t argc, const keel_arg *argv,
                               int *pos) {
    return key_positions(d, argc, argv, pos, false);
}

void zvm_key_place(zvm_proc *p, const keel_arg *a, uint32_t argi, zvm_key *k) {
    ns_place pl;
    ns_place_key(p, a->ptr, a->len, &pl);
    k->ptr = a->ptr;
    k->len = a->len;
    k->lptr = pl.top;
    k->llen = pl.toplen;
    k->hash = pl.tophash;
    k->shard = shard_of_hash(pl.shard_hash, srv->nshards);
    k->argi = argi;
}

/* A few keys: a stable insertion sort by shard (a counting sort would walk every shard).  Past
 * four, moving 48-byte keys costs more than the walk (an MGET of 16 keys: about 1,200
 * instructions sorting them one by one). */
#define KEYS_SORT_SMALL 4

/* Sorts raw's n keys by shard into keys, stably (keys of a shard stay in argument order). */
static void keys_sort_by_shard(zvm_proc *p, const zvm_key *raw, uint32_t n, zvm_key *keys) {
    if (n <= KEYS_SORT_SMALL) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t j = i;
            for (; j > 0 && keys[j - 1].shard > raw[i].shard; j--)
                keys[j] = keys[j - 1];
            keys[j] = raw[i];
        }
        return;
    }
    uint32_t nshards = srv->nshards;
    uint32_t *per_shard = zvm_alloc(p, sizeof *per_shard * nshards);
    memset(per_shard, 0, sizeof *per_shard * nshards);
    for (uint32_t i = 0; i < n; i++)
        per_shard[raw[i].shard]++;
    for (uint32_t s = 0, at = 0; s < nshards; s++) { /* counting sort */
        uint32_t c = per_shard[s];
        per_shard[s] = at;
        at += c;
    }
    for (uint32_t i = 0; i < n; i++)
        keys[per_shard[raw[i].shard]++] = raw[i];
}

void zvm_set_key_list(zvm_proc *p, const zvm_key *raw, uint32_t n) {
    zvm_key *keys = zvm_alloc(p, sizeof *keys * (n ? n : 1));
    keys_sort_by_shard(p, raw, n, keys);
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < n; i++)
        distinct += i == 0 || keys[i].shard != keys[i - 1].shard;
    p->keys = keys;
    p->nkeys = n;
    p->nth_hint = 0;
    p->lshards = zvm_alloc(p, sizeof *p->lshards * (distinct ? distinct : 1));
    p->nlshards = 0;
    for (uint32_t i = 0; i < n; i++)
        if (i == 0 || keys[i].shard != keys[i - 1].shard) p->lshards[p->nlshards++] = keys[i].shard;
}

void zvm_set_every_shard(zvm_proc *p) {
    p->lshards = zvm_alloc(p, sizeof *p->lshards * srv->nshards);
    for (uint32_t s = 0; s < srv->nshards; s++)
        p->lshards[s] = s;
    p->nlshards = srv->nshards;
}

bool zvm_set_keys(zvm_proc *p) {
    int *pos = zvm_alloc(p, sizeof *pos * (p->pub.argc ? p->pub.argc : 1));
    int n = zvm_key_positions(p->cmd->def, p->pub.argc, p->pub.argv, pos);
    if (n < 0) {
        zvm_reply_errorf(p, "ERR syntax error");
        return false;
    }
    if (n == 0) return true;
    if (n == 1) { /* most commands: no sorting, no per-shard counts */
        zvm_key *k = zvm_alloc(p, sizeof *k);
        zvm_key_place(p, &p->pub.argv[pos[0]], (uint32_t)pos[0], k);
        p->keys = k;
        p->nkeys = 1;
        p->lshards = &k->shard;
        p->nlshards = 1;
        return true;
    }
    zvm_key *raw = zvm_alloc(p, sizeof *raw * (size_t)n);
    for (int i = 0; i < n; i++)
        zvm_key_place(p, &p->pub.argv[pos[i]], (uint32_t)pos[i], &raw[i]);
    zvm_set_key_list(p, raw, (uint32_t)n);
    return true;
}
