/* sets_sim.c -- two simulated threads over the fake SDK table, and reply text, for the
 * sets.so and hll.so unit tests (see sets_sim.h). */
#include "sets_sim.h"
#include "fake_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const keel_api *base;
static keel_api table;
static bool sim_on;
static bool running; /* inside sim_run: keyspace calls check the thread */
static int cur, target;
static long hops, yields;

static int thread_of(const void *key, size_t n) {
    if (!sim_on || !running || n == 0) return 0;
    char c = ((const char *)key)[0];
    return c == 'x' || c == 'y' || c == 'z';
}

#define GUARD(KEY, KLEN)                                                                           \
    do {                                                                                           \
        int t_ = thread_of(KEY, KLEN);                                                             \
        if (t_ != cur) {                                                                           \
            target = t_;                                                                           \
            return KEEL_MOVED;                                                                     \
        }                                                                                          \
    } while (0)

static keel_status s_lookup(keel_proc *p, const void *key, size_t klen, keel_value *out) {
    GUARD(key, klen);
    return base->key_lookup(p, key, klen, out);
}

static keel_status s_store(keel_proc *p, const void *key, size_t klen, const dk_val *v,
                           unsigned flags) {
    GUARD(key, klen);
    return base->key_store(p, key, klen, v, flags);
}

static keel_status s_store_object(keel_proc *p, const void *key, size_t klen, keel_type_id type,
                                  void *obj, unsigned flags) {
    GUARD(key, klen);
    return base->key_store_object(p, key, klen, type, obj, flags);
}

static keel_status s_delete(keel_proc *p, const void *key, size_t klen) {
    GUARD(key, klen);
    return base->key_delete(p, key, klen);
}

static keel_status s_expire(keel_proc *p, const void *key, size_t klen, int64_t at_ms) {
    GUARD(key, klen);
    return base->key_expire(p, key, klen, at_ms);
}

/* Key i in (thread, argument order) order: the base table's index. */
static uint32_t sorted_index(keel_proc *p, uint32_t i) {
    uint32_t n = base->key_count(p), seen = 0;
    for (int t = 0; t < 2; t++) {
        for (uint32_t j = 0; j < n; j++) {
            keel_arg k;
            base->key_nth(p, j, &k, NULL);
            if (thread_of(k.ptr, k.len) == t && seen++ == i) return j;
        }
    }
    return n;
}

static keel_status s_key_nth(keel_proc *p, uint32_t i, keel_arg *key, uint32_t *argi) {
    uint32_t j = sorted_index(p, i);
    keel_arg k;
    uint32_t a;
    keel_status st = base->key_nth(p, j, &k, &a);
    if (st != KEEL_OK) return st;
    GUARD(k.ptr, k.len);
    if (key) *key = k;
    if (argi) *argi = a;
    return KEEL_OK;
}

void sim_reset(bool two_threads) {
    fake_api_reset();
    base = keel_api_ptr;
    table = *base;
    table.key_lookup = s_lookup;
    table.key_store = s_store;
    table.key_store_object = s_store_object;
    table.key_delete = s_delete;
    table.key_expire = s_expire;
    table.key_nth = s_key_nth;
    keel_api_ptr = &table;
    sim_on = two_threads;
    cur = 0;
}

void sim_threads(bool on) {
    sim_on = on;
}

keel_proc *sim_run(int64_t budget, keel_op_result *result, int argc, const char *const *argv) {
    keel_arg *args = malloc(sizeof *args * (size_t)(argc ? argc : 1));
    if (!args) abort();
    for (int i = 0; i < argc; i++) {
        args[i].ptr = argv[i];
        args[i].len = strlen(argv[i]);
    }
    keel_proc *p = fake_proc_new_args(NULL, argc, args);
    free(args);
    fake_proc_set_budget(p, budget);
    running = true;
    uint32_t n = base->key_count(p);
    cur = 0;
    if (n > 0) {
        keel_arg k;
        base->key_nth(p, sorted_index(p, n - 1), &k, NULL);
        cur = thread_of(k.ptr, k.len);
    }
    hops = 0;
    keel_op_result r;
    for (;;) {
        r = fake_call(p);
        if (r != KEEL_HOP) break;
        cur = target;
        hops++;
        if (hops > 1000000) abort();
    }
    running = false;
    yields = fake_proc_yields(p);
    *result = r;
    return p;
}

long sim_hops(void) {
    return hops;
}
long sim_yields(void) {
    return yields;
}

int sim_argc_(const char *const *argv) {
    int n = 0;
    while (argv[n])
        n++;
    return n;
}

/* Appends text to out at *at (cut at cap - 1). */
static void put(char *out, size_t cap, size_t *at, const char *s, size_t n) {
    for (size_t i = 0; i < n && *at + 1 < cap; i++)
        out[(*at)++] = s[i];
    out[*at < cap ? *at : cap - 1] = '\0';
}

static void show_at(const keel_reply *r, char *out, size_t cap, size_t *at) {
    char num[48];
    switch (r->type) {
    case KEEL_REPLY_NIL:
        put(out, cap, at, "nil", 3);
        break;
    case KEEL_REPLY_INT:
    case KEEL_REPLY_BOOL:
        put(out, cap, at, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)r->v.i));
        break;
    case KEEL_REPLY_UINT:
        put(out, cap, at, num,
            (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)r->v.u));
        break;
    case KEEL_REPLY_DOUBLE:
        put(out, cap, at, num, (size_t)snprintf(num, sizeof num, "%.17g", r->v.d));
        break;
    case KEEL_REPLY_SIMPLE:
        put(out, cap, at, "+", 1);
        put(out, cap, at, r->v.s, r->len);
        break;
    case KEEL_REPLY_ERROR:
        put(out, cap, at, "!", 1);
        put(out, cap, at, r->v.s, r->len);
        break;
    case KEEL_REPLY_BULK:
    case KEEL_REPLY_VERBATIM:
        put(out, cap, at, r->v.s, r->len);
        break;
    default: {
        put(out, cap, at, "[", 1);
        uint32_t n = r->type == KEEL_REPLY_MAP ? r->len * 2 : r->len;
        const keel_reply *c = r->v.child;
        for (uint32_t i = 0; i < n && c; i++, c = c->next) {
            if (i) put(out, cap, at, ",", 1);
            show_at(c, out, cap, at);
        }
        put(out, cap, at, "]", 1);
    }
    }
}

void sim_show(const keel_reply *r, char *out, size_t cap) {
    size_t at = 0;
    out[0] = '\0';
    if (!r) {
        put(out, cap, &at, "(none)", 6);
        return;
    }
    show_at(r, out, cap, &at);
}

const char *sim_text(int64_t budget, int argc, const char *const *argv) {
    static char buf[1 << 16];
    keel_op_result r;
    keel_proc *p = sim_run(budget, &r, argc, argv);
    sim_show(fake_proc_reply(p), buf, sizeof buf);
    fake_proc_free(p);
    return buf;
}
