/* test_resp_encode.c -- the RESP encoder: every reply type in RESP2 and RESP3, size and depth. */
#include <check.h>

#include "dk_check_fast.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/resp/encode.h"
#include "resp_wire.h"

static keel_buf out;
static keel_proc *p;

static void setup(void) {
    fake_api_reset();
    memset(&out, 0, sizeof out);
    p = fake_proc_new(NULL, 0, NULL);
}

static void teardown(void) {
    fake_proc_free(p);
    fake_buf_free(&out);
    ck_assert_int_eq(fake_api_live_allocs(), 0);
}

/* Encodes r in `version` into a fresh buffer and compares with the expected bytes. */
static void expect_n(const keel_reply *r, int version, const char *want, size_t n) {
    out.len = 0;
    resp_encode(r, version, &out);
    ck_assert_msg(out.len == n && memcmp(out.data, want, n) == 0, "RESP%d: got %zu bytes '%.*s'",
                  version, out.len, (int)(out.len > 200 ? 200 : out.len), out.data);
    ck_assert(resp_wire_valid(out.data, out.len, version, 1));
}

#define EXPECT(r, version, lit) expect_n(r, version, lit, sizeof lit - 1)

/* The reply built so far on p, then a fresh process for the next one. */
static const keel_reply *built(void) {
    ck_assert(!fake_proc_reply_open(p));
    return fake_proc_reply(p);
}

static void next_proc(void) {
    fake_proc_free(p);
    p = fake_proc_new(NULL, 0, NULL);
}

static keel_reply node(keel_reply_type type) {
    keel_reply r;
    memset(&r, 0, sizeof r);
    r.type = (uint8_t)type;
    return r;
}

/* ---- scalars ---- */

START_TEST(test_resp_encode_nil) {
    keel_reply_nil(p);
    EXPECT(built(), 2, "$-1\r\n");
    EXPECT(built(), 3, "_\r\n");
    EXPECT(NULL, 2, "$-1\r\n");
}
END_TEST

START_TEST(test_resp_encode_integers) {
    static const struct {
        int64_t v;
        const char *text;
    } cases[] = {
        {0, ":0\r\n"},
        {7, ":7\r\n"},
        {-1, ":-1\r\n"},
        {10, ":10\r\n"},
        {99, ":99\r\n"},
        {100, ":100\r\n"},
        {1234567890, ":1234567890\r\n"},
        {INT64_MAX, ":9223372036854775807\r\n"},
        {INT64_MIN, ":-9223372036854775808\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        keel_reply r = node(KEEL_REPLY_INT);
        r.v.i = cases[i].v;
        expect_n(&r, 2, cases[i].text, strlen(cases[i].text));
        expect_n(&r, 3, cases[i].text, strlen(cases[i].text));
    }
    /* every width of digits */
    int64_t v = 1;
    for (int d = 1; d <= 18; d++, v *= 10) {
        char want[32];
        keel_reply r = node(KEEL_REPLY_INT);
        r.v.i = v - 1;
        int n = snprintf(want, sizeof want, ":%lld\r\n", (long long)(v - 1));
        expect_n(&r, 2, want, (size_t)n);
        r.v.i = -v;
        n = snprintf(want, sizeof want, ":%lld\r\n", (long long)-v);
        expect_n(&r, 2, want, (size_t)n);
    }
}
END_TEST

START_TEST(test_resp_encode_unsigned) {
    keel_reply r = node(KEEL_REPLY_UINT);
    r.v.u = 5;
    EXPECT(&r, 2, ":5\r\n");
    r.v.u = (uint64_t)INT64_MAX;
    EXPECT(&r, 3, ":9223372036854775807\r\n");
    /* beyond a RESP integer: digits as a bulk string (RESP2), a big number (RESP3) */
    r.v.u = UINT64_MAX;
    EXPECT(&r, 2, "$20\r\n18446744073709551615\r\n");
    EXPECT(&r, 3, "(18446744073709551615\r\n");
}
END_TEST

/* RESP2: Keel's shortest round-trip text as a bulk string; RESP3: Redis 7.0's addReplyDouble
 * text ("%.17g", "inf", "-inf"), byte for byte. */
static void expect_double(double d, const char *text2, const char *text3) {
    char want[96];
    keel_reply r = node(KEEL_REPLY_DOUBLE);
    r.v.d = d;
    int n = snprintf(want, sizeof want, "$%zu\r\n%s\r\n", strlen(text2), text2);
    expect_n(&r, 2, want, (size_t)n);
    n = snprintf(want, sizeof want, ",%s\r\n", text3);
    expect_n(&r, 3, want, (size_t)n);
}

START_TEST(test_resp_encode_doubles) {
    expect_double(1.5, "1.5", "1.5");
    expect_double(3.0, "3", "3");
    expect_double(-2.25, "-2.25", "-2.25");
    expect_double(0.1, "0.1", "0.10000000000000001");
    expect_double(1.1, "1.1", "1.1000000000000001");
    expect_double(1.0 / 3, "0.3333333333333333", "0.33333333333333331");
    expect_double(1e300, "1e+300", "1.0000000000000001e+300");
    expect_double(1e22, "1e+22", "1e+22");
    expect_double(123456789012345678.0, "1.2345678901234568e+17", "1.2345678901234568e+17");
    expect_double(0.0, "0", "0");
    expect_double(-0.0, "-0", "-0");
    expect_double(INFINITY, "inf", "inf");
    expect_double(-INFINITY, "-inf", "-inf");
    expect_double(NAN, "nan", "nan");
    expect_double(-NAN, "nan", "-nan");
}
END_TEST

START_TEST(test_resp_encode_double_text) {
    /* a bulk marked as a double's text (GEOPOS's coordinates): a double in RESP3 only */
    keel_reply_double_text(p, "13.36138933897018433", 20);
    EXPECT(built(), 2, "$20\r\n13.36138933897018433\r\n");
    EXPECT(built(), 3, ",13.36138933897018433\r\n");
}
END_TEST

START_TEST(test_resp_encode_doubles_round_trip) {
    double samples[] = {3.141592653589793,      1e-310,     5e-324,
                        1.7976931348623157e308, 123456.789, -1e22};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        keel_reply r = node(KEEL_REPLY_DOUBLE);
        r.v.d = samples[i];
        out.len = 0;
        resp_encode(&r, 3, &out);
        fast_assert(resp_wire_valid(out.data, out.len, 3, 1));
        char text[64];
        fast_assert_uint_lt(out.len - 3, sizeof text);
        memcpy(text, out.data + 1, out.len - 3);
        text[out.len - 3] = '\0';
        fast_assert(strtod(text, NULL) == samples[i]);
    }
}
END_TEST

START_TEST(test_resp_encode_bools) {
    keel_reply_bool(p, true);
    EXPECT(built(), 2, ":1\r\n");
    EXPECT(built(), 3, "#t\r\n");
    next_proc();
    keel_reply_bool(p, false);
    EXPECT(built(), 2, ":0\r\n");
    EXPECT(built(), 3, "#f\r\n");
}
END_TEST

START_TEST(test_resp_encode_bulk) {
    keel_reply_bulk(p, "hello", 5);
    EXPECT(built(), 2, "$5\r\nhello\r\n");
    EXPECT(built(), 3, "$5\r\nhello\r\n");
    next_proc();
    keel_reply_bulk(p, "", 0);
    EXPECT(built(), 2, "$0\r\n\r\n");
    next_proc();
    keel_reply_bulk(p, "a\r\n\0b", 5); /* binary safe: kept as is */
    EXPECT(built(), 3, "$5\r\na\r\n\0b\r\n");
}
END_TEST

START_TEST(test_resp_encode_simple_and_ok) {
    keel_reply_ok(p);
    EXPECT(built(), 2, "+OK\r\n");
    EXPECT(built(), 3, "+OK\r\n");
    next_proc();
    keel_reply_simple(p, "QUEUED\r\nX");
    EXPECT(built(), 2, "+QUEUED  X\r\n");
}
END_TEST

START_TEST(test_resp_encode_errors_cannot_break_lines) {
    keel_reply_error(p, "ERR unknown command '%s'", "a\r\n+OK");
    EXPECT(built(), 2, "-ERR unknown command 'a  +OK'\r\n");
    EXPECT(built(), 3, "-ERR unknown command 'a  +OK'\r\n");
    next_proc();
    keel_reply_error(p, "WRONGTYPE Operation against a key holding the wrong kind of value");
    EXPECT(built(), 2, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    keel_reply r = node(KEEL_REPLY_ERROR);
    r.v.s = "";
    EXPECT(&r, 2, "-ERR\r\n");
    r.v.s = "\n\r\n";
    r.len = 3;
    EXPECT(&r, 3, "-   \r\n");
}
END_TEST

START_TEST(test_resp_encode_verbatim) {
    keel_reply_verbatim(p, "txt", "hello", 5);
    EXPECT(built(), 3, "=9\r\ntxt:hello\r\n");
    EXPECT(built(), 2, "$5\r\nhello\r\n");
    /* malformed (no "xxx:" prefix): a plain bulk in both */
    keel_reply r = node(KEEL_REPLY_VERBATIM);
    r.v.s = "ab";
    r.len = 2;
    EXPECT(&r, 3, "$2\r\nab\r\n");
    EXPECT(&r, 2, "$2\r\nab\r\n");
}
END_TEST

START_TEST(test_resp_encode_unknown_type) {
    keel_reply r = node(KEEL_REPLY_TYPE_COUNT);
    EXPECT(&r, 2, "-ERR unknown reply type\r\n");
}
END_TEST

/* ---- aggregates ---- */

START_TEST(test_resp_encode_array) {
    keel_reply_array(p, 3);
    keel_reply_int(p, 1);
    keel_reply_bulk(p, "a", 1);
    keel_reply_nil(p);
    EXPECT(built(), 2, "*3\r\n:1\r\n$1\r\na\r\n$-1\r\n");
    EXPECT(built(), 3, "*3\r\n:1\r\n$1\r\na\r\n_\r\n");
    next_proc();
    keel_reply_array(p, 0);
    EXPECT(built(), 2, "*0\r\n");
    EXPECT(built(), 3, "*0\r\n");
}
END_TEST

START_TEST(test_resp_encode_map) {
    keel_reply_map(p, 2);
    keel_reply_bulk(p, "a", 1);
    keel_reply_int(p, 1);
    keel_reply_bulk(p, "b", 1);
    keel_reply_double(p, 2.5);
    EXPECT(built(), 2, "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$3\r\n2.5\r\n");
    EXPECT(built(), 3, "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n,2.5\r\n");
    next_proc();
    keel_reply_map(p, 0);
    EXPECT(built(), 2, "*0\r\n");
    EXPECT(built(), 3, "%0\r\n");
}
END_TEST

START_TEST(test_resp_encode_pairs) {
    keel_reply_pairs(p, 2);
    keel_reply_bulk(p, "a", 1);
    keel_reply_int(p, 1);
    keel_reply_bulk(p, "b", 1);
    keel_reply_double(p, 2.5);
    EXPECT(built(), 2, "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$3\r\n2.5\r\n");
    EXPECT(built(), 3, "*2\r\n*2\r\n$1\r\na\r\n:1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n");
    next_proc();
    keel_reply_array(p, 2); /* pairs inside an array, then a plain element */
    keel_reply_pairs(p, 1);
    keel_reply_bulk(p, "m", 1);
    keel_reply_double(p, 1);
    keel_reply_int(p, 7);
    EXPECT(built(), 3, "*2\r\n*1\r\n*2\r\n$1\r\nm\r\n,1\r\n:7\r\n");
    next_proc();
    keel_reply_pairs(p, 0);
    EXPECT(built(), 2, "*0\r\n");
    EXPECT(built(), 3, "*0\r\n");
}
END_TEST

START_TEST(test_resp_encode_set_and_push) {
    keel_reply_set(p, 2);
    keel_reply_bulk(p, "x", 1);
    keel_reply_bulk(p, "y", 1);
    EXPECT(built(), 2, "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
    EXPECT(built(), 3, "~2\r\n$1\r\nx\r\n$1\r\ny\r\n");
    next_proc();
    keel_reply_open(p, KEEL_REPLY_PUSH);
    keel_reply_bulk(p, "message", 7);
    keel_reply_bulk(p, "ch", 2);
    keel_reply_bulk(p, "hi", 2);
    keel_reply_close(p);
    EXPECT(built(), 2, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
    EXPECT(built(), 3, ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
}
END_TEST

START_TEST(test_resp_encode_nested) {
    /* [ {k: ~{1, #t}}, [], [[nil]] ] */
    keel_reply_array(p, 3);
    keel_reply_open(p, KEEL_REPLY_MAP);
    keel_reply_bulk(p, "k", 1);
    keel_reply_set(p, 2);
    keel_reply_int(p, 1);
    keel_reply_bool(p, true);
    keel_reply_close(p);
    keel_reply_array(p, 0);
    keel_reply_array(p, 1);
    keel_reply_array(p, 1);
    keel_reply_nil(p);
    EXPECT(built(), 2, "*3\r\n*2\r\n$1\r\nk\r\n*2\r\n:1\r\n:1\r\n*0\r\n*1\r\n*1\r\n$-1\r\n");
    EXPECT(built(), 3, "*3\r\n%1\r\n$1\r\nk\r\n~2\r\n:1\r\n#t\r\n*0\r\n*1\r\n*1\r\n_\r\n");
}
END_TEST

START_TEST(test_resp_encode_children_match_the_header) {
    /* A header announcing more children than linked: the rest are nils. */
    keel_reply one = node(KEEL_REPLY_INT);
    one.v.i = 1;
    keel_reply arr = node(KEEL_REPLY_ARRAY);
    arr.len = 3;
    arr.v.child = &one;
    EXPECT(&arr, 2, "*3\r\n:1\r\n$-1\r\n$-1\r\n");
    /* Fewer announced than linked: the extra ones are dropped. */
    keel_reply two = node(KEEL_REPLY_INT);
    two.v.i = 2;
    one.next = &two;
    arr.len = 1;
    EXPECT(&arr, 3, "*1\r\n:1\r\n");
    /* A map announcing one pair with only a key. */
    keel_reply map = node(KEEL_REPLY_MAP);
    map.len = 1;
    map.v.child = &two;
    EXPECT(&map, 3, "%1\r\n:2\r\n_\r\n");
}
END_TEST

START_TEST(test_resp_encode_appends_to_the_buffer) {
    keel_buf_put(&out, "XYZ", 3);
    keel_reply_int(p, 42);
    resp_encode(built(), 2, &out);
    ck_assert_uint_eq(out.len, 8);
    ck_assert_int_eq(memcmp(out.data, "XYZ:42\r\n", 8), 0);
}
END_TEST

/* ---- size and depth ---- */

#define MILLION 1000000

START_TEST(test_resp_encode_million_element_array) {
    keel_reply_array(p, MILLION);
    for (int i = 0; i < MILLION; i++)
        keel_reply_int(p, i);
    const keel_reply *r = built();
    for (int version = 2; version <= 3; version++) {
        out.len = 0;
        resp_encode(r, version, &out);
        fast_assert(resp_wire_valid(out.data, out.len, version, 1));
        /* "*1000000\r\n" then ":0\r\n" ... ":999999\r\n" */
        size_t want = 10;
        for (int i = 0, w = 1, lim = 10; i < MILLION; i++) {
            if (i == lim) {
                w++;
                lim *= 10;
            }
            want += (size_t)w + 3;
        }
        fast_assert_uint_eq(out.len, want);
        fast_assert_int_eq(memcmp(out.data, "*1000000\r\n:0\r\n:1\r\n", 18), 0);
        fast_assert_int_eq(memcmp(out.data + out.len - 9, ":999999\r\n", 9), 0);
    }
}
END_TEST

START_TEST(test_resp_encode_million_pair_map) {
    keel_reply_map(p, MILLION);
    for (int i = 0; i < MILLION; i++) {
        keel_reply_bulk(p, "f", 1);
        keel_reply_int(p, i);
    }
    out.len = 0;
    resp_encode(built(), 2, &out);
    ck_assert(resp_wire_valid(out.data, out.len, 2, 1));
    ck_assert_int_eq(memcmp(out.data, "*2000000\r\n", 10), 0);
}
END_TEST

START_TEST(test_resp_encode_deep_single_child_chain) {
    /* A million nested one-element arrays: no recursion, and no stack either. */
    size_t depth = MILLION;
    keel_reply *nodes = calloc(depth + 1, sizeof *nodes);
    for (size_t i = 0; i < depth; i++) {
        nodes[i].type = KEEL_REPLY_ARRAY;
        nodes[i].len = 1;
        nodes[i].v.child = &nodes[i + 1];
    }
    nodes[depth].type = KEEL_REPLY_INT;
    nodes[depth].v.i = 7;
    out.len = 0;
    long allocs = fake_api_live_allocs();
    resp_encode(&nodes[0], 3, &out);
    ck_assert_int_eq(fake_api_live_allocs(), allocs);
    ck_assert_uint_eq(out.len, depth * 4 + 4);
    ck_assert_int_eq(memcmp(out.data + out.len - 8, "*1\r\n:7\r\n", 8), 0);
    ck_assert(resp_wire_valid(out.data, out.len, 3, 1));
    free(nodes);
}
END_TEST

/* level i = [level i+1, i]; the innermost level is -1. */
static keel_reply *deep_pairs(size_t depth) {
    keel_reply *nodes = calloc(2 * depth + 1, sizeof *nodes);
    for (size_t i = 0; i < depth; i++) {
        keel_reply *arr = &nodes[2 * i], *num = &nodes[2 * i + 1];
        arr->type = KEEL_REPLY_ARRAY;
        arr->len = 2;
        arr->v.child = &nodes[2 * (i + 1)];
        nodes[2 * (i + 1)].next = num;
        num->type = KEEL_REPLY_INT;
        num->v.i = (int64_t)i;
    }
    nodes[2 * depth].type = KEEL_REPLY_INT;
    nodes[2 * depth].v.i = -1;
    return nodes;
}

START_TEST(test_resp_encode_deep_tree_uses_an_explicit_stack) {
    size_t depth = 200000;
    keel_reply *nodes = deep_pairs(depth);
    out.len = 0;
    resp_encode(&nodes[0], 2, &out);
    ck_assert(resp_wire_valid(out.data, out.len, 2, 1));
    /* "*2\r\n" x depth, ":-1\r\n", then depth-1 ... 0 */
    for (size_t i = 0; i < depth; i++)
        fast_assert_int_eq(memcmp(out.data + 4 * i, "*2\r\n", 4), 0);
    ck_assert_int_eq(memcmp(out.data + 4 * depth, ":-1\r\n:199999\r\n", 14), 0);
    ck_assert_int_eq(memcmp(out.data + out.len - 8, ":1\r\n:0\r\n", 8), 0);
    free(nodes);
}
END_TEST

/* ---- stepwise encoding ---- */

/* Encodes r in steps of `budget` nodes; the bytes must equal a one-go encode; returns steps. */
static size_t steps_equal_one_go(const keel_reply *r, int version, size_t budget) {
    keel_buf whole = {0};
    resp_encode(r, version, &whole);
    out.len = 0;
    resp_walk *w = NULL;
    size_t steps = 1;
    while (!resp_encode_step(r, version, &out, &w, budget)) {
        fast_assert_ptr_nonnull(w);
        steps++;
    }
    ck_assert_ptr_null(w);
    ck_assert_uint_eq(out.len, whole.len);
    ck_assert_int_eq(memcmp(out.data, whole.data, whole.len), 0);
    fake_buf_free(&whole);
    return steps;
}

START_TEST(test_resp_encode_in_steps_equals_one_go) {
    keel_reply_array(p, 3);
    keel_reply_int(p, 1);
    keel_reply_map(p, 2);
    keel_reply_bulk(p, "a", 1);
    keel_reply_array(p, 2);
    keel_reply_nil(p);
    keel_reply_double(p, 1.5);
    keel_reply_simple(p, "b");
    keel_reply_set(p, 0);
    keel_reply_bool(p, true);
    const keel_reply *r = built();
    for (int version = 2; version <= 3; version++)
        for (size_t budget = 1; budget <= 12; budget++)
            steps_equal_one_go(r, version, budget);
}
END_TEST

START_TEST(test_resp_encode_million_elements_in_bounded_steps) {
    keel_reply_array(p, MILLION);
    for (int i = 0; i < MILLION; i++)
        keel_reply_int(p, i);
    size_t steps = steps_equal_one_go(built(), 2, 4096);
    ck_assert_uint_eq(steps, (MILLION + 1 + 4095) / 4096); /* each step wrote 4096 nodes */
}
END_TEST

START_TEST(test_resp_encode_deep_tree_in_steps_and_abort) {
    size_t depth = 50000;
    keel_reply *nodes = deep_pairs(depth);
    steps_equal_one_go(&nodes[0], 3, 100);
    resp_walk *w = NULL; /* an unfinished walk (its stack on the heap) is freed by abort */
    out.len = 0;
    ck_assert(!resp_encode_step(&nodes[0], 2, &out, &w, 1000));
    resp_encode_abort(w);
    free(nodes);
}
END_TEST

static bool contains(const char *hay, size_t n, const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(hay + i, needle, k)) return true;
    return false;
}

static void *no_alloc(size_t n) {
    (void)n;
    return NULL;
}

static void *no_realloc(void *ptr, size_t n) {
    (void)ptr;
    (void)n;
    return NULL;
}

START_TEST(test_resp_encode_stays_well_formed_without_memory) {
    keel_api failing = *fake_api_table();
    failing.alloc = no_alloc;
    failing.realloc = no_realloc;
    keel_api_ptr = &failing;
    size_t depth = 1000;
    keel_reply *nodes = deep_pairs(depth);
    out.len = 0;
    resp_encode(&nodes[0], 3, &out);
    keel_api_ptr = fake_api_table();
    ck_assert(resp_wire_valid(out.data, out.len, 3, 1));
    /* deep levels beyond the C-stack frames came out as nils */
    ck_assert(contains(out.data, out.len, "*2\r\n_\r\n_\r\n"));
    free(nodes);
}
END_TEST

static Suite *resp_encode_suite(void) {
    Suite *s = suite_create("resp_encode");
    TCase *tc = tcase_create("encode");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_resp_encode_nil);
    tcase_add_test(tc, test_resp_encode_pairs);
    tcase_add_test(tc, test_resp_encode_integers);
    tcase_add_test(tc, test_resp_encode_unsigned);
    tcase_add_test(tc, test_resp_encode_doubles);
    tcase_add_test(tc, test_resp_encode_double_text);
    tcase_add_test(tc, test_resp_encode_doubles_round_trip);
    tcase_add_test(tc, test_resp_encode_bools);
    tcase_add_test(tc, test_resp_encode_bulk);
    tcase_add_test(tc, test_resp_encode_simple_and_ok);
    tcase_add_test(tc, test_resp_encode_errors_cannot_break_lines);
    tcase_add_test(tc, test_resp_encode_verbatim);
    tcase_add_test(tc, test_resp_encode_unknown_type);
    tcase_add_test(tc, test_resp_encode_array);
    tcase_add_test(tc, test_resp_encode_map);
    tcase_add_test(tc, test_resp_encode_set_and_push);
    tcase_add_test(tc, test_resp_encode_nested);
    tcase_add_test(tc, test_resp_encode_children_match_the_header);
    tcase_add_test(tc, test_resp_encode_appends_to_the_buffer);
    tcase_add_test(tc, test_resp_encode_million_element_array);
    tcase_add_test(tc, test_resp_encode_million_pair_map);
    tcase_add_test(tc, test_resp_encode_in_steps_equals_one_go);
    tcase_add_test(tc, test_resp_encode_million_elements_in_bounded_steps);
    tcase_add_test(tc, test_resp_encode_deep_tree_in_steps_and_abort);
    tcase_add_test(tc, test_resp_encode_deep_single_child_chain);
    tcase_add_test(tc, test_resp_encode_deep_tree_uses_an_explicit_stack);
    tcase_add_test(tc, test_resp_encode_stays_well_formed_without_memory);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(resp_encode_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
