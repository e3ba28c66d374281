/* test_resp_parse.c -- the RESP request parser: multibulk, inline, pipelines, splits, limits. */
#include <check.h>

#include "dk_check_fast.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/resp/parse.h"

static resp_parser ps;

static void setup(void) {
    fake_api_reset();
    memset(&ps, 0, sizeof ps);
}

static void teardown(void) {
    resp_parser_free(&ps);
    ck_assert_int_eq(fake_api_live_allocs(), 0);
}

/* ---- a growable text describing parsed requests, e.g. "[SET|k|v][PING]" ---- */

typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void text_add(text *t, const char *s, size_t n) {
    if (t->cap - t->len < n + 1) {
        t->cap = (t->cap + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        fast_assert_ptr_nonnull(t->s);
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void text_printf(text *t, const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    text_add(t, buf, (size_t)n);
}

/* "[a|b]" for a request, "()" for one with no arguments (an empty line, "*0"). */
static void describe(text *t, const keel_request *req) {
    if (req->argc == 0) {
        text_add(t, "()", 2);
        return;
    }
    text_add(t, "[", 1);
    for (uint32_t i = 0; i < req->argc; i++) {
        if (i) text_add(t, "|", 1);
        for (size_t j = 0; j < req->argv[i].len; j++) {
            unsigned char c = (unsigned char)req->argv[i].ptr[j];
            if (c >= 0x20 && c < 0x7f && c != '\\')
                text_add(t, (const char *)&c, 1);
            else
                text_printf(t, "\\x%02x", c);
        }
    }
    text_add(t, "]", 1);
}

static keel_request new_req(void) {
    keel_request r;
    memset(&r, 0, sizeof r);
    r.size = sizeof r;
    return r;
}

/* Parses all of data in one buffer, as a core would with everything already read.  Fills
 * ends[] with each request's end offset when given. */
static char *parse_whole(const char *data, size_t n, size_t *ends, size_t *nends) {
    text t = {0};
    size_t start = 0, k = 0;
    text_add(&t, "", 0);
    while (start < n) {
        keel_request req = new_req();
        keel_parse_result r = resp_parse(&ps, data + start, n - start, &req);
        if (r == KEEL_PARSE_OK) {
            fast_assert_uint_gt(req.consumed, 0);
            fast_assert_uint_le(req.consumed, n - start);
            describe(&t, &req);
            start += req.consumed;
            if (ends) ends[k++] = start;
        } else if (r == KEEL_PARSE_ERROR) {
            text_printf(&t, "{%s}", req.error);
            break;
        } else {
            text_add(&t, "{NEED}", 6);
            break;
        }
    }
    if (nends) *nends = k;
    return t.s;
}

/* Parses data as it trickles in a byte at a time (or, honouring req.need, in the jumps the
 * parser asks for), checking that every need is a true lower bound: never past the end of the
 * request being parsed.  Returns the description; *calls counts parse calls. */
static char *parse_trickle(const char *data, size_t n, bool honour_need, const size_t *ends,
                           size_t nends, long *calls) {
    text t = {0};
    size_t start = 0, wlen = 1, k = 0;
    text_add(&t, "", 0);
    *calls = 0;
    while (start < n) {
        keel_request req = new_req();
        keel_parse_result r = resp_parse(&ps, data + start, wlen, &req);
        (*calls)++;
        if (r == KEEL_PARSE_OK) {
            describe(&t, &req);
            start += req.consumed;
            wlen -= req.consumed;
            k++;
            if (wlen == 0) wlen = 1;
            if (start + wlen > n) break;
        } else if (r == KEEL_PARSE_ERROR) {
            text_printf(&t, "{%s}", req.error);
            break;
        } else {
            if (req.need) {
                fast_assert_uint_gt(req.need, wlen);
                if (k < nends) ck_assert_uint_le(start + req.need, ends[k]);
            }
            if (start + wlen == n) {
                text_add(&t, "{NEED}", 6);
                break;
            }
            if (honour_need && req.need)
                wlen = start + req.need <= n ? req.need : n - start;
            else
                wlen++;
        }
    }
    return t.s;
}

static void check_whole(const char *data, size_t n, const char *expected) {
    char *got = parse_whole(data, n, NULL, NULL);
    ck_assert_str_eq(got, expected);
    free(got);
}

#define CHECK(lit, expected) check_whole(lit, sizeof lit - 1, expected)

/* ---- multibulk ---- */

START_TEST(test_resp_parse_multibulk_complete) {
    static const char req_text[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n";
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, req_text, sizeof req_text - 1, &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.argc, 3);
    ck_assert_uint_eq(req.consumed, sizeof req_text - 1);
    /* zero-copy: the arguments are the bytes of the buffer */
    ck_assert_ptr_eq(req.argv[0].ptr, req_text + 8);
    ck_assert_uint_eq(req.argv[0].len, 3);
    ck_assert_ptr_eq(req.argv[1].ptr, req_text + 17);
    ck_assert_ptr_eq(req.argv[2].ptr, req_text + 24);
    ck_assert_uint_eq(req.argv[2].len, 5);
    ck_assert_ptr_null(req.error);
    ck_assert_uint_eq(req.tag & RESP_TAG_HELLO, 0);
}
END_TEST

START_TEST(test_resp_parse_multibulk_binary_and_empty_args) {
    CHECK("*3\r\n$0\r\n\r\n$4\r\na\r\nb\r\n$2\r\n\0\x01\r\n", "[|a\\x0d\\x0ab|\\x00\\x01]");
}
END_TEST

START_TEST(test_resp_parse_empty_multibulk_is_skipped) {
    CHECK("*0\r\n", "()");
    CHECK("*-1\r\n", "()");
    CHECK("*-10\r\n*1\r\n$4\r\nPING\r\n", "()[PING]");
}
END_TEST

START_TEST(test_resp_parse_multibulk_incomplete_needs_more) {
    CHECK("*2\r\n$3\r\nGET\r\n$1\r\n", "{NEED}");
    CHECK("*", "{NEED}");
    CHECK("*2\r", "{NEED}");
    CHECK("*2\r\n$3\r\nGE", "{NEED}");
    CHECK("*2\r\n$3\r\nGET\r", "{NEED}");
}
END_TEST

START_TEST(test_resp_parse_need_is_the_whole_big_argument) {
    /* After the header of a 10 MB argument, the parser asks for all of it at once. */
    static const char head[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10485760\r\n";
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, head, sizeof head - 1, &req), KEEL_PARSE_NEED);
    ck_assert_uint_eq(req.need, sizeof head - 1 + 10485760 + 2);
    /* With the data (but no final CRLF yet) still the same. */
    size_t total = sizeof head - 1 + 10485760 + 2;
    char *buf = malloc(total);
    memcpy(buf, head, sizeof head - 1);
    memset(buf + sizeof head - 1, 'v', 10485760);
    memcpy(buf + total - 2, "\r\n", 2);
    long work_before = (long)ps.work;
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, total - 1, &req), KEEL_PARSE_NEED);
    ck_assert_uint_eq(req.need, total);
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, total, &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.argc, 3);
    ck_assert_uint_eq(req.argv[2].len, 10485760);
    ck_assert_ptr_eq(req.argv[2].ptr, buf + sizeof head - 1);
    ck_assert_uint_eq(req.consumed, total);
    /* The data itself is never scanned. */
    ck_assert_int_lt((long)ps.work - work_before, 64);
    free(buf);
}
END_TEST

START_TEST(test_resp_parse_need_counts_announced_arguments) {
    /* Five arguments announced, none here yet: at least 5 * "$0\r\n\r\n" must follow. */
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, "*5\r\n", 4, &req), KEEL_PARSE_NEED);
    ck_assert_uint_eq(req.need, 4 + 5 * 6);
}
END_TEST

START_TEST(test_resp_parse_buffer_may_move_between_calls) {
    static const char data[] = "*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n";
    char *a = malloc(sizeof data), *b = malloc(sizeof data);
    memcpy(a, data, 20);
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, a, 20, &req), KEEL_PARSE_NEED);
    memcpy(b, data, sizeof data - 1);
    memset(a, 'X', 20); /* the old buffer is gone */
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, b, sizeof data - 1, &req), KEEL_PARSE_OK);
    ck_assert_ptr_eq(req.argv[0].ptr, b + 8);
    ck_assert_ptr_eq(req.argv[1].ptr, b + 18);
    ck_assert_int_eq(memcmp(req.argv[1].ptr, "hello", 5), 0);
    free(a);
    free(b);
}
END_TEST

/* ---- inline ---- */

START_TEST(test_resp_parse_inline_words) {
    CHECK("SET k v\r\n", "[SET|k|v]");
    CHECK("PING\n", "[PING]");
    CHECK("  GET \t key  \r\n", "[GET|key]");
    CHECK("a\rb\r\n", "[a|b]");
}
END_TEST

START_TEST(test_resp_parse_inline_plain_words_are_zero_copy) {
    static const char line[] = "GET key\r\n";
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, line, sizeof line - 1, &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.argc, 2);
    ck_assert_ptr_eq(req.argv[0].ptr, line);
    ck_assert_ptr_eq(req.argv[1].ptr, line + 4);
    ck_assert_uint_eq(req.consumed, sizeof line - 1);
}
END_TEST

START_TEST(test_resp_parse_inline_double_quotes_and_escapes) {
    CHECK("SET \"a b\" \"\"\r\n", "[SET|a b|]");
    CHECK("\"\\x41\\x4a\\x4A\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n",
          "[AJJ\\x0a\\x0d\\x09\\x08\\x07\\x5c\"q]");
    CHECK("\"\\xZZ\" \"\\x4\"\r\n", "[xZZ|x4]");
    CHECK("\"\\x00\"\r\n", "[\\x00]");
}
END_TEST

START_TEST(test_resp_parse_inline_single_quotes) {
    CHECK("SET 'a b' 'it\\'s' 'no\\nescape'\r\n", "[SET|a b|it's|no\\x5cnescape]");
    CHECK("'' \"\"\r\n", "[|]");
}
END_TEST

START_TEST(test_resp_parse_inline_quotes_inside_a_word) {
    /* As in Redis, a quote inside a word starts a quoted part of the same word. */
    CHECK("a\"b c\" d\r\n", "[ab c|d]");
    CHECK("x'y z'\r\n", "[xy z]");
}
END_TEST

START_TEST(test_resp_parse_inline_unbalanced_quotes) {
    const char *msg = "{ERR Protocol error: unbalanced quotes in request}";
    CHECK("SET \"abc\r\n", msg);
    CHECK("SET 'abc\r\n", msg);
    CHECK("SET \"a\"b\r\n", msg);
    CHECK("SET 'a'b\r\n", msg);
    CHECK("\"abc\\\"\r\n", msg);
    CHECK("\"ab\0c\"\r\n", msg);
}
END_TEST

START_TEST(test_resp_parse_inline_empty_line_is_skipped) {
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, "\r\n", 2, &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.argc, 0);
    ck_assert_uint_eq(req.consumed, 2);
    CHECK("\n", "()");
    CHECK("   \t \r\n", "()");
}
END_TEST

START_TEST(test_resp_parse_inline_nul_ends_the_line) {
    CHECK("SET a\0b c\r\nPING\r\n", "[SET|a][PING]");
}
END_TEST

START_TEST(test_resp_parse_inline_too_big) {
    size_t n = RESP_MAX_INLINE + 1;
    char *buf = malloc(n + 2);
    memset(buf, 'a', n + 2);
    keel_request req = new_req();
    /* exactly the limit without a newline: still waiting */
    ck_assert_int_eq(resp_parse(&ps, buf, RESP_MAX_INLINE, &req), KEEL_PARSE_NEED);
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, n, &req), KEEL_PARSE_ERROR);
    ck_assert_str_eq(req.error, "ERR Protocol error: too big inline request");
    /* a line that fits is fine */
    buf[RESP_MAX_INLINE] = '\n';
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, n, &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.argc, 1);
    ck_assert_uint_eq(req.argv[0].len, RESP_MAX_INLINE);
    free(buf);
}
END_TEST

/* A whole request in one buffer takes the one-pass path: the limits the core sets still hold
 * there, and a header it does not take (a leading zero, a sign) gets the general path's error. */
START_TEST(test_resp_parse_whole_request_keeps_the_core_limits) {
    const char *big = "*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n";
    keel_request req = new_req();
    req.max_bulk = 4;
    ck_assert_int_eq(resp_parse(&ps, big, strlen(big), &req), KEEL_PARSE_ERROR);
    ck_assert_str_eq(req.error, "ERR Protocol error: invalid bulk length");
    req = new_req();
    req.max_bulk = 4;
    req.unauthenticated = true;
    ck_assert_int_eq(resp_parse(&ps, big, strlen(big), &req), KEEL_PARSE_ERROR);
    ck_assert_str_eq(req.error, "ERR Protocol error: unauthenticated bulk length");
    req = new_req();
    req.max_args = 1;
    ck_assert_int_eq(resp_parse(&ps, big, strlen(big), &req), KEEL_PARSE_ERROR);
    ck_assert_str_eq(req.error, "ERR Protocol error: invalid multibulk length");
    req = new_req();
    req.max_bulk = 5;
    req.max_args = 2;
    ck_assert_int_eq(resp_parse(&ps, big, strlen(big), &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.argc, 2);
    ck_assert_uint_eq(req.consumed, strlen(big));
    ck_assert_int_eq(memcmp(req.argv[1].ptr, "hello", 5), 0);
    CHECK("*1\r\n$03\r\nGET\r\n", "{ERR Protocol error: invalid bulk length}");
    CHECK("*1\r\n$+3\r\nGET\r\n", "{ERR Protocol error: invalid bulk length}");
    CHECK("*1\r\n$3\r\nGETX\r\n", "{ERR Protocol error: bulk data not followed by CRLF}");
    CHECK("*2\r\n$0\r\n\r\n$0\r\n\r\n", "[|]");
}
END_TEST

/* ---- errors ---- */

START_TEST(test_resp_parse_invalid_multibulk_length) {
    const char *msg = "{ERR Protocol error: invalid multibulk length}";
    CHECK("*1048577\r\n", msg);
    CHECK("*20000000\r\n", msg);
    CHECK("*3000000000\r\n", msg);
    CHECK("*abc\r\n", msg);
    CHECK("*\r\n", msg);
    CHECK("*+1\r\n", msg);
    CHECK("*01\r\n", msg);
    CHECK("*1\rX", msg);
    CHECK("*99999999999999999999999\r\n", msg);
    CHECK("*-0\r\n", msg);
    CHECK("*-\r\n", msg);
    CHECK("*1 \r\n", msg);
    CHECK("*1048576\r\n", "{NEED}"); /* the limit itself is fine */
}
END_TEST

START_TEST(test_resp_parse_invalid_bulk_length) {
    const char *msg = "{ERR Protocol error: invalid bulk length}";
    CHECK("*1\r\n$536870913\r\n", msg);
    CHECK("*1\r\n$-1\r\n", msg);
    CHECK("*1\r\n$abc\r\n", msg);
    CHECK("*1\r\n$\r\n", msg);
    CHECK("*1\r\n$1\rX", msg);
    CHECK("*1\r\n$1234567890123456789\r\n", msg);
    CHECK("*1\r\n$00\r\n", msg);
    CHECK("*1\r\n$536870912\r\n", "{NEED}"); /* proto-max-bulk-len itself is fine */
    CHECK("*1\r\n$0\r\n\r\n", "[]");
}
END_TEST

START_TEST(test_resp_parse_expected_dollar) {
    CHECK("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "{ERR Protocol error: expected '$', got 'f'}");
    CHECK("*1\r\n:1\r\n", "{ERR Protocol error: expected '$', got ':'}");
    CHECK("*1\r\n\r\n", "{ERR Protocol error: expected '$', got '\\x0d'}");
}
END_TEST

START_TEST(test_resp_parse_bulk_without_crlf) {
    const char *msg = "{ERR Protocol error: bulk data not followed by CRLF}";
    CHECK("*1\r\n$3\r\nabcd\r\n", msg);
    CHECK("*1\r\n$3\r\nabc\rX", msg);
    CHECK("*1\r\n$3\r\nab\r\n\r\n", msg);
}
END_TEST

START_TEST(test_resp_parse_too_big_count_strings) {
    size_t n = RESP_MAX_INLINE + 8;
    char *buf = malloc(n);
    memset(buf, '1', n);
    buf[0] = '*';
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, RESP_MAX_INLINE, &req), KEEL_PARSE_NEED);
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, n, &req), KEEL_PARSE_ERROR);
    ck_assert_str_eq(req.error, "ERR Protocol error: too big mbulk count string");

    memcpy(buf, "*1\r\n$", 5);
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, n, &req), KEEL_PARSE_ERROR);
    ck_assert_str_eq(req.error, "ERR Protocol error: too big bulk count string");
    free(buf);
}
END_TEST

START_TEST(test_resp_parse_600mb_bulk_refused_at_the_header) {
    static const char head[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$629145600\r\n";
    long allocs = fake_api_live_allocs();
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, head, sizeof head - 1, &req), KEEL_PARSE_ERROR);
    ck_assert_str_eq(req.error, "ERR Protocol error: invalid bulk length");
    ck_assert_int_le(fake_api_live_allocs(), allocs + 1);
    ck_assert_uint_le(ps.argv_cap, RESP_ARGV_KEEP);
}
END_TEST

START_TEST(test_resp_parse_error_leaves_parser_idle) {
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, "*x\r\n", 4, &req), KEEL_PARSE_ERROR);
    ck_assert_int_eq(ps.phase, RESP_PHASE_IDLE);
    CHECK("PING\r\n", "[PING]");
}
END_TEST

/* ---- pipelines and splits ---- */

static const char pipeline[] = "PING\r\n"
                               "*1\r\n$4\r\nPING\r\n"
                               "ECHO \"hi there\" 'x'\r\n"
                               "\r\n"
                               "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\n"
                               "*0\r\n"
                               "*-1\r\n"
                               "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"
                               "hello 3\n"
                               "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
static const char pipeline_parsed[] =
    "[PING][PING][ECHO|hi there|x]()[SET|key|0123456789]()()[ECHO|][hello|3][GET|key]";

START_TEST(test_resp_parse_pipeline_of_mixed_requests) {
    check_whole(pipeline, sizeof pipeline - 1, pipeline_parsed);
}
END_TEST

START_TEST(test_resp_parse_pipeline_byte_at_a_time) {
    size_t ends[32], nends;
    free(parse_whole(pipeline, sizeof pipeline - 1, ends, &nends));
    ck_assert_uint_eq(nends, 10);
    long calls;
    char *got = parse_trickle(pipeline, sizeof pipeline - 1, false, ends, nends, &calls);
    ck_assert_str_eq(got, pipeline_parsed);
    free(got);
    long calls_need;
    got = parse_trickle(pipeline, sizeof pipeline - 1, true, ends, nends, &calls_need);
    ck_assert_str_eq(got, pipeline_parsed);
    ck_assert_int_lt(calls_need, calls);
    free(got);
}
END_TEST

START_TEST(test_resp_parse_pipeline_split_at_every_byte) {
    size_t n = sizeof pipeline - 1;
    for (size_t split = 0; split <= n; split++) {
        /* first the bytes before the split, then everything: same requests */
        text t = {0};
        text_add(&t, "", 0);
        size_t start = 0;
        size_t avail = split;
        for (;;) {
            keel_request req = new_req();
            keel_parse_result r = resp_parse(&ps, pipeline + start, avail - start, &req);
            if (r == KEEL_PARSE_OK) {
                describe(&t, &req);
                start += req.consumed;
                if (start == n) break;
                continue;
            }
            fast_assert_int_eq(r, KEEL_PARSE_NEED);
            fast_assert_uint_lt(avail, n + 1);
            if (avail == n) break;
            avail = n;
        }
        fast_assert_msg(strcmp(t.s, pipeline_parsed) == 0, "split at %zu: %s", split, t.s);
        free(t.s);
    }
}
END_TEST

START_TEST(test_resp_parse_hello_is_tagged) {
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, "hello 3\r\n", 9, &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.tag & RESP_TAG_HELLO, RESP_TAG_HELLO);
    uint64_t seq1 = req.tag >> RESP_TAG_SEQ_SHIFT;
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, "*1\r\n$5\r\nHeLLo\r\n", 15, &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.tag & RESP_TAG_HELLO, RESP_TAG_HELLO);
    ck_assert_uint_eq(req.tag >> RESP_TAG_SEQ_SHIFT, seq1 + 1);
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, "HELLOX\r\n", 8, &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.tag & RESP_TAG_HELLO, 0);
    ck_assert_uint_eq(req.tag >> RESP_TAG_SEQ_SHIFT, seq1 + 2);
}
END_TEST

/* ---- size: a million arguments, linear work, memory handed back ---- */

#define MANY 1000000

static char *many_args(size_t *n) {
    static const char arg[] = "$1\r\nx\r\n";
    char head[32];
    int h = snprintf(head, sizeof head, "*%d\r\n", MANY);
    *n = (size_t)h + (size_t)MANY * (sizeof arg - 1);
    char *buf = malloc(*n);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, head, (size_t)h);
    for (size_t i = 0; i < MANY; i++)
        memcpy(buf + h + i * (sizeof arg - 1), arg, sizeof arg - 1);
    return buf;
}

static void check_many(const keel_request *req, const char *buf, size_t n) {
    size_t head = n - (size_t)MANY * 7;
    ck_assert_uint_eq(req->argc, MANY);
    ck_assert_uint_eq(req->consumed, n);
    for (size_t i = 0; i < MANY; i++) {
        fast_assert_uint_eq(req->argv[i].len, 1);
        fast_assert_ptr_eq(req->argv[i].ptr, buf + head + i * 7 + 4);
    }
}

START_TEST(test_resp_parse_million_arguments_in_tcp_segments) {
    /* Called for every 1460-byte segment (a core ignoring need): the work stays linear. */
    size_t n;
    char *buf = many_args(&n);
    keel_request req = new_req();
    long calls = 0;
    size_t avail = 0;
    keel_parse_result r;
    do {
        avail = avail + 1460 < n ? avail + 1460 : n;
        req = new_req();
        r = resp_parse(&ps, buf, avail, &req);
        calls++;
    } while (r == KEEL_PARSE_NEED && avail < n);
    ck_assert_int_eq(r, KEEL_PARSE_OK);
    check_many(&req, buf, n);
    ck_assert_int_eq(calls, (long)((n + 1459) / 1460));
    /* Each byte searched about once, plus one step per argument. */
    ck_assert_uint_le(ps.work, 2 * (uint64_t)n);
    free(buf);
}
END_TEST

START_TEST(test_resp_parse_million_arguments_honouring_need) {
    /* A core that waits for req.need bytes calls the parser only a handful of times: need
     * counts 6 bytes per argument still to come, so each call leaves a seventh of the rest. */
    size_t n;
    char *buf = many_args(&n);
    keel_request req;
    long calls = 0;
    size_t avail = 1460;
    keel_parse_result r;
    for (;;) {
        req = new_req();
        r = resp_parse(&ps, buf, avail, &req);
        calls++;
        if (r != KEEL_PARSE_NEED) break;
        fast_assert_uint_le(req.need, n);
        avail = req.need > avail ? req.need : avail + 1460;
        if (avail > n) avail = n;
    }
    ck_assert_int_eq(r, KEEL_PARSE_OK);
    check_many(&req, buf, n);
    ck_assert_int_le(calls, 12);
    ck_assert_uint_le(ps.work, 2 * (uint64_t)n);
    free(buf);
}
END_TEST

START_TEST(test_resp_parse_memory_returns_after_huge_request) {
    size_t n;
    char *buf = many_args(&n);
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, n, &req), KEEL_PARSE_OK);
    ck_assert_uint_ge(ps.argv_cap, MANY);
    /* Its reply went out: the argv of the latest request is no longer used. */
    resp_parser_release(&ps, req.tag);
    ck_assert_ptr_null(ps.argv);
    ck_assert_uint_eq(ps.argv_cap, 0);
    free(buf);

    /* Without a release, the next parse trims first. */
    buf = many_args(&n);
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, n, &req), KEEL_PARSE_OK);
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, "PING\r\n", 6, &req), KEEL_PARSE_OK);
    ck_assert_uint_le(ps.argv_cap, RESP_ARGV_KEEP);
    free(buf);
}
END_TEST

START_TEST(test_resp_parse_release_of_an_older_request_keeps_argv) {
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, "GET a\r\n", 7, &req), KEEL_PARSE_OK);
    uint64_t older = req.tag;
    size_t n;
    char *buf = many_args(&n);
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, n, &req), KEEL_PARSE_OK);
    resp_parser_release(&ps, older); /* the big request may not be copied yet */
    ck_assert_ptr_nonnull(ps.argv);
    check_many(&req, buf, n);
    free(buf);
}
END_TEST

START_TEST(test_resp_parse_quoted_inline_scratch_is_trimmed) {
    size_t n = 20000;
    char *buf = malloc(n + 4);
    buf[0] = '"';
    memset(buf + 1, 'q', n);
    memcpy(buf + n + 1, "\"\r\n", 3);
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, buf, n + 4, &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.argc, 1);
    ck_assert_uint_eq(req.argv[0].len, n);
    ck_assert_uint_gt(ps.scratch_cap, RESP_SCRATCH_KEEP);
    resp_parser_release(&ps, req.tag);
    ck_assert_ptr_null(ps.scratch);
    free(buf);
}
END_TEST

START_TEST(test_resp_parse_shrunken_buffer_starts_over) {
    keel_request req = new_req();
    ck_assert_int_eq(resp_parse(&ps, "*2\r\n$3\r\nGET\r\n", 13, &req), KEEL_PARSE_NEED);
    /* A caller breaking the contract (fewer bytes than before) gets a fresh parse. */
    req = new_req();
    ck_assert_int_eq(resp_parse(&ps, "PING\r\n", 6, &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.argc, 1);
}
END_TEST

static Suite *resp_parse_suite(void) {
    Suite *s = suite_create("resp_parse");
    TCase *tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_resp_parse_multibulk_complete);
    tcase_add_test(tc, test_resp_parse_whole_request_keeps_the_core_limits);
    tcase_add_test(tc, test_resp_parse_multibulk_binary_and_empty_args);
    tcase_add_test(tc, test_resp_parse_empty_multibulk_is_skipped);
    tcase_add_test(tc, test_resp_parse_multibulk_incomplete_needs_more);
    tcase_add_test(tc, test_resp_parse_need_is_the_whole_big_argument);
    tcase_add_test(tc, test_resp_parse_need_counts_announced_arguments);
    tcase_add_test(tc, test_resp_parse_buffer_may_move_between_calls);
    tcase_add_test(tc, test_resp_parse_inline_words);
    tcase_add_test(tc, test_resp_parse_inline_plain_words_are_zero_copy);
    tcase_add_test(tc, test_resp_parse_inline_double_quotes_and_escapes);
    tcase_add_test(tc, test_resp_parse_inline_single_quotes);
    tcase_add_test(tc, test_resp_parse_inline_quotes_inside_a_word);
    tcase_add_test(tc, test_resp_parse_inline_unbalanced_quotes);
    tcase_add_test(tc, test_resp_parse_inline_empty_line_is_skipped);
    tcase_add_test(tc, test_resp_parse_inline_nul_ends_the_line);
    tcase_add_test(tc, test_resp_parse_inline_too_big);
    tcase_add_test(tc, test_resp_parse_invalid_multibulk_length);
    tcase_add_test(tc, test_resp_parse_invalid_bulk_length);
    tcase_add_test(tc, test_resp_parse_expected_dollar);
    tcase_add_test(tc, test_resp_parse_bulk_without_crlf);
    tcase_add_test(tc, test_resp_parse_too_big_count_strings);
    tcase_add_test(tc, test_resp_parse_600mb_bulk_refused_at_the_header);
    tcase_add_test(tc, test_resp_parse_error_leaves_parser_idle);
    tcase_add_test(tc, test_resp_parse_pipeline_of_mixed_requests);
    tcase_add_test(tc, test_resp_parse_pipeline_byte_at_a_time);
    tcase_add_test(tc, test_resp_parse_pipeline_split_at_every_byte);
    tcase_add_test(tc, test_resp_parse_hello_is_tagged);
    tcase_add_test(tc, test_resp_parse_million_arguments_in_tcp_segments);
    tcase_add_test(tc, test_resp_parse_million_arguments_honouring_need);
    tcase_add_test(tc, test_resp_parse_memory_returns_after_huge_request);
    tcase_add_test(tc, test_resp_parse_release_of_an_older_request_keeps_argv);
    tcase_add_test(tc, test_resp_parse_quoted_inline_scratch_is_trimmed);
    tcase_add_test(tc, test_resp_parse_shrunken_buffer_starts_over);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(resp_parse_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
