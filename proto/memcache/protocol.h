/* protocol.h -- the "memcache" protocol definition the module registers. */
#ifndef MC_PROTOCOL_H
#define MC_PROTOCOL_H

#include <keel/proto.h>

/* Parses memcached text and meta requests and encodes replies as memcached does.  Its
 * per-connection state is an mc_state (state.h). */
extern const keel_proto_def mc_protocol;

#endif
