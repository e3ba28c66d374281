/* memusage.c -- measuring a key's memory for MEMORY USAGE, a slice at a time (see memusage.h). */
#include "config.h"
#include "memusage.h"
#include "keyspace.h"
#include "ns.h"
#include "registry.h"
#include "zvm.h"

#include <string.h>

/* One namespace table being measured. */
typedef struct mu_frame {
    ns_obj *o;
    uint64_t cursor;
    bool scanned;
    uint64_t visited; /* entries sampled in this table */
    double objbytes;  /* bytes of the object values among them (nested: their estimates) */
    ns_obj **pending; /* nested namespaces sampled, measured once the scan is done */
    uint32_t npending, cap, next;
} mu_frame;

struct mu_walk {
    uint64_t entry; /* the key's own entry in its table */
    uint64_t left;  /* samples left; UINT64_MAX: every value */
    uint64_t value; /* the value's bytes, once known */
    uint32_t depth; /* frames in use; 0 once done (or for a value that is not a namespace) */
    mu_frame f[KEEL_NS_DEPTH_MAX + 1]; /* a namespace and the ones below it: no path is longer */
};

static size_t object_bytes(uint16_t type, const void *obj) {
    const type_entry *te = type_by_id(type);
    return te && te->def.memory_usage ? te->def.memory_usage(obj) : 0;
}

static void frame_push(mu_walk *w, ns_obj *o) {
    mu_frame *f = &w->f[w->depth++];
    memset(f, 0, sizeof *f);
    f->o = o;
}

mu_walk *mu_start(zvm_proc *p, dk_table *t, dk_ref r, uint64_t samples) {
    mu_walk *w = zvm_alloc(p, sizeof *w);
    w->entry = dk_table_entry_bytes(t, r);
    w->left = samples ? samples : UINT64_MAX;
    w->value = 0;
    w->depth = 0;
    dk_entry e;
    dk_table_view(t, r, &e);
    if (e.kind == DK_ENTRY_OBJ && e.obj_type == ns_type())
        frame_push(w, e.obj);
    else if (e.kind == DK_ENTRY_OBJ)
        w->value = object_bytes(e.obj_type, e.obj);
    return w;
}

typedef struct mu_scan {
    zvm_proc *p;
    mu_walk *w;
    mu_frame *f;
    size_t visited;
} mu_scan;

static void pending_add(zvm_proc *p, mu_frame *f, ns_obj *o) {
    if (f->npending == f->cap) {
        uint32_t cap = f->cap ? f->cap * 2 : 8;
        ns_obj **v = zvm_alloc(p, sizeof *v * cap);
        if (f->npending) memcpy(v, f->pending, sizeof *v * f->npending);
        f->pending = v;
        f->cap = cap;
    }
    f->pending[f->npending++] = o;
}

static void mu_visit(void *arg, dk_table *t, dk_ref r) {
    mu_scan *cx = arg;
    cx->visited++;
    if (cx->w->left == 0) return;
    if (cx->w->left != UINT64_MAX) cx->w->left--;
    cx->f->visited++;
    dk_entry e;
    dk_table_view(t, r, &e);
    if (e.kind != DK_ENTRY_OBJ) return; /* a box: counted in its table's bytes */
    if (e.obj_type == ns_type())
        pending_add(cx->p, cx->f, e.obj);
    else
        cx->f->objbytes += (double)object_bytes(e.obj_type, e.obj);
}

/* The top frame's estimate: its table, and its object values extrapolated from those sampled. */
static double frame_estimate(const mu_frame *f) {
    double bytes = (double)object_bytes(ns_type(), f->o);
    size_t count = dk_table_count(f->o->t);
    if (f->visited) bytes += f->objbytes * (double)count / (double)f->visited;
    return bytes;
}

bool mu_step(zvm_proc *p, mu_walk *w, uint64_t *bytes) {
    while (w->depth > 0) {
        if (p->pub.budget <= 0) return false;
        mu_frame *f = &w->f[w->depth - 1];
        if (!f->scanned) {
            mu_scan cx = {p, w, f, 0};
            f->cursor = dk_table_scan(f->o->t, f->cursor, mu_visit, &cx);
            keel_charge(&p->pub, (int64_t)cx.visited * KS_VISIT_COST + 1);
            f->scanned = f->cursor == 0 || w->left == 0;
        } else if (f->next < f->npending) {
            ns_obj *child = f->pending[f->next++];
            if (w->depth < KEEL_NS_DEPTH_MAX + 1)
                frame_push(w, child);
            else
                f->objbytes += (double)object_bytes(ns_type(), child); /* cannot happen */
        } else {
            double est = frame_estimate(f);
            if (--w->depth > 0)
                w->f[w->depth - 1].objbytes += est;
            else
                w->value = (uint64_t)(est + 0.5);
        }
    }
    *bytes = w->entry + w->value;
    return true;
}
