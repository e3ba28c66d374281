/* publish.h -- the module's publisher, registered with the core (keel_register_publisher): the
 * path of every PUBLISH and SPUBLISH, and of whatever the core or another module publishes
 * through keel_publish. */
#ifndef PUBSUB_PUBLISH_H
#define PUBSUB_PUBLISH_H

#include <keel/sdk.h>

/* A keel_publish_fn (keel/pubsub.h).  Routes the message with the server-wide view, delivers it
 * at once to the subscribers on the calling worker thread, and hands it once to each other
 * thread that has subscribers, which delivers it to its own (local.h) between its other work. */
int64_t ps_publish(const keel_arg *path, uint32_t npath, unsigned flags, const void *channel,
                   size_t clen, const void *msg, size_t mlen);

#endif
