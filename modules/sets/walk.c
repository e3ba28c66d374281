/* walk.c -- visiting a multi-key command's keys shard by shard, and the passes that build a
 * process-owned working set from sets on any thread (see walk.h). */
#include "walk.h"
#include "setobj.h"

#include <string.h>

/* Members up to this size are copied on the stack before being removed from the set they
 * live in; longer ones go to the arena. */
#define STACK_COPY 256

sets_walk *sets_walk_new(keel_proc *p, uint32_t skip_argi) {
    sets_walk *w = keel_proc_alloc(p, sizeof *w);
    memset(w, 0, sizeof *w);
    w->n = keel_key_count(p);
    w->skip_argi = skip_argi;
    size_t n = w->n ? w->n : 1;
    w->argi = keel_proc_alloc(p, sizeof *w->argi * n);
    w->count = keel_proc_alloc(p, sizeof *w->count * n);
    w->present = keel_proc_alloc(p, sizeof *w->present * n);
    w->wrong = keel_proc_alloc(p, sizeof *w->wrong * n);
    w->local = keel_proc_alloc(p, sizeof *w->local * n);
    for (uint32_t i = 0; i < w->n; i++) {
        w->argi[i] = 0;
        w->count[i] = 0;
        w->present[i] = false;
        w->wrong[i] = false;
        w->local[i] = keel_key_nth(p, i, NULL, NULL) == KEEL_OK;
    }
    w->it = dk_iter_at(0);
    return w;
}

keel_op_result sets_walk_validate(keel_proc *p, sets_walk *w) {
    while (w->pos < w->n) {
        keel_arg k;
        uint32_t argi;
        keel_status st = keel_key_nth(p, w->pos, &k, &argi);
        KEEL_OP_PROPAGATE(st);
        w->argi[w->pos] = argi;
        if (argi != w->skip_argi) {
            dk_set *s;
            st = sets_find(p, k.ptr, k.len, &s);
            KEEL_OP_PROPAGATE(st);
            if (st == KEEL_EWRONGTYPE && !w->defer_wrongtype) return sets_wrongtype(p);
            w->wrong[w->pos] = st == KEEL_EWRONGTYPE;
            w->present[w->pos] = st == KEEL_OK;
            w->count[w->pos] = st == KEEL_OK ? dk_set_count(s) : 0;
        }
        w->pos++;
        if (keel_charge(p, 1) && w->pos < w->n) return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

uint32_t sets_walk_index(const sets_walk *w, uint32_t argi) {
    for (uint32_t i = 0; i < w->n; i++)
        if (w->argi[i] == argi) return i;
    return w->n;
}

bool sets_walk_all_local(const sets_walk *w) {
    for (uint32_t i = 0; i < w->n; i++)
        if (!w->local[i] && w->argi[i] != w->skip_argi) return false;
    return true;
}

keel_status sets_walk_find(keel_proc *p, const sets_walk *w, uint32_t i, dk_set **s) {
    (void)w;
    keel_arg k;
    *s = NULL;
    keel_status st = keel_key_nth(p, i, &k, NULL);
    if (st != KEEL_OK) return st;
    st = sets_find(p, k.ptr, k.len, s);
    if (st == KEEL_MOVED || st == KEEL_WAIT) return st;
    if (st != KEEL_OK) *s = NULL; /* gone (FLUSHALL while locked): an empty set */
    return KEEL_OK;
}

/* Removes m from s, where m may be a view into s itself. */
static void remove_member(keel_proc *p, dk_set *s, const dk_val *m) {
    char buf[STACK_COPY];
    dk_val c = *m;
    if (m->type == DK_BYTES && m->len <= sizeof buf) {
        if (m->len) memcpy(buf, m->v.ptr, m->len);
        c.v.ptr = buf;
    } else if (m->type == DK_BYTES) {
        c = sets_keep(p, m);
    }
    dk_set_remove(s, &c);
}

/* ADD / SUBTRACT: walks S (moving acc to the general tier in slices when needed). */
static keel_op_result walk_other(keel_proc *p, sets_walk *w, const dk_set *s, sets_pass pass) {
    dk_val m;
    for (;;) {
        if (sets_convert_busy(&w->conv)) {
            keel_op_result r = sets_convert_own(p, &w->conv, &w->acc);
            if (r != KEEL_NEXT) return r;
        }
        if (!dk_set_next(s, &w->it, &m)) return KEEL_NEXT;
        int64_t cost = sets_cost(w->acc, &m);
        if (pass == SETS_ADD) {
            if (sets_convert_add(&w->conv, w->acc, &m) < 0) return sets_oom(p);
        } else {
            dk_set_remove(w->acc, &m);
        }
        if (keel_charge(p, cost) && (w->it.pos < dk_set_count(s) || sets_convert_busy(&w->conv)))
            return KEEL_YIELD;
    }
}

/* KEEP_IN / KEEP_OUT: walks acc, probing S; a member that goes leaves the cursor in place. */
static keel_op_result walk_acc(keel_proc *p, sets_walk *w, const dk_set *s, sets_pass pass) {
    dk_val m;
    for (;;) {
        dk_iter probe = w->it;
        if (!dk_set_next(w->acc, &probe, &m)) return KEEL_NEXT;
        bool in = s && dk_set_contains(s, &m);
        int64_t cost = s ? sets_cost(s, &m) : 1;
        if (in == (pass == SETS_KEEP_IN)) {
            w->it = probe;
        } else {
            cost += sets_cost(w->acc, &m);
            remove_member(p, w->acc, &m);
        }
        keel_charge(p, cost);
        if (p->budget <= 0 && w->it.pos < dk_set_count(w->acc)) return KEEL_YIELD;
    }
}

keel_op_result sets_walk_pass(keel_proc *p, sets_walk *w, uint32_t i, sets_pass pass) {
    dk_set *s;
    keel_status st = sets_walk_find(p, w, i, &s);
    KEEL_OP_PROPAGATE(st);
    if (!w->acc && !(w->acc = dk_set_new())) return sets_oom(p);
    keel_op_result r = KEEL_NEXT;
    if (pass == SETS_ADD || pass == SETS_SUBTRACT) {
        if (s) r = walk_other(p, w, s, pass);
    } else {
        r = walk_acc(p, w, s, pass);
    }
    if (r == KEEL_NEXT) w->it = dk_iter_at(0);
    return r;
}

dk_set *sets_walk_take(sets_walk *w) {
    dk_set *s = w->acc;
    w->acc = NULL;
    return s;
}

void sets_walk_free(sets_walk *w) {
    if (!w) return;
    sets_convert_abort(&w->conv);
    dk_set_free(w->acc);
    w->acc = NULL;
}
