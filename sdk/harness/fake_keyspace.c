/* fake_keyspace.c -- the fake keel_api's keyspace: one list of keys, expiry on the fake clock. */
#include <stdlib.h>
#include <string.h>
#include <datakit/glob.h>
#include "fake_api.h"
#include "fake_internal.h"

typedef struct fake_key {
    struct fake_key *next;
    char *key;
    size_t klen;
    keel_type_id type;
    dk_val box;           /* KEEL_TYPE_BOX; DK_BYTES point to `bytes` */
    char *bytes;          /* owned copy of a DK_BYTES box */
    void *obj;            /* a registered type's object, owned */
    int64_t expire_at_ms; /* -1 = none */
    bool has_aux32, has_aux64;
    uint32_t aux32;
    uint64_t aux64;
} fake_key;

static fake_key *keys;

/* Namespaces, faked: keel_proc_ns_push adds a component; keys are stored under the pushed
 * components, each encoded as a 4-byte length then its bytes, followed by the key.  (There is no
 * namespace value: a namespace exists while keys live under it.) */
#define FAKE_NS_MAX 8
static char fake_prefix[4096];
static size_t fake_prefix_len;
static size_t fake_prefix_marks[FAKE_NS_MAX];
static int fake_depth;
static char composed[8192];

static size_t put_component(char *w, const void *s, size_t n) {
    uint32_t len = (uint32_t)n;
    memcpy(w, &len, 4);
    memcpy(w + 4, s, n);
    return n + 4;
}

/* The stored form of key under the pushed namespaces. */
static const char *compose(const void *key, size_t klen, size_t *out_len) {
    if (fake_depth == 0) {
        *out_len = klen;
        return key;
    }
    if (fake_prefix_len + klen > sizeof composed) abort();
    memcpy(composed, fake_prefix, fake_prefix_len);
    memcpy(composed + fake_prefix_len, key, klen);
    *out_len = fake_prefix_len + klen;
    return composed;
}

static void drop_value(fake_key *k) {
    if (k->obj) {
        const keel_type_def *t = fake_type(k->type);
        if (t && t->free) t->free(k->obj);
    }
    free(k->bytes);
    k->obj = NULL;
    k->bytes = NULL;
    k->has_aux32 = k->has_aux64 = false; /* the optional words go with the value */
}

static void unlink_key(fake_key **link) {
    fake_key *k = *link;
    *link = k->next;
    drop_value(k);
    free(k->key);
    free(k);
}

/* The link pointing at key (expired keys are deleted on the way); NULL if absent. */
static fake_key **find(const void *key, size_t klen) {
    for (fake_key **link = &keys; *link;) {
        fake_key *k = *link;
        if (k->expire_at_ms >= 0 && k->expire_at_ms <= fake_now()) {
            unlink_key(link);
            continue;
        }
        if (k->klen == klen && !memcmp(k->key, key, klen)) return link;
        link = &k->next;
    }
    return NULL;
}

static fake_key *find_or_add(const void *key, size_t klen) {
    fake_key **link = find(key, klen);
    if (link) return *link;
    fake_key *k = calloc(1, sizeof *k);
    if (!k || !(k->key = malloc(klen ? klen : 1))) abort();
    memcpy(k->key, key, klen);
    k->klen = klen;
    k->expire_at_ms = -1;
    k->next = keys;
    keys = k;
    return k;
}

static keel_status f_key_lookup(keel_proc *p, const void *key, size_t klen, keel_value *out) {
    (void)p;
    key = compose(key, klen, &klen);
    fake_key **link = find(key, klen);
    if (!link) return KEEL_NOTFOUND;
    fake_key *k = *link;
    out->type = k->type;
    out->box = k->box;
    out->obj = k->obj;
    out->expire_at_ms = k->expire_at_ms;
    out->has_aux32 = k->has_aux32;
    out->has_aux64 = k->has_aux64;
    out->aux32 = k->aux32;
    out->aux64 = k->aux64;
    return KEEL_OK;
}

static keel_status f_key_store(keel_proc *p, const void *key, size_t klen, const dk_val *v,
                               unsigned flags) {
    (void)p;
    key = compose(key, klen, &klen);
    fake_key *k = find_or_add(key, klen);
    char *copy = NULL;
    if (v->type == DK_BYTES) {
        copy = malloc(v->len ? v->len : 1);
        if (!copy) return KEEL_ENOMEM;
        if (v->len) memcpy(copy, v->v.ptr, v->len);
    }
    drop_value(k);
    k->type = KEEL_TYPE_BOX;
    k->box = *v;
    if (copy) k->box.v.ptr = k->bytes = copy;
    if (!(flags & KEEL_STORE_KEEPTTL)) k->expire_at_ms = -1;
    return KEEL_OK;
}

static keel_status f_key_store_object(keel_proc *p, const void *key, size_t klen, keel_type_id type,
                                      void *obj, unsigned flags) {
    (void)p;
    if (!fake_type(type)) return KEEL_EINVAL;
    key = compose(key, klen, &klen);
    fake_key *k = find_or_add(key, klen);
    drop_value(k);
    k->type = type;
    k->box = dk_null();
    k->obj = obj;
    if (!(flags & KEEL_STORE_KEEPTTL)) k->expire_at_ms = -1;
    return KEEL_OK;
}

static keel_status f_key_delete(keel_proc *p, const void *key, size_t klen) {
    (void)p;
    key = compose(key, klen, &klen);
    fake_key **link = find(key, klen);
    if (!link) return KEEL_NOTFOUND;
    unlink_key(link);
    return KEEL_OK;
}

static keel_status f_key_expire(keel_proc *p, const void *key, size_t klen, int64_t at_ms) {
    (void)p;
    key = compose(key, klen, &klen);
    fake_key **link = find(key, klen);
    if (!link) return KEEL_NOTFOUND;
    if (at_ms >= 0 && at_ms <= fake_now())
        unlink_key(link);
    else
        (*link)->expire_at_ms = at_ms < 0 ? -1 : at_ms;
    return KEEL_OK;
}

static keel_status f_key_aux_set(keel_proc *p, const void *key, size_t klen, unsigned slot,
                                 bool present, uint64_t value) {
    (void)p;
    key = compose(key, klen, &klen);
    fake_key **link = find(key, klen);
    if (!link) return KEEL_NOTFOUND;
    fake_key *k = *link;
    if (slot == KEEL_AUX32) {
        k->has_aux32 = present;
        k->aux32 = present ? (uint32_t)value : 0;
    } else if (slot == KEEL_AUX64) {
        k->has_aux64 = present;
        k->aux64 = present ? value : 0;
    } else {
        return KEEL_EINVAL;
    }
    return KEEL_OK;
}

/* The fake keeps no eviction state: checks the arguments and the key as the core does. */
static keel_status f_key_access_set(keel_proc *p, const void *key, size_t klen, int64_t idle_s,
                                    int freq) {
    (void)p;
    if (idle_s < -1 || freq < -1 || freq > 255) return KEEL_EINVAL;
    key = compose(key, klen, &klen);
    return find(key, klen) ? KEEL_OK : KEEL_NOTFOUND;
}

size_t fake_key_count(void) {
    size_t n = 0;
    for (fake_key **link = &keys; *link;) {
        if ((*link)->expire_at_ms >= 0 && (*link)->expire_at_ms <= fake_now()) {
            unlink_key(link);
            continue;
        }
        n++;
        link = &(*link)->next;
    }
    return n;
}

void fake_keyspace_reset(void) {
    while (keys)
        unlink_key(&keys);
    fake_depth = 0;
    fake_prefix_len = 0;
}

static keel_type_id f_ns_type(void) {
    return (keel_type_id)0x7ffe;
}

static keel_status f_proc_ns_push(keel_proc *p, const void *name, size_t n) {
    (void)p;
    if (n == 0 || fake_depth == FAKE_NS_MAX || fake_prefix_len + n + 4 > sizeof fake_prefix)
        return KEEL_EINVAL;
    fake_prefix_marks[fake_depth++] = fake_prefix_len;
    fake_prefix_len += put_component(fake_prefix + fake_prefix_len, name, n);
    return KEEL_OK;
}

static void f_proc_ns_pop(keel_proc *p) {
    (void)p;
    if (fake_depth > 0) fake_prefix_len = fake_prefix_marks[--fake_depth];
}

/* The fake never knows a namespace's size without a walk (a legal answer: callers then scan). */
static keel_status f_key_ns_size(keel_proc *p, const void *key, size_t klen, uint64_t *n) {
    (void)p, (void)key, (void)klen, (void)n;
    return KEEL_EINVAL;
}

/* The fake never appends in place either (callers then store the whole value). */
static keel_status f_key_append(keel_proc *p, const void *key, size_t klen, const void *data,
                                size_t n, size_t *len) {
    (void)p, (void)key, (void)klen, (void)data, (void)n, (void)len;
    return KEEL_EINVAL;
}

/* Nor does it edit in place (callers then store the whole value). */
static keel_status f_key_bytes_edit(keel_proc *p, const void *key, size_t klen, size_t len,
                                    void **bytes, size_t *out_len) {
    (void)p, (void)key, (void)klen, (void)len, (void)bytes, (void)out_len;
    return KEEL_EINVAL;
}

/* A big string whose bytes the caller writes: stored as bytes of its final length, filled in
 * place (the fake's copy is the value's storage). */
static keel_status f_key_store_bytes(keel_proc *p, const void *key, size_t klen, size_t len,
                                     void **bytes) {
    (void)p;
    if (len < KEEL_STORE_BYTES_MIN) return KEEL_EINVAL;
    char *copy = malloc(len);
    if (!copy) return KEEL_ENOMEM;
    key = compose(key, klen, &klen);
    fake_key *k = find_or_add(key, klen);
    drop_value(k);
    k->type = KEEL_TYPE_BOX;
    k->box = dk_bytes(copy, len);
    k->bytes = copy;
    k->expire_at_ms = -1;
    *bytes = copy;
    return KEEL_OK;
}

/* The whole scan in one call: every key directly under the namespace (key, or the pushed one). */
static keel_status f_key_scan(keel_proc *p, const void *key, size_t klen, uint64_t *cursor,
                              keel_scan_fn fn, void *ctx) {
    (void)p;
    char under[4096];
    size_t ulen = fake_prefix_len;
    memcpy(under, fake_prefix, ulen);
    if (key) {
        if (ulen + klen + 4 > sizeof under) return KEEL_EINVAL;
        ulen += put_component(under + ulen, key, klen);
    }
    bool any = false;
    for (fake_key *k = keys; k; k = k->next) {
        if (k->klen < ulen || memcmp(k->key, under, ulen) != 0) continue;
        if (k->expire_at_ms >= 0 && k->expire_at_ms <= fake_now()) continue;
        keel_arg name = {k->key + ulen, k->klen - ulen};
        keel_value v = {.size = sizeof v,
                        .type = k->type,
                        .box = k->box,
                        .obj = k->obj,
                        .expire_at_ms = k->expire_at_ms};
        fn(ctx, &name, &v);
        any = true;
    }
    *cursor = 0;
    return any || !key ? KEEL_OK : KEEL_NOTFOUND;
}

/* Key walks, faked: one shard (one partial), the keys directly under the pushed namespace in
 * list order, a position for cursor; yields when the budget is spent, as the core does. */
struct keel_walk {
    char *pattern; /* NULL = every key */
    size_t plen;
    void *partial;
    size_t pos; /* keys of the list passed so far */
    bool done;
};

static keel_walk *f_walk_new(keel_proc *p, const void *pattern, size_t plen, size_t partial_size) {
    if (partial_size > KEEL_WALK_PARTIAL_MAX) return NULL;
    keel_walk *w = fake_api_table()->proc_alloc(p, sizeof *w);
    memset(w, 0, sizeof *w);
    if (pattern && !(plen == 1 && *(const char *)pattern == '*')) {
        w->pattern = fake_api_table()->proc_alloc(p, plen + 1);
        memcpy(w->pattern, pattern, plen);
        w->plen = plen;
    }
    w->partial = fake_api_table()->proc_alloc(p, partial_size ? partial_size : 1);
    memset(w->partial, 0, partial_size ? partial_size : 1);
    return w;
}

static keel_op_result f_walk_step(keel_proc *p, keel_walk *w, keel_walk_fn fn, void *ctx) {
    size_t i = 0;
    for (fake_key *k = keys; k && !w->done; k = k->next, i++) {
        if (i < w->pos) continue;
        if (p->budget <= 0) return KEEL_YIELD;
        w->pos = i + 1;
        keel_charge(p, KEEL_WALK_VISIT_COST);
        if (k->klen < fake_prefix_len || memcmp(k->key, fake_prefix, fake_prefix_len) != 0)
            continue;
        if (k->expire_at_ms >= 0 && k->expire_at_ms <= fake_now()) continue;
        keel_arg name = {k->key + fake_prefix_len, k->klen - fake_prefix_len};
        if (w->pattern && !dk_glob_match(w->pattern, w->plen, name.ptr, name.len, false)) continue;
        keel_value v = {.size = sizeof v,
                        .type = k->type,
                        .box = k->box,
                        .obj = k->obj,
                        .expire_at_ms = k->expire_at_ms};
        if (!fn(ctx, w->partial, &name, &v)) w->done = true;
    }
    w->done = true;
    return KEEL_NEXT;
}

static uint32_t f_walk_partials(const keel_walk *w) {
    (void)w;
    return 1;
}

static void *f_walk_partial(keel_walk *w, uint32_t i) {
    return i == 0 ? w->partial : NULL;
}

/* Blocking, faked: a park request is recorded (fake processes run one opcode at a time, so the
 * test decides when to "wake" it by running the opcode again); signals are counted. */
static int64_t fake_block_timeout = -1;
static long fake_signals;

static keel_status f_block_keys(keel_proc *p, int64_t timeout_ms) {
    (void)p;
    if (timeout_ms < 0) return KEEL_EINVAL;
    fake_block_timeout = timeout_ms;
    return KEEL_OK;
}

static bool f_proc_timed_out(keel_proc *p) {
    (void)p;
    return false;
}

static keel_status f_key_signal(keel_proc *p, const void *key, size_t klen) {
    (void)p;
    (void)key;
    (void)klen;
    fake_signals++;
    return KEEL_OK;
}

void fake_keyspace_fill(keel_api *t) {
    t->key_lookup = f_key_lookup;
    t->key_store = f_key_store;
    t->key_store_object = f_key_store_object;
    t->key_delete = f_key_delete;
    t->key_expire = f_key_expire;
    t->key_aux_set = f_key_aux_set;
    t->key_access_set = f_key_access_set;
    t->block_keys = f_block_keys;
    t->proc_timed_out = f_proc_timed_out;
    t->key_signal = f_key_signal;
    t->ns_type = f_ns_type;
    t->proc_ns_push = f_proc_ns_push;
    t->proc_ns_pop = f_proc_ns_pop;
    t->key_scan = f_key_scan;
    t->key_ns_size = f_key_ns_size;
    t->key_append = f_key_append;
    t->key_store_bytes = f_key_store_bytes;
    t->key_bytes_edit = f_key_bytes_edit;
    t->walk_new = f_walk_new;
    t->walk_step = f_walk_step;
    t->walk_partials = f_walk_partials;
    t->walk_partial = f_walk_partial;
}
