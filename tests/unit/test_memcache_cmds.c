/* test_memcache_cmds.c -- memcache.so as the core drives it, on the fake keyspace: memcached's
 * semantics for every command (storage, CAS, incr/decr, expiry, touch, meta commands, stats),
 * checked on the bytes a client would read. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "modules/memcache/item.h"
#include "modules/memcache/register.h"
#include "proto/memcache/register.h"
#include "proto/memcache/wire.h"

#define NOW 1000000000000ll /* the fake clock's start, in ms */

static keel_conn *conn;
static keel_buf out;

static void setup(void) {
    fake_api_reset();
    ck_assert_int_eq(mc_proto_register(fake_module()), KEEL_OK);
    ck_assert_int_eq(mc_items_register(fake_module()), KEEL_OK);
    conn = fake_conn_new(fake_protocol("memcache"));
    memset(&out, 0, sizeof out);
}

static void teardown(void) {
    fake_conn_free(conn);
    fake_buf_free(&out);
    mc_items_unregister(fake_module());
    mc_proto_unregister(fake_module());
    ck_assert_int_eq(fake_api_live_allocs(), 0);
}

/* ---- a small core: parse each request, run its command, encode its reply ---- */

/* Feeds text to the connection and returns everything the client would read ("<close>" at
 * the end when the connection closes). */
static const char *session_n(const char *text, size_t len) {
    const keel_proto_def *proto = fake_protocol("memcache");
    out.len = 0;
    size_t off = 0;
    while (off < len) {
        keel_request req;
        memset(&req, 0, sizeof req);
        req.size = sizeof req;
        keel_parse_result r = proto->parse(conn, conn->proto_state, text + off, len - off, &req);
        if (r == KEEL_PARSE_NEED) break;
        if (r == KEEL_PARSE_CLOSE || r == KEEL_PARSE_ERROR) {
            if (r == KEEL_PARSE_ERROR) keel_buf_put(&out, req.error, strlen(req.error));
            keel_buf_put(&out, "<close>", 7);
            break;
        }
        off += req.consumed;
        if (!req.argc && !req.reply_only) continue;
        keel_proc *p = fake_request_run(conn, &req);
        for (const keel_reply *rep = fake_proc_reply(p); rep; rep = rep->next)
            proto->encode(conn, conn->proto_state, req.tag, rep, &out);
        fake_proc_free(p);
    }
    keel_buf_put(&out, "", 1);
    out.len--;
    return out.data;
}

static const char *session(const char *text) {
    return session_n(text, strlen(text));
}

/* The value the keyspace holds for key (the box a RESP GET would show). */
static dk_val stored(const char *key) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *[]){"x"});
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, key, strlen(key), &v);
    fake_proc_free(p);
    ck_assert_int_eq(st, KEEL_OK);
    return v.box;
}

/* The CAS unique a "gets" reply line carries. */
static unsigned long long gets_cas(const char *key) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "gets %s\r\n", key);
    const char *r = session(cmd);
    const char *nl = strstr(r, "\r\n");
    ck_assert_ptr_nonnull(nl);
    const char *sp = nl;
    while (sp > r && sp[-1] != ' ')
        sp--;
    return strtoull(sp, NULL, 10);
}

/* ---- storage and retrieval ---- */

START_TEST(test_memcache_cmds_set_get_with_flags) {
    ck_assert_str_eq(session("set k 42 0 5\r\nhello\r\n"), "STORED\r\n");
    ck_assert_str_eq(session("get k\r\n"), "VALUE k 42 5\r\nhello\r\nEND\r\n");
    ck_assert_str_eq(session("set k 4294967295 0 1\r\nx\r\nget k\r\n"),
                     "STORED\r\nVALUE k 4294967295 1\r\nx\r\nEND\r\n");
    ck_assert_str_eq(session("set k 0 0 1\r\ny\r\nget k\r\n"),
                     "STORED\r\nVALUE k 0 1\r\ny\r\nEND\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_multi_get_keeps_order_and_skips_misses) {
    session("set a 0 0 1\r\n1\r\nset c 3 0 1\r\n3\r\n");
    ck_assert_str_eq(session("get a b c a\r\n"),
                     "VALUE a 0 1\r\n1\r\nVALUE c 3 1\r\n3\r\nVALUE a 0 1\r\n1\r\nEND\r\n");
    ck_assert_str_eq(session("get x y\r\n"), "END\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_values_are_stored_as_strings_stores_them) {
    session(
        "set i 0 0 2\r\n42\r\nset r 0 0 3\r\n1.5\r\nset z 0 0 2\r\n01\r\nset b 0 0 3\r\nabc\r\n");
    ck_assert_int_eq(stored("i").type, DK_I64);
    ck_assert_int_eq(stored("i").v.i, 42);
    ck_assert_int_eq(stored("r").type, DK_F64);
    ck_assert_int_eq(stored("z").type, DK_BYTES);
    ck_assert_int_eq(stored("b").type, DK_BYTES);
    ck_assert_str_eq(session("get i r z\r\n"),
                     "VALUE i 0 2\r\n42\r\nVALUE r 0 3\r\n1.5\r\nVALUE z 0 2\r\n01\r\nEND\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_binary_values) {
    const char text[] = "set k 0 0 5\r\na\0b\r\n\r\nget k\r\n";
    const char want[] = "STORED\r\nVALUE k 0 5\r\na\0b\r\n\r\nEND\r\n";
    session_n(text, sizeof text - 1);
    ck_assert_uint_eq(out.len, sizeof want - 1);
    ck_assert_mem_eq(out.data, want, sizeof want - 1);
}
END_TEST

START_TEST(test_memcache_cmds_add_replace_append_prepend) {
    ck_assert_str_eq(session("add k 1 0 1\r\na\r\nadd k 2 0 1\r\nb\r\n"),
                     "STORED\r\nNOT_STORED\r\n");
    ck_assert_str_eq(session("replace x 0 0 1\r\na\r\nreplace k 5 0 1\r\nc\r\n"),
                     "NOT_STORED\r\nSTORED\r\n");
    ck_assert_str_eq(session("append k 9 0 2\r\nde\r\nprepend k 9 0 2\r\nab\r\nget k\r\n"),
                     "STORED\r\nSTORED\r\nVALUE k 5 5\r\nabcde\r\nEND\r\n");
    ck_assert_str_eq(session("append x 0 0 1\r\na\r\nprepend x 0 0 1\r\na\r\n"),
                     "NOT_STORED\r\nNOT_STORED\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_append_keeps_expiry_and_makes_numbers) {
    session("set k 0 100 1\r\n1\r\nappend k 0 0 1\r\n2\r\n");
    ck_assert_int_eq(stored("k").type, DK_I64);
    ck_assert_int_eq(stored("k").v.i, 12);
    fake_set_now_ms(NOW + 101000);
    ck_assert_str_eq(session("get k\r\n"), "END\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_delete) {
    ck_assert_str_eq(session("set k 0 0 1\r\nx\r\ndelete k\r\ndelete k\r\nget k\r\n"),
                     "STORED\r\nDELETED\r\nNOT_FOUND\r\nEND\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_noreply_writes_nothing) {
    ck_assert_str_eq(session("set k 0 0 1 noreply\r\nx\r\nadd k 0 0 1 noreply\r\ny\r\n"
                             "incr k 1 noreply\r\ndelete z noreply\r\ntouch k 10 noreply\r\n"
                             "flush_all 100 noreply\r\nverbosity 1 noreply\r\nget k\r\n"),
                     "VALUE k 0 1\r\nx\r\nEND\r\n");
}
END_TEST

/* ---- CAS ---- */

START_TEST(test_memcache_cmds_cas_uniques) {
    session("set k 0 0 1\r\nx\r\n");
    unsigned long long c1 = gets_cas("k");
    ck_assert_uint_ne(c1, 0);
    ck_assert_uint_eq(gets_cas("k"), c1); /* stable while the item does not change */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "cas k 7 0 1 %llu\r\ny\r\n", c1);
    ck_assert_str_eq(session(cmd), "STORED\r\n");
    ck_assert_str_eq(session(cmd), "EXISTS\r\n"); /* the item changed: the old unique is stale */
    ck_assert_str_eq(session("get k\r\n"), "VALUE k 7 1\r\ny\r\nEND\r\n");
    unsigned long long c2 = gets_cas("k");
    ck_assert_uint_ne(c2, c1);
    ck_assert_str_eq(session("cas nokey 0 0 1 5\r\nx\r\n"), "NOT_FOUND\r\n");
    /* a value replaced by set loses its unique */
    session("set k 0 0 1\r\nz\r\n");
    snprintf(cmd, sizeof cmd, "cas k 0 0 1 %llu\r\nw\r\n", c2);
    ck_assert_str_eq(session(cmd), "EXISTS\r\n");
}
END_TEST

/* ---- incr / decr ---- */

START_TEST(test_memcache_cmds_incr_decr) {
    ck_assert_str_eq(
        session("set n 5 0 2\r\n10\r\nincr n 5\r\ndecr n 3\r\ndecr n 100\r\nget n\r\n"),
        "STORED\r\n15\r\n12\r\n0\r\nVALUE n 5 1\r\n0\r\nEND\r\n");
    ck_assert_str_eq(session("set n 0 0 20\r\n18446744073709551615\r\nincr n 2\r\n"),
                     "STORED\r\n1\r\n");
    ck_assert_str_eq(session("set n 0 0 19\r\n9223372036854775807\r\nincr n 1\r\n"),
                     "STORED\r\n9223372036854775808\r\n");
    ck_assert_int_eq(stored("n").type, DK_U64);
    ck_assert_str_eq(session("incr nokey 1\r\ndecr nokey 1\r\n"), "NOT_FOUND\r\nNOT_FOUND\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_incr_non_numeric) {
    const char *e = "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n";
    char want[256];
    snprintf(want, sizeof want, "STORED\r\n%s", e);
    ck_assert_str_eq(session("set k 0 0 1\r\nx\r\nincr k 1\r\n"), want);
    ck_assert_str_eq(session("set k 0 0 2\r\n-5\r\nincr k 1\r\n"), want);
    ck_assert_str_eq(session("set k 0 0 3\r\n1.5\r\nincr k 1\r\n"), want);
    ck_assert_str_eq(session("set k 0 0 4\r\n12ab\r\nincr k 1\r\n"), want);
    ck_assert_str_eq(session("set k 0 0 0\r\n\r\nincr k 1\r\n"), want);
    ck_assert_str_eq(session("set k 0 0 3\r\n 12\r\nincr k 1\r\n"), "STORED\r\n13\r\n");
    ck_assert_str_eq(session("set k 0 0 5\r\n12 ab\r\nincr k 1\r\n"), "STORED\r\n13\r\n");
    ck_assert_str_eq(session("incr k x\r\n"), "CLIENT_ERROR invalid numeric delta argument\r\n");
}
END_TEST

/* ---- expiry ---- */

START_TEST(test_memcache_cmds_relative_expiry) {
    session("set k 0 10 1\r\nx\r\n");
    fake_set_now_ms(NOW + 9999);
    ck_assert_str_eq(session("get k\r\n"), "VALUE k 0 1\r\nx\r\nEND\r\n");
    fake_set_now_ms(NOW + 10000);
    ck_assert_str_eq(session("get k\r\n"), "END\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_thirty_days_is_still_relative) {
    session("set k 0 2592000 1\r\nx\r\n");
    fake_set_now_ms(NOW + 2592000ll * 1000 - 1);
    ck_assert_str_eq(session("get k\r\n"), "VALUE k 0 1\r\nx\r\nEND\r\n");
    fake_set_now_ms(NOW + 2592000ll * 1000);
    ck_assert_str_eq(session("get k\r\n"), "END\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_absolute_expiry) {
    char cmd[128];
    long long at = NOW / 1000 + 50;
    snprintf(cmd, sizeof cmd, "set k 0 %lld 1\r\nx\r\nget k\r\n", at);
    ck_assert_str_eq(session(cmd), "STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n");
    fake_set_now_ms(at * 1000);
    ck_assert_str_eq(session("get k\r\n"), "END\r\n");
    /* an absolute time in the past (but beyond 30 days) expires at once */
    ck_assert_str_eq(session("set k 0 2592001 1\r\nx\r\nget k\r\n"), "STORED\r\nEND\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_negative_exptime_expires_at_once) {
    ck_assert_str_eq(session("set k 0 0 3\r\nold\r\n"), "STORED\r\n");
    ck_assert_str_eq(session("set k 0 -1 1\r\nx\r\nget k\r\n"), "STORED\r\nEND\r\n");
    ck_assert_str_eq(session("add k 0 -1 1\r\nx\r\nadd k 0 0 1\r\ny\r\nget k\r\n"),
                     "STORED\r\nSTORED\r\nVALUE k 0 1\r\ny\r\nEND\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_touch_and_gat) {
    session("set k 0 10 1\r\nx\r\n");
    ck_assert_str_eq(session("touch k 100\r\ntouch nokey 5\r\n"), "TOUCHED\r\nNOT_FOUND\r\n");
    fake_set_now_ms(NOW + 50000);
    ck_assert_str_eq(session("gat 0 k\r\n"), "VALUE k 0 1\r\nx\r\nEND\r\n"); /* never expires now */
    fake_set_now_ms(NOW + 10000000);
    const char *r = session("gats 5 k nokey\r\n");
    ck_assert_msg(!strncmp(r, "VALUE k 0 1 ", 12), "gats: %s", r);
    ck_assert_ptr_nonnull(strstr(r, "\r\nx\r\nEND\r\n"));
    fake_set_now_ms(NOW + 10005000);
    ck_assert_str_eq(session("get k\r\n"), "END\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_gat_negative_returns_then_removes) {
    session("set k 3 0 1\r\nx\r\n");
    ck_assert_str_eq(session("gat -1 k\r\nget k\r\n"), "VALUE k 3 1\r\nx\r\nEND\r\nEND\r\n");
    session("set k 0 0 1\r\nx\r\n");
    ck_assert_str_eq(session("touch k -1\r\nget k\r\n"), "TOUCHED\r\nEND\r\n");
}
END_TEST

/* ---- limits ---- */

START_TEST(test_memcache_cmds_too_large_set_removes_the_old_value) {
    size_t n = MC_ITEM_SIZE_MAX + 1;
    char *text = malloc(n + 100);
    session("set k 0 0 3\r\nold\r\nset j 0 0 3\r\nold\r\n");
    int h = sprintf(text, "set k 0 0 %zu\r\n", n);
    memset(text + h, 'x', n);
    strcpy(text + h + n, "\r\nget k\r\n");
    ck_assert_str_eq(session(text), "SERVER_ERROR object too large for cache\r\nEND\r\n");
    h = sprintf(text, "add j 0 0 %zu\r\n", n);
    memset(text + h, 'x', n);
    strcpy(text + h + n, "\r\nget j\r\n");
    ck_assert_str_eq(session(text),
                     "SERVER_ERROR object too large for cache\r\nVALUE j 0 3\r\nold\r\nEND\r\n");
    free(text);
}
END_TEST

START_TEST(test_memcache_cmds_append_past_the_limit_is_refused) {
    size_t n = MC_ITEM_SIZE_MAX;
    char *text = malloc(n + 100);
    int h = sprintf(text, "set k 0 0 %zu\r\n", n);
    memset(text + h, 'x', n);
    strcpy(text + h + n, "\r\nappend k 0 0 1\r\ny\r\n");
    ck_assert_str_eq(session(text), "STORED\r\nSERVER_ERROR object too large for cache\r\n");
    free(text);
}
END_TEST

/* ---- meta commands ---- */

START_TEST(test_memcache_cmds_meta_set_and_get) {
    ck_assert_str_eq(session("ms k 2 F7 T100\r\nhi\r\n"), "HD\r\n");
    ck_assert_str_eq(session("mg k v f t s k Oab\r\n"), "VA 2 f7 t100 s2 kk Oab\r\nhi\r\n");
    ck_assert_str_eq(session("mg k\r\nmg nokey v\r\nmg nokey v q\r\nmg nokey k Ox\r\nmn\r\n"),
                     "HD\r\nEN\r\nEN knokey Ox\r\nMN\r\n");
    ck_assert_str_eq(session("ms k 2 q\r\nho\r\nmg k v q\r\n"), "VA 2\r\nho\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_meta_flag_errors) {
    ck_assert_str_eq(session("mg k v v\r\n"), "CLIENT_ERROR duplicate flag\r\n");
    ck_assert_str_eq(session("mg k !\r\n"), "CLIENT_ERROR invalid flag\r\n");
    ck_assert_str_eq(session("mg k Tabc\r\n"), "CLIENT_ERROR bad token in command line format\r\n");
    ck_assert_str_eq(session("mg k O123456789012345678901234567890123\r\n"),
                     "CLIENT_ERROR opaque token too long\r\n");
    ck_assert_str_eq(session("ms k 1 MZ\r\nx\r\n"), "CLIENT_ERROR invalid mode for ms M token\r\n");
    ck_assert_str_eq(session("ma k MZ\r\n"), "CLIENT_ERROR invalid mode for ma M token\r\n");
    ck_assert_str_eq(session("mg k v q Pproxy Lpath\r\n"), ""); /* P and L are ignored */
}
END_TEST

START_TEST(test_memcache_cmds_meta_cas) {
    const char *r = session("ms k 1 c\r\nx\r\n");
    unsigned long long cas = 0;
    ck_assert_int_eq(sscanf(r, "HD c%llu", &cas), 1);
    ck_assert_uint_ne(cas, 0);
    char cmd[128], want[128];
    snprintf(want, sizeof want, "HD c%llu\r\n", cas);
    ck_assert_str_eq(session("mg k c\r\n"), want);
    snprintf(cmd, sizeof cmd, "ms k 1 C%llu\r\ny\r\nms k 1 C%llu\r\nz\r\n", cas, cas);
    ck_assert_str_eq(session(cmd), "HD\r\nEX\r\n");
    ck_assert_str_eq(session("ms nokey 1 C5\r\nx\r\n"), "NF\r\n");
    ck_assert_str_eq(session("ms k 1 E555 c\r\nx\r\nmg k c\r\n"), "HD c555\r\nHD c555\r\n");
    ck_assert_str_eq(session("gets k\r\n"), "VALUE k 0 1 555\r\nx\r\nEND\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_meta_set_modes) {
    ck_assert_str_eq(session("ms k 1 ME\r\na\r\nms k 1 ME\r\nb\r\n"), "HD\r\nNS\r\n");
    ck_assert_str_eq(session("ms k 1 MA\r\nc\r\nms k 1 MP\r\n_\r\nmg k v\r\n"),
                     "HD\r\nHD\r\nVA 3\r\n_ac\r\n");
    ck_assert_str_eq(
        session("ms x 1 MR\r\na\r\nms x 1 MA\r\na\r\nms k 1 MR\r\nr\r\nms k 1 MS\r\ns\r\n"),
        "NS\r\nNS\r\nHD\r\nHD\r\n");
    ck_assert_str_eq(session("ms k 1 Ms\r\nq\r\nmg k v\r\n"), "HD\r\nVA 1\r\nq\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_meta_delete_and_invalidate) {
    ck_assert_str_eq(session("md nokey\r\nmd nokey q\r\n"), "NF\r\nNF\r\n");
    ck_assert_str_eq(session("ms k 1\r\nx\r\nmd k q\r\nmg k\r\n"), "HD\r\nEN\r\n");
    ck_assert_str_eq(session("ms k 1\r\nx\r\nmd k C1\r\n"), "HD\r\nEX\r\n");
    ck_assert_str_eq(session("md k I T30\r\nmg k v t\r\nmg k v\r\n"),
                     "HD\r\nVA 1 t30 X W\r\nx\r\nVA 1 Z X\r\nx\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_meta_vivify_and_recache) {
    ck_assert_str_eq(session("mg k s t v N30\r\nmg k s v N30\r\n"),
                     "VA 0 s0 t30 W\r\n\r\nVA 0 s0 Z\r\n\r\n");
    ck_assert_str_eq(session("ms r 1 T100\r\nx\r\nmg r R30 v\r\n"), "HD\r\nVA 1\r\nx\r\n");
    fake_set_now_ms(NOW + 80000);
    ck_assert_str_eq(session("mg r R30 t\r\nmg r R30 t\r\n"), "HD t20 W\r\nHD t20 Z\r\n");
    ck_assert_str_eq(session("mg r T500 t\r\n"), "HD t500 Z\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_meta_arithmetic) {
    ck_assert_str_eq(
        session("ma k\r\nma k N0 J13\r\nma k v\r\nma k MD D20 v\r\nma k M+ D5 v t\r\n"),
        "NF\r\nHD\r\nVA 2\r\n14\r\nVA 1\r\n0\r\nVA 1 t-1\r\n5\r\n");
    ck_assert_str_eq(session("ma k q\r\nma nokey q\r\nmg k v\r\n"), "NF\r\nVA 1\r\n6\r\n");
    ck_assert_str_eq(session("ms s 1\r\nx\r\nma s\r\n"),
                     "HD\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    ck_assert_str_eq(session("ma k C1\r\n"), "EX\r\n");
    ck_assert_str_eq(session("ma k E77 c v\r\n"), "VA 1 c77\r\n7\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_meta_base64_keys) {
    ck_assert_str_eq(session("ms Zm9v 1 b\r\nx\r\nget foo\r\n"),
                     "HD\r\nVALUE foo 0 1\r\nx\r\nEND\r\n");
    ck_assert_str_eq(session("mg Zm9v b k v\r\n"), "VA 1 kZm9v b\r\nx\r\n");
    ck_assert_str_eq(session("ms AAE= 1 b\r\ny\r\nmg AAE= b v k\r\nmd AAE= b\r\nmg AAE= b\r\n"),
                     "HD\r\nVA 1 kAAE= b\r\ny\r\nHD\r\nEN\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_meta_debug) {
    ck_assert_str_eq(session("me k\r\n"), "EN\r\n");
    ck_assert_str_eq(session("set k 0 0 3\r\nabc\r\nme k\r\n"),
                     "STORED\r\nME k exp=-1 la=0 cas=0 fetch=no cls=1 size=4\r\n");
}
END_TEST

/* ---- server commands ---- */

/* The value of one "STAT name value" line in a stats reply, or -1. */
static long long stat_of(const char *stats, const char *name) {
    char pat[64];
    snprintf(pat, sizeof pat, "STAT %s ", name);
    const char *at = strstr(stats, pat);
    return at ? atoll(at + strlen(pat)) : -1;
}

START_TEST(test_memcache_cmds_stats_counts) {
    session("set a 0 0 1\r\n1\r\nget a b\r\ndelete a\r\ndelete a\r\nincr x 1\r\ntouch a 1\r\n");
    const char *s = session("stats\r\n");
    ck_assert_int_eq(stat_of(s, "cmd_get"), 2);
    ck_assert_int_eq(stat_of(s, "get_hits"), 1);
    ck_assert_int_eq(stat_of(s, "get_misses"), 1);
    ck_assert_int_eq(stat_of(s, "cmd_set"), 1);
    ck_assert_int_eq(stat_of(s, "total_items"), 1);
    ck_assert_int_eq(stat_of(s, "delete_hits"), 1);
    ck_assert_int_eq(stat_of(s, "delete_misses"), 1);
    ck_assert_int_eq(stat_of(s, "incr_misses"), 1);
    ck_assert_int_eq(stat_of(s, "touch_misses"), 1);
    ck_assert_int_eq(stat_of(s, "evictions"), 0);
    ck_assert_int_eq(stat_of(s, "curr_items"), 0);
    ck_assert_int_ge(stat_of(s, "pid"), 0);
    ck_assert_ptr_nonnull(strstr(s, "STAT version " MC_VERSION_PREFIX));
    ck_assert_str_eq(s + strlen(s) - 5, "END\r\n");
    ck_assert_str_eq(session("stats reset\r\n"), "RESET\r\n");
    ck_assert_int_eq(stat_of(session("stats\r\n"), "cmd_get"), 0);
}
END_TEST

START_TEST(test_memcache_cmds_stats_sections) {
    ck_assert_int_eq(stat_of(session("stats settings\r\n"), "item_size_max"), MC_ITEM_SIZE_MAX);
    ck_assert_str_eq(session("stats items\r\n"), "END\r\n");
    session("set a 0 0 1\r\n1\r\n");
    ck_assert_int_eq(stat_of(session("stats items\r\n"), "items:1:number"), 1);
    ck_assert_int_eq(stat_of(session("stats slabs\r\n"), "active_slabs"), 1);
    ck_assert_ptr_nonnull(strstr(session("stats conns\r\n"), ":state conn_parse_cmd\r\n"));
    ck_assert_str_eq(session("stats sizes\r\n"), "STAT sizes_status disabled\r\nEND\r\n");
    ck_assert_str_eq(session("stats bogus\r\n"), "ERROR\r\n");
}
END_TEST

START_TEST(test_memcache_cmds_version_verbosity_quit) {
    ck_assert_str_eq(session("version\r\nverbosity 1\r\nbogus\r\nquit\r\nversion\r\n"),
                     "VERSION " MC_VERSION_PREFIX KEEL_VERSION "\r\nOK\r\nERROR\r\n<close>");
}
END_TEST

START_TEST(test_memcache_cmds_protocol_errors_close) {
    ck_assert_str_eq(session("set k 0 0 1\r\nxy\r\n"), "CLIENT_ERROR bad data chunk<close>");
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("memcache_cmds");
    TCase *tc = tcase_create("cmds");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_memcache_cmds_set_get_with_flags);
    tcase_add_test(tc, test_memcache_cmds_multi_get_keeps_order_and_skips_misses);
    tcase_add_test(tc, test_memcache_cmds_values_are_stored_as_strings_stores_them);
    tcase_add_test(tc, test_memcache_cmds_binary_values);
    tcase_add_test(tc, test_memcache_cmds_add_replace_append_prepend);
    tcase_add_test(tc, test_memcache_cmds_append_keeps_expiry_and_makes_numbers);
    tcase_add_test(tc, test_memcache_cmds_delete);
    tcase_add_test(tc, test_memcache_cmds_noreply_writes_nothing);
    tcase_add_test(tc, test_memcache_cmds_cas_uniques);
    tcase_add_test(tc, test_memcache_cmds_incr_decr);
    tcase_add_test(tc, test_memcache_cmds_incr_non_numeric);
    tcase_add_test(tc, test_memcache_cmds_relative_expiry);
    tcase_add_test(tc, test_memcache_cmds_thirty_days_is_still_relative);
    tcase_add_test(tc, test_memcache_cmds_absolute_expiry);
    tcase_add_test(tc, test_memcache_cmds_negative_exptime_expires_at_once);
    tcase_add_test(tc, test_memcache_cmds_touch_and_gat);
    tcase_add_test(tc, test_memcache_cmds_gat_negative_returns_then_removes);
    tcase_add_test(tc, test_memcache_cmds_too_large_set_removes_the_old_value);
    tcase_add_test(tc, test_memcache_cmds_append_past_the_limit_is_refused);
    tcase_add_test(tc, test_memcache_cmds_meta_set_and_get);
    tcase_add_test(tc, test_memcache_cmds_meta_flag_errors);
    tcase_add_test(tc, test_memcache_cmds_meta_cas);
    tcase_add_test(tc, test_memcache_cmds_meta_set_modes);
    tcase_add_test(tc, test_memcache_cmds_meta_delete_and_invalidate);
    tcase_add_test(tc, test_memcache_cmds_meta_vivify_and_recache);
    tcase_add_test(tc, test_memcache_cmds_meta_arithmetic);
    tcase_add_test(tc, test_memcache_cmds_meta_base64_keys);
    tcase_add_test(tc, test_memcache_cmds_meta_debug);
    tcase_add_test(tc, test_memcache_cmds_stats_counts);
    tcase_add_test(tc, test_memcache_cmds_stats_sections);
    tcase_add_test(tc, test_memcache_cmds_version_verbosity_quit);
    tcase_add_test(tc, test_memcache_cmds_protocol_errors_close);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
