/* test_memcache_encode.c -- the memcached encoder: VALUE blocks and END, status words, numbers,
 * stats, meta replies and their quiet mode, fixed lines, and how errors are worded. */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/memcache/encode.h"
#include "proto/memcache/tag.h"
#include "proto/memcache/wire.h"

static keel_buf out;

static void setup(void) {
    fake_api_reset();
    memset(&out, 0, sizeof out);
}

static void teardown(void) {
    fake_buf_free(&out);
    ck_assert_int_eq(fake_api_live_allocs(), 0);
}

/* ---- reply trees built by hand ---- */

static keel_reply nodes[64];
static int used;

static keel_reply *node(keel_reply_type type) {
    keel_reply *r = &nodes[used++];
    memset(r, 0, sizeof *r);
    r->type = (uint8_t)type;
    return r;
}

static keel_reply *str(keel_reply_type type, const char *s) {
    keel_reply *r = node(type);
    r->v.s = s;
    r->len = (uint32_t)strlen(s);
    return r;
}

static keel_reply *num(int64_t v) {
    keel_reply *r = node(KEEL_REPLY_INT);
    r->v.i = v;
    return r;
}

/* An aggregate of the given children (NULL-terminated). */
static keel_reply *agg(keel_reply_type type, keel_reply *first, ...) {
    keel_reply *r = node(type);
    va_list ap;
    va_start(ap, first);
    keel_reply *prev = NULL;
    for (keel_reply *c = first; c; c = va_arg(ap, keel_reply *)) {
        if (prev)
            prev->next = c;
        else
            r->v.child = c;
        prev = c;
        r->len++;
    }
    va_end(ap);
    if (type == KEEL_REPLY_MAP) r->len /= 2;
    return r;
}

/* Encodes r for tag and returns the bytes as a string. */
static const char *enc(uint64_t tag, const keel_reply *r) {
    out.len = 0;
    mc_encode(tag, r, &out);
    keel_buf_put(&out, "", 1);
    out.len--;
    used = 0;
    return out.data;
}

static keel_reply *item(const char *key, int64_t flags, const char *value, int64_t cas) {
    return agg(KEEL_REPLY_ARRAY, str(KEEL_REPLY_BULK, key), num(flags), str(KEEL_REPLY_BULK, value),
               num(cas), NULL);
}

/* ---- text protocol ---- */

START_TEST(test_memcache_encode_value_block) {
    ck_assert_str_eq(enc(mc_tag(MC_KIND_VALUE, 0), item("k", 5, "abc", 9)),
                     "VALUE k 5 3\r\nabc\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_VALUE, MC_TAG_LAST), item("k", 0, "", 9)),
                     "VALUE k 0 0\r\n\r\nEND\r\n");
    ck_assert_str_eq(
        enc(mc_tag(MC_KIND_VALUE, MC_TAG_LAST | MC_TAG_CAS), item("k", 4294967295, "x", 77)),
        "VALUE k 4294967295 1 77\r\nx\r\nEND\r\n");
}
END_TEST

START_TEST(test_memcache_encode_miss_writes_only_end_when_last) {
    ck_assert_str_eq(enc(mc_tag(MC_KIND_VALUE, 0), node(KEEL_REPLY_NIL)), "");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_VALUE, MC_TAG_LAST), node(KEEL_REPLY_NIL)), "END\r\n");
}
END_TEST

START_TEST(test_memcache_encode_status_words) {
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATUS, 0), num(MC_STORED)), "STORED\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATUS, 0), num(MC_NOT_STORED)), "NOT_STORED\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATUS, 0), num(MC_EXISTS)), "EXISTS\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATUS, 0), num(MC_NOT_FOUND)), "NOT_FOUND\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATUS, 0), num(MC_DELETED)), "DELETED\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATUS, 0), num(MC_TOUCHED)), "TOUCHED\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATUS, MC_TAG_QUIET), num(MC_STORED)), "");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATUS, 0), num(99)), "SERVER_ERROR unexpected reply\r\n");
}
END_TEST

START_TEST(test_memcache_encode_arith) {
    ck_assert_str_eq(enc(mc_tag(MC_KIND_ARITH, 0), num(42)), "42\r\n");
    keel_reply *big = node(KEEL_REPLY_UINT);
    big->v.u = UINT64_MAX;
    ck_assert_str_eq(enc(mc_tag(MC_KIND_ARITH, 0), big), "18446744073709551615\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_ARITH, 0), node(KEEL_REPLY_NIL)), "NOT_FOUND\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_ARITH, MC_TAG_QUIET), num(1)), "");
}
END_TEST

START_TEST(test_memcache_encode_errors) {
    uint64_t t = mc_tag(MC_KIND_ARITH, 0);
    ck_assert_str_eq(enc(t, str(KEEL_REPLY_ERROR,
                                "CLIENT_ERROR cannot increment or decrement non-numeric value")),
                     "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    ck_assert_str_eq(enc(t, str(KEEL_REPLY_ERROR, "ERR unknown command 'x'")), "ERROR\r\n");
    ck_assert_str_eq(enc(t, str(KEEL_REPLY_ERROR, "NOPERM no\r\nway")),
                     "SERVER_ERROR NOPERM no  way\r\n");
    ck_assert_str_eq(enc(t, str(KEEL_REPLY_ERROR, "ERR out of memory")),
                     "SERVER_ERROR out of memory\r\n");
    ck_assert_str_eq(enc(t, str(KEEL_REPLY_ERROR, "ERR")), "SERVER_ERROR ERR\r\n");
    ck_assert_str_eq(enc(0, str(KEEL_REPLY_ERROR, "CLIENT_ERROR line too long")),
                     "CLIENT_ERROR line too long\r\n");
    /* noreply hides errors too, as memcached does; meta and keys lines never hide them */
    ck_assert_str_eq(enc(mc_tag(MC_KIND_ARITH, MC_TAG_QUIET), str(KEEL_REPLY_ERROR, "ERROR")), "");
    ck_assert_str_eq(
        enc(mc_tag(MC_KIND_MG, MC_TAG_QUIET), str(KEEL_REPLY_ERROR, "CLIENT_ERROR invalid flag")),
        "CLIENT_ERROR invalid flag\r\n");
    ck_assert_str_eq(
        enc(mc_tag(MC_KIND_VALUE, MC_TAG_LAST), str(KEEL_REPLY_ERROR, "SERVER_ERROR x")),
        "SERVER_ERROR x\r\n");
}
END_TEST

START_TEST(test_memcache_encode_fixed_lines) {
    ck_assert_str_eq(enc(mc_tag(MC_KIND_OK, 0), node(KEEL_REPLY_NIL)), "OK\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_OK, 0), str(KEEL_REPLY_SIMPLE, "OK")), "OK\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_OK, MC_TAG_QUIET), node(KEEL_REPLY_NIL)), "");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_VERSION, 0), node(KEEL_REPLY_NIL)),
                     "VERSION " MC_VERSION_PREFIX KEEL_VERSION "\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_END, 0), node(KEEL_REPLY_NIL)), "END\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MN, 0), node(KEEL_REPLY_NIL)), "MN\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_SILENT, 0), str(KEEL_REPLY_SIMPLE, "OK")), "");
    ck_assert_str_eq(enc(mc_tag_msg(MC_MSG_ERROR, 0), node(KEEL_REPLY_NIL)), "ERROR\r\n");
    ck_assert_str_eq(enc(mc_tag_msg(MC_MSG_TOO_LARGE, 0), node(KEEL_REPLY_NIL)),
                     "SERVER_ERROR object too large for cache\r\n");
    ck_assert_str_eq(enc(mc_tag_msg(MC_MSG_TOO_LARGE, MC_TAG_QUIET), node(KEEL_REPLY_NIL)), "");
}
END_TEST

START_TEST(test_memcache_encode_stats) {
    keel_reply *m = agg(KEEL_REPLY_MAP, str(KEEL_REPLY_BULK, "pid"), num(7),
                        str(KEEL_REPLY_BULK, "version"), str(KEEL_REPLY_BULK, "1.6"), NULL);
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATS, 0), m), "STAT pid 7\r\nSTAT version 1.6\r\nEND\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATS, 0), agg(KEEL_REPLY_MAP, NULL)), "END\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATS, 0), str(KEEL_REPLY_SIMPLE, "RESET")), "RESET\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_STATS, 0), str(KEEL_REPLY_ERROR, "ERROR")), "ERROR\r\n");
}
END_TEST

/* ---- meta protocol ---- */

static keel_reply *meta(int status, const char *flags, const char *value) {
    if (value)
        return agg(KEEL_REPLY_ARRAY, num(status), str(KEEL_REPLY_BULK, flags),
                   str(KEEL_REPLY_BULK, value), NULL);
    return agg(KEEL_REPLY_ARRAY, num(status), str(KEEL_REPLY_BULK, flags), NULL);
}

START_TEST(test_memcache_encode_meta_get) {
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MG, 0), meta(MC_HIT, "f5 t-1", "hi")),
                     "VA 2 f5 t-1\r\nhi\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MG, 0), meta(MC_HIT, "", "hi")), "VA 2\r\nhi\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MG, 0), meta(MC_HIT, "s2", NULL)), "HD s2\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MG, 0), meta(MC_NOT_FOUND, "", NULL)), "EN\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MG, 0), meta(MC_NOT_FOUND, "Oab kfoo", NULL)),
                     "EN Oab kfoo\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MG, MC_TAG_QUIET), meta(MC_NOT_FOUND, "", NULL)), "");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MG, MC_TAG_QUIET), meta(MC_HIT, "", NULL)), "HD\r\n");
}
END_TEST

START_TEST(test_memcache_encode_meta_quiet_rules) {
    /* ms and md hide HD, ma hides its successes; everything else still shows */
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MS, MC_TAG_QUIET), meta(MC_STORED, "", NULL)), "");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MS, MC_TAG_QUIET), meta(MC_EXISTS, "", NULL)), "EX\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MS, 0), meta(MC_NOT_STORED, "", NULL)), "NS\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MS, 0), meta(MC_STORED, "c5", NULL)), "HD c5\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MD, MC_TAG_QUIET), meta(MC_DELETED, "", NULL)), "");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MD, MC_TAG_QUIET), meta(MC_NOT_FOUND, "", NULL)), "NF\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MA, MC_TAG_QUIET), meta(MC_HIT, "", "5")), "");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MA, MC_TAG_QUIET), meta(MC_NOT_FOUND, "", NULL)), "NF\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MA, 0), meta(MC_HIT, "t-1", "15")), "VA 2 t-1\r\n15\r\n");
}
END_TEST

START_TEST(test_memcache_encode_meta_debug) {
    ck_assert_str_eq(enc(mc_tag(MC_KIND_ME, 0), str(KEEL_REPLY_BULK, "k exp=-1")),
                     "ME k exp=-1\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_ME, 0), node(KEEL_REPLY_NIL)), "EN\r\n");
}
END_TEST

START_TEST(test_memcache_encode_unexpected_shapes_are_errors) {
    ck_assert_str_eq(enc(mc_tag(MC_KIND_VALUE, 0), num(1)), "SERVER_ERROR unexpected reply\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_VALUE, 0), agg(KEEL_REPLY_ARRAY, num(1), NULL)),
                     "SERVER_ERROR unexpected reply\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MG, 0), num(1)), "SERVER_ERROR unexpected reply\r\n");
    ck_assert_str_eq(enc(mc_tag(MC_KIND_MG, 0), meta(42, "", NULL)),
                     "SERVER_ERROR unexpected reply\r\n");
    ck_assert_str_eq(enc(mc_tag((mc_kind)(MC_KIND_COUNT + 3), 0), num(1)), "");
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("memcache_encode");
    TCase *tc = tcase_create("encode");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_memcache_encode_value_block);
    tcase_add_test(tc, test_memcache_encode_miss_writes_only_end_when_last);
    tcase_add_test(tc, test_memcache_encode_status_words);
    tcase_add_test(tc, test_memcache_encode_arith);
    tcase_add_test(tc, test_memcache_encode_errors);
    tcase_add_test(tc, test_memcache_encode_fixed_lines);
    tcase_add_test(tc, test_memcache_encode_stats);
    tcase_add_test(tc, test_memcache_encode_meta_get);
    tcase_add_test(tc, test_memcache_encode_meta_quiet_rules);
    tcase_add_test(tc, test_memcache_encode_meta_debug);
    tcase_add_test(tc, test_memcache_encode_unexpected_shapes_are_errors);
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
