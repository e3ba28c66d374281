/* lazyfree.c -- the per-thread queue of big values waiting to be freed in slices. */
#include "config.h"
#include "lazyfree.h"
#include "clock.h"
#include "mem.h"
#include "ns.h"
#include "ns_due.h"
#include "registry.h"
#include "server.h"
#include "thread.h"

#include <time.h>

#define LAZY_MIN_BYTES (256 * 1024) /* smaller values are freed at once */
#define LAZY_SLICE 512              /* keys of a namespace freed per step */

typedef struct lazy_item {
    struct lazy_item *next;
    uint16_t type;
    void *obj;
    uint64_t cursor; /* a namespace's: where draining its table stands */
} lazy_item;

static void free_now(uint16_t type, void *obj) {
    const type_entry *te = type_by_id(type);
    if (te && te->def.free) te->def.free(obj);
}

void lazy_free(uint16_t type, void *obj) {
    thr *t = thr_self();
    const type_entry *te = type_by_id(type);
    bool big = te && te->def.memory_usage && te->def.memory_usage(obj) > LAZY_MIN_BYTES;
    if (!t || !big || atomic_load(&srv->shutting_down)) {
        free_now(type, obj);
        return;
    }
    if (type ==
        ns_type()) { /* out of its shard's expiry heap now (nested ones go as they are freed) */
        ns_due_remove(obj);
        ns_orphan(obj);
    }
    lazy_item *it = mem_alloc(sizeof *it);
    it->type = type;
    it->obj = obj;
    it->cursor = 0;
    it->next = t->lazy;
    t->lazy = it;
    t->nlazy++;
}

/* One step on the head item: true when it is gone. */
static bool lazy_step(lazy_item *it) {
    if (it->type == ns_type()) return ns_obj_drain(it->obj, LAZY_SLICE, &it->cursor);
    free_now(it->type, it->obj); /* other types free fast enough in one go once big */
    return true;
}

void lazy_free_run(thr *t, int64_t budget_ns) {
    int64_t deadline = mono_ns() + budget_ns;
    while (t->lazy && mono_ns() < deadline) {
        lazy_item *it = t->lazy;
        if (!lazy_step(it)) continue;
        t->lazy = it->next;
        t->nlazy--;
        thr_stat_bump(&t->st.lazy_freed);
        mem_free(it);
    }
}

void lazy_free_drain(thr *t) {
    while (t->lazy) {
        lazy_item *it = t->lazy;
        t->lazy = it->next;
        t->nlazy--;
        while (!lazy_step(it)) {
        }
        thr_stat_bump(&t->st.lazy_freed);
        mem_free(it);
    }
}

void lazy_free_module_values(thr *t, bool (*take)(void *arg, uint16_t type, void *obj),
                             void (*fn)(void *arg, struct dk_table *table), void *arg) {
    for (lazy_item **at = &t->lazy; *at;) {
        lazy_item *it = *at;
        if (it->type == ns_type()) {
            fn(arg, ((ns_obj *)it->obj)->t);
        } else if (take(arg, it->type, it->obj)) {
            *at = it->next;
            t->nlazy--;
            thr_stat_bump(&t->st.lazy_freed);
            mem_free(it);
            continue;
        }
        at = &it->next;
    }
}
