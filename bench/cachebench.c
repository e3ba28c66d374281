/* cachebench.c -- cache-mode load: Zipf-distributed GET, and SET on a miss (a read-through cache).
 *
 *   cachebench -H host -p port -P resp|memcache -k KEYS -n OPS -d VALUE_BYTES -c CONNS [-s 0.99]
 *
 * Each connection runs in its own thread, one request at a time.  Key ranks follow Zipf(s) over
 * KEYS keys (Gray et al.'s generator, as YCSB's); rank r is scrambled to key "key:<hash(r)>" so
 * the hot keys are spread over the server's shards.  Prints one CSV line:
 *   proto,keys,ops,seconds,ops_per_s,hits,misses,hit_ratio,set_errors
 */
#define _GNU_SOURCE
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *host = "127.0.0.1", *port = "6379", *proto = "resp";
static long keys = 1000000, ops = 1000000, vsize = 100, conns = 4;
static double theta = 0.99, zetan, alpha, eta;
static long hits_total, misses_total, errors_total;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static void zipf_init(void) {
    for (long i = 1; i <= keys; i++) zetan += 1.0 / pow((double)i, theta);
    double zeta2 = 1.0 + 1.0 / pow(2.0, theta);
    alpha = 1.0 / (1.0 - theta);
    eta = (1.0 - pow(2.0 / (double)keys, 1.0 - theta)) / (1.0 - zeta2 / zetan);
}

static long zipf_next(uint64_t *rng) {
    *rng = mix(*rng + 0x9e3779b97f4a7c15ull);
    double u = (double)(*rng >> 11) / (double)(1ull << 53), uz = u * zetan;
    if (uz < 1.0) return 0;
    if (uz < 1.0 + pow(0.5, theta)) return 1;
    long r = (long)((double)keys * pow(eta * u - eta + 1.0, alpha));
    return r >= keys ? keys - 1 : r;
}

static int dial(void) {
    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

typedef struct conn {
    int fd;
    char buf[1 << 16];
    size_t len, off;
} conn;

static int fill(conn *c) {
    if (c->off > 0) {
        memmove(c->buf, c->buf + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
    if (n <= 0) return -1;
    c->len += (size_t)n;
    return 0;
}

/* The next line (without CRLF) into out; its length, -1 on a closed connection. */
static long line(conn *c, char *out, size_t cap) {
    for (;;) {
        char *e = memmem(c->buf + c->off, c->len - c->off, "\r\n", 2);
        if (e) {
            size_t n = (size_t)(e - (c->buf + c->off));
            size_t k = n < cap - 1 ? n : cap - 1;
            memcpy(out, c->buf + c->off, k);
            out[k] = 0;
            c->off += n + 2;
            return (long)n;
        }
        if (fill(c) < 0) return -1;
    }
}

static int skip(conn *c, size_t n) {
    while (c->len - c->off < n)
        if (fill(c) < 0) return -1;
    c->off += n;
    return 0;
}

static void send_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) exit(2);
        p += w;
        n -= (size_t)w;
    }
}

static void *worker(void *arg) {
    long id = (long)arg, mine = ops / conns, hits = 0, misses = 0, errors = 0;
    uint64_t rng = mix((uint64_t)id + 12345);
    conn *c = calloc(1, sizeof *c);
    if ((c->fd = dial()) < 0) {
        fprintf(stderr, "cannot connect to %s:%s\n", host, port);
        exit(2);
    }
    char *value = malloc((size_t)vsize), req[512 + 8192], ln[256], key[40];
    memset(value, 'v', (size_t)vsize);
    int resp = !strcmp(proto, "resp");
    for (long i = 0; i < mine; i++) {
        int kl = snprintf(key, sizeof key, "key:%016llx", (unsigned long long)mix((uint64_t)zipf_next(&rng)));
        int n = resp ? snprintf(req, sizeof req, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", kl, key)
                     : snprintf(req, sizeof req, "get %s\r\n", key);
        send_all(c->fd, req, (size_t)n);
        int hit = 0;
        if (resp) {
            if (line(c, ln, sizeof ln) < 0) exit(2);
            if (ln[0] == '$' && atol(ln + 1) >= 0) {
                hit = 1;
                skip(c, (size_t)atol(ln + 1) + 2);
            }
        } else {
            for (;;) {
                if (line(c, ln, sizeof ln) < 0) exit(2);
                if (!strcmp(ln, "END")) break;
                if (!strncmp(ln, "VALUE ", 6)) {
                    hit = 1;
                    char *sp = strrchr(ln, ' ');
                    skip(c, (size_t)atol(sp + 1) + 2);
                }
            }
        }
        if (hit) {
            hits++;
            continue;
        }
        misses++;
        n = resp ? snprintf(req, sizeof req, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%ld\r\n", kl, key, vsize)
                 : snprintf(req, sizeof req, "set %s 0 0 %ld\r\n", key, vsize);
        send_all(c->fd, req, (size_t)n);
        send_all(c->fd, value, (size_t)vsize);
        send_all(c->fd, "\r\n", 2);
        if (line(c, ln, sizeof ln) < 0) exit(2);
        if (resp ? ln[0] != '+' : strcmp(ln, "STORED") != 0) errors++;
    }
    pthread_mutex_lock(&mu);
    hits_total += hits;
    misses_total += misses;
    errors_total += errors;
    pthread_mutex_unlock(&mu);
    close(c->fd);
    free(c);
    free(value);
    return NULL;
}

int main(int argc, char **argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "-H")) host = v;
        else if (!strcmp(a, "-p")) port = v;
        else if (!strcmp(a, "-P")) proto = v;
        else if (!strcmp(a, "-k")) keys = atol(v);
        else if (!strcmp(a, "-n")) ops = atol(v);
        else if (!strcmp(a, "-d")) vsize = atol(v);
        else if (!strcmp(a, "-c")) conns = atol(v);
        else if (!strcmp(a, "-s")) theta = atof(v);
        else {
            fprintf(stderr, "usage: cachebench -H host -p port -P resp|memcache -k keys -n ops -d bytes -c conns [-s theta]\n");
            return 1;
        }
    }
    if (keys < 2 || conns < 1 || vsize < 1 || vsize > 8000) return 1;
    zipf_init();
    pthread_t *t = calloc((size_t)conns, sizeof *t);
    double t0 = now_s();
    for (long i = 0; i < conns; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    for (long i = 0; i < conns; i++) pthread_join(t[i], NULL);
    double s = now_s() - t0;
    long done = hits_total + misses_total;
    printf("%s,%ld,%ld,%.2f,%.0f,%ld,%ld,%.4f,%ld\n", proto, keys, done, s, done / s, hits_total, misses_total,
           done ? (double)hits_total / done : 0.0, errors_total);
    free(t);
    return 0;
}
