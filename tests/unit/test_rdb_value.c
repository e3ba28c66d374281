/* test_rdb_value.c -- unit tests for dump.so's RDB codec: CRC-64, LZF, payload framing, and the
 * value decoder on payloads redis-server 7.0 wrote, on what Keel's writer makes, and on damage. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/dump/rdb_crc64.h"
#include "modules/dump/rdb_lzf.h"
#include "modules/dump/rdb_payload.h"
#include "modules/dump/rdb_value.h"

/* DUMP replies of redis-server 7.0 (hex), for the values named beside them. */
#define REDIS_STRING "000568656c6c6f0a006372df766534200a"            /* "hello" */
#define REDIS_INT "00c139300a009d94ea2793fc08b9"                     /* "12345" */
#define REDIS_LZF "00c3094064016161e057000161610a00e8a3b507b06df271" /* 100 x 'a' */
#define REDIS_LIST                                                                                 \
    "120102c31b405b135b00000005008161028162020101dffb02e04678e03c000148ff0a00e07168d5"             \
    "cf8e79d9" /* RPUSH a b 1 -5 70 x 'x': one compressed listpack node */
#define REDIS_INTSET "0b0e02000000030000000100020003000a00a5025ce26d6e4d1b" /* SADD 1 2 3 */
#define REDIS_SET "0202016201610a0075d99d835ef85f65"                        /* SADD a b */
#define REDIS_ZSET "1115150000000400816202dffe0281610283312e3504ff0a006c359df633d08b5d"
#define REDIS_HASH "1012120000000400816602817602816e020701ff0a00b82adea8407ffaa8"

/* The value of XADD st * f v as redis-server 7.0 saved it (object type 19, from the file in
 * test_rdb_file.c): one node, the entry 1800000000000-0 (ms 0x1a24ad6b5da), no group. */
#define REDIS_STREAM                                                                               \
    "0110000001a24ad6b5da00000000000000001d1d0000000a0001010001010181660200010201000100018176"     \
    "020401ff0181000001a24ad6b5da0081000001a24ad6b5da0000000100"

static size_t unhex(const char *hex, uint8_t *out) {
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++)
        sscanf(hex + 2 * i, "%2hhx", &out[i]);
    return n;
}

/* Verifies a payload and decodes it whole into *v; false on any failure. */
static bool decode_payload(const uint8_t *p, size_t n, rdb_value *v) {
    uint16_t version;
    if (!rdb_payload_verify(p, n, &version) || version > RDB_VERSION_REDIS || n < 11) return false;
    size_t used;
    const char *err;
    if (rdb_value_decode(p[0], p + 1, n - 11, &used, v, &err) != RDB_OK) return false;
    if (used != n - 11) {
        rdb_value_free(v);
        return false;
    }
    return true;
}

static void expect_item(const rdb_value *v, size_t i, const char *want) {
    ck_assert_uint_lt(i, v->count);
    ck_assert_uint_eq(v->items[i].len, strlen(want));
    ck_assert(memcmp(v->items[i].ptr, want, strlen(want)) == 0);
}

static rdb_value decode_hex(const char *hex) {
    static uint8_t buf[4096];
    size_t n = unhex(hex, buf);
    rdb_value v;
    ck_assert(decode_payload(buf, n, &v));
    return v;
}

START_TEST(test_rdb_crc64_check_value) {
    ck_assert_uint_eq(rdb_crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caull);
    ck_assert_uint_eq(rdb_crc64(rdb_crc64(0, "1234", 4), "56789", 5), 0xe9c6d914c4b8d9caull);
    /* eight bytes a step gives what one bit a step gives, for any length and any split */
    uint8_t data[300];
    uint64_t ref = 0;
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i * 151 + 7);
        ref ^= data[i];
        for (int bit = 0; bit < 8; bit++)
            ref = (ref & 1) ? (ref >> 1) ^ 0x95ac9329ac4bc9b5ull : ref >> 1;
        ck_assert_uint_eq(rdb_crc64(0, data, i + 1), ref);
    }
    for (size_t cut = 0; cut <= sizeof data; cut++)
        ck_assert_uint_eq(rdb_crc64(rdb_crc64(0, data, cut), data + cut, sizeof data - cut), ref);
}
END_TEST

START_TEST(test_rdb_lzf_refuses_bad_references) {
    uint8_t out[16];
    const uint8_t literal[] = {2, 'a', 'b', 'c'};
    ck_assert(rdb_lzf_decompress(literal, sizeof literal, out, 3));
    ck_assert(!rdb_lzf_decompress(literal, sizeof literal, out, 4)); /* short output */
    const uint8_t backref_too_far[] = {0, 'a', 0x20, 5};
    ck_assert(!rdb_lzf_decompress(backref_too_far, sizeof backref_too_far, out, 4));
    const uint8_t repeat[] = {0, 'a', 0x40, 0}; /* 'a', then 4 copies from 1 back */
    ck_assert(rdb_lzf_decompress(repeat, sizeof repeat, out, 5));
    ck_assert(memcmp(out, "aaaaa", 5) == 0);
}
END_TEST

START_TEST(test_rdb_decodes_redis_strings) {
    rdb_value v = decode_hex(REDIS_STRING);
    ck_assert_int_eq(v.kind, RDB_KIND_STRING);
    expect_item(&v, 0, "hello");
    rdb_value_free(&v);
    v = decode_hex(REDIS_INT);
    expect_item(&v, 0, "12345");
    rdb_value_free(&v);
    v = decode_hex(REDIS_LZF);
    ck_assert_uint_eq(v.items[0].len, 100);
    for (size_t i = 0; i < 100; i++)
        ck_assert_int_eq(v.items[0].ptr[i], 'a');
    rdb_value_free(&v);
}
END_TEST

START_TEST(test_rdb_decodes_redis_quicklist_with_compressed_node) {
    rdb_value v = decode_hex(REDIS_LIST);
    ck_assert_int_eq(v.kind, RDB_KIND_LIST);
    ck_assert_uint_eq(v.count, 5);
    expect_item(&v, 0, "a");
    expect_item(&v, 1, "b");
    expect_item(&v, 2, "1");
    expect_item(&v, 3, "-5");
    ck_assert_uint_eq(v.items[4].len, 70);
    rdb_value_free(&v);
}
END_TEST

START_TEST(test_rdb_decodes_redis_sets_zsets_hashes) {
    rdb_value v = decode_hex(REDIS_INTSET);
    ck_assert_int_eq(v.kind, RDB_KIND_SET);
    ck_assert_uint_eq(v.count, 3);
    expect_item(&v, 0, "1");
    expect_item(&v, 2, "3");
    rdb_value_free(&v);
    v = decode_hex(REDIS_SET);
    ck_assert_uint_eq(v.count, 2);
    rdb_value_free(&v);
    v = decode_hex(REDIS_ZSET);
    ck_assert_int_eq(v.kind, RDB_KIND_ZSET);
    ck_assert_uint_eq(v.count, 2);
    expect_item(&v, 0, "b");
    ck_assert(v.scores[0] == -2);
    expect_item(&v, 1, "a");
    ck_assert(v.scores[1] == 1.5);
    rdb_value_free(&v);
    v = decode_hex(REDIS_HASH);
    ck_assert_int_eq(v.kind, RDB_KIND_HASH);
    ck_assert_uint_eq(v.count, 4);
    expect_item(&v, 0, "f");
    expect_item(&v, 1, "v");
    expect_item(&v, 3, "7");
    rdb_value_free(&v);
}
END_TEST

/* Keel's writer: a quicklist of two listpack nodes and a zset with binary scores decode back. */
START_TEST(test_rdb_written_values_decode_back) {
    rdb_buf b = {0};
    rdb_put_byte(&b, RDB_TYPE_LIST_QUICKLIST_2);
    rdb_put_len(&b, 2);
    char big[5000];
    memset(big, 'q', sizeof big);
    const struct {
        const char *s;
        size_t n;
    } elems[] = {{"x", 1}, {"", 0}, {big, 100}, {big, 5000}, {"-17", 3}};
    for (int node = 0; node < 2; node++) {
        rdb_listpack lp;
        rdb_listpack_begin(&lp);
        for (int i = node * 3; i < (node ? 5 : 3); i++)
            rdb_listpack_add(&lp, elems[i].s, elems[i].n);
        rdb_listpack_end(&lp);
        rdb_put_len(&b, 2);
        rdb_put_len(&b, lp.buf.len);
        rdb_put_bytes(&b, lp.buf.p, lp.buf.len);
        rdb_buf_free(&lp.buf);
    }
    rdb_put_footer(&b, RDB_VERSION_REDIS);
    ck_assert(!b.oom);
    rdb_value v;
    ck_assert(decode_payload(b.p, b.len, &v));
    ck_assert_uint_eq(v.count, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(v.items[i].len, elems[i].n);
        ck_assert(memcmp(v.items[i].ptr, elems[i].s, elems[i].n) == 0);
    }
    rdb_value_free(&v);
    rdb_buf_free(&b);

    rdb_put_byte(&b, RDB_TYPE_ZSET_2);
    rdb_put_len(&b, 3);
    const double scores[] = {-INFINITY, 0.1, 1e300};
    for (int i = 0; i < 3; i++) {
        char m[8];
        snprintf(m, sizeof m, "%d", 70000 * i - 5);
        rdb_put_string(&b, m, strlen(m));
        rdb_put_binary_double(&b, scores[i]);
    }
    rdb_put_footer(&b, RDB_VERSION_REDIS);
    ck_assert(decode_payload(b.p, b.len, &v));
    ck_assert_int_eq(v.kind, RDB_KIND_ZSET);
    expect_item(&v, 0, "-5");
    expect_item(&v, 2, "139995");
    for (int i = 0; i < 3; i++)
        ck_assert(v.scores[i] == scores[i]);
    rdb_value_free(&v);
    rdb_buf_free(&b);
}
END_TEST

/* Members and fields are unique, as Redis checks: a repeated one makes the value bad data. */
START_TEST(test_rdb_refuses_repeated_members_and_fields) {
    const uint8_t set_twice[] = {2, 1, 'a', 1, 'a'}, set_once[] = {2, 1, 'a', 1, 'b'};
    const uint8_t hash_twice[] = {2, 1, 'f', 1, 'v', 1, 'f', 1, 'w'};
    const uint8_t hash_same_values[] = {2, 1, 'f', 1, 'v', 1, 'g', 1, 'v'};
    const uint8_t list_twice[] = {2, 1, 'a', 1, 'a'};
    rdb_value v;
    size_t used;
    const char *err;
    ck_assert_int_eq(rdb_value_decode(RDB_TYPE_SET, set_twice, 5, &used, &v, &err), RDB_EFORMAT);
    ck_assert_int_eq(rdb_value_decode(RDB_TYPE_SET, set_once, 5, &used, &v, &err), RDB_OK);
    rdb_value_free(&v);
    /* a small hash passes with its field twice, as in Redis 7.0; a big one does not */
    ck_assert_int_eq(rdb_value_decode(RDB_TYPE_HASH, hash_twice, 9, &used, &v, &err), RDB_OK);
    rdb_value_free(&v);
    uint8_t big[2 + 129 * 8];
    size_t n = 0;
    big[n++] = 0x40, big[n++] = 129; /* a 14-bit length */
    for (int i = 0; i < 129; i++) {
        big[n++] = 4, big[n++] = 'f', big[n++] = (uint8_t)('0' + (i % 128) / 16),
        big[n++] = (uint8_t)('a' + (i % 128) % 16), big[n++] = 'x';
        big[n++] = 2, big[n++] = 'v', big[n++] = 'v';
    }
    ck_assert_int_eq(rdb_value_decode(RDB_TYPE_HASH, big, n, &used, &v, &err), RDB_EFORMAT);
    big[n - 6] = 'y'; /* the last field differs from the first now */
    ck_assert_int_eq(rdb_value_decode(RDB_TYPE_HASH, big, n, &used, &v, &err), RDB_OK);
    rdb_value_free(&v);
    ck_assert_int_eq(rdb_value_decode(RDB_TYPE_HASH, hash_same_values, 9, &used, &v, &err), RDB_OK);
    rdb_value_free(&v);
    ck_assert_int_eq(rdb_value_decode(RDB_TYPE_LIST, list_twice, 5, &used, &v, &err), RDB_OK);
    ck_assert_uint_eq(v.count, 2);
    rdb_value_free(&v);
}
END_TEST

START_TEST(test_rdb_footer_checks_version_and_crc) {
    uint8_t buf[64];
    size_t n = unhex(REDIS_STRING, buf);
    uint16_t version;
    ck_assert(rdb_payload_verify(buf, n, &version));
    ck_assert_uint_eq(version, 10);
    buf[2] ^= 1;
    ck_assert(!rdb_payload_verify(buf, n, &version));
    ck_assert(!rdb_payload_verify(buf, 9, &version));
}
END_TEST

/* Every payload with one byte changed (its CRC fixed up, so the decoder sees the damage) and
 * every truncation decodes or fails cleanly; the sanitizer build checks the reads. */
START_TEST(test_rdb_damaged_values_fail_cleanly) {
    const char *samples[] = {REDIS_STRING, REDIS_INT, REDIS_LZF,  REDIS_LIST,
                             REDIS_INTSET, REDIS_SET, REDIS_ZSET, REDIS_HASH};
    uint8_t orig[256], buf[256];
    unsigned seed = 12345;
    for (size_t s = 0; s < sizeof samples / sizeof *samples; s++) {
        size_t n = unhex(samples[s], orig);
        for (size_t cut = 0; cut < n - 10; cut++) {
            rdb_value v;
            size_t used;
            const char *err;
            if (rdb_value_decode(orig[0], orig + 1, cut, &used, &v, &err) == RDB_OK)
                rdb_value_free(&v);
        }
        for (int round = 0; round < 2000; round++) {
            memcpy(buf, orig, n);
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % (n - 10);
            buf[at] ^= (uint8_t)(1u << ((seed >> 4) % 8)) | (uint8_t)(round & 0xff);
            rdb_value v;
            size_t used;
            const char *err;
            if (rdb_value_decode(buf[0], buf + 1, n - 11, &used, &v, &err) == RDB_OK)
                rdb_value_free(&v);
        }
    }
}
END_TEST

/* The key of a stream command (a NULL item). */
static void expect_key(const rdb_value *v, size_t i) {
    ck_assert_uint_lt(i, v->count);
    ck_assert(v->items[i].ptr == NULL);
}

START_TEST(test_rdb_decodes_redis_stream_into_commands) {
    static uint8_t buf[256];
    size_t n = unhex(REDIS_STREAM, buf), used = 0;
    rdb_value v;
    const char *err = NULL;
    ck_assert_int_eq(rdb_value_decode(RDB_TYPE_STREAM_LISTPACKS_2, buf, n, &used, &v, &err),
                     RDB_OK);
    ck_assert_uint_eq(used, n);
    ck_assert_int_eq(v.kind, RDB_KIND_STREAM);
    char id[32];
    snprintf(id, sizeof id, "%llu-0", 0x1a24ad6b5daull);
    expect_item(&v, 0, "5"); /* XADD key id f v */
    expect_item(&v, 1, "XADD");
    expect_key(&v, 2);
    expect_item(&v, 3, id);
    expect_item(&v, 4, "f");
    expect_item(&v, 5, "v");
    expect_item(&v, 6, "7"); /* XSETID key id ENTRIESADDED 1 MAXDELETEDID 0-0 */
    expect_item(&v, 7, "XSETID");
    expect_key(&v, 8);
    expect_item(&v, 9, id);
    expect_item(&v, 11, "1");
    expect_item(&v, 13, "0-0");
    ck_assert_uint_eq(v.count, 14);
    rdb_value_free(&v);
    /* every shorter input is refused, without a read past it (ASan) */
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        ck_assert_int_ne(rdb_value_decode(RDB_TYPE_STREAM_LISTPACKS_2, copy, cut, &used, &v, &err),
                         RDB_OK);
        free(copy);
    }
    /* a node key that is not a 16-byte ID, a count of entries the listpack does not hold */
    uint8_t bad[256];
    memcpy(bad, buf, n);
    bad[1] = 0x0f;
    ck_assert_int_ne(rdb_value_decode(RDB_TYPE_STREAM_LISTPACKS_2, bad, n, &used, &v, &err),
                     RDB_OK);
    memcpy(bad, buf, n);
    bad[19 + 6] = 0x05; /* the listpack's first element (entry count) 1 -> 5 */
    ck_assert_int_ne(rdb_value_decode(RDB_TYPE_STREAM_LISTPACKS_2, bad, n, &used, &v, &err),
                     RDB_OK);
}
END_TEST

START_TEST(test_rdb_decodes_zipmap_hashes) {
    /* RDB_TYPE_HASH_ZIPMAP: a string holding count 2, f1 -> v1, g -> abc (1 free byte), end */
    static const uint8_t zm[] = {0x11, 0x02, 0x02, 'f',  '1', 0x02, 0x00, 'v', '1',
                                 0x01, 'g',  0x03, 0x01, 'a', 'b',  'c',  'X', 0xff};
    rdb_value v;
    size_t used;
    const char *err;
    ck_assert_int_eq(rdb_value_decode(9, zm, sizeof zm, &used, &v, &err), RDB_OK);
    ck_assert_uint_eq(used, sizeof zm);
    ck_assert_int_eq(v.kind, RDB_KIND_HASH);
    ck_assert_uint_eq(v.count, 4);
    ck_assert_mem_eq(v.items[0].ptr, "f1", 2);
    ck_assert_mem_eq(v.items[3].ptr, "abc", 3);
    ck_assert_uint_eq(v.items[3].len, 3);
    rdb_value_free(&v);
    uint8_t bad[sizeof zm];
    for (size_t i = 2; i < sizeof zm; i++) { /* every cut or damaged length fails cleanly */
        memcpy(bad, zm, sizeof zm);
        bad[0] = (uint8_t)(i - 1);
        if (rdb_value_decode(9, bad, i, &used, &v, &err) == RDB_OK) rdb_value_free(&v);
    }
    memcpy(bad, zm, sizeof zm);
    bad[12] = 0x09; /* free bytes past the end */
    ck_assert_int_eq(rdb_value_decode(9, bad, sizeof bad, &used, &v, &err), RDB_EFORMAT);
}
END_TEST

static Suite *rdb_suite(void) {
    Suite *s = suite_create("rdb_value");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_rdb_crc64_check_value);
    tcase_add_test(tc, test_rdb_decodes_zipmap_hashes);
    tcase_add_test(tc, test_rdb_decodes_redis_stream_into_commands);
    tcase_add_test(tc, test_rdb_lzf_refuses_bad_references);
    tcase_add_test(tc, test_rdb_decodes_redis_strings);
    tcase_add_test(tc, test_rdb_decodes_redis_quicklist_with_compressed_node);
    tcase_add_test(tc, test_rdb_decodes_redis_sets_zsets_hashes);
    tcase_add_test(tc, test_rdb_written_values_decode_back);
    tcase_add_test(tc, test_rdb_refuses_repeated_members_and_fields);
    tcase_add_test(tc, test_rdb_footer_checks_version_and_crc);
    tcase_add_test(tc, test_rdb_damaged_values_fail_cleanly);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(rdb_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
