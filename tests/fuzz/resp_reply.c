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

int resp_exchange(int fd, const char *req, size_t len, size_t nreplies, resp_buf *out,
                  int timeout_ms) {
    size_t sent = 0, got = 0, parsed = out->len;
    while (got < nreplies) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN | (sent < len ? POLLOUT : 0)};
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) {
            fprintf(stderr, "resp_exchange: no progress for %d ms (%zu of %zu replies)\n",
                    timeout_ms, got, nreplies);
            return -1;
        }
        if (sent < len && (pfd.revents & POLLOUT)) {
            ssize_t w = write(fd, req + sent, len - sent);
            if (w > 0)
                sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                return -1;
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            char chunk[65536];
            ssize_t r = read(fd, chunk, sizeof chunk);
            if (r == 0) return -1;
            if (r < 0) {
                if (errno == EAGAIN || errno == EINTR) continue;
                return -1;
            }
            resp_buf_add(out, chunk, (size_t)r);
            for (size_t one;
                 got < nreplies && (one = resp_reply_len(out->data + parsed, out->len - parsed));) {
                if (one == RESP_REPLY_BAD) return -1;
                parsed += one;
                got++;
            }
        }
    }
    return parsed == out->len ? 0 : -1; /* nothing beyond the replies asked for */
}
