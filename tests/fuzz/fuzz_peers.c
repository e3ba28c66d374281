/* fuzz_peers.c -- conversations with in-process clients that end at a marker (fuzz_peers.h). */
#include "fuzz_peers.h"
#include "fuzz_admin.h"
#include "inproc_server.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fuzz_peers_connect(fuzz_peer *peers, int n, struct listener *net, int thread) {
    for (int i = 0; i < n; i++) {
        peers[i] = (fuzz_peer){.fd = inproc_connect(net, thread + i)};
        if (peers[i].fd < 0) {
            fprintf(stderr, "fuzz_peers_connect: no socketpair\n");
            abort();
        }
    }
}

void fuzz_peers_close(fuzz_peer *peers, int n) {
    for (int i = 0; i < n; i++) {
        close(peers[i].fd);
        free(peers[i].req.data);
        free(peers[i].out.data);
    }
}

void fuzz_peer_add_marker(resp_buf *req, const char *marker) {
    const char *argv[2] = {"PING", marker};
    size_t lens[2] = {4, FUZZ_WORD_LEN};
    resp_buf_command(req, 2, argv, lens);
}

/* Is r[0..n) PING <marker>'s own reply: the marker as a bulk string, or ["pong", marker] from a
 * subscribed client?  Not any reply that holds it: SLOWLOG GET shows the other client's PING
 * with its argument. */
_Static_assert(FUZZ_WORD_LEN == 32, "marker_reply's bulk headers say $32");

static bool marker_reply(const char *r, size_t n, const char *marker) {
    static const char bulk[] = "$32\r\n", pong[] = "*2\r\n$4\r\npong\r\n$32\r\n";
    const size_t tail = FUZZ_WORD_LEN + 2;
    bool shape = (n == sizeof bulk - 1 + tail && memcmp(r, bulk, sizeof bulk - 1) == 0) ||
                 (n == sizeof pong - 1 + tail && memcmp(r, pong, sizeof pong - 1) == 0);
    return shape && fuzz_count_of(marker, r, n) == 1;
}

/* Reads what came on p and takes whole replies: done once one is the marker's.  -1 when the
 * connection failed or sent something that is not RESP2. */
static int peer_read(fuzz_peer *p, const char *marker) {
    char chunk[65536];
    ssize_t r = read(p->fd, chunk, sizeof chunk);
    if (r == 0) return -1;
    if (r < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    resp_buf_add(&p->out, chunk, (size_t)r);
    for (size_t one;
         !p->done && (one = resp_reply_len(p->out.data + p->parsed, p->out.len - p->parsed));) {
        if (one == RESP_REPLY_BAD) return -1;
        p->done = marker_reply(p->out.data + p->parsed, one, marker);
        p->parsed += one;
    }
    return 0;
}

/* Aborts: "<target>: <what>: <why> <n>". */
static void fail(const char *target, const char *what, const char *why, int n) {
    fprintf(stderr, "%s: %s: %s %d\n", target, what, why, n);
    abort();
}

void fuzz_peers_converse(fuzz_peer *peers, int n, const char *marker, int timeout_ms,
                         const char *target, const char *what) {
    for (int i = 0; i < n; i++)
        peers[i].sent = 0, peers[i].done = false, peers[i].parsed = peers[i].out.len;
    for (;;) {
        struct pollfd pfd[FUZZ_PEERS_MAX];
        int map[FUZZ_PEERS_MAX], active = 0;
        for (int i = 0; i < n && i < FUZZ_PEERS_MAX; i++) {
            if (peers[i].done) continue;
            short ev = POLLIN | (peers[i].sent < peers[i].req.len ? POLLOUT : 0);
            pfd[active] = (struct pollfd){peers[i].fd, ev, 0};
            map[active++] = i;
        }
        if (!active) return;
        int rc = poll(pfd, (nfds_t)active, timeout_ms);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) fail(target, what, "no reply in time, ms:", timeout_ms);
        for (int k = 0; k < active; k++) {
            fuzz_peer *p = &peers[map[k]];
            if (p->sent < p->req.len && (pfd[k].revents & POLLOUT)) {
                ssize_t w = write(p->fd, p->req.data + p->sent, p->req.len - p->sent);
                if (w <= 0 && errno != EAGAIN && errno != EINTR)
                    fail(target, what, "write failed, client", map[k] + 1);
                if (w > 0) p->sent += (size_t)w;
            }
            if ((pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) && peer_read(p, marker) != 0)
                fail(target, what, "connection failed or bad RESP2, client", map[k] + 1);
        }
    }
}
