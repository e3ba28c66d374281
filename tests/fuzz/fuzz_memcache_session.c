/* fuzz_memcache_session.c -- fuzz target: arbitrary bytes as memcached client sessions, run end
 * to end on the fake keel_api: every request the parser hands out runs its MC.* command on the
 * fake keyspace and its reply is encoded.  Nothing may crash or leak; a text reply ends its line,
 * a binary one is whole response frames.  The first byte moves the fake clock between requests
 * (its low bits: expiry paths) and, with its top bit, mixes two connections on one keyspace: one
 * that speaks whatever its first byte says and one made to speak the binary protocol, the rest
 * of the input going to them in chunks of "a length byte (top bit: which connection), bytes". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/memcache/bin.h"
#include "modules/memcache/register.h"
#include "proto/memcache/register.h"
#include "proto/memcache/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

/* One client connection and the input it has not parsed yet. */
typedef struct session {
    keel_conn *conn;
    char *in;
    size_t len;
    bool closed;
} session;

static int64_t now = 1000000000000ll, tick;

/* What one request wrote (out[before..len)) is whole replies of the connection's protocol. */
static void check_output(const session *s, const keel_buf *out, size_t before) {
    const mc_state *st = s->conn->proto_state;
    if (st->mode != MC_MODE_BINARY) {
        CHECK(out->len == before || (out->len >= before + 2 && out->data[out->len - 2] == '\r' &&
                                     out->data[out->len - 1] == '\n'));
        return;
    }
    size_t off = before;
    while (off < out->len) {
        const unsigned char *h = (const unsigned char *)out->data + off;
        CHECK(out->len - off >= MC_BIN_HEADER && h[0] == MC_BIN_RES_MAGIC);
        size_t keylen = (size_t)h[2] << 8 | h[3], extlen = h[4];
        size_t body = (size_t)h[8] << 24 | (size_t)h[9] << 16 | (size_t)h[10] << 8 | h[11];
        CHECK(extlen + keylen <= body && out->len - off - MC_BIN_HEADER >= body);
        off += MC_BIN_HEADER + body;
    }
}

/* Runs one request's command and encodes its reply (an error the core reports itself: tag 0). */
static void run_request(const keel_proto_def *proto, session *s, const keel_request *req,
                        keel_buf *out) {
    keel_proc *p;
    if (req) {
        p = fake_request_run(s->conn, req);
    } else {
        p = fake_proc_new(s->conn, 1, (const char *[]){"x"});
        keel_reply_error(p, "%s", "protocol error");
    }
    size_t before = out->len;
    for (const keel_reply *rep = fake_proc_reply(p); rep; rep = rep->next)
        proto->encode(s->conn, s->conn->proto_state, req ? req->tag : 0, rep, out);
    check_output(s, out, before);
    fake_proc_free(p);
    out->len = 0;
    now += tick;
    fake_set_now_ms(now);
}

/* Hands the session n more bytes and runs every request they complete. */
static void feed(const keel_proto_def *proto, session *s, const uint8_t *data, size_t n,
                 keel_buf *out) {
    if (s->closed) return;
    char *grown = realloc(s->in, s->len + n + 1);
    CHECK(grown);
    s->in = grown;
    memcpy(s->in + s->len, data, n);
    s->len += n;
    size_t off = 0;
    for (int guard = 0; off < s->len && guard < 100000; guard++) {
        keel_request req;
        memset(&req, 0, sizeof req);
        req.size = sizeof req;
        keel_parse_result r =
            proto->parse(s->conn, s->conn->proto_state, s->in + off, s->len - off, &req);
        if (r == KEEL_PARSE_NEED) break;
        if (r != KEEL_PARSE_OK) {
            if (r == KEEL_PARSE_ERROR) run_request(proto, s, NULL, out);
            s->closed = true;
            break;
        }
        CHECK(req.consumed <= s->len - off);
        off += req.consumed;
        if (req.argc || req.reply_only) run_request(proto, s, &req, out);
        if (s->conn->close_after_reply) {
            s->closed = true;
            break;
        }
    }
    memmove(s->in, s->in + off, s->len - off);
    s->len -= off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    fake_api_reset();
    long live = fake_api_live_allocs();
    CHECK(mc_proto_register(fake_module()) == KEEL_OK);
    CHECK(mc_items_register(fake_module()) == KEEL_OK);
    const keel_proto_def *proto = fake_protocol("memcache");
    session a = {.conn = fake_conn_new(proto)}, b = {.conn = fake_conn_new(proto)};
    ((mc_state *)b.conn->proto_state)->mode = MC_MODE_BINARY;
    bool mixed = data[0] & 0x80;
    tick = (int64_t)(data[0] & 0x0f) * 500;
    now = 1000000000000ll;
    data++;
    size--;
    keel_buf out;
    memset(&out, 0, sizeof out);
    if (!mixed) {
        feed(proto, &a, data, size, &out);
    } else {
        for (size_t off = 0; off < size;) {
            size_t n = data[off] & 0x7f;
            session *to = data[off] & 0x80 ? &b : &a;
            off++;
            if (n > size - off) n = size - off;
            feed(proto, to, data + off, n, &out);
            off += n;
        }
    }
    free(a.in);
    free(b.in);
    fake_buf_free(&out);
    fake_conn_free(a.conn);
    fake_conn_free(b.conn);
    mc_items_unregister(fake_module());
    mc_proto_unregister(fake_module());
    CHECK(fake_api_live_allocs() == live);
    fake_api_reset();
    return 0;
}
