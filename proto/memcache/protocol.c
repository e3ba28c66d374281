/* protocol.c -- the "memcache" keel_proto_def: parse and encode entry points, and flush_all's
 * bookkeeping (its statistic and the delayed flush every connection watches for). */
#include <time.h>
#include <keel/sdk.h>
#include "counters.h"
#include "encode.h"
#include "flush.h"
#include "item.h"
#include "number.h"
#include "parse.h"
#include "protocol.h"
#include "state.h"
#include "tag.h"

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Records what a flush_all request asks: now (cancelling a delayed one) or later. */
static void note_flush(const keel_request *req) {
    mc_count(MC_CMD_FLUSH);
    if (req->tag & MC_TAG_FLUSH_NOW) {
        mc_flush_cancel();
        return;
    }
    int64_t delay = 0;
    mc_num_i64(req->argv[1].ptr, req->argv[1].len, &delay);
    int64_t now = wall_ms();
    int64_t at = mc_expiry_at(delay, now);
    mc_flush_schedule(at == MC_AT_EXPIRED ? now : at);
}

static keel_parse_result mc_proto_parse(keel_conn *c, void *state, const char *buf, size_t len,
                                        keel_request *req) {
    (void)c;
    mc_state *st = state;
    if (mc_flush_pending() && mc_flush_take_due(wall_ms())) {
        st->flush_argv[0].ptr = "FLUSHALL";
        st->flush_argv[0].len = 8;
        req->argc = 1;
        req->argv = st->flush_argv;
        req->consumed = 0;
        req->need = 0;
        req->tag = mc_tag(MC_KIND_SILENT, 0);
        req->error = NULL;
        return KEEL_PARSE_OK;
    }
    keel_parse_result r = mc_parse(&st->parser, buf, len, req);
    if (r == KEEL_PARSE_OK && mc_tag_kind(req->tag) == MC_KIND_OK &&
        (req->tag & (MC_TAG_FLUSH_NOW | MC_TAG_FLUSH_LATER)))
        note_flush(req);
    return r;
}

static void mc_proto_encode(keel_conn *c, void *state, uint64_t tag, const keel_reply *r,
                            keel_buf *out) {
    (void)c; (void)state;
    mc_encode(tag, r, out);
}

const keel_proto_def mc_protocol = {
    .size = sizeof(keel_proto_def),
    .name = "memcache",
    .conn_state_size = sizeof(mc_state),
    .parse = mc_proto_parse,
    .encode = mc_proto_encode,
};
