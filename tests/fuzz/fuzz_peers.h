/* fuzz_peers.h -- the in-process fuzz targets' client side when a command may be answered by any
 * number of replies (a subscribed client gets messages too): each pipeline ends with PING
 * <marker>, and a conversation is over once every client has the reply holding the marker. */
#ifndef KEEL_FUZZ_PEERS_H
#define KEEL_FUZZ_PEERS_H

#include <stdbool.h>
#include <stddef.h>

#include "resp_reply.h"

#define FUZZ_PEERS_MAX 4

/* One client's side: its request (req), what came back (out), how much of each was sent or
 * parsed, and whether its marker's reply came. */
typedef struct fuzz_peer {
    int fd;
    resp_buf req, out;
    size_t sent, parsed;
    bool done;
} fuzz_peer;

struct listener;

/* Connects n peers to network net, peer i on worker thread `thread + i` (aborts when it
 * cannot). */
void fuzz_peers_connect(fuzz_peer *peers, int n, struct listener *net, int thread);
/* Closes the peers' connections and frees their buffers. */
void fuzz_peers_close(fuzz_peer *peers, int n);

/* Appends PING <marker> to req. */
void fuzz_peer_add_marker(resp_buf *req, const char *marker);

/* Sends each of the n peers its request and reads until each has the reply holding marker.
 * Aborts (naming `what`, prefixed by `target`) when a connection fails, sends something that is
 * not RESP2, or nothing comes for timeout_ms. */
void fuzz_peers_converse(fuzz_peer *peers, int n, const char *marker, int timeout_ms,
                         const char *target, const char *what);

#endif
