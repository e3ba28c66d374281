/* client.c -- a connection's subscriptions (see client.h). */
#include "client.h"

#include <string.h>
#include "local.h"
#include "view.h"

static void client_reset_hook(keel_conn *c, void *data);
static void client_close_hook(keel_conn *c, void *data);

static const keel_conn_hooks hooks = {
    .size = sizeof(keel_conn_hooks),
    .reset = client_reset_hook,
    .close = client_close_hook,
};

ps_client *client_get(keel_conn *c) {
    return keel_conn_attached(c, &hooks);
}

ps_client *client_make(keel_conn *c) {
    ps_client *cl = client_get(c);
    if (cl) return cl;
    cl = keel_calloc(1, sizeof *cl);
    if (!cl) return NULL;
    cl->conn = c;
    cl->thread = keel_conn_thread(c);
    if (!(cl->subs = dk_table_new()) || keel_conn_attach(c, &hooks, cl) != KEEL_OK) { /* closed */
        if (cl->subs) dk_table_free(cl->subs, NULL, NULL);
        keel_free(cl);
        return NULL;
    }
    return cl;
}

/* What CLIENT LIST shows, the output limit class and subscribed mode follow the counts. */
static void client_sync(ps_client *cl) {
    keel_conn_set_subscriptions(cl->conn, cl->channels, cl->patterns, cl->shard_channels);
}

static uint32_t *counter(ps_client *cl, ps_kind kind) {
    return kind == PS_PATTERN ? &cl->patterns
           : kind == PS_SHARD ? &cl->shard_channels
                              : &cl->channels;
}

uint32_t client_count(const ps_client *cl, ps_kind kind) {
    return kind == PS_SHARD ? cl->shard_channels : cl->channels + cl->patterns;
}

static ps_sub *sub_find(const ps_client *cl, const char *id, size_t len, dk_ref *ref) {
    dk_ref r = dk_table_find(cl->subs, id, len, dk_table_default_hash(id, len));
    if (ref) *ref = r;
    if (!r) return NULL;
    dk_entry e;
    dk_table_view(cl->subs, r, &e);
    return e.obj;
}

int client_subscribe(ps_client *cl, const ps_id *id) {
    if (sub_find(cl, id->bytes, id->len, NULL)) return 0;
    ps_sub *sub = keel_calloc(1, sizeof *sub + id->len);
    if (!sub) return -1;
    sub->client = cl;
    sub->len = id->len;
    sub->name_off = id->name_off;
    memcpy(sub->id, id->bytes, id->len);
    uint64_t hash = dk_table_default_hash(sub->id, sub->len);
    if (!dk_table_put_obj(cl->subs, sub->id, sub->len, hash, 0, sub, false, NULL, NULL)) {
        keel_free(sub);
        return -1;
    }
    /* the thread's list first: a publish that sees the view's count finds the subscriber here */
    if (!local_add(cl->thread, sub) ||
        !(sub->gen = view_add(sub->id, sub->len, sub->name_off, cl->thread))) {
        local_remove(cl->thread, sub);
        dk_table_delete(cl->subs, dk_table_find(cl->subs, sub->id, sub->len, hash), NULL, NULL);
        keel_free(sub);
        return -1;
    }
    sub->prev = cl->tail;
    if (cl->tail)
        cl->tail->next = sub;
    else
        cl->head = sub;
    cl->tail = sub;
    (*counter(cl, ps_id_kind(sub->id)))++;
    client_sync(cl);
    return 1;
}

void client_drop(ps_client *cl, ps_sub *sub) {
    local_remove(cl->thread, sub);
    view_remove(sub->id, sub->len, sub->name_off, cl->thread);
    dk_ref r;
    if (sub_find(cl, sub->id, sub->len, &r) == sub) dk_table_delete(cl->subs, r, NULL, NULL);
    if (sub->prev)
        sub->prev->next = sub->next;
    else
        cl->head = sub->next;
    if (sub->next)
        sub->next->prev = sub->prev;
    else
        cl->tail = sub->prev;
    (*counter(cl, ps_id_kind(sub->id)))--;
    keel_free(sub);
    client_sync(cl);
}

bool client_unsubscribe(ps_client *cl, const char *id, size_t len) {
    ps_sub *sub = sub_find(cl, id, len, NULL);
    if (!sub) return false;
    client_drop(cl, sub);
    return true;
}

ps_sub *client_next(const ps_client *cl, const ps_sub *after, ps_kind kind) {
    for (ps_sub *s = after ? after->next : cl->head; s; s = s->next)
        if (ps_id_kind(s->id) == kind) return s;
    return NULL;
}

/* RESET: every subscription goes, without a reply for each (Redis's RESET). */
static void client_reset_hook(keel_conn *c, void *data) {
    (void)c;
    ps_client *cl = data;
    while (cl->head)
        client_drop(cl, cl->head);
}

static void client_close_hook(keel_conn *c, void *data) {
    client_reset_hook(c, data);
    ps_client *cl = data;
    dk_table_free(cl->subs, NULL, NULL);
    keel_free(cl);
}
