/* test_dk_table.c -- dk_table: random operations against a reference model, resizing, scan
 * completeness across resizes, expiry (and the mean expiry), random entries, byte accounting.
 * Also built with DK_TABLE_PLAIN against the plain table (table_plain.c), which must keep the same
 * contract. */
#include <check.h>

#include "dk_check_fast.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <datakit/table.h>

static uint64_t rng_state;
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---- keys and values of the model ---------------------------------------------------------- */

#define KEY_MAX 2100

/* Key of index k: "" for 0, else "k<k>:" padded to a length that depends on k (some over
 * 31 bytes for the long header form, some over 1 KB for records of their own). */
static size_t keygen(uint32_t k, char *buf) {
    if (k == 0) return 0;
    int n = snprintf(buf, KEY_MAX, "k%" PRIu32 ":", k);
    size_t len = (size_t)n + (k * 2654435761u >> 27); /* + 0..31 */
    if (k % 97 == 0) len = 2000 + k % 50;
    for (size_t i = (size_t)n; i < len; i++)
        buf[i] = (char)('a' + (k + i) % 26);
    return len;
}

/* The decimal number in key[skip..klen) (a table key is not NUL-terminated: the bytes after
 * it belong to the entry's value). */
static uint32_t key_number(const void *key, size_t klen, size_t skip) {
    const char *k = key;
    uint32_t n = 0;
    for (size_t i = skip; i < klen && k[i] >= '0' && k[i] <= '9'; i++)
        n = n * 10 + (uint32_t)(k[i] - '0');
    return n;
}

static uint32_t key_index(const void *key, size_t klen) {
    return key_number(key, klen, 1);
}

static void valgen(uint32_t seed, size_t len, uint8_t *buf) {
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)((seed * 31 + i * 7) ^ (i >> 8));
}

enum { M_NONE, M_INT, M_BYTES, M_OBJ };

typedef struct model {
    uint8_t kind;
    int64_t ival;  /* M_INT */
    uint32_t seed; /* M_BYTES */
    size_t len;
    void *obj; /* M_OBJ */
    uint16_t type;
    int64_t exp;
    bool has32, has64;
    uint32_t a32;
    uint64_t a64;
    uint16_t meta; /* 0 for a new key; kept by overwrites and field changes */
} model;

typedef struct world {
    dk_table *t;
    model *m;
    uint32_t nkeys;
    size_t count, expires;
    uint64_t (*hash)(const void *, size_t);
    int64_t now;
    int64_t last_due;
    size_t due_calls;
    bool meta; /* made by dk_table_new_meta: entries keep the meta word */
} world;

static uint64_t weak_hash(const void *key, size_t klen) {
    /* 64 distinct buckets at most: long chains everywhere */
    return (dk_table_default_hash(key, klen) & 0x3f) << 32;
}

static dk_ref find_key(world *w, uint32_t k) {
    char key[KEY_MAX];
    size_t n = keygen(k, key);
    return dk_table_find(w->t, key, n, w->hash(key, n));
}

/* Checks that the table's entry for key k matches the model. */
static void check_key(world *w, uint32_t k) {
    model *m = &w->m[k];
    dk_ref r = find_key(w, k);
    if (m->kind == M_NONE) {
        fast_assert_msg(r == DK_REF_NONE, "key %u should be absent", k);
        return;
    }
    fast_assert_msg(r != DK_REF_NONE, "key %u missing", k);
    dk_entry e;
    dk_table_view(w->t, r, &e);
    char key[KEY_MAX];
    size_t n = keygen(k, key);
    fast_assert_uint_eq(e.klen, n);
    fast_assert(n == 0 || memcmp(e.key, key, n) == 0);
    fast_assert_int_eq(e.expire_ms, m->exp);
    fast_assert_int_eq(e.has_aux32, m->has32);
    fast_assert_int_eq(e.has_aux64, m->has64);
    fast_assert_uint_eq(dk_table_meta(w->t, r), w->meta ? m->meta : 0);
    if (m->has32) fast_assert_uint_eq(e.aux32, m->a32);
    if (m->has64) fast_assert(e.aux64 == m->a64);
    if (m->kind == M_OBJ) {
        fast_assert_int_eq(e.kind, DK_ENTRY_OBJ);
        fast_assert_ptr_eq(e.obj, m->obj);
        fast_assert_uint_eq(e.obj_type, m->type);
    } else if (m->kind == M_INT) {
        fast_assert_int_eq(e.kind, DK_ENTRY_BOX);
        dk_val want = dk_i64(m->ival);
        fast_assert_int_eq(dk_val_cmp(&e.box, &want), 0);
    } else {
        fast_assert_int_eq(e.kind, DK_ENTRY_BOX);
        fast_assert_int_eq(e.box.type, DK_BYTES);
        fast_assert_uint_eq(e.box.len, m->len);
        uint8_t *buf = malloc(m->len + 1);
        valgen(m->seed, m->len, buf);
        fast_assert(m->len == 0 || memcmp(e.box.v.ptr, buf, m->len) == 0);
        free(buf);
    }
}

typedef struct scan_seen {
    world *w;
    uint8_t *seen;
} scan_seen;

static void on_scan(void *ctx, dk_table *t, dk_ref r) {
    scan_seen *s = ctx;
    dk_entry e;
    dk_table_view(t, r, &e);
    uint32_t k = key_index(e.key, e.klen);
    fast_assert_uint_lt(k, s->w->nkeys);
    fast_assert_msg(s->w->m[k].kind != M_NONE, "scan returned deleted key %u", k);
    s->seen[k] = 1;
}

static void on_each(void *ctx, dk_table *t, dk_ref r) {
    scan_seen *s = ctx;
    dk_entry e;
    dk_table_view(t, r, &e);
    uint32_t k = key_index(e.key, e.klen);
    fast_assert_uint_lt(k, s->w->nkeys);
    fast_assert_msg(s->seen[k] == 0, "each visited key %u twice", k);
    on_scan(ctx, t, r);
}

static void check_all(world *w) {
    fast_assert_uint_eq(dk_table_count(w->t), w->count);
    fast_assert_uint_eq(dk_table_expires_count(w->t), w->expires);
    __int128 exp_sum = 0;
    for (uint32_t k = 0; k < w->nkeys; k++) {
        check_key(w, k);
        if (w->m[k].kind != M_NONE && w->m[k].exp != DK_NO_EXPIRY) exp_sum += w->m[k].exp;
    }
    fast_assert_int_eq(dk_table_expiry_mean(w->t),
                       w->expires ? (int64_t)(exp_sum / (__int128)w->expires) : DK_NO_EXPIRY);
    scan_seen s = {w, calloc(w->nkeys, 1)};
    uint64_t c = 0;
    do
        c = dk_table_scan(w->t, c, on_scan, &s);
    while (c);
    for (uint32_t k = 0; k < w->nkeys; k++)
        fast_assert_msg(s.seen[k] == (w->m[k].kind != M_NONE), "scan missed key %u", k);
    memset(s.seen, 0, w->nkeys); /* the walk in memory order: every live entry exactly once */
    dk_table_each(w->t, on_each, &s);
    for (uint32_t k = 0; k < w->nkeys; k++)
        fast_assert_msg(s.seen[k] == (w->m[k].kind != M_NONE), "each missed key %u", k);
    free(s.seen);
    int64_t next = DK_NO_EXPIRY;
    for (uint32_t k = 0; k < w->nkeys; k++)
        if (w->m[k].kind != M_NONE && w->m[k].exp != DK_NO_EXPIRY &&
            (next == DK_NO_EXPIRY || w->m[k].exp < next))
            next = w->m[k].exp;
    fast_assert_int_eq(dk_table_next_expiry(w->t), next);
    dk_ref soon = dk_table_soonest(w->t); /* an entry holding that expiry */
    fast_assert((soon == DK_REF_NONE) == (next == DK_NO_EXPIRY));
    if (soon != DK_REF_NONE) {
        dk_entry e;
        dk_table_view(w->t, soon, &e);
        fast_assert_int_eq(e.expire_ms, next);
    }
}

static void model_overwrite(world *w, uint32_t k, bool keep, void *old_obj, uint16_t old_type) {
    model *m = &w->m[k];
    if (m->kind == M_OBJ) {
        fast_assert_ptr_eq(old_obj, m->obj);
        fast_assert_uint_eq(old_type, m->type);
    } else {
        fast_assert_ptr_null(old_obj);
    }
    if (m->kind == M_NONE) {
        w->count++;
        m->exp = DK_NO_EXPIRY;
    } else if (!keep && m->exp != DK_NO_EXPIRY) {
        m->exp = DK_NO_EXPIRY;
        w->expires--;
    }
    m->has32 = m->has64 = false;
}

static void op_put(world *w, uint32_t k) {
    char key[KEY_MAX];
    size_t n = keygen(k, key);
    uint64_t h = w->hash(key, n);
    bool keep = rnd() & 1;
    void *old_obj = (void *)1;
    uint16_t old_type = 0;
    model *m = &w->m[k];
    uint64_t r = rnd() % 10;
    dk_ref ref;
    if (r < 4) {
        int64_t v = (int64_t)(rnd() >> (rnd() % 64)) * ((rnd() & 1) ? 1 : -1);
        dk_val box = dk_i64(v);
        ref = dk_table_put_box(w->t, key, n, h, &box, keep, &old_obj, &old_type);
        fast_assert(ref != DK_REF_NONE);
        model_overwrite(w, k, keep, old_obj, old_type);
        m->kind = M_INT;
        m->ival = v;
    } else if (r < 8) {
        static const size_t lens[] = {0, 1, 5, 30, 100, 127, 128, 500, 1000, 1100, 5000};
        size_t len = lens[rnd() % (sizeof lens / sizeof lens[0])];
        uint32_t seed = (uint32_t)rnd();
        uint8_t *buf = malloc(len + 1);
        valgen(seed, len, buf);
        dk_val box = dk_bytes(buf, len);
        ref = dk_table_put_box(w->t, key, n, h, &box, keep, &old_obj, &old_type);
        free(buf);
        fast_assert(ref != DK_REF_NONE);
        model_overwrite(w, k, keep, old_obj, old_type);
        m->kind = M_BYTES;
        m->seed = seed;
        m->len = len;
    } else {
        void *obj = (void *)(uintptr_t)(0x1000 + rnd() % 100000 * 16);
        uint16_t type = (uint16_t)rnd();
        ref = dk_table_put_obj(w->t, key, n, h, type, obj, keep, &old_obj, &old_type);
        fast_assert(ref != DK_REF_NONE);
        model_overwrite(w, k, keep, old_obj, old_type);
        m->kind = M_OBJ;
        m->obj = obj;
        m->type = type;
    }
    fast_assert(ref == find_key(w, k));
}

static void model_delete(world *w, uint32_t k, void *obj, uint16_t type) {
    model *m = &w->m[k];
    if (m->kind == M_OBJ) {
        fast_assert_ptr_eq(obj, m->obj);
        fast_assert_uint_eq(type, m->type);
    } else {
        fast_assert_ptr_null(obj);
    }
    if (m->exp != DK_NO_EXPIRY) w->expires--;
    w->count--;
    memset(m, 0, sizeof *m);
}

static void op_delete(world *w, uint32_t k) {
    dk_ref r = find_key(w, k);
    if (w->m[k].kind == M_NONE) {
        fast_assert(r == DK_REF_NONE);
        return;
    }
    void *obj = (void *)1;
    uint16_t type = 0;
    dk_table_delete(w->t, r, &obj, &type);
    model_delete(w, k, obj, type);
}

static void op_field(world *w, uint32_t k) {
    model *m = &w->m[k];
    dk_ref r = find_key(w, k);
    if (m->kind == M_NONE) return;
    uint64_t what = rnd() % 4;
    bool present = rnd() % 4 != 0;
    dk_ref nr;
    if (what == 3) { /* the meta word: in place, the reference unchanged */
        m->meta = (uint16_t)rnd();
        dk_table_set_meta(w->t, r, m->meta);
        nr = r;
    } else if (what == 0) {
        int64_t exp = present ? w->now + (int64_t)(rnd() % 2000) : DK_NO_EXPIRY;
        nr = dk_table_set_expiry(w->t, r, exp);
        w->expires += (exp != DK_NO_EXPIRY) - (m->exp != DK_NO_EXPIRY);
        m->exp = exp;
    } else if (what == 1) {
        uint32_t v = (uint32_t)rnd();
        nr = dk_table_set_aux32(w->t, r, present, v);
        m->has32 = present;
        m->a32 = present ? v : 0;
    } else {
        uint64_t v = rnd();
        nr = dk_table_set_aux64(w->t, r, present, v);
        m->has64 = present;
        m->a64 = present ? v : 0;
    }
    fast_assert(nr != DK_REF_NONE);
    fast_assert(nr == find_key(w, k));
}

static void on_due(void *ctx, dk_table *t, dk_ref r) {
    world *w = ctx;
    dk_entry e;
    dk_table_view(t, r, &e);
    uint32_t k = key_index(e.key, e.klen);
    fast_assert_int_ne(e.expire_ms, DK_NO_EXPIRY);
    fast_assert_int_le(e.expire_ms, w->now);
    fast_assert_int_eq(e.expire_ms, w->m[k].exp);
    fast_assert_int_ge(e.expire_ms, w->last_due);
    w->last_due = e.expire_ms;
    w->due_calls++;
    if (w->due_calls % 5 == 0) { /* sometimes postpone instead of deleting */
        int64_t later = w->now + 1 + (int64_t)(rnd() % 100);
        fast_assert(dk_table_set_expiry(t, r, later) != DK_REF_NONE);
        w->m[k].exp = later;
        return;
    }
    void *obj = (void *)1;
    uint16_t type = 0;
    dk_table_delete(t, r, &obj, &type);
    model_delete(w, k, obj, type);
}

static void op_expire(world *w) {
    w->now += (int64_t)(rnd() % 40);
    size_t max = 1 + rnd() % 30;
    w->last_due = INT64_MIN;
    size_t before = w->due_calls;
    size_t n = dk_table_expire_due(w->t, w->now, max, on_due, w);
    fast_assert_uint_eq(n, w->due_calls - before);
    fast_assert_uint_le(n, max);
    if (n < max) /* nothing due is left */
        for (uint32_t k = 0; k < w->nkeys; k++)
            fast_assert(w->m[k].kind == M_NONE || w->m[k].exp == DK_NO_EXPIRY ||
                        w->m[k].exp > w->now);
}

static void random_ops(uint64_t seed, uint32_t nkeys, size_t ops,
                       uint64_t (*hash)(const void *, size_t), bool meta) {
    rng_state = seed;
    world w = {0};
    w.t = meta ? dk_table_new_meta() : dk_table_new();
#ifdef DK_TABLE_PLAIN
    meta = true; /* every plain entry has the word */
#endif
    w.meta = meta;
    w.hash = hash;
    if (hash != dk_table_default_hash) dk_table_set_hash(w.t, hash);
    w.m = calloc(nkeys, sizeof *w.m);
    w.nkeys = nkeys;
    w.now = 1000000;
    size_t base = dk_table_bytes(w.t);
    for (size_t i = 0; i < ops; i++) {
        /* phases: mostly inserting, then mostly deleting, so the table grows and shrinks */
        bool filling = (i / (ops / 6)) % 2 == 0;
        uint32_t k = (uint32_t)(rnd() % nkeys);
        uint64_t r = rnd() % 100;
        if (r < (filling ? 45u : 15u))
            op_put(&w, k);
        else if (r < 70)
            op_delete(&w, k);
        else if (r < 90)
            op_field(&w, k);
        else if (r < 93)
            op_expire(&w);
        else if (r < 95)
            dk_table_step(w.t, 1 + rnd() % 3);
        else
            check_key(&w, k);
        if (i % 5000 == 0) check_all(&w);
    }
    check_all(&w);
    for (uint32_t k = 0; k < nkeys; k++)
        op_delete(&w, k);
    check_all(&w);
    while (dk_table_step(w.t, 100))
        ;
    fast_assert_uint_eq(dk_table_count(w.t), 0);
    fast_assert_uint_eq(dk_table_expires_count(w.t), 0);
    /* back near the empty table: a few kept pages and the minimum bucket array */
    fast_assert_uint_le(dk_table_bytes(w.t), base + 96 * 1024);
    dk_table_free(w.t, NULL, NULL);
    free(w.m);
}

START_TEST(test_dk_table_random_ops_against_model) {
    random_ops(11, 3000, 120000, dk_table_default_hash, true);
}
END_TEST

START_TEST(test_dk_table_random_ops_with_colliding_hash) {
    random_ops(12, 1500, 60000, weak_hash, false);
}
END_TEST

/* ---- growth to 1M+, shrink to 0, scans across resizes ------------------------------------- */

static size_t bench_key(uint32_t i, char *buf) {
    return (size_t)sprintf(buf, "key:%010u", i);
}

static dk_ref put_int(dk_table *t, uint32_t i, int64_t v) {
    char key[32];
    size_t n = bench_key(i, key);
    dk_val box = dk_i64(v);
    return dk_table_put_box(t, key, n, dk_table_default_hash(key, n), &box, false, NULL, NULL);
}

static void del_int(dk_table *t, uint32_t i) {
    char key[32];
    size_t n = bench_key(i, key);
    dk_ref r = dk_table_find(t, key, n, dk_table_default_hash(key, n));
    fast_assert(r != DK_REF_NONE);
    dk_table_delete(t, r, NULL, NULL);
}

typedef struct seen_set {
    uint8_t *seen;
    uint32_t n;
} seen_set;

static void on_seen(void *ctx, dk_table *t, dk_ref r) {
    seen_set *s = ctx;
    dk_entry e;
    dk_table_view(t, r, &e);
    uint32_t i = key_number(e.key, e.klen, 4);
    fast_assert_uint_lt(i, s->n);
    s->seen[i] = 1;
}

START_TEST(test_dk_table_grow_to_million_and_shrink_with_scans) {
    enum { START = 100000, N = 1200000 };
    dk_table *t = dk_table_new();
    size_t base = dk_table_bytes(t);
    seen_set s = {calloc(N, 1), N};
    dk_table_prefetch(t, 42); /* hints on an empty table are harmless */
    dk_table_prefetch_entry(t, 42);
    uint32_t next = 0;
    for (; next < START; next++)
        fast_assert(put_int(t, next, next) != DK_REF_NONE);
    /* a scan while the table grows: every key present from start to end is returned */
    uint64_t c = 0;
    size_t calls = 0;
    do {
        c = dk_table_scan(t, c, on_seen, &s);
        for (int k = 0; k < 64 && next < N; k++, next++)
            fast_assert(put_int(t, next, next) != DK_REF_NONE);
        char pk[32]; /* lookup hints mid-resize, for present and absent keys, change nothing */
        size_t pn = bench_key(next - 1, pk);
        size_t before = dk_table_count(t);
        dk_table_prefetch(t, dk_table_default_hash(pk, pn));
        dk_table_prefetch_entry(t, dk_table_default_hash(pk, pn));
        dk_table_prefetch_entry(t, rnd());
        fast_assert_uint_eq(dk_table_count(t), before);
        calls++;
    } while (c);
    for (uint32_t i = 0; i < START; i++)
        fast_assert_msg(s.seen[i], "grow scan missed %u", i);
    for (; next < N; next++)
        fast_assert(put_int(t, next, next) != DK_REF_NONE);
    fast_assert_uint_eq(dk_table_count(t), N);
    for (uint32_t i = 0; i < N; i += 997) {
        char key[32];
        size_t n = bench_key(i, key);
        dk_ref r = dk_table_find(t, key, n, dk_table_default_hash(key, n));
        fast_assert(r != DK_REF_NONE);
        dk_entry e;
        dk_table_view(t, r, &e);
        dk_val want = dk_i64(i);
        fast_assert_int_eq(dk_val_cmp(&e.box, &want), 0);
    }
    /* a scan while the table shrinks: keys 0..N/16 stay, the rest goes */
    memset(s.seen, 0, N);
    uint32_t del = N / 16;
    c = 0;
    do {
        c = dk_table_scan(t, c, on_seen, &s);
        for (int k = 0; k < 200 && del < N; k++, del++)
            del_int(t, del);
    } while (c);
    for (uint32_t i = 0; i < N / 16; i++)
        fast_assert_msg(s.seen[i], "shrink scan missed %u", i);
    for (; del < N; del++)
        del_int(t, del);
    fast_assert_uint_eq(dk_table_count(t), N / 16);
    for (uint32_t i = 0; i < N / 16; i++)
        del_int(t, i);
    while (dk_table_step(t, 1000))
        ;
    fast_assert_uint_eq(dk_table_count(t), 0);
    fast_assert_uint_le(dk_table_bytes(t), base + 96 * 1024);
    fast_assert(dk_table_random(t, 5) == DK_REF_NONE);
    uint64_t c2 = dk_table_scan(t, 0, on_seen, &s);
    fast_assert(c2 == 0);
    free(s.seen);
    dk_table_free(t, NULL, NULL);
}
END_TEST

typedef struct repeat_count {
    uint8_t *seen;
    uint32_t n;
    uint32_t repeats; /* keys shown again by the current call */
} repeat_count;

static void on_repeat(void *ctx, dk_table *t, dk_ref r) {
    repeat_count *s = ctx;
    dk_entry e;
    dk_table_view(t, r, &e);
    uint32_t i = key_number(e.key, e.klen, 4);
    fast_assert_uint_lt(i, s->n);
    s->repeats += s->seen[i];
    s->seen[i] = 1;
}

/* dk_table_scan_shape's promise: while the shape is the same before two calls, the second shows
 * nothing the first showed, and every key present throughout is shown (through grows and shrinks).
 */
START_TEST(test_dk_table_scan_shape_tells_when_repeats_may_come) {
    enum { START = 20000, N = 320000 };
    dk_table *t = dk_table_new();
    repeat_count s = {calloc(N, 1), N, 0};
    for (int pass = 0; pass < 2; pass++) { /* 0: grows under the scan, 1: shrinks under it */
        uint32_t next = pass ? N / 32 : 0;
        if (!pass)
            for (; next < START; next++)
                fast_assert(put_int(t, next, next) != DK_REF_NONE);
        memset(s.seen, 0, N);
        uint64_t c = 0, shape_after = dk_table_scan_shape(t);
        int changes = 0;
        do {
            bool same = dk_table_scan_shape(t) == shape_after;
            changes += !same;
            s.repeats = 0;
            c = dk_table_scan(t, c, on_repeat, &s);
            if (same)
                fast_assert_msg(s.repeats == 0, "%u keys again under an unchanged shape",
                                s.repeats);
            shape_after = dk_table_scan_shape(t);
            for (int k = 0; k < 64 && next < N; k++, next++)
                fast_assert(pass ? (del_int(t, next), true)
                                 : put_int(t, next, next) != DK_REF_NONE);
        } while (c);
        fast_assert_int_gt(changes, 1);
        for (uint32_t i = 0; i < (pass ? N / 32 : START); i++)
            fast_assert_msg(s.seen[i], "scan missed %u", i);
        for (; !pass && next < N; next++)
            fast_assert(put_int(t, next, next) != DK_REF_NONE);
    }
    free(s.seen);
    dk_table_free(t, NULL, NULL);
}
END_TEST

START_TEST(test_dk_table_bytes_match_records_and_buckets) {
    enum { N = 1000000 };
    dk_table *t = dk_table_new_meta(); /* as the keyspace makes them */
    size_t base = dk_table_bytes(t);
    for (uint32_t i = 0; i < N; i++) /* values 65536.. : 4-byte boxes, 25-byte records */
        fast_assert(put_int(t, i, 65536 + i) != DK_REF_NONE);
    while (dk_table_step(t, 1000))
        ;
    size_t bytes = dk_table_bytes(t);
#ifndef DK_TABLE_PLAIN
    size_t floor = (size_t)N * 25 + ((size_t)1 << 20) * 4;
    fast_assert_uint_ge(bytes, floor);
    fast_assert_uint_le(bytes, floor + floor / 100 + base + 65536);
    /* overhead beyond the 14-byte key and 4-byte box, counting everything (2 of it the
     * eviction meta word) */
    double over = (double)bytes / N - 18;
    fast_assert_msg(over <= 12.0, "overhead %.2f bytes/key", over);
    /* a table without the meta word (namespaces, maps, sets of keys) saves exactly its 2 bytes */
    dk_table *plain = dk_table_new();
    for (uint32_t i = 0; i < N; i++)
        fast_assert(put_int(plain, i, 65536 + i) != DK_REF_NONE);
    while (dk_table_step(plain, 1000))
        ;
    size_t pbytes = dk_table_bytes(plain);
    fast_assert_uint_ge(pbytes, (size_t)N * 23 + ((size_t)1 << 20) * 4);
    fast_assert_uint_le(pbytes + (size_t)N * 2, bytes + 65536);
    dk_table_free(plain, NULL, NULL);
#else
    /* The plain table (table_plain.c) is a conventional layout, not held to the compact one's
     * bounds: only that every entry and the pointer buckets are counted. */
    fast_assert_uint_ge(bytes, (size_t)N * (56 + 14) + ((size_t)1 << 20) * 8);
#endif
    for (uint32_t i = 0; i < N; i++)
        del_int(t, i);
    while (dk_table_step(t, 1000))
        ;
    fast_assert_uint_le(dk_table_bytes(t), base + 96 * 1024);
    dk_table_free(t, NULL, NULL);
}
END_TEST

START_TEST(test_dk_table_random_is_roughly_uniform) {
    enum { N = 1000, DRAWS = 200000 };
    dk_table *t = dk_table_new();
    for (uint32_t i = 0; i < N; i++)
        put_int(t, i, i);
    unsigned *hits = calloc(N, sizeof *hits);
    rng_state = 3;
    for (int d = 0; d < DRAWS; d++) {
        dk_ref r = dk_table_random(t, rnd());
        fast_assert(r != DK_REF_NONE);
        dk_entry e;
        dk_table_view(t, r, &e);
        hits[key_number(e.key, e.klen, 4)]++;
    }
    unsigned lo = DRAWS, hi = 0;
    for (int i = 0; i < N; i++) {
        lo = hits[i] < lo ? hits[i] : lo;
        hi = hits[i] > hi ? hits[i] : hi;
    }
    fast_assert_msg(lo > 100 && hi < 300, "random draws per key between %u and %u (mean 200)", lo,
                    hi);
    free(hits);
    dk_table_free(t, NULL, NULL);
}
END_TEST

START_TEST(test_dk_table_put_value_aliasing_its_own_entry) {
    dk_table *t = dk_table_new();
    const char *key = "alias";
    uint64_t h = dk_table_default_hash(key, 5);
    char big[3000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('A' + i % 26);
    size_t lens[] = {40, 3000, 10, 2000, 0};
    for (size_t k = 0; k + 1 < sizeof lens / sizeof lens[0]; k++) {
        dk_val v = dk_bytes(big, lens[k]);
        dk_ref r = dk_table_put_box(t, key, 5, h, &v, false, NULL, NULL);
        dk_entry e;
        dk_table_view(t, r, &e);
        /* overwrite with a tail of its own current bytes */
        size_t cut = lens[k] / 3;
        dk_val tail = dk_bytes((const char *)e.box.v.ptr + cut, lens[k] - cut);
        r = dk_table_put_box(t, key, 5, h, &tail, false, NULL, NULL);
        dk_table_view(t, r, &e);
        fast_assert_uint_eq(e.box.len, lens[k] - cut);
        fast_assert(memcmp(e.box.v.ptr, big + cut, lens[k] - cut) == 0);
    }
    dk_table_free(t, NULL, NULL);
}
END_TEST

static int freed_objs;
static void count_free(void *ctx, uint16_t type, void *obj) {
    (void)ctx;
    fast_assert_uint_eq(type, 7);
    fast_assert_ptr_nonnull(obj);
    freed_objs++;
}

START_TEST(test_dk_table_free_and_clear_hand_objects_back) {
    dk_table *t = dk_table_new();
    size_t base = dk_table_bytes(t);
    for (uint32_t i = 0; i < 1000; i++) {
        char key[32];
        size_t n = bench_key(i, key);
        dk_table_put_obj(t, key, n, dk_table_default_hash(key, n), 7, (void *)(uintptr_t)(16 + i),
                         false, NULL, NULL);
        if (i % 3 == 0) put_int(t, i, i);
    }
    freed_objs = 0;
    dk_table_clear(t, count_free, NULL);
    fast_assert_int_eq(freed_objs, 1000 - 334);
    fast_assert_uint_eq(dk_table_count(t), 0);
    fast_assert_uint_eq(dk_table_bytes(t), base);
    for (uint32_t i = 0; i < 10; i++) {
        char key[32];
        size_t n = bench_key(i, key);
        dk_table_put_obj(t, key, n, dk_table_default_hash(key, n), 7, (void *)(uintptr_t)(16 + i),
                         false, NULL, NULL);
    }
    freed_objs = 0;
    dk_table_free(t, count_free, NULL);
    fast_assert_int_eq(freed_objs, 10);
}
END_TEST

START_TEST(test_dk_table_value_of_512mb) {
    size_t len = (size_t)512 << 20;
    uint8_t *src = malloc(len);
    fast_assert_ptr_nonnull(src);
    for (size_t i = 0; i < len; i += 4096)
        src[i] = (uint8_t)(i >> 12);
    src[len - 1] = 0x5a;
    dk_table *t = dk_table_new();
    size_t base = dk_table_bytes(t);
    dk_val v = dk_bytes(src, len);
    dk_ref r =
        dk_table_put_box(t, "big", 3, dk_table_default_hash("big", 3), &v, false, NULL, NULL);
    fast_assert(r != DK_REF_NONE);
    fast_assert_uint_ge(dk_table_bytes(t), base + len);
    dk_entry e;
    dk_table_view(t, r, &e);
    fast_assert_uint_eq(e.box.len, len);
    fast_assert(memcmp(e.box.v.ptr, src, len) == 0);
    r = dk_table_set_expiry(t, r, 12345);
    dk_table_view(t, r, &e);
    fast_assert_uint_eq(e.box.len, len);
    fast_assert_int_eq(e.expire_ms, 12345);
    dk_table_delete(t, r, NULL, NULL);
    fast_assert_uint_le(dk_table_bytes(t), base + 4096);
    free(src);
    dk_table_free(t, NULL, NULL);
}
END_TEST

/* SETBIT's path (keel_key_bytes_edit): a NULL append grows a big value with zero bytes, nothing
 * for a value kept inside the entry, and the grown value's bytes are written where they lie. */
START_TEST(test_dk_table_append_zero_bytes_and_write_in_place) {
    dk_table *t = dk_table_new();
    dk_val small = dk_bytes("x", 1);
    dk_ref rs =
        dk_table_put_box(t, "s", 1, dk_table_default_hash("s", 1), &small, false, NULL, NULL);
    fast_assert(dk_table_append_bytes(t, rs, NULL, 0) == DK_REF_NONE);
    fast_assert(dk_table_append_bytes(t, rs, NULL, 5) == DK_REF_NONE);
    static char big[3000];
    memset(big, 'b', sizeof big);
    dk_val v = dk_bytes(big, sizeof big);
    uint64_t h = dk_table_default_hash("bits", 4);
    dk_ref r = dk_table_put_box(t, "bits", 4, h, &v, false, NULL, NULL);
    r = dk_table_set_expiry(t, r, 999);
    fast_assert(dk_table_append_bytes(t, r, NULL, 0) == r); /* out of line: nothing to add */
    fast_assert(dk_table_append_bytes(t, r, NULL, 20000) == r);
    dk_entry e;
    dk_table_view(t, r, &e);
    fast_assert_uint_eq(e.box.len, sizeof big + 20000);
    fast_assert(memcmp(e.box.v.ptr, big, sizeof big) == 0);
    for (size_t i = sizeof big; i < e.box.len; i++)
        fast_assert(((const char *)e.box.v.ptr)[i] == 0);
    ((char *)e.box.v.ptr)[sizeof big + 7] = 'z'; /* written where it lies */
    dk_table_view(t, dk_table_find(t, "bits", 4, h), &e);
    fast_assert(((const char *)e.box.v.ptr)[sizeof big + 7] == 'z' && e.expire_ms == 999);
    dk_table_free(t, NULL, NULL);
}
END_TEST

/* APPEND's path: a big value grows in place (both layouts), keeps its expiry and aux words,
 * and the table's byte count follows its block; a value kept inside the entry is refused. */
START_TEST(test_dk_table_append_bytes_in_place) {
    dk_table *t = dk_table_new();
    dk_val small = dk_bytes("x", 1);
    dk_ref rs =
        dk_table_put_box(t, "s", 1, dk_table_default_hash("s", 1), &small, false, NULL, NULL);
    fast_assert(dk_table_append_bytes(t, rs, "y", 1) == DK_REF_NONE);
    static char big[2000]; /* beyond a slab slot: out of line in both layouts */
    memset(big, 'a', sizeof big);
    dk_val v = dk_bytes(big, sizeof big);
    uint64_t h = dk_table_default_hash("log", 3);
    size_t before = dk_table_bytes(t);
    dk_ref r = dk_table_put_box(t, "log", 3, h, &v, false, NULL, NULL);
    r = dk_table_set_expiry(t, r, 123456);
    r = dk_table_set_aux32(t, r, true, 77);
    enum { ADDS = 20000, PIECE = 7 };
    for (int i = 0; i < ADDS; i++) {
        char piece[PIECE];
        for (int k = 0; k < PIECE; k++)
            piece[k] = (char)('0' + (i + k) % 10);
        r = dk_table_find(t, "log", 3, h);
        fast_assert(dk_table_append_bytes(t, r, piece, PIECE) == r);
    }
    dk_entry e;
    dk_table_view(t, dk_table_find(t, "log", 3, h), &e);
    size_t len = sizeof big + (size_t)ADDS * PIECE; /* crosses the 16384 varint step */
    fast_assert_uint_eq(e.box.len, len);
    fast_assert(memcmp(e.box.v.ptr, big, sizeof big) == 0);
    const char *b = (const char *)e.box.v.ptr + sizeof big;
    for (int i = 0; i < ADDS; i++)
        for (int k = 0; k < PIECE; k++)
            fast_assert(b[i * PIECE + k] == (char)('0' + (i + k) % 10));
    fast_assert(e.expire_ms == 123456 && e.has_aux32 && e.aux32 == 77);
    size_t grown = dk_table_bytes(t) - before; /* the block, with at most half again to spare */
    fast_assert_uint_ge(grown, len);
    fast_assert_uint_le(grown, len + len / 2 + 4096);
    fast_assert_uint_eq(dk_table_count(t), 2);
    dk_table_free(t, NULL, NULL);
}
END_TEST

/* An overwrite in place changes the value only, keeping expiry and meta; it refuses, changing
 * nothing, a value of another size, an entry with an aux word, and an object. */
START_TEST(test_dk_table_overwrite_box_in_place) {
    dk_table *t = dk_table_new_meta();
    uint64_t h = dk_table_default_hash("n", 1);
    dk_val v = dk_i64(41);
    dk_ref r = dk_table_put_box(t, "n", 1, h, &v, false, NULL, NULL);
    r = dk_table_set_expiry(t, r, 987654);
    dk_table_set_meta(t, r, 321);
    dk_val same = dk_i64(42), wider = dk_i64(INT64_C(1) << 40);
    bool done = dk_table_overwrite_box(t, r, &same);
#ifdef DK_TABLE_PLAIN
    fast_assert(!done); /* the plain table always puts */
#else
    fast_assert(done);
#endif
    dk_entry e;
    dk_table_view(t, dk_table_find(t, "n", 1, h), &e);
    fast_assert(e.box.type == DK_I64 && e.box.v.i == (done ? 42 : 41));
    fast_assert(e.expire_ms == 987654 && dk_table_meta(t, dk_table_find(t, "n", 1, h)) == 321);
    fast_assert(!dk_table_overwrite_box(t, r, &wider)); /* more bytes: a put's work */
    dk_table_view(t, dk_table_find(t, "n", 1, h), &e);
    fast_assert(e.box.v.i == (done ? 42 : 41));
    r = dk_table_set_aux64(t, r, true, 5); /* a CAS word: a put clears it */
    fast_assert(!dk_table_overwrite_box(t, r, &same));
    static int obj;
    dk_ref ro =
        dk_table_put_obj(t, "o", 1, dk_table_default_hash("o", 1), 7, &obj, false, NULL, NULL);
    fast_assert(!dk_table_overwrite_box(t, ro, &same));
    fast_assert_uint_eq(dk_table_count(t), 2);
    dk_table_free(t, NULL, NULL);
}
END_TEST

/* Only tables made with the meta word keep it, also after a clear (FLUSHDB clears in place). */
START_TEST(test_dk_table_meta_word_only_where_asked_and_after_clear) {
    dk_table *with = dk_table_new_meta(), *without = dk_table_new();
    for (int round = 0; round < 2; round++) {
        /* many keys, so each one's share of the bucket array (whose allocation the allocator may
         * round differently) is the same in both tables */
        for (uint32_t i = 2; i < 1000; i++) {
            put_int(with, i, 100);
            put_int(without, i, 100);
        }
        dk_ref a = put_int(with, 1, 100), b = put_int(without, 1, 100);
        dk_table_set_meta(with, a, 0xbeef);
        dk_table_set_meta(without, b, 0xbeef);
        fast_assert_uint_eq(dk_table_meta(with, a), 0xbeef);
#ifndef DK_TABLE_PLAIN
        fast_assert_uint_eq(dk_table_meta(without, b), 0);
        fast_assert_uint_eq(dk_table_entry_bytes(with, a), dk_table_entry_bytes(without, b) + 2);
#endif
        dk_table_clear(with, NULL, NULL);
        dk_table_clear(without, NULL, NULL);
    }
    dk_table_free(with, NULL, NULL);
    dk_table_free(without, NULL, NULL);
}
END_TEST

/* Eviction's view of memory: deleted entries' slots are spare bytes until new entries reuse them.
 */
START_TEST(test_dk_table_spare_bytes_follow_deletes_and_reuse) {
    enum { N = 20000 };
    dk_table *t = dk_table_new_meta(); /* a keyspace table, as eviction reads */
    for (uint32_t i = 0; i < N; i++)
        put_int(t, i, 65536 + i); /* 25-byte records, one size class */
#ifndef DK_TABLE_PLAIN
    size_t full = dk_table_spare_bytes(t);
    fast_assert_uint_le(full, 65536); /* at most the unused end of the last page */
    for (uint32_t i = 0; i < N; i += 2)
        del_int(t, i);
    fast_assert_uint_eq(dk_table_spare_bytes(t), full + (size_t)N / 2 * 25);
    for (uint32_t i = 0; i < N; i += 2)
        put_int(t, i, 65536 + i);
    fast_assert_uint_eq(dk_table_spare_bytes(t), full);
#else
    fast_assert_uint_eq(dk_table_spare_bytes(t), 0);
#endif
    dk_table_free(t, NULL, NULL);
}
END_TEST

START_TEST(test_dk_table_reserve_sizes_an_empty_table_once) {
    dk_table *t = dk_table_new();
    ck_assert(dk_table_reserve(t, 1000));
    ck_assert_uint_eq(dk_table_scan_shape(t), 1024);
    for (uint32_t i = 0; i < 1000; i++) { /* fills without a resize, nor a shrink first */
        put_int(t, i, i);
        fast_assert_uint_eq(dk_table_scan_shape(t), 1024);
    }
    ck_assert(dk_table_reserve(t, 100000)); /* not empty: nothing changes */
    ck_assert_uint_eq(dk_table_scan_shape(t), 1024);
    for (uint32_t i = 1000; i < 1100; i++) /* past its size it grows as usual */
        put_int(t, i, i);
    ck_assert_uint_ne(dk_table_scan_shape(t), 1024);
    while (dk_table_step(t, 1000)) {
    }
    ck_assert_uint_eq(dk_table_scan_shape(t), 2048);
    for (uint32_t i = 0; i < 1100; i++) { /* every key still there */
        char key[32];
        size_t n = bench_key(i, key);
        fast_assert(dk_table_find(t, key, n, dk_table_default_hash(key, n)) != DK_REF_NONE);
    }
    for (uint32_t i = 0; i < 1090; i++) /* deleting most shrinks it */
        del_int(t, i);
    while (dk_table_step(t, 1000)) {
    }
    ck_assert_uint_lt(dk_table_scan_shape(t), 2048);
    ck_assert_uint_eq(dk_table_count(t), 10);
    dk_table_free(t, NULL, NULL);
}
END_TEST

static Suite *table_suite(void) {
    Suite *s = suite_create("dk_table");
    TCase *tc = tcase_create("table");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_dk_table_random_ops_against_model);
    tcase_add_test(tc, test_dk_table_random_ops_with_colliding_hash);
    tcase_add_test(tc, test_dk_table_grow_to_million_and_shrink_with_scans);
    tcase_add_test(tc, test_dk_table_scan_shape_tells_when_repeats_may_come);
    tcase_add_test(tc, test_dk_table_bytes_match_records_and_buckets);
    tcase_add_test(tc, test_dk_table_random_is_roughly_uniform);
    tcase_add_test(tc, test_dk_table_put_value_aliasing_its_own_entry);
    tcase_add_test(tc, test_dk_table_free_and_clear_hand_objects_back);
    tcase_add_test(tc, test_dk_table_value_of_512mb);
    tcase_add_test(tc, test_dk_table_append_bytes_in_place);
    tcase_add_test(tc, test_dk_table_append_zero_bytes_and_write_in_place);
    tcase_add_test(tc, test_dk_table_overwrite_box_in_place);
    tcase_add_test(tc, test_dk_table_spare_bytes_follow_deletes_and_reuse);
    tcase_add_test(tc, test_dk_table_reserve_sizes_an_empty_table_once);
    tcase_add_test(tc, test_dk_table_meta_word_only_where_asked_and_after_clear);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(table_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
