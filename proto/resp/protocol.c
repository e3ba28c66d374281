/* protocol.c -- the "resp" keel_proto_def: connection state, parse and encode entry points. */
#include <keel/sdk.h>
#include "conn.h"
#include "encode.h"
#include "parse.h"
#include "protocol.h"
#include "state.h"
#include "text.h"

#include <string.h>
#include <strings.h>

/* Encodes reply tree r for a connection speaking RESP version `version`. */
typedef void (*resp_encoder)(const keel_reply *r, int version, keel_buf *out);

static void json_encoder(const keel_reply *r, int version, keel_buf *out) {
    (void)version;
    text_encode(r, TEXT_JSON, out);
}

static void python_encoder(const keel_reply *r, int version, keel_buf *out) {
    (void)version;
    text_encode(r, TEXT_PYTHON, out);
}

/* One encoder per reply syntax (state.h); a syntax without one is written as RESP. */
static const resp_encoder encoders[RESP_SYNTAX_COUNT] = {
    [RESP_SYNTAX_RESP] = resp_encode,
    [RESP_SYNTAX_JSON] = json_encoder,
    [RESP_SYNTAX_PYTHON] = python_encoder,
};

/* Also the protocol's list of reply syntaxes a network may choose (NULL-terminated). */
static const char *const syntax_names[RESP_SYNTAX_COUNT + 1] = {
    [RESP_SYNTAX_RESP] = "resp",
    [RESP_SYNTAX_JSON] = "json",
    [RESP_SYNTAX_PYTHON] = "python",
    [RESP_SYNTAX_COUNT] = NULL,
};

int resp_syntax_parse(const char *name, size_t len) {
    for (int i = 0; i < RESP_SYNTAX_COUNT; i++)
        if (strlen(syntax_names[i]) == len && strncasecmp(name, syntax_names[i], len) == 0)
            return i;
    return -1;
}

const char *resp_syntax_name(int syntax) {
    return syntax >= 0 && syntax < RESP_SYNTAX_COUNT ? syntax_names[syntax] : "resp";
}

/* The reply syntax of c's network ("reply_syntax" in the config): where a connection starts,
 * and where RESET brings it back. */
static uint8_t network_syntax(keel_conn *c) {
    const char *name = keel_conn_network_setting(c, "reply_syntax");
    int syntax = name ? resp_syntax_parse(name, strlen(name)) : -1;
    return (uint8_t)(syntax < 0 ? RESP_SYNTAX_RESP : syntax);
}

static void resp_conn_open(keel_conn *c, void *state) {
    resp_state *st = state;
    st->version = 2;
    st->syntax = network_syntax(c);
}

static void resp_conn_close(keel_conn *c, void *state) {
    (void)c;
    resp_state *st = state;
    resp_parser_free(&st->parser);
}

/* A reply to HELLO, REPLY.SYNTAX or RESET changes how it and every later reply is written. */
static void resp_switch_at(keel_conn *c, resp_state *st, uint64_t tag, const keel_reply *r) {
    if ((tag & RESP_TAG_RESET) && r && r->type == KEEL_REPLY_SIMPLE && r->len == 5 &&
        !memcmp(r->v.s, "RESET", 5)) {
        st->version = 2;
        st->syntax = network_syntax(c);
    }
    if (tag & RESP_TAG_HELLO) {
        int v = resp_hello_reply_version(r);
        if (v) st->version = (uint8_t)v;
    }
    if ((tag & RESP_TAG_SYNTAX) && r && r->type == KEEL_REPLY_SIMPLE) {
        int syntax = resp_syntax_parse(r->v.s, r->len);
        if (syntax >= 0) st->syntax = (uint8_t)syntax;
    }
}

static keel_parse_result resp_proto_parse(keel_conn *c, void *state, const char *buf, size_t len,
                                          keel_request *req) {
    (void)c;
    resp_state *st = state;
    return resp_parse(&st->parser, buf, len, req);
}

/* Replies are encoded in request order, so a HELLO (or RESET) switches the version exactly at its
 * own reply: earlier replies still go out in the old version, its own and later ones in the new,
 * however far the connection's pipeline ran ahead.  Once the latest request's reply is out,
 * parser memory a huge request left behind goes back, so an idle connection holds little. */
static void resp_proto_encode(keel_conn *c, void *state, uint64_t tag, const keel_reply *r,
                              keel_buf *out) {
    resp_state *st = state;
    resp_switch_at(c, st, tag, r);
    resp_encoder enc =
        st->syntax < RESP_SYNTAX_COUNT && encoders[st->syntax] ? encoders[st->syntax] : resp_encode;
    enc(r, resp_state_version(st), out);
    resp_parser_release(&st->parser, tag);
}

/* On another thread (keel_proto_def.encode_detached): every reply but those that switch the
 * version or syntax, which only the connection's thread may do. */
static bool resp_proto_encode_detached(const void *state, uint64_t tag, const keel_reply *r,
                                       keel_buf *out) {
    const resp_state *st = state;
    if (tag & (RESP_TAG_RESET | RESP_TAG_HELLO | RESP_TAG_SYNTAX)) return false;
    resp_encoder enc =
        st->syntax < RESP_SYNTAX_COUNT && encoders[st->syntax] ? encoders[st->syntax] : resp_encode;
    enc(r, resp_state_version(st), out);
    return true;
}

static void resp_proto_detached_sent(keel_conn *c, void *state, uint64_t tag) {
    (void)c;
    resp_state *st = state;
    resp_parser_release(&st->parser, tag);
}

/* Big replies go out a slice at a time, in every syntax.  The syntax only changes between
 * replies, so while a cursor lives it belongs to the syntax in st. */
static bool resp_proto_encode_step(keel_conn *c, void *state, uint64_t tag, const keel_reply *r,
                                   keel_buf *out, void **cursor, size_t budget) {
    resp_state *st = state;
    if (!*cursor) resp_switch_at(c, st, tag, r);
    bool done;
    if (st->syntax == RESP_SYNTAX_RESP) {
        resp_walk *w = *cursor;
        done = resp_encode_step(r, resp_state_version(st), out, &w, budget);
        *cursor = w;
    } else {
        text_walk *w = *cursor;
        done = text_encode_step(r, st->syntax == RESP_SYNTAX_PYTHON ? TEXT_PYTHON : TEXT_JSON, out,
                                &w, budget);
        *cursor = w;
    }
    if (done) resp_parser_release(&st->parser, tag);
    return done;
}

static void resp_proto_encode_abort(keel_conn *c, void *state, void *cursor) {
    (void)c;
    resp_state *st = state;
    if (st->syntax == RESP_SYNTAX_RESP)
        resp_encode_abort(cursor);
    else
        text_encode_abort(cursor);
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
    .reply_syntaxes = syntax_names,
    .encode_detached = resp_proto_encode_detached,
    .detached_sent = resp_proto_detached_sent,
};
