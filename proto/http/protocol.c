/* protocol.c -- the "http" keel_proto_def: requests become HTTP.SCRAPE commands (so the core
 * checks the network's stats permission as for any command), replies become HTTP responses. */
#include <keel/sdk.h>
#include "parse.h"
#include "protocol.h"
#include "response.h"
#include "state.h"

#include <stdio.h>
#include <string.h>

#define COMMAND_NAME "HTTP.SCRAPE"

/* The HTTP.SCRAPE argument of each resource (scrape.c reads them back). */
static const char *const resource_args[] = {[HTTP_RES_NONE] = "none",
                                            [HTTP_RES_METRICS] = "metrics",
                                            [HTTP_RES_STATS] = "stats",
                                            [HTTP_RES_HEALTH] = "health"};

static http_reply_kind kind_of(const http_request *hr) {
    if (hr->resource == HTTP_RES_NONE) return HTTP_KIND_NOT_FOUND;
    if (!hr->method_allowed) return HTTP_KIND_BAD_METHOD;
    if (hr->resource == HTTP_RES_METRICS) return HTTP_KIND_METRICS;
    return hr->resource == HTTP_RES_STATS ? HTTP_KIND_STATS : HTTP_KIND_HEALTH;
}

/* One request per call.  A request that cannot be served is refused with its status (the core
 * sends it as an error reply, tag 0, and closes); after a request that closes the connection,
 * nothing more is read. */
static keel_parse_result http_proto_parse(keel_conn *c, void *state, const char *buf, size_t len,
                                          keel_request *req) {
    (void)c;
    http_state *st = state;
    if (st->closing) return KEEL_PARSE_CLOSE;
    http_request hr;
    http_parse_status ps = http_parse(buf, len, &hr);
    if (ps == HTTP_NEED) {
        req->need = hr.need;
        return KEEL_PARSE_NEED;
    }
    if (ps == HTTP_REFUSED) {
        req->error = http_status_text(hr.status);
        return KEEL_PARSE_ERROR;
    }
    http_reply_kind kind = kind_of(&hr);
    const char *arg = kind == HTTP_KIND_BAD_METHOD ? "none" : resource_args[hr.resource];
    st->argv[0] = (keel_arg){COMMAND_NAME, sizeof COMMAND_NAME - 1};
    st->argv[1] = (keel_arg){arg, strlen(arg)};
    req->argc = 2;
    req->argv = st->argv;
    req->consumed = hr.consumed;
    req->tag = HTTP_TAG_REQUEST | (uint64_t)kind | (hr.head ? HTTP_TAG_HEAD : 0) |
               (hr.keep_alive ? 0 : HTTP_TAG_CLOSE);
    if (!hr.keep_alive) st->closing = true;
    return KEEL_PARSE_OK;
}

/* The status of an error reply: a refusal's own code ("431 ...", only in a reply the core queued
 * itself, tag 0), 403 for a permission the network lacks, 503 while the server cannot serve
 * (loading, busy, refusing clients), else 500. */
static int error_status(uint64_t tag, const keel_reply *r) {
    const char *s = r->v.s;
    size_t n = r->len;
    if (!tag && n >= 4 && s[0] >= '1' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
        s[2] <= '9' && s[3] == ' ')
        return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    if ((n >= 6 && !memcmp(s, "NOPERM", 6)) || (n >= 6 && !memcmp(s, "NOAUTH", 6))) return 403;
    if ((n >= 7 && !memcmp(s, "LOADING", 7)) || (n >= 4 && !memcmp(s, "BUSY", 4))) return 503;
    return tag ? 500 : 503;
}

/* The body of a bulk or verbatim reply (a verbatim one without its "fmt:" prefix). */
static void reply_bytes(const keel_reply *r, const char **s, size_t *n) {
    *s = "";
    *n = 0;
    if (r->type == KEEL_REPLY_BULK || r->type == KEEL_REPLY_SIMPLE) {
        *s = r->v.s;
        *n = r->len;
    } else if (r->type == KEEL_REPLY_VERBATIM && r->len >= 4) {
        *s = r->v.s + 4;
        *n = r->len - 4;
    }
}

static void write_error(keel_conn *c, uint64_t tag, const keel_reply *r, keel_buf *out) {
    int status = error_status(tag, r);
    char body[512];
    const char *status_text = http_status_text(status);
    int n = status == 403 || status >= 500
                ? snprintf(body, sizeof body, "%s: %.*s\n", status_text + 4,
                           (int)(r->len > 400 ? 400 : r->len), r->v.s)
                : snprintf(body, sizeof body, "%s\n", status_text + 4);
    bool close = !tag || (tag & HTTP_TAG_CLOSE);
    http_response resp = {.status = status,
                          .content_type = "text/plain; charset=utf-8",
                          .body = body,
                          .n = n > 0 && (size_t)n < sizeof body ? (size_t)n : 0,
                          .head = (tag & HTTP_TAG_HEAD) != 0,
                          .close = close};
    http_response_write(&resp, out);
    if (close) keel_conn_close_after_reply(c);
}

static void http_proto_encode(keel_conn *c, void *state, uint64_t tag, const keel_reply *r,
                              keel_buf *out) {
    (void)state;
    if (!tag || r->type == KEEL_REPLY_ERROR) {
        if (r->type == KEEL_REPLY_ERROR) write_error(c, tag, r, out);
        return; /* (a tag-0 reply is always an error; anything else has no request to answer) */
    }
    http_response resp = {.status = 200,
                          .content_type = "text/plain; charset=utf-8",
                          .head = (tag & HTTP_TAG_HEAD) != 0,
                          .close = (tag & HTTP_TAG_CLOSE) != 0};
    static const char not_found[] = "Not Found\n", bad_method[] = "Method Not Allowed\n";
    switch ((http_reply_kind)(tag & HTTP_TAG_KIND_MASK)) {
    case HTTP_KIND_NOT_FOUND:
        resp.status = 404;
        resp.body = not_found;
        resp.n = sizeof not_found - 1;
        break;
    case HTTP_KIND_BAD_METHOD:
        resp.status = 405;
        resp.allow = true;
        resp.body = bad_method;
        resp.n = sizeof bad_method - 1;
        break;
    case HTTP_KIND_METRICS:
        resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
        reply_bytes(r, &resp.body, &resp.n);
        break;
    case HTTP_KIND_STATS:
        resp.content_type = "application/json";
        reply_bytes(r, &resp.body, &resp.n);
        break;
    default:
        reply_bytes(r, &resp.body, &resp.n);
        break;
    }
    http_response_write(&resp, out);
    if (resp.close) keel_conn_close_after_reply(c);
}

const keel_proto_def http_protocol = {
    .size = sizeof(keel_proto_def),
    .name = "http",
    .conn_state_size = sizeof(http_state),
    .parse = http_proto_parse,
    .encode = http_proto_encode,
};
