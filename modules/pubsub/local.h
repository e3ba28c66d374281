/* local.h -- each worker thread's own subscription tables (identity -> its subscribers there,
 * and the patterns in the order first subscribed), touched only by that thread, and delivering
 * a message to that thread's subscribers. */
#ifndef PUBSUB_LOCAL_H
#define PUBSUB_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "subs.h"

/* A message as a thread delivers it: the channel's identity, the payload, and the generations
 * its publish saw (subscriptions made after it are skipped). */
typedef struct ps_delivery {
    const char *id;
    size_t len, name_off;
    const char *msg;
    size_t mlen;
    uint64_t chan_gen, pat_gen;
} ps_delivery;

bool local_init(uint32_t nthreads);
void local_free(void);

/* Puts sub on thread t's list for its identity (t: the caller's thread); false when out of
 * memory. */
bool local_add(uint32_t t, ps_sub *sub);
/* Takes sub off its list (freeing the list once empty). */
void local_remove(uint32_t t, ps_sub *sub);

/* Pushes d to thread t's subscribers of its channel ("message", or "smessage" for a shard
 * channel), then to those of each matching pattern of its namespace ("pmessage"). */
void local_deliver(uint32_t t, const ps_delivery *d);

/* thread_count zeroed bytes thread t may use while it publishes (the routing's flags). */
uint8_t *local_scratch(uint32_t t);

#endif
