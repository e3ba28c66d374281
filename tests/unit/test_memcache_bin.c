/* test_memcache_bin.c -- memcached's binary protocol in memcache.so: the parser's requests and
 * frame checks (lengths that lie, unknown opcodes, values over the limit, input split
 * anywhere), and whole sessions on the fake keyspace read back as response frames (statuses,
 * quiet opcodes, opaque and CAS round trips).  Also the pieces the hardening added beside it:
 * the delayed flush, the item size option, meta get's access callback. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/memcache/bin.h"
#include "modules/memcache/register.h"
#include "proto/memcache/register.h"
#include "proto/memcache/tag.h"
#include "proto/memcache/wire.h"

static keel_conn *conn;
static keel_buf out;
static mc_bin_parser bp;

static void setup(void) {
    fake_api_reset();
    ck_assert_int_eq(mc_proto_register(fake_module()), KEEL_OK);
    ck_assert_int_eq(mc_items_register(fake_module()), KEEL_OK);
    conn = fake_conn_new(fake_protocol("memcache"));
    memset(&out, 0, sizeof out);
    memset(&bp, 0, sizeof bp);
}

static void teardown(void) {
    fake_conn_free(conn);
    fake_buf_free(&out);
    mc_items_unregister(fake_module());
    mc_proto_unregister(fake_module());
    ck_assert_int_eq(fake_api_live_allocs(), 0);
}

/* ---- building requests ---- */

static char in[1 << 16];
static size_t inlen;

static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Appends a request to `in`: extras ext[0..extlen), key, value; bodylen as they add up. */
static void req_full(uint8_t op, const void *ext, size_t extlen, const char *key, const char *val,
                     size_t vlen, uint32_t opaque, uint64_t cas) {
    unsigned char *h = (unsigned char *)in + inlen;
    size_t klen = key ? strlen(key) : 0;
    memset(h, 0, MC_BIN_HEADER);
    h[0] = MC_BIN_REQ_MAGIC;
    h[1] = op;
    h[2] = (unsigned char)(klen >> 8);
    h[3] = (unsigned char)klen;
    h[4] = (unsigned char)extlen;
    put32(h + 8, (uint32_t)(extlen + klen + vlen));
    put32(h + 12, opaque);
    put32(h + 16, (uint32_t)(cas >> 32));
    put32(h + 20, (uint32_t)cas);
    inlen += MC_BIN_HEADER;
    memcpy(in + inlen, ext, extlen);
    inlen += extlen;
    if (klen) memcpy(in + inlen, key, klen);
    inlen += klen;
    memcpy(in + inlen, val, vlen);
    inlen += vlen;
}

static void req(uint8_t op, const char *key, uint32_t opaque) {
    req_full(op, "", 0, key, "", 0, opaque, 0);
}

static void req_set(uint8_t op, const char *key, const char *val, uint32_t flags, uint32_t exptime,
                    uint32_t opaque, uint64_t cas) {
    unsigned char ext[8];
    put32(ext, flags);
    put32(ext + 4, exptime);
    req_full(op, ext, 8, key, val, strlen(val), opaque, cas);
}

static void req_arith(uint8_t op, const char *key, uint64_t delta, uint64_t initial,
                      uint32_t exptime, uint32_t opaque, uint64_t cas) {
    unsigned char ext[20];
    put32(ext, (uint32_t)(delta >> 32));
    put32(ext + 4, (uint32_t)delta);
    put32(ext + 8, (uint32_t)(initial >> 32));
    put32(ext + 12, (uint32_t)initial);
    put32(ext + 16, exptime);
    req_full(op, ext, 20, key, "", 0, opaque, cas);
}

static void req_touch(uint8_t op, const char *key, uint32_t exptime, uint32_t opaque) {
    unsigned char ext[4];
    put32(ext, exptime);
    req_full(op, ext, 4, key, "", 0, opaque, 0);
}

/* ---- the parser alone ---- */

/* Describes one parsed request: "CMD|arg|arg op=NN q st=NN opq=N". */
static void describe(char *s, size_t cap, const keel_request *r) {
    size_t n = strlen(s);
    if (r->reply_only) n += (size_t)snprintf(s + n, cap - n, "REPLY");
    for (uint32_t i = 0; i < r->argc; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s%.*s", i ? "|" : "", (int)r->argv[i].len,
                              r->argv[i].ptr);
    ck_assert_int_eq(mc_tag_kind(r->tag), MC_KIND_BIN);
    n += (size_t)snprintf(s + n, cap - n, " op=%02x%s", mc_bin_tag_opcode(r->tag),
                          (r->tag & MC_TAG_QUIET) ? " q" : "");
    if (mc_bin_tag_status(r->tag))
        n += (size_t)snprintf(s + n, cap - n, " st=%02x", mc_bin_tag_status(r->tag));
    (void)snprintf(s + n, cap - n, " opq=%u;", mc_bin_tag_opaque(r->tag));
}

/* Parses in[0..inlen) as the core would, each window its own heap block; returns what came out
 * ("<need>", "<close>" or "<error:ST:msg>" at the end).  step 0: the whole input at once. */
static const char *parse_windows(uint64_t item_max, size_t step) {
    static char s[8192];
    s[0] = '\0';
    size_t off = 0, avail = step ? (step < inlen ? step : inlen) : inlen;
    memset(&bp, 0, sizeof bp);
    while (off < inlen) {
        keel_request r;
        memset(&r, 0, sizeof r);
        size_t w = avail - off;
        char *copy = malloc(w ? w : 1);
        memcpy(copy, in + off, w);
        keel_parse_result pr = mc_parse_bin(&bp, item_max, copy, w, &r);
        if (pr == KEEL_PARSE_OK) {
            ck_assert_uint_gt(r.consumed, 0);
            ck_assert_uint_le(r.consumed, w);
            if (r.argc || r.reply_only) describe(s, sizeof s, &r);
            off += r.consumed;
            if (avail < off) avail = off;
        }
        free(copy);
        if (pr == KEEL_PARSE_CLOSE) return strcat(s, "<close>");
        if (pr == KEEL_PARSE_ERROR) {
            size_t n = strlen(s);
            snprintf(s + n, sizeof s - n, "<error:%02x:%s>", bp.error_status, r.error);
            return s;
        }
        if (pr == KEEL_PARSE_NEED) {
            if (avail >= inlen) return strcat(s, "<need>");
            size_t next = avail + (step ? step : inlen);
            avail = next < inlen ? next : inlen;
        }
    }
    return s;
}

static const char *parse_in(void) {
    return parse_windows(1024 * 1024, 0);
}

START_TEST(test_memcache_bin_parse_gets_and_stores) {
    req(MC_BIN_GET, "k", 1);
    req(MC_BIN_GETKQ, "kk", 2);
    req_touch(MC_BIN_GATQ, "g", 30, 3);
    req_touch(MC_BIN_TOUCH, "t", 0, 4);
    req_set(MC_BIN_SET, "s", "val", 5, 60, 5, 0);
    req_set(MC_BIN_ADDQ, "a", "v", 0, 0, 6, 0);
    req_set(MC_BIN_REPLACE, "r", "v", 0, 0, 7, 99);
    req_full(MC_BIN_APPENDQ, "", 0, "p", "xy", 2, 8, 0);
    ck_assert_str_eq(parse_in(), "MC.GETS|k op=00 opq=1;"
                                 "MC.GETK|kk op=0d q opq=2;"
                                 "MC.GATS|g|30 op=1e q opq=3;"
                                 "MC.GATS|t|0 op=1c opq=4;"
                                 "MC.MS|s|val|F5|T60|MS|c op=01 opq=5;"
                                 "MC.MS|a|v|F0|T0|ME|c op=12 q opq=6;"
                                 "MC.MS|r|v|F0|T0|MS|c|C99 op=03 opq=7;" /* a CAS: compare */
                                 "MC.MS|p|xy|MA|c op=19 q opq=8;");
}
END_TEST

START_TEST(test_memcache_bin_parse_delete_arith_and_the_rest) {
    req(MC_BIN_DELETE, "d", 1);
    req_full(MC_BIN_DELETEQ, "", 0, "d", "", 0, 2, 77);
    req_arith(MC_BIN_INCR, "n", 5, 10, 0xffffffffu, 3, 0);
    req_arith(MC_BIN_DECRQ, "n", 1, 0, 60, 4, 8);
    req(MC_BIN_NOOP, NULL, 5);
    req(MC_BIN_VERSION, NULL, 6);
    req(MC_BIN_STAT, NULL, 7);
    req(MC_BIN_STAT, "settings", 8);
    req(MC_BIN_FLUSHQ, NULL, 9);
    unsigned char delay[4] = {0, 0, 0, 5};
    req_full(MC_BIN_FLUSH, delay, 4, NULL, "", 0, 10, 0);
    req(MC_BIN_QUIT, NULL, 11);
    ck_assert_str_eq(parse_in(), "MC.DELETE|d op=04 opq=1;"
                                 "MC.MD|d|C77 op=14 q opq=2;"
                                 "MC.MA|n|D5|J10|M+|v|c op=05 opq=3;"
                                 "MC.MA|n|D1|J0|M-|v|c|N60|C8 op=16 q opq=4;"
                                 "REPLY op=0a opq=5;"
                                 "REPLY op=0b opq=6;"
                                 "MC.STATS op=10 opq=7;"
                                 "MC.STATS|settings op=10 opq=8;"
                                 "MC.FLUSH op=18 q opq=9;"
                                 "MC.FLUSH|5 op=08 opq=10;"
                                 "MC.QUIT op=07 opq=11;");
    inlen = 0;
    req(MC_BIN_QUITQ, NULL, 1);
    req(MC_BIN_NOOP, NULL, 2);
    ck_assert_str_eq(parse_in(), "<close>");
}
END_TEST

START_TEST(test_memcache_bin_parse_unknown_opcode_skips_its_body) {
    req_full(0x55, "abc", 3, "key", "value", 5, 1, 0);
    req_full(0x1b /* verbosity: memcached 1.6 has none */, "\0\0\0\1", 4, NULL, "", 0, 2, 0);
    req(MC_BIN_NOOP, NULL, 3);
    ck_assert_str_eq(parse_in(), "REPLY op=55 st=81 opq=1;"
                                 "REPLY op=1b st=81 opq=2;"
                                 "REPLY op=0a opq=3;");
}
END_TEST

START_TEST(test_memcache_bin_parse_lengths_that_lie_close) {
    /* a key longer than the body */
    req_full(MC_BIN_GET, "", 0, "key", "", 0, 1, 0);
    ((unsigned char *)in)[11] = 2;
    ck_assert_str_eq(parse_in(), "<error:81:Unknown command>");
    /* extras and key longer than the body */
    inlen = 0;
    req_full(MC_BIN_SET, "12345678", 8, "k", "", 0, 1, 0);
    ((unsigned char *)in)[11] = 8;
    ck_assert_str_eq(parse_in(), "<error:81:Unknown command>");
    /* extras a get does not take; a body longer than a get's key */
    inlen = 0;
    req_full(MC_BIN_GET, "abcd", 4, "k", "", 0, 1, 0);
    ck_assert_str_eq(parse_in(), "<error:04:Invalid arguments>");
    inlen = 0;
    req_full(MC_BIN_GET, "", 0, "k", "junk", 4, 1, 0);
    ck_assert_str_eq(parse_in(), "<error:04:Invalid arguments>");
    /* a key over 250 bytes */
    char key[252];
    memset(key, 'k', 251);
    key[251] = '\0';
    inlen = 0;
    req(MC_BIN_GET, key, 1);
    ck_assert_str_eq(parse_in(), "<error:04:Invalid arguments>");
    /* no key where one is needed; a noop with a body */
    inlen = 0;
    req(MC_BIN_DELETE, NULL, 1);
    ck_assert_str_eq(parse_in(), "<error:04:Invalid arguments>");
    inlen = 0;
    req_full(MC_BIN_NOOP, "", 0, NULL, "x", 1, 1, 0);
    ck_assert_str_eq(parse_in(), "<error:04:Invalid arguments>");
    /* not a request magic: closed without a word */
    inlen = 0;
    req(MC_BIN_NOOP, NULL, 1);
    in[0] = (char)0x81;
    ck_assert_str_eq(parse_in(), "<close>");
}
END_TEST

START_TEST(test_memcache_bin_parse_huge_body_is_never_buffered) {
    /* a set declaring 4 GB: refused once its key is in, the rest skipped as it comes */
    req_set(MC_BIN_SETQ, "big", "", 0, 0, 9, 0);
    ((unsigned char *)in)[8] = 0xff;
    ((unsigned char *)in)[9] = 0xff;
    ((unsigned char *)in)[10] = 0xff;
    ((unsigned char *)in)[11] = 0xff;
    keel_request r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(mc_parse_bin(&bp, 1024 * 1024, in, 10, &r), KEEL_PARSE_NEED);
    ck_assert_uint_eq(r.need, MC_BIN_HEADER);
    ck_assert_int_eq(mc_parse_bin(&bp, 1024 * 1024, in, inlen, &r), KEEL_PARSE_OK);
    ck_assert_uint_eq(r.consumed, inlen);
    ck_assert_str_eq(r.argv[0].ptr, "MC.REFUSE");
    ck_assert_int_eq(mc_bin_tag_status(r.tag), MC_BIN_E2BIG);
    ck_assert_uint_eq(bp.swallow, 0xffffffffull - 8 - 3);
    char junk[4096];
    memset(junk, 0x80, sizeof junk);
    ck_assert_int_eq(mc_parse_bin(&bp, 1024 * 1024, junk, sizeof junk, &r), KEEL_PARSE_OK);
    ck_assert_uint_eq(r.consumed, sizeof junk);
    ck_assert_uint_eq(r.argc, 0);
    /* a stat with a value: the value is skipped, not buffered */
    memset(&bp, 0, sizeof bp);
    inlen = 0;
    req_full(MC_BIN_STAT, "", 0, "items", "", 0, 1, 0);
    ((unsigned char *)in)[8] = 0x7f;
    ck_assert_int_eq(mc_parse_bin(&bp, 1024 * 1024, in, inlen, &r), KEEL_PARSE_OK);
    ck_assert_str_eq(r.argv[0].ptr, "MC.STATS");
    ck_assert_uint_eq(bp.swallow, 0x7f000000ull); /* the body less the key */
}
END_TEST

START_TEST(test_memcache_bin_parse_item_limit) {
    char val[2049];
    memset(val, 'v', 2048);
    val[2048] = '\0';
    req_set(MC_BIN_SET, "k", val, 0, 0, 1, 0);
    ck_assert_ptr_nonnull(strstr(parse_windows(2048, 0), "|F0|T0|MS|c op=01 opq=1;"));
    ck_assert_str_eq(parse_windows(2047, 0), "MC.REFUSE|k|set op=01 st=03 opq=1;");
    inlen = 0;
    req_full(MC_BIN_PREPEND, "", 0, "k", val, 2048, 2, 0);
    ck_assert_str_eq(parse_windows(1024, 0), "MC.REFUSE|k|store op=0f st=03 opq=2;");
}
END_TEST

START_TEST(test_memcache_bin_parse_split_anywhere_gives_the_same_requests) {
    req_set(MC_BIN_SET, "key", "a value", 3, 0, 1, 0);
    req(MC_BIN_GETK, "key", 2);
    req_arith(MC_BIN_INCR, "n", 1, 0, 0, 3, 0);
    req_full(0x42, "", 0, "x", "body", 4, 4, 0);
    req_full(MC_BIN_STAT, "", 0, "items", "ignored", 7, 5, 0);
    req(MC_BIN_NOOP, NULL, 6);
    char whole[4096];
    snprintf(whole, sizeof whole, "%s", parse_in());
    ck_assert_ptr_nonnull(strstr(whole, "REPLY op=0a opq=6;"));
    for (size_t step = 1; step < 80; step++)
        ck_assert_str_eq(parse_windows(1024 * 1024, step), whole);
}
END_TEST

/* ---- whole sessions on the fake keyspace ---- */

/* Runs in[0..inlen) through the protocol as the core would and returns the responses, one per
 * line: "op st [ext=HEX] [key=K] [val=V] [cas] opq=N" ("cas" when the CAS is not 0; values
 * printed as text, or in hex when they are the 8 bytes of a counter).  "<close>" ends it when
 * the connection closes; *last_cas is the last non-zero CAS seen. */
static uint64_t last_cas;

static uint64_t rd(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static const char *describe_responses(const keel_buf *b) {
    static char s[16384];
    s[0] = '\0';
    size_t n = 0, off = 0;
    while (off + MC_BIN_HEADER <= b->len) {
        const unsigned char *h = (const unsigned char *)b->data + off;
        ck_assert_int_eq(h[0], MC_BIN_RES_MAGIC);
        size_t keylen = (size_t)rd(h + 2, 2), extlen = h[4], body = (size_t)rd(h + 8, 4);
        uint64_t cas = rd(h + 16, 8);
        ck_assert_uint_le(off + MC_BIN_HEADER + body, b->len);
        ck_assert_uint_le(extlen + keylen, body);
        const unsigned char *e = h + MC_BIN_HEADER, *k = e + extlen, *v = k + keylen;
        size_t vlen = body - extlen - keylen;
        n += (size_t)snprintf(s + n, sizeof s - n, "%02x %02x", h[1], (unsigned)rd(h + 6, 2));
        if (extlen) n += (size_t)snprintf(s + n, sizeof s - n, " ext=%u", (unsigned)rd(e, 4));
        if (keylen) n += (size_t)snprintf(s + n, sizeof s - n, " key=%.*s", (int)keylen, k);
        if (vlen == 8 && (h[1] == MC_BIN_INCR || h[1] == MC_BIN_DECR))
            n += (size_t)snprintf(s + n, sizeof s - n, " num=%llu", (unsigned long long)rd(v, 8));
        else if (vlen)
            n += (size_t)snprintf(s + n, sizeof s - n, " val=%.*s", (int)vlen, v);
        if (cas) last_cas = cas;
        n += (size_t)snprintf(s + n, sizeof s - n, "%s opq=%u\n", cas ? " cas" : "",
                              (unsigned)rd(h + 12, 4));
        off += MC_BIN_HEADER + body;
    }
    ck_assert_uint_eq(off, b->len);
    return s;
}

static const char *session(void) {
    const keel_proto_def *proto = fake_protocol("memcache");
    out.len = 0;
    size_t off = 0;
    bool closed = false;
    while (off < inlen) {
        keel_request r;
        memset(&r, 0, sizeof r);
        r.size = sizeof r;
        keel_parse_result pr = proto->parse(conn, conn->proto_state, in + off, inlen - off, &r);
        if (pr == KEEL_PARSE_NEED) break;
        if (pr == KEEL_PARSE_CLOSE) {
            closed = true;
            break;
        }
        if (pr == KEEL_PARSE_ERROR) { /* the core answers it with tag 0, then closes */
            keel_proc *p = fake_proc_new(conn, 1, (const char *[]){"x"});
            keel_reply_error(p, "%s", r.error);
            proto->encode(conn, conn->proto_state, 0, fake_proc_reply(p), &out);
            fake_proc_free(p);
            closed = true;
            break;
        }
        off += r.consumed;
        if (!r.argc && !r.reply_only) continue;
        keel_proc *p = fake_request_run(conn, &r);
        for (const keel_reply *rep = fake_proc_reply(p); rep; rep = rep->next)
            proto->encode(conn, conn->proto_state, r.tag, rep, &out);
        fake_proc_free(p);
        if (conn->close_after_reply) {
            closed = true;
            break;
        }
    }
    inlen = 0;
    const char *s = describe_responses(&out);
    return closed ? strcat((char *)s, "<close>") : s;
}

START_TEST(test_memcache_bin_session_set_get_and_misses) {
    req_set(MC_BIN_SET, "k", "hello", 5, 0, 1, 0);
    req(MC_BIN_GET, "k", 2);
    req(MC_BIN_GETK, "k", 3);
    req(MC_BIN_GET, "nokey", 4);
    req(MC_BIN_GETK, "nokey", 5);
    req(MC_BIN_GETQ, "nokey", 6);
    req(MC_BIN_GETKQ, "nokey", 7);
    req(MC_BIN_GETKQ, "k", 8);
    req(MC_BIN_NOOP, NULL, 9);
    ck_assert_str_eq(session(), "01 00 cas opq=1\n"
                                "00 00 ext=5 val=hello cas opq=2\n"
                                "0c 00 ext=5 key=k val=hello cas opq=3\n"
                                "00 01 val=Not found opq=4\n"
                                "0c 01 key=nokey opq=5\n"
                                "0d 00 ext=5 key=k val=hello cas opq=8\n"
                                "0a 00 opq=9\n");
}
END_TEST

START_TEST(test_memcache_bin_session_add_replace_append_prepend) {
    req_set(MC_BIN_ADD, "k", "a", 0, 0, 1, 0);
    req_set(MC_BIN_ADD, "k", "b", 0, 0, 2, 0);
    req_set(MC_BIN_REPLACE, "nokey", "b", 0, 0, 3, 0);
    req_set(MC_BIN_REPLACEQ, "k", "c", 7, 0, 4, 0);
    req_full(MC_BIN_APPEND, "", 0, "k", "d", 1, 5, 0);
    req_full(MC_BIN_PREPENDQ, "", 0, "k", "z", 1, 6, 0);
    req_full(MC_BIN_APPEND, "", 0, "nokey", "d", 1, 7, 0);
    req(MC_BIN_GET, "k", 8);
    ck_assert_str_eq(session(), "02 00 cas opq=1\n"
                                "02 02 val=Data exists for key. opq=2\n"
                                "03 01 val=Not found opq=3\n"
                                "0e 00 cas opq=5\n"
                                "0e 05 val=Not stored. opq=7\n"
                                "00 00 ext=7 val=zcd cas opq=8\n");
}
END_TEST

START_TEST(test_memcache_bin_session_cas_round_trip) {
    req_set(MC_BIN_SET, "k", "v1", 0, 0, 1, 0);
    session();
    uint64_t first = last_cas;
    ck_assert_uint_ne(first, 0);
    req_set(MC_BIN_SET, "k", "v2", 0, 0, 2, first); /* still current: stored, a new unique */
    ck_assert_str_eq(session(), "01 00 cas opq=2\n");
    uint64_t second = last_cas;
    ck_assert_uint_ne(second, first);
    req_set(MC_BIN_SET, "k", "v3", 0, 0, 3, first); /* stale */
    req_set(MC_BIN_SET, "nokey", "v", 0, 0, 4, first);
    req_full(MC_BIN_DELETE, "", 0, "k", "", 0, 5, first);
    req_full(MC_BIN_APPEND, "", 0, "k", "x", 1, 6, first);
    req_arith(MC_BIN_INCR, "k", 1, 0, 0, 7, first);
    ck_assert_str_eq(session(), "01 02 val=Data exists for key. opq=3\n"
                                "01 01 val=Not found opq=4\n"
                                "04 02 val=Data exists for key. opq=5\n"
                                "0e 02 val=Data exists for key. opq=6\n"
                                "05 02 val=Data exists for key. opq=7\n");
    req(MC_BIN_GET, "k", 8);
    ck_assert_str_eq(session(), "00 00 ext=0 val=v2 cas opq=8\n");
    ck_assert_uint_eq(last_cas, second);
    req_full(MC_BIN_DELETE, "", 0, "k", "", 0, 9, second);
    req(MC_BIN_GET, "k", 10);
    ck_assert_str_eq(session(), "04 00 opq=9\n00 01 val=Not found opq=10\n");
}
END_TEST

START_TEST(test_memcache_bin_session_incr_decr) {
    req_arith(MC_BIN_INCR, "n", 1, 0, 0xffffffffu, 1, 0); /* no create */
    req_arith(MC_BIN_INCR, "n", 1, 10, 0, 2, 0);          /* created with the initial value */
    req_arith(MC_BIN_INCR, "n", 5, 10, 0, 3, 0);
    req_arith(MC_BIN_DECR, "n", 100, 0, 0, 4, 0);
    req_arith(MC_BIN_INCRQ, "n", 7, 0, 0, 5, 0);
    req_arith(MC_BIN_INCR, "n", 18446744073709551615ull, 0, 0, 6, 0); /* wraps */
    req_set(MC_BIN_SET, "s", "abc", 0, 0, 7, 0);
    req_arith(MC_BIN_DECR, "s", 1, 0, 0, 8, 0);
    ck_assert_str_eq(session(), "05 01 val=Not found opq=1\n"
                                "05 00 num=10 cas opq=2\n"
                                "05 00 num=15 cas opq=3\n"
                                "06 00 num=0 cas opq=4\n"
                                "05 00 num=6 cas opq=6\n"
                                "01 00 cas opq=7\n"
                                "06 06 val=Non-numeric server-side value for incr or decr opq=8\n");
}
END_TEST

START_TEST(test_memcache_bin_session_delete_touch_gat) {
    req_set(MC_BIN_SET, "k", "v", 3, 0, 1, 0);
    req_touch(MC_BIN_TOUCH, "k", 100, 2);
    req_touch(MC_BIN_TOUCH, "nokey", 100, 3);
    req_touch(MC_BIN_GAT, "k", 100, 4);
    req_touch(MC_BIN_GATK, "k", 100, 5);
    req_touch(MC_BIN_GATKQ, "nokey", 100, 6);
    req_touch(MC_BIN_GATK, "nokey", 100, 7);
    req(MC_BIN_DELETEQ, "k", 8);
    req(MC_BIN_DELETEQ, "k", 9);
    req(MC_BIN_DELETE, "k", 10);
    ck_assert_str_eq(session(), "01 00 cas opq=1\n"
                                "1c 00 ext=3 cas opq=2\n"
                                "1c 01 val=Not found opq=3\n"
                                "1d 00 ext=3 val=v cas opq=4\n"
                                "23 00 ext=3 key=k val=v cas opq=5\n"
                                "23 01 key=nokey opq=7\n"
                                "14 01 val=Not found opq=9\n"
                                "04 01 val=Not found opq=10\n");
}
END_TEST

START_TEST(test_memcache_bin_session_version_stat_unknown_quit) {
    req(MC_BIN_VERSION, NULL, 0xfffffffeu);
    req(MC_BIN_STAT, "bogus", 2);
    req(MC_BIN_STAT, "reset", 3);
    req_full(0x55, "", 0, "k", "body", 4, 4, 0);
    req(MC_BIN_SASL_LIST, NULL, 5);
    req(MC_BIN_QUIT, NULL, 6);
    req(MC_BIN_NOOP, NULL, 7);
    ck_assert_str_eq(session(), "0b 00 val=1.6.18-keel-" KEEL_VERSION " opq=4294967294\n"
                                "10 01 val=Not found opq=2\n"
                                "10 00 opq=3\n"
                                "55 81 val=Unknown command opq=4\n"
                                "20 00 val=PLAIN opq=5\n"
                                "07 00 opq=6\n<close>");
    req(MC_BIN_STAT, "sizes", 8);
    conn->close_after_reply = false;
    ck_assert_str_eq(session(), "10 00 key=sizes_status val=disabled opq=8\n10 00 opq=8\n");
}
END_TEST

START_TEST(test_memcache_bin_session_too_large_and_protocol_errors) {
    fake_set_option(MC_ITEM_SIZE_OPTION, "1k");
    fake_conn_free(conn);
    conn = fake_conn_new(fake_protocol("memcache")); /* the option is read at open */
    char val[1026];
    memset(val, 'v', 1025);
    val[1025] = '\0';
    req_set(MC_BIN_SET, "k", "old", 0, 0, 1, 0);
    req_set(MC_BIN_SETQ, "k", val, 0, 0, 2, 0);
    req(MC_BIN_GET, "k", 3);
    val[1024] = '\0';
    req_set(MC_BIN_SET, "k", val, 0, 0, 4, 0);
    req(MC_BIN_GETK, "", 5); /* no key: the connection closes */
    req(MC_BIN_NOOP, NULL, 6);
    ck_assert_str_eq(session(), "01 00 cas opq=1\n"
                                "11 03 val=Too large. opq=2\n" /* and the old value is gone */
                                "00 01 val=Not found opq=3\n"
                                "01 00 cas opq=4\n"
                                "0c 04 val=Invalid arguments opq=5\n<close>");
}
END_TEST

/* ---- the delayed flush ---- */

/* A due flush of the connection's namespace (a deadline in the core's table) goes out once
 * before its next request; if it could not be carried out (no claim), it is not sent again
 * until the deadline changes. */
START_TEST(test_memcache_bin_due_flush_is_sent_once_per_table_state) {
    const keel_proto_def *proto = fake_protocol("memcache");
    ck_assert_int_eq(keel_deadline_set(conn, MC_FLUSH_DEADLINE, 1), KEEL_OK); /* long due */
    req(MC_BIN_NOOP, NULL, 1);
    keel_request r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(proto->parse(conn, conn->proto_state, in, inlen, &r), KEEL_PARSE_OK);
    ck_assert_uint_eq(r.consumed, 0);
    ck_assert_str_eq(r.argv[0].ptr, "MC.FLUSHDUE");
    ck_assert_int_eq(mc_tag_kind(r.tag), MC_KIND_SILENT);
    /* not run (as if another connection had claimed it first): the NOOP comes next */
    ck_assert_int_eq(proto->parse(conn, conn->proto_state, in, inlen, &r), KEEL_PARSE_OK);
    ck_assert(r.reply_only && r.argc == 0);
    ck_assert_uint_eq(r.consumed, inlen);
    /* a new deadline: sent again; a connection in another namespace never gets it */
    ck_assert_int_eq(keel_deadline_set(conn, MC_FLUSH_DEADLINE, 2), KEEL_OK);
    ck_assert_int_eq(proto->parse(conn, conn->proto_state, in, inlen, &r), KEEL_PARSE_OK);
    ck_assert_str_eq(r.argv[0].ptr, "MC.FLUSHDUE");
    keel_conn *tenant = fake_conn_new(proto);
    ck_assert_int_eq(keel_conn_ns_enter(tenant, &(keel_arg){"t1", 2}, 1), KEEL_OK);
    ck_assert_int_eq(proto->parse(tenant, tenant->proto_state, in, inlen, &r), KEEL_PARSE_OK);
    ck_assert(r.reply_only && r.argc == 0);
    fake_conn_free(tenant);
    /* nor does a connection at the top of another database (its network's "database") */
    keel_conn *db1 = fake_conn_new(proto);
    db1->database = "1";
    ck_assert_int_eq(proto->parse(db1, db1->proto_state, in, inlen, &r), KEEL_PARSE_OK);
    ck_assert(r.reply_only && r.argc == 0);
    fake_conn_free(db1);
}
END_TEST

/* ---- item size option, meta get's access ---- */

START_TEST(test_memcache_bin_item_size_parse) {
    uint64_t v;
    ck_assert(mc_item_size_parse("2m", &v) && v == 2u << 20);
    ck_assert(mc_item_size_parse("512K", &v) && v == 512u << 10);
    ck_assert(mc_item_size_parse("1g", &v) && v == 1u << 30);
    ck_assert(mc_item_size_parse("1024", &v) && v == 1024);
    ck_assert(mc_item_size_parse("1073741824", &v) && v == 1u << 30);
    ck_assert(!mc_item_size_parse("1073741825", &v));
    ck_assert(!mc_item_size_parse("2g", &v));
    ck_assert(!mc_item_size_parse("1023", &v));
    ck_assert(!mc_item_size_parse("", &v));
    ck_assert(!mc_item_size_parse("m", &v));
    ck_assert(!mc_item_size_parse("1.5m", &v));
    ck_assert(!mc_item_size_parse("-1m", &v));
    ck_assert(!mc_item_size_parse("99999999999999999999k", &v));
    ck_assert_uint_eq(mc_item_size_or_default("bogus"), 1024 * 1024);
    ck_assert_uint_eq(mc_item_size_or_default(NULL), 1024 * 1024);
}
END_TEST

START_TEST(test_memcache_bin_meta_get_access_follows_its_flags) {
    const keel_cmd_def *mg = fake_command("MC.MG");
    ck_assert_ptr_nonnull(mg->access);
    keel_arg plain[] = {{"MC.MG", 5}, {"k", 1}, {"v", 1}, {"c", 1}, {"E5", 2}};
    ck_assert_uint_eq(mg->access(5, plain), KEEL_CMD_READONLY);
    const char *writes[] = {"T30", "N30", "R10"};
    for (int i = 0; i < 3; i++) {
        keel_arg argv[] = {{"MC.MG", 5}, {"k", 1}, {"v", 1}, {writes[i], 3}};
        ck_assert_uint_eq(mg->access(4, argv), KEEL_CMD_WRITE);
    }
    ck_assert_uint_eq(mg->access(2, plain), KEEL_CMD_READONLY);
    ck_assert(mg->flags & KEEL_CMD_WRITE); /* the most it may do */
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("memcache_bin");
    TCase *tc = tcase_create("bin");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_memcache_bin_parse_gets_and_stores);
    tcase_add_test(tc, test_memcache_bin_parse_delete_arith_and_the_rest);
    tcase_add_test(tc, test_memcache_bin_parse_unknown_opcode_skips_its_body);
    tcase_add_test(tc, test_memcache_bin_parse_lengths_that_lie_close);
    tcase_add_test(tc, test_memcache_bin_parse_huge_body_is_never_buffered);
    tcase_add_test(tc, test_memcache_bin_parse_item_limit);
    tcase_add_test(tc, test_memcache_bin_parse_split_anywhere_gives_the_same_requests);
    tcase_add_test(tc, test_memcache_bin_session_set_get_and_misses);
    tcase_add_test(tc, test_memcache_bin_session_add_replace_append_prepend);
    tcase_add_test(tc, test_memcache_bin_session_cas_round_trip);
    tcase_add_test(tc, test_memcache_bin_session_incr_decr);
    tcase_add_test(tc, test_memcache_bin_session_delete_touch_gat);
    tcase_add_test(tc, test_memcache_bin_session_version_stat_unknown_quit);
    tcase_add_test(tc, test_memcache_bin_session_too_large_and_protocol_errors);
    tcase_add_test(tc, test_memcache_bin_due_flush_is_sent_once_per_table_state);
    tcase_add_test(tc, test_memcache_bin_item_size_parse);
    tcase_add_test(tc, test_memcache_bin_meta_get_access_follows_its_flags);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
