/* test_rdb_file.c -- unit tests for dump.so's RDB file walker (rdb_file.h): a whole file that
 * redis-server 7.0 wrote, walked record by record; its damage found at the right offset; module
 * values passed over, streams decoded; unknown types and bad headers refused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/dump/rdb_crc64.h"
#include "modules/dump/rdb_file.h"

/* SAVE of redis-server 7.0.15 after: SET a 1; RPUSH l a b c; HSET h f v; SADD s 1 2 3;
 * ZADD z 1 a 2.5 b; PFADD hll a b c; XADD st * f v; and in database 3: SET k3 v3,
 * SET kt v PX 100000.  AUX fields first, the stream is object type 19. */
static const char redis_file[] =
    "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa0563"
    "74696d65c2ea34156bfa08757365642d6d656dc2980b1100fa08616f662d62617365c000fe00fb0700000161"
    "c0011001680d0d0000000200816602817602ff11017a14140000000400816102010181620283322e3504ff12"
    "016c010210100000000300816102816202816302ff0b01730e02000000030000000100020003000003686c6c"
    "1b48594c4c01000000000000000000008060f38050b1844bfb80425a130273740110000001a24ad6b5da0000"
    "0000000000001d1d0000000a0001010001010181660200010201000100018176020401ff0181000001a24ad6"
    "b5da0081000001a24ad6b5da0000000100fe03fb020100026b33027633fc533cd84aa201000000026b740176"
    "ffb846f13b984034bd";

static size_t unhex(const char *hex, uint8_t *out) {
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++)
        sscanf(hex + 2 * i, "%2hhx", &out[i]);
    return n;
}

/* The records of in[0..n) until END or ERROR: counts by kind, the last kind returned. */
typedef struct walked {
    int keys, skipped, dbs;
    rdb_rec_kind last;
    size_t err_at;
    char err[256];
    char names[16][16];
    uint64_t dbs_of[16];
    int64_t expire_of[16];
} walked;

static walked walk(const uint8_t *in, size_t n) {
    walked out = {0};
    rdb_walk w;
    if (!rdb_walk_begin(&w, in, n)) {
        out.last = RDB_REC_ERROR;
        out.err_at = w.err_at;
        snprintf(out.err, sizeof out.err, "%s", w.err);
        rdb_walk_free(&w);
        return out;
    }
    rdb_rec rec;
    for (;;) {
        rdb_rec_kind k = rdb_walk_next(&w, &rec);
        if (k == RDB_REC_KEY || k == RDB_REC_SKIPPED) {
            int i = out.keys + out.skipped;
            if (i < 16) {
                snprintf(out.names[i], sizeof out.names[i], "%.*s", (int)rec.klen,
                         (const char *)rec.key);
                out.dbs_of[i] = rec.db;
                out.expire_of[i] = rec.expire_ms;
            }
            if (k == RDB_REC_KEY)
                out.keys++;
            else
                out.skipped++;
        } else if (k == RDB_REC_DB) {
            out.dbs++;
        } else {
            out.last = k;
            if (k == RDB_REC_ERROR) {
                out.err_at = w.err_at;
                snprintf(out.err, sizeof out.err, "%s", w.err);
            }
            break;
        }
    }
    rdb_walk_free(&w);
    return out;
}

START_TEST(test_rdb_file_walks_a_redis_save) {
    uint8_t buf[1024];
    size_t n = unhex(redis_file, buf);
    walked r = walk(buf, n);
    ck_assert_int_eq(r.last, RDB_REC_END);
    ck_assert_int_eq(r.keys, 9); /* the stream too */
    ck_assert_int_eq(r.skipped, 0);
    ck_assert_int_eq(r.dbs, 2);
    int found_kt = 0;
    for (int i = 0; i < r.keys + r.skipped; i++) {
        if (!strcmp(r.names[i], "kt")) {
            found_kt = 1;
            ck_assert_uint_eq(r.dbs_of[i], 3);
            ck_assert_int_gt(r.expire_of[i], 1700000000000LL);
        } else if (!strcmp(r.names[i], "a")) {
            ck_assert_uint_eq(r.dbs_of[i], 0);
            ck_assert_int_eq(r.expire_of[i], -1);
        }
    }
    ck_assert(found_kt);
}
END_TEST

START_TEST(test_rdb_file_every_cut_is_an_error_inside_the_file) {
    uint8_t buf[1024];
    size_t n = unhex(redis_file, buf);
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
        memcpy(copy, buf, cut);
        walked r = walk(copy, cut);
        ck_assert_msg(r.last == RDB_REC_ERROR, "cut at %zu was read as whole", cut);
        ck_assert_uint_le(r.err_at, cut);
        free(copy);
    }
}
END_TEST

START_TEST(test_rdb_file_checksum_is_checked) {
    uint8_t buf[1024];
    size_t n = unhex(redis_file, buf);
    buf[n - 1] ^= 1;
    walked r = walk(buf, n);
    ck_assert_int_eq(r.last, RDB_REC_ERROR);
    ck_assert_ptr_nonnull(strstr(r.err, "checksum"));
    ck_assert_uint_eq(r.err_at, n - 8);
    memset(buf + n - 8, 0, 8); /* 0: the writer computed none (rdbchecksum no) */
    ck_assert_int_eq(walk(buf, n).last, RDB_REC_END);
}
END_TEST

/* A file: header, body, EOF, checksum. */
static size_t make_file(uint8_t *out, const uint8_t *body, size_t n) {
    memcpy(out, "REDIS0010", 9);
    memcpy(out + 9, body, n);
    out[9 + n] = 0xff;
    uint64_t crc = rdb_crc64(0, out, 10 + n);
    for (int i = 0; i < 8; i++)
        out[10 + n + (size_t)i] = (uint8_t)(crc >> (8 * i));
    return 18 + n;
}

START_TEST(test_rdb_file_module_value_skipped_unknown_type_stops) {
    static const uint8_t module[] = {
        0x07, 0x01, 'm',  0x81, 0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcc, 0x00, /* id */
        0x02, 0x05, 0x05, 0x02, 'a',  'b',  0x03, 0,    0,    0,    0,    0x00, /* uint str float */
        0x00, 0x01, 'k',  0x01, 'v'};                                           /* then k = v */
    uint8_t file[128];
    walked r = walk(file, make_file(file, module, sizeof module));
    ck_assert_int_eq(r.last, RDB_REC_END);
    ck_assert_int_eq(r.skipped, 1);
    ck_assert_int_eq(r.keys, 1);
    ck_assert_str_eq(r.names[1], "k");
    static const uint8_t unknown[] = {0x00, 0x01, 'k', 0x01, 'v', 0x1e, 0x01, 'x', 0x01, 0x02};
    r = walk(file, make_file(file, unknown, sizeof unknown));
    ck_assert_int_eq(r.last, RDB_REC_ERROR);
    ck_assert_uint_eq(r.err_at, 9 + 5);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown object type 30"));
    static const uint8_t old_module[] = {0x06, 0x01, 'x', 0x00};
    r = walk(file, make_file(file, old_module, sizeof old_module));
    ck_assert_int_eq(r.last, RDB_REC_ERROR);
}
END_TEST

START_TEST(test_rdb_file_refuses_bad_headers) {
    ck_assert_int_eq(walk((const uint8_t *)"", 0).last, RDB_REC_ERROR);
    ck_assert_int_eq(walk((const uint8_t *)"REDIS001", 8).last, RDB_REC_ERROR);
    walked r = walk((const uint8_t *)"REDIS0011\xff", 10);
    ck_assert_int_eq(r.last, RDB_REC_ERROR);
    ck_assert_ptr_nonnull(strstr(r.err, "version 11"));
    ck_assert_int_eq(walk((const uint8_t *)"REDIS00x0\xff", 10).last, RDB_REC_ERROR);
    /* version 4 has no checksum after EOF */
    ck_assert_int_eq(walk((const uint8_t *)"REDIS0004\xff", 10).last, RDB_REC_END);
}
END_TEST

static Suite *rdb_file_suite(void) {
    Suite *s = suite_create("rdb_file");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_rdb_file_walks_a_redis_save);
    tcase_add_test(tc, test_rdb_file_every_cut_is_an_error_inside_the_file);
    tcase_add_test(tc, test_rdb_file_checksum_is_checked);
    tcase_add_test(tc, test_rdb_file_module_value_skipped_unknown_type_stops);
    tcase_add_test(tc, test_rdb_file_refuses_bad_headers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(rdb_file_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
