/* client.h -- a connection's subscriptions.  Made and dropped on the connection's own thread,
 * kept in the order made (UNSUBSCRIBE without names answers in that order), registered in the
 * thread's tables (local.h) and in the server-wide view (view.h); dropped when the connection
 * closes (the close hook of the data attached to it) or by RESET (its reset hook). */
#ifndef PUBSUB_CLIENT_H
#define PUBSUB_CLIENT_H

#include <stdbool.h>
#include <keel/sdk.h>
#include "names.h"
#include "subs.h"

/* c's subscriptions, or NULL when it has never subscribed. */
ps_client *client_get(keel_conn *c);
/* The same, made when missing; NULL when c has closed. */
ps_client *client_make(keel_conn *c);

/* Subscribes to id: 1 when new, 0 when already subscribed, -1 when out of memory. */
int client_subscribe(ps_client *cl, const ps_id *id);
/* Drops the subscription to identity id[0..len); false when there was none. */
bool client_unsubscribe(ps_client *cl, const char *id, size_t len);
/* Drops sub. */
void client_drop(ps_client *cl, ps_sub *sub);

/* The count a (un)subscribe reply shows for kind: channels plus patterns, or shard channels. */
uint32_t client_count(const ps_client *cl, ps_kind kind);
/* The first subscription of kind after `after` (NULL: from the first), in the order made. */
ps_sub *client_next(const ps_client *cl, const ps_sub *after, ps_kind kind);

#endif
