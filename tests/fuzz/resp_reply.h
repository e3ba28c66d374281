/* resp_reply.h -- the client side of a RESP2 conversation for fuzz targets: where each reply
 * ends, and sending a pipeline while reading its replies. */
#ifndef KEEL_FUZZ_RESP_REPLY_H
#define KEEL_FUZZ_RESP_REPLY_H

#include <stddef.h>
#include <stdint.h>

#define RESP_REPLY_BAD SIZE_MAX

/* The length of the RESP2 reply at s[0..n): 0 while it is incomplete, RESP_REPLY_BAD when the
 * bytes cannot begin one.  Iterative: any nesting depth. */
size_t resp_reply_len(const char *s, size_t n);

/* A growing byte buffer. */
typedef struct resp_buf {
    char *data;
    size_t len, cap;
} resp_buf;
void resp_buf_add(resp_buf *b, const void *p, size_t n);
/* Appends a request as a RESP multibulk of argc arguments. */
void resp_buf_command(resp_buf *b, int argc, const char *const *argv, const size_t *lens);

/* Writes req[0..len) to the non-blocking socket fd while reading what comes back into *out,
 * until nreplies whole replies have arrived.  Returns 0; -1 when the server closed the
 * connection, sent something that is not RESP, or made no progress for timeout_ms. */
int resp_exchange(int fd, const char *req, size_t len, size_t nreplies, resp_buf *out,
                  int timeout_ms);

/* One side of resp_exchange_many: a connection, what to send on it, how many replies to wait
 * for and where they go (the counters are the exchange's own). */
typedef struct resp_peer {
    int fd;
    const char *req;
    size_t len, nreplies;
    resp_buf *out;
    size_t sent, got, parsed;
} resp_peer;
#define RESP_MAX_PEERS 8

/* resp_exchange on several connections at once (a command on one may wait for another's):
 * returns once every one has its replies; -1 as resp_exchange, when any fails or all stall. */
int resp_exchange_many(resp_peer *peers, size_t n, int timeout_ms);

#endif
