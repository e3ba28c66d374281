/* family.h -- how each command family of pubsub.so hands its opcodes and commands to init. */
#ifndef PUBSUB_FAMILY_H
#define PUBSUB_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* The fields every pub/sub command shares: each runs on its connection's thread, where its
 * subscriptions and namespace are. */
#define PS_CMD .size = sizeof(keel_cmd_def), .group = "pubsub", .since = "0.1.0"

/* An opcode that runs in one go on the connection's thread. */
#define PS_OP(NAME, FN, SYN)                                                                       \
    { .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1 }

extern const keel_family ps_subscribe_family;  /* subscribe.c: (P|S)(UN)SUBSCRIBE */
extern const keel_family ps_publish_family;    /* publish_cmd.c: PUBLISH, SPUBLISH */
extern const keel_family ps_introspect_family; /* introspect.c: PUBSUB */

/* INFO's Pubsub section (introspect.c): Redis's pubsub_channels, pubsub_patterns and
 * pubsubshard_channels, over every namespace. */
void ps_info(keel_buf *out);

#endif
