/* fuzz_memcache_session.c -- fuzz target: arbitrary bytes as a memcached client session, run end
 * to end on the fake keel_api: every request the parser hands out runs its MC.* command on the
 * fake keyspace and its reply is encoded.  Nothing may crash, leak, or encode a reply without
 * its line ending; the first byte moves the fake clock between requests (expiry paths). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/memcache/register.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    fake_api_reset();
    long live = fake_api_live_allocs();
    CHECK(mc_register(fake_module()) == KEEL_OK);
    const keel_proto_def *proto = fake_protocol("memcache");
    keel_conn *conn = fake_conn_new(proto);
    int64_t tick = (int64_t)(data[0] & 0x0f) * 500;
    int64_t now = 1000000000000ll;
    data++;
    size--;
    keel_buf out;
    memset(&out, 0, sizeof out);
    size_t off = 0;
    for (int guard = 0; off < size && guard < 100000; guard++) {
        keel_request req;
        memset(&req, 0, sizeof req);
        req.size = sizeof req;
        keel_parse_result r =
            proto->parse(conn, conn->proto_state, (const char *)data + off, size - off, &req);
        if (r != KEEL_PARSE_OK) break;
        CHECK(req.consumed <= size - off);
        off += req.consumed;
        if (!req.argc) continue;
        keel_proc *p = fake_proc_new_args(conn, (int)req.argc, req.argv);
        fake_call(p);
        size_t before = out.len;
        for (const keel_reply *rep = fake_proc_reply(p); rep; rep = rep->next)
            proto->encode(conn, conn->proto_state, req.tag, rep, &out);
        CHECK(out.len == before || (out.len >= before + 2 && out.data[out.len - 2] == '\r' &&
                                    out.data[out.len - 1] == '\n'));
        fake_proc_free(p);
        out.len = 0;
        now += tick;
        fake_set_now_ms(now);
    }
    fake_buf_free(&out);
    fake_conn_free(conn);
    mc_unregister(fake_module());
    CHECK(fake_api_live_allocs() == live);
    fake_api_reset();
    return 0;
}
