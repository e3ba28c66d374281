/* cgroup.c -- consumer groups, consumers and pending entries lists (layout in cgroup.h). */
#include "cgroup.h"

#include <string.h>
#include <keel/sdk.h>

int xs_name_cmp(const void *a, size_t an, const void *b, size_t bn) {
    size_t k = an < bn ? an : bn;
    int c = k ? memcmp(a, b, k) : 0;
    if (c) return c;
    return (an > bn) - (an < bn);
}

/* Grows an array of pointers or records to hold one more; false when out of memory. */
static bool grow(void **v, size_t *cap, size_t n, size_t each) {
    if (n < *cap) return true;
    size_t c = *cap ? *cap * 2 : 4;
    void *nv = keel_realloc(*v, c * each);
    if (!nv) return false;
    *v = nv;
    *cap = c;
    return true;
}

/* ======== names ======== */

/* The index where name is or would go in the array v[0..count) of groups or consumers sorted by
 * name; cmp compares one of them with a name.  *found tells whether it is there. */
static size_t name_slot(void *const *v, size_t count,
                        int (*cmp)(const void *item, const void *name, size_t n), const void *name,
                        size_t n, bool *found) {
    size_t lo = 0, hi = count;
    *found = false;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp(v[mid], name, n);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int group_cmp(const void *item, const void *name, size_t n) {
    const xs_group *g = item;
    return xs_name_cmp(g->name, g->nlen, name, n);
}

static int consumer_cmp(const void *item, const void *name, size_t n) {
    const xs_consumer *c = item;
    return xs_name_cmp(c->name, c->nlen, name, n);
}

/* ======== groups ======== */

/* The index where a group named name is or would go. */
static size_t group_slot(const xs_groups *gs, const void *name, size_t n, bool *found) {
    return name_slot((void *const *)gs->v, gs->n, group_cmp, name, n, found);
}

xs_group *xs_group_find(const xs_groups *gs, const void *name, size_t n) {
    bool found;
    size_t at = group_slot(gs, name, n, &found);
    return found ? gs->v[at] : NULL;
}

xs_group *xs_group_add(xs_groups *gs, const void *name, size_t n, dk_sid last,
                       int64_t entries_read) {
    bool found;
    size_t at = group_slot(gs, name, n, &found);
    if (!grow((void **)&gs->v, &gs->cap, gs->n, sizeof *gs->v)) return NULL;
    xs_group *g = keel_calloc(1, sizeof *g + n + 1);
    if (!g) return NULL;
    g->last_id = last;
    g->entries_read = entries_read;
    g->nlen = (uint32_t)n;
    if (n) memcpy(g->name, name, n);
    memmove(&gs->v[at + 1], &gs->v[at], (gs->n - at) * sizeof *gs->v);
    gs->v[at] = g;
    gs->n++;
    return g;
}

static void group_free(xs_group *g) {
    for (size_t i = 0; i < g->ncons; i++)
        keel_free(g->cons[i]);
    keel_free(g->cons);
    if (g->pel) keel_free(g->pel - g->pelskip);
    keel_free(g);
}

void xs_group_remove(xs_groups *gs, xs_group *g) {
    bool found;
    size_t at = group_slot(gs, g->name, g->nlen, &found);
    if (!found) return;
    memmove(&gs->v[at], &gs->v[at + 1], (gs->n - at - 1) * sizeof *gs->v);
    gs->n--;
    group_free(g);
}

void xs_groups_free(xs_groups *gs) {
    for (size_t i = 0; i < gs->n; i++)
        group_free(gs->v[i]);
    keel_free(gs->v);
    memset(gs, 0, sizeof *gs);
}

bool xs_groups_free_some(xs_groups *gs, size_t *budget) {
    while (gs->n) {
        xs_group *g = gs->v[gs->n - 1];
        for (; g->ncons && *budget; (*budget)--)
            keel_free(g->cons[--g->ncons]);
        if (!*budget) return false;
        group_free(g);
        gs->n--;
        (*budget)--;
    }
    return true;
}

static xs_group *group_copy(const xs_group *g) {
    xs_group *d = keel_calloc(1, sizeof *d + g->nlen + 1);
    if (!d) return NULL;
    memcpy(d, g, sizeof *d + g->nlen);
    d->pel = NULL;
    d->cons = NULL;
    d->npel = d->pelskip = d->cappel = d->ncons = d->capcons = 0;
    if (g->ncons && !(d->cons = keel_calloc(g->ncons, sizeof *d->cons))) goto oom;
    d->capcons = g->ncons;
    for (; d->ncons < g->ncons; d->ncons++) {
        const xs_consumer *c = g->cons[d->ncons];
        xs_consumer *k = keel_alloc(sizeof *k + c->nlen + 1);
        if (!k) goto oom;
        memcpy(k, c, sizeof *k + c->nlen);
        d->cons[d->ncons] = k;
    }
    if (g->npel && !(d->pel = keel_alloc(g->npel * sizeof *d->pel))) goto oom;
    d->cappel = d->npel = g->npel;
    for (size_t i = 0; i < g->npel; i++) {
        d->pel[i] = g->pel[i];
        /* the same consumer in the copy: same place in the sorted array */
        const xs_consumer *o = g->pel[i].owner;
        d->pel[i].owner = xs_consumer_find(d, o->name, o->nlen);
    }
    return d;
oom:
    group_free(d);
    return NULL;
}

bool xs_groups_copy(xs_groups *dst, const xs_groups *src) {
    memset(dst, 0, sizeof *dst);
    if (src->n == 0) return true;
    if (!(dst->v = keel_calloc(src->n, sizeof *dst->v))) return false;
    dst->cap = src->n;
    for (; dst->n < src->n; dst->n++) {
        if (!(dst->v[dst->n] = group_copy(src->v[dst->n]))) {
            xs_groups_free(dst);
            return false;
        }
    }
    return true;
}

size_t xs_groups_bytes(const xs_groups *gs) {
    size_t b = gs->cap * sizeof *gs->v;
    for (size_t i = 0; i < gs->n; i++) {
        const xs_group *g = gs->v[i];
        b += sizeof *g + g->nlen + 1 + g->cappel * sizeof *g->pel + g->capcons * sizeof *g->cons;
        for (size_t j = 0; j < g->ncons; j++)
            b += sizeof(xs_consumer) + g->cons[j]->nlen + 1;
    }
    return b;
}

/* ======== consumers ======== */

static size_t consumer_slot(const xs_group *g, const void *name, size_t n, bool *found) {
    return name_slot((void *const *)g->cons, g->ncons, consumer_cmp, name, n, found);
}

xs_consumer *xs_consumer_find(const xs_group *g, const void *name, size_t n) {
    bool found;
    size_t at = consumer_slot(g, name, n, &found);
    return found ? g->cons[at] : NULL;
}

xs_consumer *xs_consumer_add(xs_group *g, const void *name, size_t n, int64_t now) {
    bool found;
    size_t at = consumer_slot(g, name, n, &found);
    if (!grow((void **)&g->cons, &g->capcons, g->ncons, sizeof *g->cons)) return NULL;
    xs_consumer *c = keel_calloc(1, sizeof *c + n + 1);
    if (!c) return NULL;
    c->seen_time = now;
    c->nlen = (uint32_t)n;
    if (n) memcpy(c->name, name, n);
    memmove(&g->cons[at + 1], &g->cons[at], (g->ncons - at) * sizeof *g->cons);
    g->cons[at] = c;
    g->ncons++;
    return c;
}

uint64_t xs_consumer_remove(xs_group *g, xs_consumer *c) {
    uint64_t had = c->pending;
    size_t w = 0;
    for (size_t i = 0; i < g->npel; i++)
        if (g->pel[i].owner != c) g->pel[w++] = g->pel[i];
    g->npel = w;
    bool found;
    size_t at = consumer_slot(g, c->name, c->nlen, &found);
    if (found) {
        memmove(&g->cons[at], &g->cons[at + 1], (g->ncons - at - 1) * sizeof *g->cons);
        g->ncons--;
    }
    keel_free(c);
    return had;
}

/* ======== the PEL ======== */

size_t xs_pel_lower(const xs_group *g, dk_sid id) {
    size_t lo = 0, hi = g->npel;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (dk_sid_cmp(g->pel[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

xs_nack *xs_pel_find(const xs_group *g, dk_sid id) {
    size_t at = xs_pel_lower(g, id);
    return at < g->npel && dk_sid_cmp(g->pel[at].id, id) == 0 ? &g->pel[at] : NULL;
}

/* Moves the records back to the start of their allocation (the room freed at the front goes to
 * the end). */
static void pel_slide_home(xs_group *g) {
    if (!g->pelskip) return;
    memmove(g->pel - g->pelskip, g->pel, g->npel * sizeof *g->pel);
    g->pel -= g->pelskip;
    g->pelskip = 0;
}

/* Makes room for one more record at the end: the room at the front when it is a quarter of the
 * allocation (so each slide is paid for by as many removals), else a bigger allocation. */
static bool pel_room_at_end(xs_group *g) {
    if (g->pelskip + g->npel < g->cappel) return true;
    if (g->pelskip && g->pelskip >= g->cappel / 4) {
        pel_slide_home(g);
        return true;
    }
    size_t cap = g->cappel ? g->cappel * 2 : 4;
    xs_nack *v = keel_realloc(g->pel ? g->pel - g->pelskip : NULL, cap * sizeof *g->pel);
    if (!v) return false;
    g->pel = v + g->pelskip;
    g->cappel = cap;
    return true;
}

xs_nack *xs_pel_insert(xs_group *g, size_t at, dk_sid id, xs_consumer *c, int64_t now) {
    if (g->pelskip && at < g->npel / 2) { /* the records before it move down into the room */
        g->pel--;
        g->pelskip--;
        memmove(&g->pel[0], &g->pel[1], at * sizeof *g->pel);
    } else {
        if (!pel_room_at_end(g)) return NULL;
        memmove(&g->pel[at + 1], &g->pel[at], (g->npel - at) * sizeof *g->pel);
    }
    g->npel++;
    xs_nack *n = &g->pel[at];
    n->id = id;
    n->delivery_time = now;
    n->delivery_count = 1;
    n->owner = c;
    c->pending++;
    return n;
}

void xs_pel_cut(xs_group *g, size_t from, size_t to) {
    if (from == to) return; /* nothing dropped (the PEL may be NULL) */
    size_t k = to - from;
    if (from < g->npel - to) { /* fewer records before the gap: they move up, the front grows */
        memmove(&g->pel[k], &g->pel[0], from * sizeof *g->pel);
        g->pel += k;
        g->pelskip += k;
    } else {
        memmove(&g->pel[from], &g->pel[to], (g->npel - to) * sizeof *g->pel);
    }
    g->npel -= k;
    if (g->cappel > 64 && g->npel < g->cappel / 4) { /* give back what a drained PEL held */
        pel_slide_home(g);
        size_t cap = g->npel * 2 > 64 ? g->npel * 2 : 64;
        xs_nack *v = keel_realloc(g->pel, cap * sizeof *g->pel);
        if (v) g->pel = v, g->cappel = cap;
    }
}

void xs_pel_remove_at(xs_group *g, size_t at) {
    g->pel[at].owner->pending--;
    xs_pel_cut(g, at, at + 1);
}

void xs_nack_move(xs_nack *n, xs_consumer *c) {
    n->owner->pending--;
    n->owner = c;
    c->pending++;
}
