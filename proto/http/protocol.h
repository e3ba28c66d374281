/* protocol.h -- the "http" protocol definition http.so registers. */
#ifndef HTTP_PROTOCOL_H
#define HTTP_PROTOCOL_H

#include <keel/proto.h>

/* Parses HTTP/1.x requests into HTTP.SCRAPE commands and writes their replies as HTTP
 * responses.  Its per-connection state is an http_state (state.h). */
extern const keel_proto_def http_protocol;

#endif
