/* encode.h -- reply trees into RESP2 / RESP3 bytes. */
#ifndef RESP_ENCODE_H
#define RESP_ENCODE_H

#include <keel/reply.h>

/* Appends the encoding of reply tree r to out: RESP3 when version is 3, RESP2 otherwise.
 * Iterative with an explicit stack, so any depth or width is fine (a chain of single-child
 * aggregates needs no stack at all).  The output is always well-formed: an aggregate is
 * followed by exactly the children its header announces (missing ones are nil, extra ones are
 * dropped); CR and LF inside simple strings and errors become spaces; NULL encodes as nil.
 * The tree is only read.  Never fails: should the stack not grow, the children of the
 * aggregate that needed it are sent as nils. */
void resp_encode(const keel_reply *r, int version, keel_buf *out);

#endif
