/* local.c -- each worker thread's subscription tables and delivery (see local.h). */
#include "local.h"

#include <datakit/glob.h>
#include <datakit/table.h>
#include <string.h>
#include <keel/sdk.h>
#include "names.h"

typedef struct ps_local {
    dk_table *lists; /* identity -> ps_list */
    ps_list **pats;  /* the pattern lists, in the order first subscribed here */
    uint32_t npats, cappats;
    uint8_t *scratch; /* local_scratch */
} ps_local;

static ps_local *threads;
static uint32_t nthreads;

bool local_init(uint32_t n) {
    threads = keel_calloc(n, sizeof *threads);
    if (!threads) return false;
    nthreads = n;
    for (uint32_t t = 0; t < n; t++) {
        threads[t].lists = dk_table_new();
        threads[t].scratch = keel_calloc(n, 1);
        if (!threads[t].lists || !threads[t].scratch) return false;
    }
    return true;
}

static void list_free(void *ctx, uint16_t type, void *obj) {
    (void)ctx;
    (void)type;
    ps_list *l = obj;
    keel_free(l->subs);
    keel_free(l);
}

void local_free(void) {
    for (uint32_t t = 0; threads && t < nthreads; t++) {
        if (threads[t].lists) dk_table_free(threads[t].lists, list_free, NULL);
        keel_free(threads[t].pats);
        keel_free(threads[t].scratch);
    }
    keel_free(threads);
    threads = NULL;
    nthreads = 0;
}

uint8_t *local_scratch(uint32_t t) {
    return threads[t].scratch;
}

static ps_list *list_find(ps_local *l, const char *id, size_t len, uint64_t hash) {
    dk_ref r = dk_table_find(l->lists, id, len, hash);
    if (!r) return NULL;
    dk_entry e;
    dk_table_view(l->lists, r, &e);
    return e.obj;
}

/* A new, empty list for sub's identity, in the table (and the pattern array); NULL when out of
 * memory. */
static ps_list *list_new(ps_local *l, const ps_sub *sub, uint64_t hash) {
    bool pattern = ps_id_kind(sub->id) == PS_PATTERN;
    if (pattern && l->npats == l->cappats) {
        uint32_t cap = l->cappats ? l->cappats * 2 : 8;
        ps_list **grown = keel_realloc(l->pats, sizeof *grown * cap);
        if (!grown) return NULL;
        l->pats = grown;
        l->cappats = cap;
    }
    ps_list *list = keel_calloc(1, sizeof *list + sub->len);
    if (!list) return NULL;
    list->len = sub->len;
    list->name_off = sub->name_off;
    memcpy(list->id, sub->id, sub->len);
    if (!dk_table_put_obj(l->lists, list->id, list->len, hash, 0, list, false, NULL, NULL)) {
        keel_free(list);
        return NULL;
    }
    if (pattern) {
        list->pat_slot = l->npats;
        l->pats[l->npats++] = list;
    }
    return list;
}

/* Drops an empty list from the table and the pattern array. */
static void list_drop(ps_local *l, ps_list *list) {
    dk_ref r =
        dk_table_find(l->lists, list->id, list->len, dk_table_default_hash(list->id, list->len));
    if (r) dk_table_delete(l->lists, r, NULL, NULL);
    if (ps_id_kind(list->id) == PS_PATTERN) { /* the others keep their order */
        for (uint32_t i = list->pat_slot + 1; i < l->npats; i++) {
            l->pats[i - 1] = l->pats[i];
            l->pats[i - 1]->pat_slot = i - 1;
        }
        l->npats--;
    }
    list_free(NULL, 0, list);
}

bool local_add(uint32_t t, ps_sub *sub) {
    ps_local *l = &threads[t];
    uint64_t hash = dk_table_default_hash(sub->id, sub->len);
    ps_list *list = list_find(l, sub->id, sub->len, hash);
    if (!list && !(list = list_new(l, sub, hash))) return false;
    if (list->n == list->cap) {
        uint32_t cap = list->cap ? list->cap * 2 : 4;
        ps_sub **grown = keel_realloc(list->subs, sizeof *grown * cap);
        if (!grown) {
            if (list->n == 0) list_drop(l, list);
            return false;
        }
        list->subs = grown;
        list->cap = cap;
    }
    sub->list = list;
    sub->slot = list->n;
    list->subs[list->n++] = sub;
    return true;
}

void local_remove(uint32_t t, ps_sub *sub) {
    if (!sub || !sub->list) return;
    ps_list *list = sub->list;
    ps_sub *last = list->subs[--list->n]; /* the last one takes its slot */
    list->subs[sub->slot] = last;
    last->slot = sub->slot;
    sub->list = NULL;
    if (list->n == 0) list_drop(&threads[t], list);
}

/* ---- delivery ---- */

static void push_all(const ps_list *list, uint64_t gen, const keel_arg *parts, uint32_t nparts) {
    for (uint32_t i = 0; i < list->n; i++) {
        const ps_sub *sub = list->subs[i];
        if (sub->gen > gen) continue;                     /* made after the publish */
        keel_conn_push(sub->client->conn, parts, nparts); /* a closing client refuses it */
    }
}

void local_deliver(uint32_t t, const ps_delivery *d) {
    ps_local *l = &threads[t];
    keel_arg channel = {d->id + d->name_off, d->len - d->name_off}, msg = {d->msg, d->mlen};
    bool shard = ps_id_kind(d->id) == PS_SHARD;
    const ps_list *list = list_find(l, d->id, d->len, dk_table_default_hash(d->id, d->len));
    if (list) {
        keel_arg parts[3] = {{shard ? "smessage" : "message", shard ? 8 : 7}, channel, msg};
        push_all(list, d->chan_gen, parts, 3);
    }
    if (shard) return;
    for (uint32_t i = 0; i < l->npats; i++) {
        const ps_list *pat = l->pats[i];
        if (!ps_same_path(pat->id, pat->name_off, d->id, d->name_off)) continue;
        if (!dk_glob_match(pat->id + pat->name_off, pat->len - pat->name_off, channel.ptr,
                           channel.len, false))
            continue;
        keel_arg parts[4] = {
            {"pmessage", 8}, {pat->id + pat->name_off, pat->len - pat->name_off}, channel, msg};
        push_all(pat, d->pat_gen, parts, 4);
    }
}
