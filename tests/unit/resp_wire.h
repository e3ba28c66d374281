/* resp_wire.h -- test helper: is a byte string exactly one well-formed RESP2 or RESP3 reply? */
#ifndef KEEL_TEST_RESP_WIRE_H
#define KEEL_TEST_RESP_WIRE_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) holds exactly `count` complete replies of RESP `version` (2 or 3) and
 * nothing else: every line ends in CRLF with no CR or LF inside it, lengths and counts are
 * canonical numbers (-1 only for RESP2's nil bulk string and null array), bulk data is followed
 * by CRLF, and RESP2 uses only + - : $ *.  Iterative,
 * so it copes with any depth. */
bool resp_wire_valid(const char *s, size_t n, int version, size_t count);

#endif
