/* walk.c -- the namespace listing engine: per shard, a scan of each level with a set of the keys
 * shown, then a descent into each nested namespace found (see walk.h). */
#include "walk.h"
#include "map.h"
#include "text.h"

#include <string.h>

map_walk *map_walk_new(keel_proc *p, int mode) {
    map_walk *w = keel_proc_alloc(p, sizeof *w);
    memset(w, 0, sizeof *w);
    w->mode = mode;
    w->now_ms = keel_now_ms(p);
    return w;
}

static void level_start(walk_level *l, const keel_arg *name) {
    memset(l, 0, sizeof *l);
    l->name = name;
    map_keyset_init(&l->seen);
}

void map_walk_shard_start(map_walk *w) {
    w->depth = 0;
    level_start(&w->lv[0], NULL);
}

/* True when the entries of the level being worked on are replied with their keys (every mode
 * but VALS's top level, whose reply is an array of values). */
static bool walk_keyed(const map_walk *w) {
    return w->mode != WALK_VALS || w->depth > 0;
}

static void pending_add(keel_proc *p, walk_level *l, const keel_arg *name) {
    if (l->npending == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        const keel_arg **v = keel_proc_alloc(p, sizeof *v * cap);
        if (l->npending) memcpy(v, l->pending, sizeof *v * l->npending);
        l->pending = v;
        l->cap = cap;
    }
    l->pending[l->npending++] = name;
}

typedef struct walk_ctx {
    keel_proc *p;
    map_walk *w;
} walk_ctx;

static void walk_reply_expiry(keel_proc *p, const map_walk *w, const keel_value *v) {
    int64_t left = v->expire_at_ms < 0           ? -1
                   : v->expire_at_ms > w->now_ms ? v->expire_at_ms - w->now_ms
                                                 : 0;
    if (w->mode == WALK_EXPIRES) {
        keel_reply_int(p, left);
        return;
    }
    char text[MAP_NICE_TEXT];
    keel_reply_bulk(p, text, map_nice_ms(left, text));
}

static void walk_visit(void *arg, const keel_arg *key, const keel_value *v) {
    walk_ctx *cx = arg;
    map_walk *w = cx->w;
    walk_level *l = &w->lv[w->depth];
    keel_charge(cx->p, MAP_ENTRY_COST);
    const keel_arg *k = map_keyset_add(cx->p, &l->seen, key->ptr, key->len);
    if (!k) return; /* shown already, before the table resized */
    switch (w->mode) {
    case WALK_TYPES:
        keel_reply_bulk(cx->p, k->ptr, k->len);
        keel_reply_simple(cx->p, keel_type_name(v->type));
        return;
    case WALK_EXPIRES:
    case WALK_EXPIRES_NICE:
        keel_reply_bulk(cx->p, k->ptr, k->len);
        walk_reply_expiry(cx->p, w, v);
        return;
    default:
        if (v->type == keel_ns_type() && w->depth + 1 < WALK_MAX_DEPTH) {
            pending_add(cx->p, l, k); /* replied once this level's scan is done */
            return;
        }
        if (walk_keyed(w)) keel_reply_bulk(cx->p, k->ptr, k->len);
        keel_reply_stored(cx->p, v);
    }
}

/* Replies nested namespace name (found at the current level) whole through its to-reply op:
 * the way out for a name the core will not let us enter. */
static void walk_reply_whole(keel_proc *p, const keel_arg *name) {
    keel_value v = {.size = sizeof v};
    if (keel_key_lookup(p, name->ptr, name->len, &v) == KEEL_OK)
        keel_reply_stored(p, &v);
    else
        keel_reply_nil(p);
}

/* Enters the next pending nested namespace of the current level: replies its key (when keyed)
 * and opens its map.  Keeps the push (the caller's invariant: one push per level below 0). */
static void walk_descend(keel_proc *p, map_walk *w) {
    walk_level *l = &w->lv[w->depth];
    const keel_arg *name = l->pending[l->next++];
    if (walk_keyed(w)) keel_reply_bulk(p, name->ptr, name->len);
    if (keel_proc_ns_push(p, name->ptr, name->len) != KEEL_OK) {
        walk_reply_whole(p, name);
        return;
    }
    keel_reply_open(p, KEEL_REPLY_MAP);
    w->depth++;
    level_start(&w->lv[w->depth], name);
}

static keel_op_result walk_leave(keel_proc *p, map_walk *w, keel_op_result r) {
    for (uint32_t i = 0; i < w->depth; i++)
        keel_proc_ns_pop(p);
    return r;
}

keel_op_result map_walk_shard(keel_proc *p, map_walk *w) {
    for (uint32_t i = 1; i <= w->depth; i++)
        if (keel_proc_ns_push(p, w->lv[i].name->ptr, w->lv[i].name->len) != KEEL_OK) {
            for (uint32_t j = 1; j < i; j++)
                keel_proc_ns_pop(p);
            return KEEL_NEXT; /* cannot happen: the names were entered before */
        }
    walk_ctx cx = {p, w};
    for (;;) {
        walk_level *l = &w->lv[w->depth];
        if (!l->scanned) {
            keel_status st = keel_key_scan(p, NULL, 0, &l->cursor, walk_visit, &cx);
            if (st == KEEL_MOVED) return walk_leave(p, w, KEEL_HOP);
            if (st != KEEL_OK || l->cursor == 0) l->scanned = true; /* NOTFOUND: nothing here */
        } else if (l->next < l->npending) {
            walk_descend(p, w);
            keel_charge(p, 1);
        } else if (w->depth == 0) {
            return KEEL_NEXT;
        } else {
            keel_reply_close(p);
            keel_proc_ns_pop(p);
            w->depth--;
        }
        if (p->budget <= 0) return walk_leave(p, w, KEEL_YIELD);
    }
}
