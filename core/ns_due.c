/* ns_due.c -- the per-shard heap of namespaces with expiring keys, keyed by their tables'
 * earliest expiry (see ns_due.h). */
#include "config.h"
#include "ns_due.h"
#include "expire.h"
#include "mem.h"
#include "server.h"
#include "shard.h"

static void place(shard *s, uint32_t i, ns_obj *o) {
    s->ns_due[i] = o;
    o->due_pos = i;
}

static void sift_up(shard *s, uint32_t i) {
    ns_obj *o = s->ns_due[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (s->ns_due[parent]->due <= o->due) break;
        place(s, i, s->ns_due[parent]);
        i = parent;
    }
    place(s, i, o);
}

static void sift_down(shard *s, uint32_t i) {
    ns_obj *o = s->ns_due[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= s->ns_due_n) break;
        if (c + 1 < s->ns_due_n && s->ns_due[c + 1]->due < s->ns_due[c]->due) c++;
        if (s->ns_due[c]->due >= o->due) break;
        place(s, i, s->ns_due[c]);
        i = c;
    }
    place(s, i, o);
}

static void insert(shard *s, ns_obj *o) {
    if (s->ns_due_n == s->ns_due_cap) {
        s->ns_due_cap = s->ns_due_cap ? s->ns_due_cap * 2 : 16;
        s->ns_due = mem_realloc(s->ns_due, s->ns_due_cap * sizeof *s->ns_due);
    }
    o->expiring = true;
    place(s, s->ns_due_n++, o);
    sift_up(s, o->due_pos);
}

void ns_due_remove(ns_obj *o) {
    if (!o->expiring) return;
    shard *s = shard_get(o->shard_id);
    uint32_t i = o->due_pos;
    o->expiring = false;
    ns_obj *last = s->ns_due[--s->ns_due_n];
    if (last == o) return;
    place(s, i, last);
    sift_up(s, i);
    sift_down(s, last->due_pos);
}

void ns_due_update(ns_obj *o) {
    int64_t due = dk_table_expires_count(o->t) ? dk_table_next_expiry(o->t) : DK_NO_EXPIRY;
    if (due == DK_NO_EXPIRY) {
        ns_due_remove(o);
        return;
    }
    shard *s = shard_get(o->shard_id);
    bool sooner = !o->expiring || due < o->due;
    if (o->expiring && due == o->due) return;
    o->due = due;
    if (!o->expiring) {
        insert(s, o);
    } else {
        sift_up(s, o->due_pos);
        sift_down(s, o->due_pos);
    }
    if (sooner) expire_soon(s, due);
}

ns_obj *ns_due_first(const shard *s) {
    return s->ns_due_n ? s->ns_due[0] : NULL;
}

void ns_due_free(shard *s) {
    for (uint32_t i = 0; i < s->ns_due_n; i++)
        s->ns_due[i]->expiring = false;
    mem_free(s->ns_due);
    s->ns_due = NULL;
    s->ns_due_n = s->ns_due_cap = 0;
}
