/* test_resp_conn.c -- resp.so as the core drives it: registration, HELLO, QUIT, RESET, version
 * switch. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/resp/parse.h"
#include "proto/resp/protocol.h"
#include "proto/resp/register.h"
#include "proto/resp/state.h"
#include "resp_wire.h"

static keel_conn *conn;
static keel_buf out;

static void setup(void) {
    fake_api_reset();
    ck_assert_int_eq(resp_register(fake_module()), KEEL_OK);
    conn = fake_conn_new(fake_protocol("resp"));
    memset(&out, 0, sizeof out);
}

static void teardown(void) {
    fake_conn_free(conn);
    fake_buf_free(&out);
    ck_assert_int_eq(fake_api_live_allocs(), 0);
}

/* ---- a small core: parse requests, run them, encode replies ---- */

typedef struct call {
    keel_proc *proc;
    uint64_t tag;
    keel_op_result result;
} call;

/* Parses the one request in text and runs its command (not yet encoded). */
static call run(const char *text) {
    const keel_proto_def *proto = fake_protocol("resp");
    keel_request req;
    memset(&req, 0, sizeof req);
    req.size = sizeof req;
    ck_assert_int_eq(proto->parse(conn, conn->proto_state, text, strlen(text), &req),
                     KEEL_PARSE_OK);
    ck_assert_uint_eq(req.consumed, strlen(text));
    call c = {.proc = fake_proc_new_args(conn, (int)req.argc, req.argv), .tag = req.tag};
    c.result = fake_call(c.proc);
    return c;
}

/* Encodes the call's reply as the connection's protocol does; returns the bytes (in out). */
static const char *encode(call *c) {
    const keel_proto_def *proto = fake_protocol("resp");
    out.len = 0;
    proto->encode(conn, conn->proto_state, c->tag, fake_proc_reply(c->proc), &out);
    keel_buf_put(&out, "", 1); /* NUL-terminate for comparisons; not counted below */
    out.len--;
    fake_proc_free(c->proc);
    c->proc = NULL;
    return out.data;
}

static const char *run_and_encode(const char *text) {
    call c = run(text);
    return encode(&c);
}

static int version(void) {
    return resp_state_version(conn->proto_state);
}

#define HELLO_TAIL                                                                                 \
    "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n"

/* ---- registration ---- */

START_TEST(test_resp_conn_registers_protocol_and_commands) {
    const keel_proto_def *proto = fake_protocol("resp");
    ck_assert_ptr_nonnull(proto);
    ck_assert_uint_eq(proto->conn_state_size, sizeof(resp_state));
    const keel_cmd_def *hello = fake_command("hello");
    ck_assert_ptr_nonnull(hello);
    ck_assert_int_eq(hello->arity, -1);
    ck_assert_uint_eq(hello->flags, KEEL_CMD_CONN | KEEL_CMD_NOAUTH | KEEL_CMD_FAST);
    ck_assert_str_eq(hello->group, "connection");
    ck_assert_str_eq(hello->program[0].op, "resp.hello");
    ck_assert_ptr_null(hello->program[1].op);
    const keel_cmd_def *quit = fake_command("QUIT");
    ck_assert_ptr_nonnull(quit);
    ck_assert_uint_eq(quit->flags, KEEL_CMD_CONN | KEEL_CMD_NOAUTH | KEEL_CMD_PUBSUB);
    const keel_cmd_def *reset = fake_command("RESET");
    ck_assert_ptr_nonnull(reset);
    ck_assert_int_eq(reset->arity, 1);
    ck_assert_uint_eq(reset->flags,
                      KEEL_CMD_CONN | KEEL_CMD_NOAUTH | KEEL_CMD_FAST | KEEL_CMD_PUBSUB);
    ck_assert_uint_eq(hello->flags & KEEL_CMD_PUBSUB, 0); /* not in subscribed mode */
    ck_assert_ptr_nonnull(fake_opcode("resp.hello"));
    ck_assert_ptr_nonnull(fake_opcode("resp.quit"));
    ck_assert_ptr_nonnull(fake_opcode("resp.reset"));
}
END_TEST

START_TEST(test_resp_conn_register_twice_fails_and_logs) {
    ck_assert_int_eq(resp_register(fake_module()), KEEL_EEXIST);
    ck_assert_ptr_nonnull(strstr(fake_last_log(), "protocol resp"));
}
END_TEST

/* ---- HELLO ---- */

START_TEST(test_resp_conn_hello_without_version_describes_the_server) {
    const char *want =
        "*14\r\n$6\r\nserver\r\n$4\r\nkeel\r\n$7\r\nversion\r\n$6\r\n" KEEL_REDIS_VERSION
        "\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:1\r\n" HELLO_TAIL "*0\r\n";
    ck_assert_str_eq(run_and_encode("HELLO\r\n"), want);
    ck_assert_int_eq(version(), 2);
}
END_TEST

START_TEST(test_resp_conn_hello_3_answers_in_resp3) {
    const char *want =
        "%7\r\n$6\r\nserver\r\n$4\r\nkeel\r\n$7\r\nversion\r\n$6\r\n" KEEL_REDIS_VERSION
        "\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n" HELLO_TAIL "*0\r\n";
    ck_assert_str_eq(run_and_encode("HELLO 3\r\n"), want);
    ck_assert_int_eq(version(), 3);
    ck_assert(resp_wire_valid(out.data, out.len, 3, 1));
    /* later replies are RESP3 */
    ck_assert_str_eq(run_and_encode("*4\r\n$5\r\nhello\r\n$1\r\n3\r\n$7\r\nSETNAME\r\n$1\r\nx\r\n"),
                     want);
    call c = run("QUIT\r\n");
    ck_assert_str_eq(encode(&c), "+OK\r\n");
}
END_TEST

START_TEST(test_resp_conn_hello_2_switches_back) {
    run_and_encode("HELLO 3\r\n");
    ck_assert_int_eq(version(), 3);
    const char *got = run_and_encode("HELLO 2\r\n");
    ck_assert_int_eq(strncmp(got, "*14\r\n", 5), 0);
    ck_assert_ptr_nonnull(strstr(got, "$5\r\nproto\r\n:2\r\n"));
    ck_assert_int_eq(version(), 2);
}
END_TEST

START_TEST(test_resp_conn_pipelined_hello_switches_at_its_own_reply) {
    /* GET a; HELLO 3; PING: HELLO runs before the earlier reply is encoded (it is on another
     * thread), yet that reply still goes out in RESP2 and only HELLO's onward in RESP3. */
    call before = run("GET a\r\n"); /* unknown here: an error reply, encoded later */
    call hello = run("HELLO 3\r\n");
    call after = run("GET b\r\n");
    ck_assert_int_eq(version(), 2);
    /* a HELLO without version between them reports the version it will switch to */
    call ask = run("HELLO\r\n");
    ck_assert_str_eq(encode(&before), "-ERR unknown command 'GET'\r\n");
    ck_assert_int_eq(version(), 2);
    ck_assert_int_eq(strncmp(encode(&hello), "%7\r\n", 4), 0);
    ck_assert_int_eq(version(), 3);
    ck_assert_str_eq(encode(&after), "-ERR unknown command 'GET'\r\n");
    const char *got = encode(&ask);
    ck_assert_int_eq(strncmp(got, "%7\r\n", 4), 0);
    ck_assert_ptr_nonnull(strstr(got, "$5\r\nproto\r\n:3\r\n"));
}
END_TEST

START_TEST(test_resp_conn_hello_replies_nil_in_the_new_version) {
    run_and_encode("HELLO 3\r\n");
    keel_proc *p = fake_proc_new(conn, 0, NULL);
    keel_reply_nil(p);
    out.len = 0;
    fake_protocol("resp")->encode(conn, conn->proto_state, 0, fake_proc_reply(p), &out);
    ck_assert_uint_eq(out.len, 3);
    ck_assert_int_eq(memcmp(out.data, "_\r\n", 3), 0);
    fake_proc_free(p);
}
END_TEST

START_TEST(test_resp_conn_hello_unsupported_versions) {
    const char *noproto = "-NOPROTO unsupported protocol version\r\n";
    call c = run("HELLO 4\r\n");
    ck_assert_int_eq(c.result, KEEL_FAIL);
    ck_assert_str_eq(encode(&c), noproto);
    ck_assert_str_eq(run_and_encode("HELLO 1\r\n"), noproto);
    ck_assert_str_eq(run_and_encode("HELLO -3\r\n"), noproto);
    ck_assert_str_eq(run_and_encode("HELLO abc\r\n"),
                     "-ERR Protocol version is not an integer or out of range\r\n");
    ck_assert_str_eq(run_and_encode("HELLO 99999999999999999999\r\n"),
                     "-ERR Protocol version is not an integer or out of range\r\n");
    ck_assert_int_eq(version(), 2);
}
END_TEST

START_TEST(test_resp_conn_hello_syntax_errors) {
    ck_assert_str_eq(run_and_encode("HELLO 3 FOO\r\n"),
                     "-ERR Syntax error in HELLO option 'FOO'\r\n");
    ck_assert_str_eq(run_and_encode("HELLO 3 AUTH user\r\n"),
                     "-ERR Syntax error in HELLO option 'AUTH'\r\n");
    ck_assert_str_eq(run_and_encode("HELLO 3 SETNAME\r\n"),
                     "-ERR Syntax error in HELLO option 'SETNAME'\r\n");
    ck_assert_str_eq(run_and_encode("HELLO 3 SETNAME a b\r\n"),
                     "-ERR Syntax error in HELLO option 'b'\r\n");
    ck_assert_int_eq(version(), 2);
    ck_assert_ptr_null(conn->name);
}
END_TEST

START_TEST(test_resp_conn_hello_auth) {
    conn->password = "secret";
    ck_assert_str_eq(run_and_encode("HELLO 3 AUTH default wrong\r\n"),
                     "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    ck_assert(!conn->authenticated);
    ck_assert_int_eq(version(), 2);
    const char *got = run_and_encode("hello 3 auth default secret\r\n");
    ck_assert_int_eq(strncmp(got, "%7\r\n", 4), 0);
    ck_assert(conn->authenticated);
    ck_assert_int_eq(version(), 3);
}
END_TEST

START_TEST(test_resp_conn_hello_setname) {
    const char *got = run_and_encode("HELLO 3 SETNAME myconn\r\n");
    ck_assert_int_eq(strncmp(got, "%7\r\n", 4), 0);
    ck_assert_str_eq(conn->name, "myconn");
    ck_assert_str_eq(
        run_and_encode("HELLO 2 SETNAME \"bad name\"\r\n"),
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    ck_assert_str_eq(conn->name, "myconn");
    ck_assert_int_eq(version(), 3);
}
END_TEST

START_TEST(test_resp_conn_hello_auth_and_setname_together) {
    conn->password = "pw";
    const char *got = run_and_encode("HELLO 2 SETNAME n1 AUTH default pw\r\n");
    ck_assert_int_eq(strncmp(got, "*14\r\n", 5), 0);
    ck_assert(conn->authenticated);
    ck_assert_str_eq(conn->name, "n1");
}
END_TEST

START_TEST(test_resp_conn_hello_needs_a_resp_connection) {
    keel_conn *other = fake_conn_new(NULL);
    keel_proc *p = fake_proc_new(other, 2, (const char *[]){"HELLO", "3"});
    ck_assert_int_eq(fake_call(p), KEEL_FAIL);
    const keel_reply *r = fake_proc_reply(p);
    ck_assert_int_eq(r->type, KEEL_REPLY_ERROR);
    ck_assert_int_eq(strncmp(r->v.s, "NOPROTO ", 8), 0);
    fake_proc_free(p);
    fake_conn_free(other);
}
END_TEST

/* ---- QUIT ---- */

START_TEST(test_resp_conn_quit_replies_ok_then_closes) {
    ck_assert(!conn->close_after_reply);
    ck_assert_str_eq(run_and_encode("QUIT\r\n"), "+OK\r\n");
    ck_assert(conn->close_after_reply);
}
END_TEST

/* ---- connection memory ---- */

/* ---- pushes out of band, RESET ---- */

START_TEST(test_resp_conn_hello_says_whether_pushes_are_out_of_band) {
    ck_assert(!conn->out_of_band);
    run_and_encode("HELLO 3\r\n");
    ck_assert(conn->out_of_band);
    run_and_encode("HELLO\r\n"); /* no version: no change */
    ck_assert(conn->out_of_band);
    run_and_encode("HELLO 4\r\n"); /* refused: no change */
    ck_assert(conn->out_of_band);
    run_and_encode("HELLO 2\r\n");
    ck_assert(!conn->out_of_band);
}
END_TEST

static const keel_conn_hooks reset_hooks = {.size = sizeof(keel_conn_hooks)};

START_TEST(test_resp_conn_reset_goes_back_to_resp2_at_its_own_reply) {
    run_and_encode("HELLO 3 SETNAME me\r\n");
    keel_arg tenant = {"t1", 2};
    ck_assert_int_eq(keel_conn_ns_enter(conn, &tenant, 1), KEEL_OK);
    ck_assert_int_eq(keel_conn_attach(conn, &reset_hooks, NULL), KEEL_OK);
    call before = run("GET a\r\n");
    call reset = run("RESET\r\n");
    call after = run("PING\r\n"); /* unknown here: an error, to show the version */
    ck_assert_int_eq(reset.result, KEEL_DONE);
    /* the core's part ran at once (the fake's: name, namespace, out of band) */
    ck_assert_ptr_null(conn->name);
    ck_assert_uint_eq(conn->ns_n, 0);
    ck_assert(!conn->out_of_band);
    /* a HELLO run meanwhile reports RESP2 */
    call ask = run("HELLO\r\n");
    ck_assert_int_eq(version(), 3);
    ck_assert_str_eq(encode(&before), "-ERR unknown command 'GET'\r\n");
    ck_assert_int_eq(version(), 3);
    ck_assert_str_eq(encode(&reset), "+RESET\r\n");
    ck_assert_int_eq(version(), 2);
    ck_assert_str_eq(encode(&after), "-ERR unknown command 'PING'\r\n");
    const char *got = encode(&ask);
    ck_assert_int_eq(strncmp(got, "*14\r\n", 5), 0);
    ck_assert_ptr_nonnull(strstr(got, "$5\r\nproto\r\n:2\r\n"));
}
END_TEST

START_TEST(test_resp_conn_reset_brings_back_the_network_syntax) {
    ck_assert_str_eq(run_and_encode("REPLY.SYNTAX json\r\n"), "\"json\"\n");
    ck_assert_str_eq(run_and_encode("RESET\r\n"), "+RESET\r\n");
    ck_assert_str_eq(run_and_encode("REPLY.SYNTAX\r\n"), "+resp\r\n");
}
END_TEST

START_TEST(test_resp_conn_reset_needs_a_resp_connection) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *[]){"RESET"});
    ck_assert_int_eq(fake_call(p), KEEL_FAIL);
    ck_assert_str_eq(fake_proc_reply(p)->v.s, "NOPROTO RESET needs a RESP connection");
    fake_proc_free(p);
}
END_TEST

START_TEST(test_resp_conn_close_frees_parser_memory) {
    const keel_proto_def *proto = fake_protocol("resp");
    keel_request req;
    memset(&req, 0, sizeof req);
    req.size = sizeof req;
    /* a request left half-parsed when the connection goes */
    static const char part[] = "*2000\r\n$1\r\nx\r\n$1\r\ny\r\n";
    ck_assert_int_eq(proto->parse(conn, conn->proto_state, part, sizeof part - 1, &req),
                     KEEL_PARSE_NEED);
    ck_assert_int_gt(fake_api_live_allocs(), 0);
    /* teardown frees the connection and checks that nothing is left */
}
END_TEST

static Suite *resp_conn_suite(void) {
    Suite *s = suite_create("resp_conn");
    TCase *tc = tcase_create("conn");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_resp_conn_registers_protocol_and_commands);
    tcase_add_test(tc, test_resp_conn_register_twice_fails_and_logs);
    tcase_add_test(tc, test_resp_conn_hello_without_version_describes_the_server);
    tcase_add_test(tc, test_resp_conn_hello_3_answers_in_resp3);
    tcase_add_test(tc, test_resp_conn_hello_2_switches_back);
    tcase_add_test(tc, test_resp_conn_pipelined_hello_switches_at_its_own_reply);
    tcase_add_test(tc, test_resp_conn_hello_replies_nil_in_the_new_version);
    tcase_add_test(tc, test_resp_conn_hello_unsupported_versions);
    tcase_add_test(tc, test_resp_conn_hello_syntax_errors);
    tcase_add_test(tc, test_resp_conn_hello_auth);
    tcase_add_test(tc, test_resp_conn_hello_setname);
    tcase_add_test(tc, test_resp_conn_hello_auth_and_setname_together);
    tcase_add_test(tc, test_resp_conn_hello_needs_a_resp_connection);
    tcase_add_test(tc, test_resp_conn_quit_replies_ok_then_closes);
    tcase_add_test(tc, test_resp_conn_hello_says_whether_pushes_are_out_of_band);
    tcase_add_test(tc, test_resp_conn_reset_goes_back_to_resp2_at_its_own_reply);
    tcase_add_test(tc, test_resp_conn_reset_brings_back_the_network_syntax);
    tcase_add_test(tc, test_resp_conn_reset_needs_a_resp_connection);
    tcase_add_test(tc, test_resp_conn_close_frees_parser_memory);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(resp_conn_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
