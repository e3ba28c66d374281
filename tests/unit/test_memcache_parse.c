/* test_memcache_parse.c -- the memcached request parser: keys lines fanned out key by key,
 * storage commands and their data blocks, the other text commands, meta commands, errors,
 * limits, and input split anywhere. */
#include <check.h>

#include "dk_check_fast.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/memcache/parse.h"
#include "proto/memcache/tag.h"

static mc_parser ps;

static void setup(void) {
    fake_api_reset();
    memset(&ps, 0, sizeof ps);
}

static void teardown(void) {
    ck_assert_int_eq(fake_api_live_allocs(), 0);
}

/* ---- describing what the parser hands out ---- */

static const char *const kind_names[MC_KIND_COUNT] = {
    [MC_KIND_RAW] = "raw",       [MC_KIND_VALUE] = "value", [MC_KIND_STATUS] = "status",
    [MC_KIND_ARITH] = "arith",   [MC_KIND_OK] = "ok",       [MC_KIND_VERSION] = "version",
    [MC_KIND_STATS] = "stats",   [MC_KIND_MSG] = "msg",     [MC_KIND_END] = "end",
    [MC_KIND_SILENT] = "silent", [MC_KIND_MG] = "mg",       [MC_KIND_MS] = "ms",
    [MC_KIND_MD] = "md",         [MC_KIND_MA] = "ma",       [MC_KIND_MN] = "mn",
    [MC_KIND_ME] = "me",         [MC_KIND_BIN] = "bin",
};

/* Appends "[a|b]kind" (plus ",q" ",last" ",cas" ",msgN", ",now" ",later") for one request to
 * out, which holds n bytes; returns the new length (callers keep it: a strlen per request would
 * make describing 20,000 requests quadratic). */
static size_t describe(char *out, size_t cap, size_t n, const keel_request *req) {
    n += (size_t)snprintf(out + n, cap - n, "[%s", req->reply_only ? "REPLY" : "");
    for (uint32_t i = 0; i < req->argc; i++) {
        if (i) n += (size_t)snprintf(out + n, cap - n, "|");
        for (size_t j = 0; j < req->argv[i].len && n + 5 < cap; j++) {
            unsigned char c = (unsigned char)req->argv[i].ptr[j];
            if (c >= 0x20 && c < 0x7f)
                out[n++] = (char)c;
            else
                n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
        }
        out[n] = '\0';
    }
    mc_kind k = mc_tag_kind(req->tag);
    n += (size_t)snprintf(out + n, cap - n, "]%s", k < MC_KIND_COUNT ? kind_names[k] : "?");
    if (req->tag & MC_TAG_QUIET) n += (size_t)snprintf(out + n, cap - n, ",q");
    if (req->tag & MC_TAG_LAST) n += (size_t)snprintf(out + n, cap - n, ",last");
    if (req->tag & MC_TAG_CAS) n += (size_t)snprintf(out + n, cap - n, ",cas");
    if (k == MC_KIND_MSG) n += (size_t)snprintf(out + n, cap - n, ",msg%u", mc_tag_arg(req->tag));
    return n;
}

/* Parses all of text as one buffer the way the core does (advancing by req.consumed) and
 * returns the requests described, then "<need>", "<error:...>" or "<close>" for how it ended. */
static const char *parse_all_n(const char *text, size_t len) {
    static char out[1 << 20];
    out[0] = '\0';
    size_t off = 0, n = 0;
    for (int guard = 0; guard < 100000; guard++) {
        keel_request req;
        memset(&req, 0, sizeof req);
        req.size = sizeof req;
        keel_parse_result r = mc_parse(&ps, text + off, len - off, &req);
        if (r == KEEL_PARSE_NEED) {
            if (off < len) strcat(out, "<need>");
            return out;
        }
        if (r == KEEL_PARSE_ERROR) {
            snprintf(out + n, sizeof out - n, "<error:%s>", req.error);
            return out;
        }
        if (r == KEEL_PARSE_CLOSE) {
            strcat(out, "<close>");
            return out;
        }
        fast_assert(req.consumed > 0 || req.argc > 0);
        fast_assert_uint_le(req.consumed, len - off);
        off += req.consumed;
        if (req.argc || req.reply_only) n = describe(out, sizeof out, n, &req);
    }
    ck_abort_msg("the parser does not make progress");
    return NULL;
}

static const char *parse_all(const char *text) {
    return parse_all_n(text, strlen(text));
}

#define MSG(m) ",msg" #m

/* ---- keys lines ---- */

START_TEST(test_memcache_parse_get_one_key) {
    ck_assert_str_eq(parse_all("get foo\r\n"), "[MC.GET|foo]value,last");
}
END_TEST

START_TEST(test_memcache_parse_get_fans_out_one_request_per_key) {
    ck_assert_str_eq(parse_all("get a bb ccc\r\n"),
                     "[MC.GET|a]value[MC.GET|bb]value[MC.GET|ccc]value,last");
}
END_TEST

START_TEST(test_memcache_parse_get_extra_spaces_and_lf_only) {
    ck_assert_str_eq(parse_all("  get   a    b  \n"), "[MC.GET|a]value[MC.GET|b]value,last");
}
END_TEST

START_TEST(test_memcache_parse_gets_gat_gats) {
    ck_assert_str_eq(parse_all("gets a b\r\n"), "[MC.GETS|a]value,cas[MC.GETS|b]value,last,cas");
    ck_assert_str_eq(parse_all("gat 10 a b\r\n"), "[MC.GAT|a|10]value[MC.GAT|b|10]value,last");
    ck_assert_str_eq(parse_all("gats -1 a\r\n"), "[MC.GATS|a|-1]value,last,cas");
}
END_TEST

START_TEST(test_memcache_parse_keys_line_without_keys) {
    ck_assert_str_eq(parse_all("get\r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("gets   \r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("gat\r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("gat 10\r\n"), "[REPLY]end");
    ck_assert_str_eq(parse_all("gat x k\r\n"), "[REPLY]msg" MSG(3));
}
END_TEST

START_TEST(test_memcache_parse_bad_key_fails_the_whole_line) {
    char line[600];
    memset(line, 'k', sizeof line);
    memcpy(line, "get a ", 6);
    strcpy(line + 6 + 251, " b\r\n");
    ck_assert_str_eq(parse_all(line), "[REPLY]msg" MSG(1));
    ck_assert_str_eq(parse_all("get a b\x01 c\r\nget d\r\n"),
                     "[REPLY]msg" MSG(1) "[MC.GET|d]value,last");
}
END_TEST

START_TEST(test_memcache_parse_key_of_250_bytes_is_fine) {
    char line[300], expect[300];
    memcpy(line, "get ", 4);
    memset(line + 4, 'k', 250);
    strcpy(line + 254, "\r\n");
    snprintf(expect, sizeof expect, "[MC.GET|%.250s]value,last", line + 4);
    ck_assert_str_eq(parse_all(line), expect);
}
END_TEST

START_TEST(test_memcache_parse_pipeline_of_keys_lines) {
    ck_assert_str_eq(parse_all("get a b\r\nget c\r\ndelete d\r\n"),
                     "[MC.GET|a]value[MC.GET|b]value,last[MC.GET|c]value,last"
                     "[MC.DELETE|d]status");
}
END_TEST

START_TEST(test_memcache_parse_long_keys_line_is_allowed) {
    size_t keys = 1000, len = 4 + keys * 11 + 2;
    char *line = malloc(len + 1), *p = line;
    p += sprintf(p, "get");
    for (size_t i = 0; i < keys; i++)
        p += sprintf(p, " key:%06zu", i);
    strcpy(p, "\r\n");
    const char *out = parse_all(line);
    ck_assert_ptr_nonnull(strstr(out, "[MC.GET|key:000999]value,last"));
    ck_assert_ptr_null(strstr(out, "<"));
    free(line);
}
END_TEST

/* ---- storage commands ---- */

START_TEST(test_memcache_parse_set_with_data) {
    ck_assert_str_eq(parse_all("set k 5 10 3\r\nabc\r\n"), "[MC.SET|k|abc|5|10]status");
    ck_assert_str_eq(parse_all("set k 0 0 0\r\n\r\n"), "[MC.SET|k||0|0]status");
    ck_assert_str_eq(parse_all("set k 0 0 4\r\na\r\nb\r\n"), "[MC.SET|k|a\\x0d\\x0ab|0|0]status");
}
END_TEST

START_TEST(test_memcache_parse_storage_verbs) {
    ck_assert_str_eq(parse_all("add k 1 2 1\r\nx\r\nreplace k 1 2 1\r\nx\r\n"),
                     "[MC.ADD|k|x|1|2]status[MC.REPLACE|k|x|1|2]status");
    ck_assert_str_eq(parse_all("append k 0 0 1\r\nx\r\nprepend k 0 0 1\r\nx\r\n"),
                     "[MC.APPEND|k|x|0|0]status[MC.PREPEND|k|x|0|0]status");
    ck_assert_str_eq(parse_all("cas k 0 0 1 77\r\nx\r\n"), "[MC.CAS|k|x|0|0|77]status");
    ck_assert_str_eq(parse_all("cas k 0 0 1 77 noreply\r\nx\r\n"), "[MC.CAS|k|x|0|0|77]status,q");
}
END_TEST

START_TEST(test_memcache_parse_set_noreply) {
    ck_assert_str_eq(parse_all("set k 0 0 1 noreply\r\nx\r\n"), "[MC.SET|k|x|0|0]status,q");
    /* a sixth token that is not noreply is ignored, as memcached does */
    ck_assert_str_eq(parse_all("set k 0 0 1 extra\r\nx\r\n"), "[MC.SET|k|x|0|0]status");
}
END_TEST

START_TEST(test_memcache_parse_set_waits_for_its_data) {
    keel_request req;
    memset(&req, 0, sizeof req);
    const char *text = "set k 0 0 10\r\n0123";
    ck_assert_int_eq(mc_parse(&ps, text, strlen(text), &req), KEEL_PARSE_NEED);
    ck_assert_uint_eq(req.need, 14 + 10 + 2);
    const char *full = "set k 0 0 10\r\n0123456789\r";
    ck_assert_int_eq(mc_parse(&ps, full, strlen(full), &req), KEEL_PARSE_NEED);
    ck_assert_str_eq(parse_all("set k 0 0 10\r\n0123456789\r\n"),
                     "[MC.SET|k|0123456789|0|0]status");
}
END_TEST

START_TEST(test_memcache_parse_bad_data_chunk_closes) {
    ck_assert_str_eq(parse_all("set k 0 0 3\r\nabcd\r\n"), "<error:CLIENT_ERROR bad data chunk>");
    ck_assert_str_eq(parse_all("set k 0 0 1\nx\nget k\n"), "<error:CLIENT_ERROR bad data chunk>");
}
END_TEST

START_TEST(test_memcache_parse_storage_errors) {
    /* wrong token counts: ERROR, the data line then reads as a command */
    ck_assert_str_eq(parse_all("set k 0 0\r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("set k 0 0 1 noreply x\r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("cas k 0 0 1\r\n"), "[REPLY]msg" MSG(0));
    /* bad numbers and keys: CLIENT_ERROR bad command line format, the data is not read */
    ck_assert_str_eq(parse_all("set k 0 0 -1\r\n"), "[REPLY]msg" MSG(1));
    ck_assert_str_eq(parse_all("set k -1 0 1\r\nx\r\n"), "[REPLY]msg" MSG(1) "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("set k 4294967296 0 1\r\n"), "[REPLY]msg" MSG(1));
    ck_assert_str_eq(parse_all("set k 0 x 1\r\n"), "[REPLY]msg" MSG(1));
    ck_assert_str_eq(parse_all("set k 0 0 1 noreply\r\n"), "<need>");
    ck_assert_str_eq(parse_all("set k 0 0 x noreply\r\n"), "[REPLY]msg,q" MSG(1));
    ck_assert_str_eq(parse_all("cas k 0 0 1 -5\r\n"), "[REPLY]msg" MSG(1));
    ck_assert_str_eq(parse_all("set k\x7f 0 0 1\r\n"), "[REPLY]msg" MSG(1));
}
END_TEST

START_TEST(test_memcache_parse_too_large_skips_the_data) {
    size_t n = MC_ITEM_SIZE_MAX + 1;
    char *text = malloc(n + 100);
    int h = sprintf(text, "set big 0 0 %zu\r\n", n);
    memset(text + h, 'x', n);
    strcpy(text + h + n, "\r\nget big\r\n");
    ck_assert_str_eq(parse_all(text), "[MC.REFUSE|big|set]msg" MSG(5) "[MC.GET|big]value,last");
    h = sprintf(text, "append big 0 0 %zu noreply\r\n", n);
    memset(text + h, 'x', n);
    strcpy(text + h + n, "\r\n");
    ck_assert_str_eq(parse_all(text), "[MC.REFUSE|big|append]msg,q" MSG(5));
    free(text);
}
END_TEST

START_TEST(test_memcache_parse_largest_item_is_accepted) {
    size_t n = MC_ITEM_SIZE_MAX;
    char *text = malloc(n + 100);
    int h = sprintf(text, "set big 0 0 %zu\r\n", n);
    memset(text + h, 'x', n);
    strcpy(text + h + n, "\r\n");
    keel_request req;
    memset(&req, 0, sizeof req);
    ck_assert_int_eq(mc_parse(&ps, text, strlen(text), &req), KEEL_PARSE_OK);
    ck_assert_uint_eq(req.argc, 5);
    ck_assert_uint_eq(req.argv[2].len, n);
    ck_assert_uint_eq(req.consumed, strlen(text));
    free(text);
}
END_TEST

/* ---- other text commands ---- */

START_TEST(test_memcache_parse_delete) {
    ck_assert_str_eq(parse_all("delete k\r\n"), "[MC.DELETE|k]status");
    ck_assert_str_eq(parse_all("delete k 0\r\n"), "[MC.DELETE|k]status");
    ck_assert_str_eq(parse_all("delete k noreply\r\n"), "[MC.DELETE|k]status,q");
    ck_assert_str_eq(parse_all("delete k 0 noreply\r\n"), "[MC.DELETE|k]status,q");
    ck_assert_str_eq(parse_all("delete k 5\r\n"), "[REPLY]msg" MSG(2));
    ck_assert_str_eq(parse_all("delete\r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("delete k x y z\r\n"), "[REPLY]msg" MSG(0));
}
END_TEST

START_TEST(test_memcache_parse_incr_decr_touch) {
    ck_assert_str_eq(parse_all("incr k 5\r\ndecr k 7 noreply\r\n"),
                     "[MC.INCR|k|5]arith[MC.DECR|k|7]arith,q");
    ck_assert_str_eq(parse_all("incr k x\r\n"), "[REPLY]msg" MSG(4));
    ck_assert_str_eq(parse_all("incr k -1\r\n"), "[REPLY]msg" MSG(4));
    ck_assert_str_eq(parse_all("incr k\r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("touch k 10\r\ntouch k -1 noreply\r\n"),
                     "[MC.TOUCH|k|10]status[MC.TOUCH|k|-1]status,q");
    ck_assert_str_eq(parse_all("touch k x\r\n"), "[REPLY]msg" MSG(3));
}
END_TEST

START_TEST(test_memcache_parse_flush_version_verbosity_stats_quit) {
    ck_assert_str_eq(parse_all("flush_all\r\n"), "[MC.FLUSH]ok");
    ck_assert_str_eq(parse_all("flush_all 0\r\n"), "[MC.FLUSH]ok");
    ck_assert_str_eq(parse_all("flush_all -1\r\n"), "[MC.FLUSH]ok");
    ck_assert_str_eq(parse_all("flush_all noreply\r\n"), "[MC.FLUSH]ok,q");
    ck_assert_str_eq(parse_all("flush_all 30 noreply\r\n"), "[MC.FLUSH|30]ok,q");
    ck_assert_str_eq(parse_all("flush_all x\r\n"), "[REPLY]msg" MSG(3));
    ck_assert_str_eq(parse_all("version\r\n"), "[REPLY]version");
    ck_assert_str_eq(parse_all("verbosity 1\r\nverbosity 1 noreply\r\nverbosity 7 9\r\n"),
                     "[REPLY]ok[REPLY]ok,q[REPLY]ok");
    ck_assert_str_eq(parse_all("verbosity noreply\r\n"), "[REPLY]msg,q" MSG(1));
    ck_assert_str_eq(parse_all("verbosity\r\nverbosity 1 2 3\r\n"),
                     "[REPLY]msg" MSG(0) "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("verbosity x\r\nverbosity -1\r\nverbosity x noreply\r\n"),
                     "[REPLY]msg" MSG(1) "[REPLY]msg" MSG(1) "[REPLY]msg,q" MSG(1));
    ck_assert_str_eq(parse_all("stats\r\nstats items\r\n"), "[MC.STATS]stats[MC.STATS|items]stats");
    ck_assert_str_eq(parse_all("version\r\nquit\r\nget k\r\n"), "[REPLY]version<close>");
}
END_TEST

START_TEST(test_memcache_parse_unknown_and_empty_lines) {
    ck_assert_str_eq(parse_all("GET k\r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("bogus\r\n\r\n   \r\n"),
                     "[REPLY]msg" MSG(0) "[REPLY]msg" MSG(0) "[REPLY]msg" MSG(0));
}
END_TEST

START_TEST(test_memcache_parse_http_request_line_closes) {
    ck_assert_str_eq(parse_all("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "<close>");
    ck_assert_str_eq(parse_all("version\r\nPOST /x HTTP/1.0\r\nversion\r\n"),
                     "[REPLY]version<close>");
    ck_assert_str_eq(parse_all("HTTP/1.1\r\n"), "<close>");
    /* not an HTTP request line: memcached's own verbs, one-letter verbs, HTTP/ not last */
    ck_assert_str_eq(parse_all("get / HTTP/1.1\r\n"), "[MC.GET|/]value[MC.GET|HTTP/1.1]value,last");
    ck_assert_str_eq(parse_all("delete HTTP/1.1 x y\r\n"), "[REPLY]msg" MSG(2));
    ck_assert_str_eq(parse_all("sx HTTP/1.1\r\nG HTTP/1.1\r\nGET / HTTP/1.1 x\r\n"),
                     "[REPLY]msg" MSG(0) "[REPLY]msg" MSG(0) "[REPLY]msg" MSG(0));
}
END_TEST

START_TEST(test_memcache_parse_slabs) {
    ck_assert_str_eq(parse_all("slabs reassign 1 2\r\nslabs reassign 0 39\r\n"),
                     "[REPLY]msg" MSG(10) "[REPLY]msg" MSG(10));
    ck_assert_str_eq(parse_all("slabs reassign 3 3\r\nslabs reassign -1 2\r\n"),
                     "[REPLY]msg" MSG(11) "[REPLY]msg" MSG(9));
    ck_assert_str_eq(parse_all("slabs reassign 40 1\r\nslabs reassign x 1\r\n"),
                     "[REPLY]msg" MSG(9) "[REPLY]msg" MSG(1));
    ck_assert_str_eq(parse_all("slabs reassign 1 2 noreply\r\nslabs\r\nslabs foo bar\r\n"),
                     "[REPLY]msg" MSG(0) "[REPLY]msg" MSG(0) "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("slabs automove 0\r\nslabs automove 2 noreply\r\n"),
                     "[REPLY]ok[REPLY]ok,q");
    ck_assert_str_eq(parse_all("slabs automove 3\r\nslabs automove x\r\nslabs automove\r\n"),
                     "[REPLY]msg" MSG(0) "[REPLY]msg" MSG(1) "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("slabs automove ratio 0.5\r\nslabs automove ratio\r\n"),
                     "[REPLY]ok[REPLY]msg" MSG(0));
}
END_TEST

START_TEST(test_memcache_parse_item_size_limit_follows_the_parser) {
    ps.item_max = 2048;
    ck_assert_str_eq(parse_all("set k 0 0 2049\r\n"), "[MC.REFUSE|k|set]msg" MSG(5));
    memset(&ps, 0, sizeof ps);
    ps.item_max = 2048;
    char text[2048 + 64];
    int n = snprintf(text, sizeof text, "set k 0 0 2048\r\n");
    memset(text + n, 'v', 2048);
    memcpy(text + n + 2048, "\r\n", 3);
    ck_assert_ptr_nonnull(strstr(parse_all(text), "[MC.SET|k|"));
}
END_TEST

START_TEST(test_memcache_parse_over_long_line_closes) {
    char line[MC_LINE_MAX + 10];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    ck_assert_str_eq(parse_all(line), "<error:CLIENT_ERROR line too long>");
    memset(&ps, 0, sizeof ps);
    memcpy(line, "set ", 4);
    ck_assert_str_eq(parse_all(line), "<error:CLIENT_ERROR line too long>");
    memset(&ps, 0, sizeof ps);
    memcpy(line, "get ", 4); /* keys lines may be longer */
    ck_assert_str_eq(parse_all(line), "<need>");
    memset(&ps, 0, sizeof ps);
    char shorter[MC_LINE_MAX];
    memset(shorter, 'x', sizeof shorter - 1);
    shorter[sizeof shorter - 1] = '\0';
    ck_assert_str_eq(parse_all(shorter), "<need>");
}
END_TEST

/* ---- meta commands ---- */

START_TEST(test_memcache_parse_meta_get_and_flags) {
    ck_assert_str_eq(parse_all("mg k v f t\r\n"), "[MC.MG|k|v|f|t]mg");
    ck_assert_str_eq(parse_all("mg k v q Oxyz\r\n"), "[MC.MG|k|v|q|Oxyz]mg,q");
    ck_assert_str_eq(parse_all("mg\r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("mz k\r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("mn\r\nmn x\r\n"), "[REPLY]mn[REPLY]mn");
    ck_assert_str_eq(parse_all("me k\r\nme\r\n"), "[MC.ME|k]me[REPLY]msg" MSG(1));
    ck_assert_str_eq(parse_all("md k q\r\nma k D5 v\r\n"), "[MC.MD|k|q]md,q[MC.MA|k|D5|v]ma");
}
END_TEST

START_TEST(test_memcache_parse_meta_base64_keys) {
    ck_assert_str_eq(parse_all("mg Zm9v b v\r\n"), "[MC.MG|foo|b|v]mg");
    ck_assert_str_eq(parse_all("mg AAE= b\r\n"), "[MC.MG|\\x00\\x01|b]mg");
    ck_assert_str_eq(parse_all("mg Zm9 b\r\n"), "[REPLY]msg" MSG(6));
    ck_assert_str_eq(parse_all("mg ==== b\r\n"), "[REPLY]msg" MSG(6));
}
END_TEST

START_TEST(test_memcache_parse_meta_set) {
    ck_assert_str_eq(parse_all("ms k 2 T10 F5\r\nhi\r\n"), "[MC.MS|k|hi|T10|F5]ms");
    ck_assert_str_eq(parse_all("ms k 2 q\r\nhi\r\n"), "[MC.MS|k|hi|q]ms,q");
    ck_assert_str_eq(parse_all("ms\r\n"), "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("ms k\r\n"), "[REPLY]msg" MSG(1));
    ck_assert_str_eq(parse_all("ms k S2\r\nhi\r\n"), "[REPLY]msg" MSG(1) "[REPLY]msg" MSG(0));
    ck_assert_str_eq(parse_all("ms k 2\r\nhix\r\n"), "<error:CLIENT_ERROR bad data chunk>");
    /* a bad base64 key still consumes the data block */
    ck_assert_str_eq(parse_all("ms !! 2 b\r\nhi\r\nmn\r\n"), "[REPLY]msg" MSG(6) "[REPLY]mn");
}
END_TEST

/* ---- input split anywhere ---- */

/* Parses text fed in windows growing by `step` bytes, as a core reading small packets would,
 * and returns the same description parse_all gives. */
static const char *parse_trickled(const char *text, size_t step) {
    static char out[1 << 20];
    out[0] = '\0';
    size_t len = strlen(text), off = 0, avail = 0, n = 0;
    while (off < len) {
        keel_request req;
        memset(&req, 0, sizeof req);
        size_t window = avail - off;
        char *copy = malloc(window ? window : 1); /* its own block: overreads are caught */
        memcpy(copy, text + off, window);
        keel_parse_result r = mc_parse(&ps, copy, window, &req);
        if (r == KEEL_PARSE_OK) {
            if (req.argc || req.reply_only) n = describe(out, sizeof out, n, &req);
            off += req.consumed;
        }
        free(copy);
        if (r == KEEL_PARSE_ERROR || r == KEEL_PARSE_CLOSE) {
            strcat(out, r == KEEL_PARSE_CLOSE ? "<close>" : "<error>");
            return out;
        }
        if (r == KEEL_PARSE_NEED) {
            if (avail >= len) {
                strcat(out, "<need>");
                return out;
            }
            avail = avail + step < len ? avail + step : len;
        }
    }
    return out;
}

START_TEST(test_memcache_parse_split_anywhere_gives_the_same_requests) {
    const char *text = "get a b c\r\nset k 1 2 5\r\nhello\r\nmg k v\r\ngat 5 x y\r\n"
                       "ms m 3 T1\r\nabc\r\ndelete k noreply\r\nincr n 3\r\nmn\r\n";
    char whole[4096];
    snprintf(whole, sizeof whole, "%s", parse_all(text));
    for (size_t step = 1; step < 40; step++) {
        memset(&ps, 0, sizeof ps);
        ck_assert_str_eq(parse_trickled(text, step), whole);
    }
}
END_TEST

START_TEST(test_memcache_parse_trickled_keys_line_stays_linear) {
    size_t keys = 20000, len = 3 + keys * 8 + 2;
    char *line = malloc(len + 1), *p = line;
    p += sprintf(p, "get");
    for (size_t i = 0; i < keys; i++)
        p += sprintf(p, " k%06zu", i);
    strcpy(p, "\r\n");
    memset(&ps, 0, sizeof ps);
    const char *out = parse_trickled(line, 512);
    size_t handed = 0; /* one request per key, in order, the last one marked */
    for (const char *at = out; (at = strstr(at, "[MC.GET|k")); at++) {
        char want[32];
        snprintf(want, sizeof want, "[MC.GET|k%06zu]value", handed++);
        fast_assert_msg(strncmp(at, want, strlen(want)) == 0, "request %zu: %.30s", handed - 1, at);
    }
    ck_assert_uint_eq(handed, keys);
    ck_assert_ptr_nonnull(strstr(out, "[MC.GET|k019999]value,last"));
    /* the bytes the parser examined, not the time it took: a rescan of the line per window
     * would examine ~len * len / 1024 bytes */
    ck_assert_uint_lt(ps.work, 4 * len);
    free(line);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("memcache_parse");
    TCase *tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_memcache_parse_get_one_key);
    tcase_add_test(tc, test_memcache_parse_get_fans_out_one_request_per_key);
    tcase_add_test(tc, test_memcache_parse_get_extra_spaces_and_lf_only);
    tcase_add_test(tc, test_memcache_parse_gets_gat_gats);
    tcase_add_test(tc, test_memcache_parse_keys_line_without_keys);
    tcase_add_test(tc, test_memcache_parse_bad_key_fails_the_whole_line);
    tcase_add_test(tc, test_memcache_parse_key_of_250_bytes_is_fine);
    tcase_add_test(tc, test_memcache_parse_pipeline_of_keys_lines);
    tcase_add_test(tc, test_memcache_parse_long_keys_line_is_allowed);
    tcase_add_test(tc, test_memcache_parse_set_with_data);
    tcase_add_test(tc, test_memcache_parse_storage_verbs);
    tcase_add_test(tc, test_memcache_parse_set_noreply);
    tcase_add_test(tc, test_memcache_parse_set_waits_for_its_data);
    tcase_add_test(tc, test_memcache_parse_bad_data_chunk_closes);
    tcase_add_test(tc, test_memcache_parse_storage_errors);
    tcase_add_test(tc, test_memcache_parse_too_large_skips_the_data);
    tcase_add_test(tc, test_memcache_parse_largest_item_is_accepted);
    tcase_add_test(tc, test_memcache_parse_delete);
    tcase_add_test(tc, test_memcache_parse_incr_decr_touch);
    tcase_add_test(tc, test_memcache_parse_flush_version_verbosity_stats_quit);
    tcase_add_test(tc, test_memcache_parse_unknown_and_empty_lines);
    tcase_add_test(tc, test_memcache_parse_http_request_line_closes);
    tcase_add_test(tc, test_memcache_parse_slabs);
    tcase_add_test(tc, test_memcache_parse_item_size_limit_follows_the_parser);
    tcase_add_test(tc, test_memcache_parse_over_long_line_closes);
    tcase_add_test(tc, test_memcache_parse_meta_get_and_flags);
    tcase_add_test(tc, test_memcache_parse_meta_base64_keys);
    tcase_add_test(tc, test_memcache_parse_meta_set);
    tcase_add_test(tc, test_memcache_parse_split_anywhere_gives_the_same_requests);
    tcase_add_test(tc, test_memcache_parse_trickled_keys_line_stays_linear);
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
