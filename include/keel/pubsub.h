/* pubsub.h -- publishing messages on channels: the publisher a module registers (the pub/sub
 * module does), which the core and every module reach through keel_publish.  (Added in ABI
 * 1.2.) */
#ifndef KEEL_PUBSUB_H
#define KEEL_PUBSUB_H

#include <stddef.h>
#include <stdint.h>
#include <keel/vm.h>

/* keel_publish flags. */
#define KEEL_PUBLISH_SHARD                                                                         \
    1u /* a shard channel (SPUBLISH): reaches SSUBSCRIBE subscribers only,                         \
          and no pattern */
#define KEEL_PUBLISH_FLAGS_ALL 1u

/* Publishes msg on channel, inside the namespace path[0..npath) (npath 0: the top), to every
 * subscriber of that channel and of the patterns matching it in that namespace.  Callable from
 * any thread, never blocks on a subscriber: subscribers on other threads get the message a
 * moment later, in the order this thread published.  Returns how many subscriptions it was
 * sent to (those registered when it was called), or -1 for bad flags or a path no namespace has
 * (more than KEEL_NS_DEPTH_MAX names, an empty name). */
typedef int64_t (*keel_publish_fn)(const keel_arg *path, uint32_t npath, unsigned flags,
                                   const void *channel, size_t clen, const void *msg, size_t mlen);

#endif
