/* encode.h -- reply trees into memcached text and meta protocol replies. */
#ifndef MC_ENCODE_H
#define MC_ENCODE_H

#include <stdint.h>
#include <keel/reply.h>

/* Appends the reply to the request tagged `tag` (tag.h) to out.  The shapes each command
 * replies (and what each kind writes) are described in encode.c.  Error replies become one
 * line: memcached's own error lines pass as they are, "ERR unknown command ..." becomes
 * "ERROR", anything else "SERVER_ERROR <message>".  Quiet requests (noreply, q) leave out what
 * memcached leaves out.  Never fails; a reply of an unexpected shape is written as an error. */
void mc_encode(uint64_t tag, const keel_reply *r, keel_buf *out);

#endif
