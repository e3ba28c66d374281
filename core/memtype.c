/* memtype.c -- memory by value type, walked a few buckets a tick per shard (see memtype.h). */
#include "config.h"
#include "memtype.h"
#include "keyspace.h"
#include "mem.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"

#include <stdatomic.h>
#include <string.h>

/* Entries a namespace met on the walk may have visited in all, its nested ones included. */
#define MEMTYPE_NS_BUDGET 1024
/* The walks run while someone has read the figures this recently: an idle server that nobody
 * scrapes pays nothing for them. */
#define MEMTYPE_WANTED_MS (5 * 60 * 1000)

static _Atomic int64_t wanted_until_ms;

struct memtype_walk {
    uint32_t db;                         /* the database being walked */
    uint64_t cursor;                     /* dk_table_scan's cursor in its table */
    double partial[MEMTYPE_SLOTS];       /* this pass's sums so far */
    _Atomic uint64_t pub[MEMTYPE_SLOTS]; /* the last finished pass's sums */
    _Atomic uint64_t passes;
};

static size_t object_bytes(keel_type_id type, const void *obj) {
    const type_entry *te = type_by_id(type);
    return te && te->def.memory_usage ? te->def.memory_usage(obj) : 0;
}

/* ---- namespaces: their own table, and a sample of what is in it ---- */

typedef struct ns_sample {
    struct {
        keel_type_id type;
        void *obj;
    } objs[MEMTYPE_NS_SAMPLES];
    uint32_t nobjs;
    uint32_t visited; /* entries looked at, values that are not objects included */
} ns_sample;

static void sample_visit(void *arg, dk_table *t, dk_ref r) {
    ns_sample *sm = arg;
    if (sm->visited >= MEMTYPE_NS_SAMPLES) return;
    sm->visited++;
    dk_entry e;
    dk_table_view(t, r, &e);
    if (e.kind != DK_ENTRY_OBJ) return;
    sm->objs[sm->nobjs].type = e.obj_type;
    sm->objs[sm->nobjs].obj = e.obj;
    sm->nobjs++;
}

/* Adds namespace o, weighted by scale, to sums: its table exactly, its objects from a sample.
 * *budget bounds the entries visited below one top-level namespace. */
static void measure_ns(const ns_obj *o, double scale, uint32_t depth, uint32_t *budget,
                       double *sums) {
    keel_type_id nst = ns_type();
    if (nst < MEMTYPE_SLOTS) sums[nst] += scale * (double)object_bytes(nst, o);
    if (depth > KEEL_NS_DEPTH_MAX || *budget == 0) return;
    ns_sample sm = {.nobjs = 0};
    uint64_t cursor = 0;
    do
        cursor = dk_table_scan(o->t, cursor, sample_visit, &sm);
    while (cursor && sm.visited < MEMTYPE_NS_SAMPLES);
    if (sm.visited == 0) return;
    *budget = *budget > sm.visited ? *budget - sm.visited : 0;
    double each = scale * (double)dk_table_count(o->t) / (double)sm.visited;
    for (uint32_t i = 0; i < sm.nobjs; i++) {
        keel_type_id type = sm.objs[i].type;
        if (type == nst)
            measure_ns(sm.objs[i].obj, each, depth + 1, budget, sums);
        else if (type < MEMTYPE_SLOTS)
            sums[type] += each * (double)object_bytes(type, sm.objs[i].obj);
    }
}

/* ---- the walk of one shard ---- */

typedef struct walk_step {
    struct memtype_walk *w;
    size_t visited;
} walk_step;

static void walk_visit(void *arg, dk_table *t, dk_ref r) {
    walk_step *st = arg;
    st->visited++;
    dk_entry e;
    dk_table_view(t, r, &e);
    if (e.kind != DK_ENTRY_OBJ) return; /* a string: part of its table's bytes */
    if (e.obj_type == ns_type()) {
        uint32_t budget = MEMTYPE_NS_BUDGET;
        measure_ns(e.obj, 1.0, 1, &budget, st->w->partial);
    } else if (e.obj_type < MEMTYPE_SLOTS) {
        st->w->partial[e.obj_type] += (double)object_bytes(e.obj_type, e.obj);
    }
}

static void publish(struct memtype_walk *w) {
    for (int i = 0; i < MEMTYPE_SLOTS; i++) {
        atomic_store_explicit(&w->pub[i], (uint64_t)w->partial[i], memory_order_relaxed);
        w->partial[i] = 0;
    }
    atomic_fetch_add_explicit(&w->passes, 1, memory_order_release);
}

void memtype_tick(shard *s, size_t work, int64_t now_ms) {
    if (atomic_load_explicit(&wanted_until_ms, memory_order_relaxed) < now_ms) return;
    struct memtype_walk *w = s->memtype;
    if (!w) {
        w = mem_calloc(1, sizeof *w);
        __atomic_store_n(&s->memtype, w, __ATOMIC_RELEASE);
    }
    walk_step st = {.w = w, .visited = 0};
    while (st.visited < work) {
        dk_table *t = shard_table(s, w->db);
        if (t)
            w->cursor = dk_table_scan(t, w->cursor, walk_visit, &st);
        else
            w->cursor = 0;
        if (w->cursor != 0) continue;
        if (++w->db < s->ndbs) continue;
        w->db = 0; /* a pass is over */
        publish(w);
        break;
    }
}

void memtype_free(shard *s) {
    mem_free(s->memtype);
    s->memtype = NULL;
}

static struct memtype_walk *walk_of(uint32_t i) {
    return __atomic_load_n(&shard_get(i)->memtype, __ATOMIC_ACQUIRE);
}

void memtype_want(int64_t now_ms) {
    atomic_store_explicit(&wanted_until_ms, now_ms + MEMTYPE_WANTED_MS, memory_order_relaxed);
}

uint64_t memtype_bytes(uint16_t type_id) {
    if (type_id >= MEMTYPE_SLOTS) return 0;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < srv->nshards; i++) {
        struct memtype_walk *w = walk_of(i);
        if (w) sum += atomic_load_explicit(&w->pub[type_id], memory_order_relaxed);
    }
    return sum;
}

uint64_t memtype_passes(void) {
    uint64_t least = UINT64_MAX;
    for (uint32_t i = 0; i < srv->nshards; i++) {
        struct memtype_walk *w = walk_of(i);
        uint64_t n = w ? atomic_load_explicit(&w->passes, memory_order_acquire) : 0;
        if (n < least) least = n;
    }
    return least == UINT64_MAX ? 0 : least;
}
