/* cmdseq.c -- load generator for a fixed command sequence sent as one unit (e.g. MULTI; INCR k;
 * EXEC), which redis-benchmark cannot express: C connections each send the whole sequence, wait
 * for all of its replies, and repeat, until N sequences have completed.  Prints sequences/s.
 *
 *   cmdseq -h 127.0.0.1 -p 6379 -c 50 -n 200000 'MULTI' 'INCR counter' 'EXEC'
 *
 * Each argument is one command, split on spaces (no quoting).  With -r N, every __rand_int__ in
 * the commands becomes one random number below N (zero-padded to 12 digits, as redis-benchmark
 * does), drawn afresh for each sequence.  Replies are skipped as whole RESP2 or RESP3 values; an
 * error reply is counted and reported. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn {
    int fd;
    char *req;            /* its sequence's request (its own: random numbers differ) */
    size_t req_len;
    size_t sent;          /* bytes of the request written so far */
    int replies_left;     /* replies still due for the sequence in flight */
    char buf[65536];
    size_t len;
} conn;

static char *request;
static size_t request_len;
static int ncommands;
static long errors;
static char **templates;
static long rand_range;
static uint64_t rng = 88172645463325252ull;

static void add(const char *s, size_t n) {
    request = realloc(request, request_len + n);
    memcpy(request + request_len, s, n);
    request_len += n;
}

static void encode_command(const char *text) {
    char *copy = strdup(text), *save = NULL, *words[64], *at;
    while (rand_range && (at = strstr(copy, "__rand_int__"))) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        char num[24];
        snprintf(num, sizeof num, "%012llu", (unsigned long long)(rng % (uint64_t)rand_range));
        memcpy(at, num, 12);
    }
    int n = 0;
    for (char *w = strtok_r(copy, " ", &save); w && n < 64; w = strtok_r(NULL, " ", &save))
        words[n++] = w;
    char head[32];
    add(head, (size_t)snprintf(head, sizeof head, "*%d\r\n", n));
    for (int i = 0; i < n; i++) {
        add(head, (size_t)snprintf(head, sizeof head, "$%zu\r\n", strlen(words[i])));
        add(words[i], strlen(words[i]));
        add("\r\n", 2);
    }
    free(copy);
}

/* c's request for its next sequence: the commands encoded (random numbers drawn afresh). */
static void encode_sequence(conn *c) {
    request_len = 0;
    for (int i = 0; i < ncommands; i++) encode_command(templates[i]);
    c->req = realloc(c->req, request_len);
    memcpy(c->req, request, request_len);
    c->req_len = request_len;
    c->sent = 0;
}

/* Length of the complete RESP value at p (0 when more bytes are needed); error replies inside
 * it are added to *errs. */
static size_t skip_value(const char *p, size_t n, long *errs) {
    const char *eol = memmem(p, n, "\r\n", 2);
    if (!eol) return 0;
    size_t line = (size_t)(eol - p) + 2;
    long v = strtol(p + 1, NULL, 10);
    switch (p[0]) {
    case '$': case '=': case '!':
        if (v < 0) return line;
        return n >= line + (size_t)v + 2 ? line + (size_t)v + 2 : 0;
    case '*': case '~': case '>': case '%': case '|': {
        long items = (p[0] == '%' || p[0] == '|') ? v * 2 : v;
        size_t at = line;
        for (long i = 0; i < items; i++) {
            size_t k = skip_value(p + at, n - at, errs);
            if (!k) return 0;
            at += k;
        }
        return at;
    }
    default:
        if (p[0] == '-') (*errs)++;
        return line;
    }
}

static int dial(const char *host, int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(1);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 6379, nconns = 50, opt;
    long total = 200000;
    while ((opt = getopt(argc, argv, "h:p:c:n:r:")) != -1) {
        if (opt == 'h') host = optarg;
        else if (opt == 'p') port = atoi(optarg);
        else if (opt == 'c') nconns = atoi(optarg);
        else if (opt == 'n') total = atol(optarg);
        else if (opt == 'r') rand_range = atol(optarg);
        else return 2;
    }
    templates = argv + optind;
    ncommands = argc - optind;
    if (ncommands == 0 || nconns < 1) {
        fprintf(stderr, "usage: cmdseq [-h host] [-p port] [-c conns] [-n seqs] [-r range] 'CMD ARGS' ...\n");
        return 2;
    }
    conn *cs = calloc((size_t)nconns, sizeof *cs);
    struct pollfd *pf = calloc((size_t)nconns, sizeof *pf);
    for (int i = 0; i < nconns; i++) {
        cs[i].fd = dial(host, port);
        cs[i].replies_left = ncommands;
        encode_sequence(&cs[i]);
        pf[i] = (struct pollfd){.fd = cs[i].fd, .events = POLLOUT};
    }
    long started = nconns, done = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (done < total) {
        if (poll(pf, (nfds_t)nconns, 10000) <= 0) {
            fprintf(stderr, "cmdseq: no progress for 10 s (%ld done)\n", done);
            return 1;
        }
        for (int i = 0; i < nconns; i++) {
            conn *c = &cs[i];
            if (pf[i].revents & POLLOUT) {
                ssize_t w = write(c->fd, c->req + c->sent, c->req_len - c->sent);
                if (w > 0) c->sent += (size_t)w;
                if (c->sent == c->req_len) pf[i].events = POLLIN;
            }
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
            if (r <= 0) {
                fprintf(stderr, "cmdseq: connection closed (%s)\n", r ? strerror(errno) : "EOF");
                return 1;
            }
            c->len += (size_t)r;
            size_t at = 0, k;
            long errs = 0;
            while (c->replies_left && (k = skip_value(c->buf + at, c->len - at, &errs))) {
                errors += errs;
                errs = 0;
                at += k;
                c->replies_left--;
            }
            memmove(c->buf, c->buf + at, c->len - at);
            c->len -= at;
            if (c->replies_left) continue;
            done++;
            if (started < total) {
                started++;
                if (rand_range) encode_sequence(c);
                c->sent = 0;
                c->replies_left = ncommands;
                pf[i].events = POLLOUT;
            } else {
                pf[i].events = 0;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("sequences=%ld seconds=%.3f per_second=%.0f errors=%ld\n", done, secs, (double)done / secs,
           errors);
    return errors ? 1 : 0;
}
