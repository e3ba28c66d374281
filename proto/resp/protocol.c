/* protocol.c -- the "resp" keel_proto_def: connection state, parse and encode entry points. */
#include <keel/sdk.h>
#include "conn.h"
#include "encode.h"
#include "parse.h"
#include "protocol.h"
#include "state.h"

/* Encodes reply tree r for a connection speaking RESP version `version`. */
typedef void (*resp_encoder)(const keel_reply *r, int version, keel_buf *out);

/* One encoder per reply syntax (state.h); a syntax without one is written as RESP. */
static const resp_encoder encoders[RESP_SYNTAX_COUNT] = {
    [RESP_SYNTAX_RESP] = resp_encode,
};

static void resp_conn_open(keel_conn *c, void *state) {
    resp_state *st = state;
    st->version = 2;
    st->syntax = RESP_SYNTAX_RESP;
}

static void resp_conn_close(keel_conn *c, void *state) {
    resp_state *st = state;
    resp_parser_free(&st->parser);
}

static keel_parse_result resp_proto_parse(keel_conn *c, void *state, const char *buf, size_t len,
                                          keel_request *req) {
    resp_state *st = state;
    return resp_parse(&st->parser, buf, len, req);
}

/* Replies are encoded in request order, so a HELLO switches the version exactly at its own
 * reply: earlier replies still go out in the old version, its own and later ones in the new,
 * however far the connection's pipeline ran ahead.  Once the latest request's reply is out,
 * parser memory a huge request left behind goes back, so an idle connection holds little. */
static void resp_proto_encode(keel_conn *c, void *state, uint64_t tag, const keel_reply *r,
                              keel_buf *out) {
    resp_state *st = state;
    if (tag & RESP_TAG_HELLO) {
        int v = resp_hello_reply_version(r);
        if (v) st->version = (uint8_t)v;
    }
    resp_encoder enc =
        st->syntax < RESP_SYNTAX_COUNT && encoders[st->syntax] ? encoders[st->syntax] : resp_encode;
    enc(r, resp_state_version(st), out);
    resp_parser_release(&st->parser, tag);
}

/* Big replies go out a slice at a time (RESP only; other syntaxes are written in one go). */
static bool resp_proto_encode_step(keel_conn *c, void *state, uint64_t tag, const keel_reply *r, keel_buf *out,
                                   void **cursor, size_t budget) {
    resp_state *st = state;
    if (st->syntax != RESP_SYNTAX_RESP) {
        resp_proto_encode(c, state, tag, r, out);
        return true;
    }
    if (!*cursor && (tag & RESP_TAG_HELLO)) {
        int v = resp_hello_reply_version(r);
        if (v) st->version = (uint8_t)v;
    }
    resp_walk *w = *cursor;
    bool done = resp_encode_step(r, resp_state_version(st), out, &w, budget);
    *cursor = w;
    if (done) resp_parser_release(&st->parser, tag);
    return done;
}

static void resp_proto_encode_abort(keel_conn *c, void *state, void *cursor) {
    resp_encode_abort(cursor);
}

const keel_proto_def resp_protocol = {
    .size = sizeof(keel_proto_def),
    .name = "resp",
    .conn_state_size = sizeof(resp_state),
    .conn_open = resp_conn_open,
    .conn_close = resp_conn_close,
    .parse = resp_proto_parse,
    .encode = resp_proto_encode,
    .encode_step = resp_proto_encode_step,
    .encode_abort = resp_proto_encode_abort,
};
