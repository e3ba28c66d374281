/* watch.c -- the per-shard table of watched keys and the counters WATCH and EXEC compare. */
#include "config.h"
#include "watch.h"
#include "keyspace.h"
#include "mem.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "zvm.h"

#include <string.h>

static uint32_t watch_bucket(const watch_table *t, uint64_t hash) {
    return (uint32_t)(hash >> 20) & t->mask;
}

static void watch_grow(watch_table *t) {
    uint32_t nb = t->mask ? (t->mask + 1) * 2 : 16;
    watch_ent **b = mem_calloc(nb, sizeof *b);
    for (uint32_t i = 0; t->mask && i <= t->mask; i++) {
        for (watch_ent *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            uint32_t j = (uint32_t)(e->hash >> 20) & (nb - 1);
            e->next = b[j];
            b[j] = e;
        }
    }
    mem_free(t->buckets);
    t->buckets = b;
    t->mask = nb - 1;
}

/* The entry of ident, and (link) where it hangs; NULL when nobody watches it. */
static watch_ent *watch_find(watch_table *t, uint32_t db, const char *ident, size_t len,
                             uint64_t hash, watch_ent ***link) {
    if (t->count == 0) return NULL;
    for (watch_ent **l = &t->buckets[watch_bucket(t, hash)]; *l; l = &(*l)->next) {
        watch_ent *e = *l;
        if (e->hash == hash && e->db == db && e->len == len && memcmp(e->ident, ident, len) == 0) {
            if (link) *link = l;
            return e;
        }
    }
    return NULL;
}

/* Whether ident names a live key at the top of s (a watched namespace counts as existing). */
static bool watch_key_exists(shard *s, uint32_t db, const char *ident, size_t len, uint64_t hash,
                             int64_t now_ms) {
    ks_space sp = ks_top(s, db);
    return sp.t && ks_find(&sp, ident, len, hash, now_ms, NULL, NULL, false);
}

void watch_add(shard *s, watch_rec *rec) {
    watch_table *t = &s->watch;
    watch_ent *e = watch_find(t, rec->db, rec->ident, rec->len, rec->hash, NULL);
    if (!e) {
        if (t->count >= t->mask) watch_grow(t);
        e = mem_calloc(1, sizeof *e + rec->len);
        e->hash = rec->hash;
        e->db = rec->db;
        e->len = rec->len;
        memcpy(e->ident, rec->ident, rec->len);
        uint32_t j = watch_bucket(t, rec->hash);
        e->next = t->buckets[j];
        t->buckets[j] = e;
        t->count++;
    }
    e->nwatch++;
    rec->existed = watch_key_exists(s, rec->db, rec->ident, rec->len, rec->hash, s->owner->now_ms);
    rec->version = e->version; /* read after the lookup, which may have expired the key */
    rec->expiries = e->expiries;
}

void watch_drop(shard *s, uint32_t db, const char *ident, size_t len, uint64_t hash) {
    watch_ent **link;
    watch_ent *e = watch_find(&s->watch, db, ident, len, hash, &link);
    if (!e || --e->nwatch > 0) return;
    *link = e->next;
    s->watch.count--;
    mem_free(e);
}

bool watch_unchanged(shard *s, const watch_rec *rec, int64_t now_ms) {
    if (rec->existed)
        watch_key_exists(s, rec->db, rec->ident, rec->len, rec->hash,
                         now_ms); /* expire it now if due */
    const watch_ent *e = watch_find(&s->watch, rec->db, rec->ident, rec->len, rec->hash, NULL);
    if (!e) return false; /* cannot happen while the record exists: fail safe */
    return e->version == rec->version && (!rec->existed || e->expiries == rec->expiries);
}

void watch_touch(shard *s, uint32_t db, const char *ident, size_t len, uint64_t hash) {
    watch_ent *e = watch_find(&s->watch, db, ident, len, hash, NULL);
    if (e) e->version++;
}

void watch_touch_expired(shard *s, uint32_t db, const char *ident, size_t len, uint64_t hash) {
    watch_ent *e = watch_find(&s->watch, db, ident, len, hash, NULL);
    if (e) e->expiries++;
}

void watch_touch_keys(shard *s, const zvm_proc *p, uint32_t first, uint32_t end) {
    for (uint32_t i = first; i < end; i++)
        watch_touch(s, p->db, p->keys[i].lptr, p->keys[i].llen, p->keys[i].hash);
}

void watch_touch_existing(shard *s, uint32_t db) {
    for (uint32_t i = 0; s->watch.count && i <= s->watch.mask; i++)
        for (watch_ent *e = s->watch.buckets[i]; e; e = e->next)
            if (e->db == db && watch_key_exists(s, db, e->ident, e->len, e->hash, s->owner->now_ms))
                e->version++;
}

void watch_table_free(watch_table *t) {
    for (uint32_t i = 0; t->count && i <= t->mask; i++) {
        for (watch_ent *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            mem_free(e);
        }
    }
    mem_free(t->buckets);
    memset(t, 0, sizeof *t);
}

/* ---- the connection's side ---- */

static void watch_drop_msg(void *arg) {
    watch_rec *rec = arg;
    watch_drop(shard_get(rec->shard), rec->db, rec->ident, rec->len, rec->hash);
    mem_free(rec);
}

void watch_release_all(watch_rec **recs, uint32_t n) {
    thr *t = thr_self();
    for (uint32_t i = 0; i < n; i++) {
        shard *s = shard_get(recs[i]->shard);
        if (s->owner == t)
            watch_drop_msg(recs[i]);
        else
            thr_call_on(s->owner, watch_drop_msg, recs[i]);
    }
}
