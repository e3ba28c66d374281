/* subs.h -- a client's subscriptions, one subscription, and the list of a thread's subscribers
 * of one channel or pattern: the records client.c and local.c share. */
#ifndef PUBSUB_SUBS_H
#define PUBSUB_SUBS_H

#include <stddef.h>
#include <stdint.h>
#include <datakit/table.h>
#include <keel/sdk.h>

typedef struct ps_list ps_list;
typedef struct ps_sub ps_sub;

/* What one connection is subscribed to (attached to it: client.h). */
typedef struct ps_client {
    keel_conn *conn;
    uint32_t thread; /* the connection's */
    uint32_t channels, patterns, shard_channels;
    dk_table *subs;      /* identity -> ps_sub */
    ps_sub *head, *tail; /* every subscription, in the order made */
} ps_client;

/* A subscription: on its client's list (in the order made) and in its thread's list. */
struct ps_sub {
    ps_sub *prev, *next;
    ps_client *client;
    ps_list *list;
    uint32_t slot;        /* its index in list->subs */
    uint64_t gen;         /* the view's generation when it was made (view.h) */
    size_t len, name_off; /* its identity (names.h) */
    char id[];
};

/* A thread's subscribers of one identity. */
struct ps_list {
    ps_sub **subs;
    uint32_t n, cap;
    uint32_t pat_slot; /* a pattern: its index in its thread's pattern array */
    size_t len, name_off;
    char id[];
};

#endif
