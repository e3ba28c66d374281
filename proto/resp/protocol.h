/* protocol.h -- the "resp" protocol definition the module registers. */
#ifndef RESP_PROTOCOL_H
#define RESP_PROTOCOL_H

#include <keel/proto.h>

/* Parses RESP2/RESP3 requests (multibulk and inline) and encodes replies in the connection's
 * RESP version.  Its per-connection state is a resp_state (state.h). */
extern const keel_proto_def resp_protocol;

#endif
