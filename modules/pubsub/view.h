/* view.h -- the server-wide view of subscriptions: for each channel and pattern, how many
 * subscribers each worker thread has.  A publish reads it to count its receivers and to pick the
 * threads its message goes to (one hand-off per thread, however many subscribers are there);
 * SUBSCRIBE and friends change it; PUBSUB reads it.
 *
 * Thread safety.  Channels and shard channels are spread by hash over 16 stripes, each a table
 * under its own mutex, held for one lookup or change and never across delivery.  Patterns are one
 * array under a reader-writer lock that prefers writers: publishers match it together.  Each
 * stripe, and the pattern array, counts the subscriptions ever added to it (its generation): a
 * subscription keeps the generation it was added at and a publish the generations it saw, so a
 * message reaches exactly the subscriptions that existed when it was published (less those gone
 * before it arrived), whichever thread they are on. */
#ifndef PUBSUB_VIEW_H
#define PUBSUB_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "names.h"

/* What a publish found. */
typedef struct view_route {
    int64_t receivers; /* subscriptions of the channel, plus of every pattern matching it */
    uint64_t chan_gen; /* the channel's stripe's generation when it looked */
    uint64_t pat_gen;  /* the patterns' generation */
    uint8_t *dest;     /* thread_count flags (the caller's, zeroed): threads to send to */
} view_route;

/* Sets the view up for nthreads worker threads (in init); false when out of memory. */
bool view_init(uint32_t nthreads);
void view_free(void);

/* Thread t has one more subscriber of identity id (name at name_off): returns the generation it
 * was added at, or 0 when out of memory (nothing changed). */
uint64_t view_add(const char *id, size_t len, size_t name_off, uint32_t t);
/* Thread t has one subscriber fewer of id. */
void view_remove(const char *id, size_t len, size_t name_off, uint32_t t);

/* Routes a publish on the channel or shard channel id: its subscribers, and for a channel those
 * of the patterns of its namespace that match its name. */
void view_route_publish(const char *id, size_t len, size_t name_off, view_route *r);

/* Subscribers of channel (or shard channel) id, on every thread. */
int64_t view_numsub(const char *id, size_t len);
/* Names of kind (channel, pattern or shard channel) with subscribers, in every namespace. */
uint64_t view_distinct(ps_kind kind);
/* Distinct patterns subscribed to in the namespace of identity `in`. */
int64_t view_numpat(const char *in, size_t in_off);
/* Calls fn with the name of each channel of kind (PS_CHANNEL or PS_SHARD) that has subscribers
 * in the namespace of identity `in` and matches pattern (NULL: every one). */
void view_channels(ps_kind kind, const char *in, size_t in_off, const keel_arg *pattern,
                   void (*fn)(void *ctx, const char *name, size_t n), void *ctx);

#endif
