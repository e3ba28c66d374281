/* protocol.c -- the "memcache" keel_proto_def: picks text or binary by a connection's first byte,
 * puts the flush_all the core says is due in the connection's namespace before the next request,
 * and encodes replies in the connection's protocol. */
#include <keel/sdk.h>
#include "bin.h"
#include "encode.h"
#include <keel/memcache.h>
#include "parse.h"
#include "protocol.h"
#include "register.h"
#include "state.h"
#include "tag.h"

static void mc_proto_open(keel_conn *c, void *state) {
    mc_state *st = state;
    const char *size = keel_conn_option(c, MC_ITEM_SIZE_OPTION);
    uint64_t max;
    if (size && !mc_item_size_parse(size, &max))
        mc_warn_once("memcache: option " MC_ITEM_SIZE_OPTION " \"%s\" is not a size from 1024 "
                     "bytes to 1g (e.g. \"2m\"): using 1m",
                     size);
    st->parser.item_max = mc_item_size_or_default(size);
}

static bool between_requests(const mc_state *st) {
    return st->mode == MC_MODE_BINARY ? st->bin.swallow == 0 : mc_parser_idle(&st->parser);
}

static keel_parse_result mc_proto_parse(keel_conn *c, void *state, const char *buf, size_t len,
                                        keel_request *req) {
    mc_state *st = state;
    /* The core keeps the deadline and its clock, and says it is due once per change of its
     * table; MC.FLUSHDUE claims it (a connection that loses the race flushes nothing). */
    if (between_requests(st) && keel_conn_deadline_due(c, MC_FLUSH_DEADLINE)) {
        st->flush_argv[0].ptr = "MC.FLUSHDUE";
        st->flush_argv[0].len = 11;
        req->argc = 1;
        req->argv = st->flush_argv;
        req->consumed = 0;
        req->need = 0;
        req->tag = mc_tag(MC_KIND_SILENT, 0);
        req->error = NULL;
        return KEEL_PARSE_OK;
    }
    if (st->mode == MC_MODE_NEW) {
        if (len == 0) return KEEL_PARSE_NEED;
        st->mode = (unsigned char)buf[0] == MC_BIN_REQ_MAGIC ? MC_MODE_BINARY : MC_MODE_TEXT;
    }
    if (st->mode == MC_MODE_BINARY)
        return mc_parse_bin(&st->bin, mc_parser_item_max(&st->parser), buf, len, req);
    return mc_parse(&st->parser, buf, len, req);
}

static void mc_proto_encode(keel_conn *c, void *state, uint64_t tag, const keel_reply *r,
                            keel_buf *out) {
    (void)c;
    mc_state *st = state;
    if (st->mode == MC_MODE_BINARY && tag == 0 && r && r->type == KEEL_REPLY_ERROR) {
        const mc_bin_parser *bp = &st->bin; /* the frame that closes the connection */
        mc_encode_bin_error(bp->error_opcode, bp->error_status, bp->error_opaque, r->v.s, r->len,
                            out);
        return;
    }
    if (mc_tag_kind(tag) == MC_KIND_BIN) {
        mc_encode_bin(tag, r, out);
        return;
    }
    mc_encode(tag, r, out);
}

/* On another thread (keel_proto_def.encode_detached): every reply but the binary protocol's
 * closing error frame, which reads the parser's state.  (The mode is set before the first
 * request and never changes.) */
static bool mc_proto_encode_detached(const void *state, uint64_t tag, const keel_reply *r,
                                     keel_buf *out) {
    const mc_state *st = state;
    if (st->mode == MC_MODE_BINARY && tag == 0) return false;
    if (mc_tag_kind(tag) == MC_KIND_BIN)
        mc_encode_bin(tag, r, out);
    else
        mc_encode(tag, r, out);
    return true;
}

const keel_proto_def mc_protocol = {
    .size = sizeof(keel_proto_def),
    .name = "memcache",
    .conn_state_size = sizeof(mc_state),
    .conn_open = mc_proto_open,
    .parse = mc_proto_parse,
    .encode = mc_proto_encode,
    .encode_detached = mc_proto_encode_detached,
};
