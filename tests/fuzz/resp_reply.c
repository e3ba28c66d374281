/* resp_reply.c -- RESP2 reply framing and a pipelined request/reply exchange (resp_reply.h). */
#include "resp_reply.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads the decimal integer of a header line s[0..end) (after its type byte). */
static int header_int(const char *s, size_t end, int64_t *out) {
    size_t i = 1;
    bool neg = false;
    if (i < end && s[i] == '-') {
        neg = true;
        i++;
    }
    if (i >= end) return -1;
    int64_t v = 0;
    for (; i < end; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (INT64_MAX - 9) / 10) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

size_t resp_reply_len(const char *s, size_t n) {
    size_t pos = 0;
    uint64_t pending = 1; /* replies still to read: nested arrays add their elements */
    while (pending > 0) {
        if (pos >= n) return 0;
        const char *nl = memchr(s + pos, '\n', n - pos);
        if (!nl) return 0;
        size_t end = (size_t)(nl - s); /* the line is s[pos .. end - 1), CR at end - 1 */
        if (end == pos || s[end - 1] != '\r') return RESP_REPLY_BAD;
        const char *line = s + pos;
        size_t line_len = end - 1 - pos;
        int64_t v;
        switch (line[0]) {
        case '+':
        case '-':
        case ':':
            pos = end + 1;
            pending--;
            break;
        case '$':
            if (header_int(line, line_len, &v) != 0 || v < -1) return RESP_REPLY_BAD;
            pos = end + 1;
            if (v >= 0) {
                if (n - pos < (uint64_t)v + 2) return 0;
                pos += (size_t)v + 2;
            }
            pending--;
            break;
        case '*':
            if (header_int(line, line_len, &v) != 0 || v < -1 || v > ((int64_t)1 << 40))
                return RESP_REPLY_BAD;
            pos = end + 1;
            pending--;
            if (v > 0) pending += (uint64_t)v;
            break;
        default:
            return RESP_REPLY_BAD;
        }
    }
    return pos;
}

void resp_buf_add(resp_buf *b, const void *p, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) abort();
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void resp_buf_command(resp_buf *b, int argc, const char *const *argv, const size_t *lens) {
    char head[32];
    resp_buf_add(b, head, (size_t)snprintf(head, sizeof head, "*%d\r\n", argc));
    for (int i = 0; i < argc; i++) {
        resp_buf_add(b, head, (size_t)snprintf(head, sizeof head, "$%zu\r\n", lens[i]));
        resp_buf_add(b, argv[i], lens[i]);
        resp_buf_add(b, "\r\n", 2);
    }
}

/* One round of p's side of the exchange after poll said what its socket can do: writes what the
 * socket takes, reads what came and counts whole replies.  -1 when the connection failed. */
static int peer_step(resp_peer *p, short revents) {
    if (p->sent < p->len && (revents & POLLOUT)) {
        ssize_t w = write(p->fd, p->req + p->sent, p->len - p->sent);
        if (w > 0)
            p->sent += (size_t)w;
        else if (w < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        char chunk[65536];
        ssize_t r = read(p->fd, chunk, sizeof chunk);
        if (r == 0) return -1;
        if (r < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
        resp_buf_add(p->out, chunk, (size_t)r);
        for (size_t one; p->got < p->nreplies && (one = resp_reply_len(p->out->data + p->parsed,
                                                                       p->out->len - p->parsed));) {
            if (one == RESP_REPLY_BAD) return -1;
            p->parsed += one;
            p->got++;
        }
    }
    return 0;
}

int resp_exchange_many(resp_peer *peers, size_t n, int timeout_ms) {
    struct pollfd pfd[RESP_MAX_PEERS];
    size_t map[RESP_MAX_PEERS];
    if (n > RESP_MAX_PEERS) return -1;
    for (size_t i = 0; i < n; i++)
        peers[i].sent = peers[i].got = 0, peers[i].parsed = peers[i].out->len;
    for (;;) {
        size_t active = 0;
        for (size_t i = 0; i < n; i++) {
            resp_peer *p = &peers[i];
            if (p->got == p->nreplies) continue;
            pfd[active] = (struct pollfd){p->fd, POLLIN | (p->sent < p->len ? POLLOUT : 0), 0};
            map[active++] = i;
        }
        if (active == 0) break;
        int rc = poll(pfd, (nfds_t)active, timeout_ms);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) {
            for (size_t k = 0; k < active; k++)
                fprintf(stderr, "resp_exchange: no progress for %d ms (%zu of %zu replies)\n",
                        timeout_ms, peers[map[k]].got, peers[map[k]].nreplies);
            return -1;
        }
        for (size_t k = 0; k < active; k++)
            if (pfd[k].revents && peer_step(&peers[map[k]], pfd[k].revents) != 0) return -1;
    }
    for (size_t i = 0; i < n; i++) /* nothing beyond the replies asked for */
        if (peers[i].parsed != peers[i].out->len) return -1;
    return 0;
}

int resp_exchange(int fd, const char *req, size_t len, size_t nreplies, resp_buf *out,
                  int timeout_ms) {
    resp_peer p = {.fd = fd, .req = req, .len = len, .nreplies = nreplies, .out = out};
    return resp_exchange_many(&p, 1, timeout_ms);
}
