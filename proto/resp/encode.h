/* encode.h -- reply trees into RESP2 / RESP3 bytes. */
#ifndef RESP_ENCODE_H
#define RESP_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <keel/reply.h>

/* Appends the encoding of reply tree r to out: RESP3 when version is 3, RESP2 otherwise.
 * Iterative with an explicit stack, so any depth or width is fine (a chain of single-child
 * aggregates needs no stack at all).  The output is always well-formed: an aggregate is
 * followed by exactly the children its header announces (missing ones are nil, extra ones are
 * dropped); CR and LF inside simple strings and errors become spaces; NULL encodes as nil.
 * The tree is only read.  Never fails: should the stack not grow, the children of the
 * aggregate that needed it are sent as nils. */
void resp_encode(const keel_reply *r, int version, keel_buf *out);

/* The same in steps of about budget nodes, for replies too big to encode in one loop turn:
 * *walk starts NULL and holds the walk between calls; true when the tree is out (the walk is
 * freed).  resp_encode_abort frees an unfinished walk. */
typedef struct resp_walk resp_walk;
bool resp_encode_step(const keel_reply *r, int version, keel_buf *out, resp_walk **walk,
                      size_t budget);
void resp_encode_abort(resp_walk *walk);

#endif
