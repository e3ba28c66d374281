/* test_snap_file.c -- the snapshot file format: blocks round-trip, a flipped byte fails its
 * checksum, a cut file is reported as truncated with its offset, records decode as encoded and
 * malformed ones are refused. */
#include <check.h>

#include "dk_check_fast.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <datakit/box.h>
#include "snap_file.h"

/* A temp file holding a shard file with two blocks: "head" and 100000 bytes of records. */
static char path[64];
static int payload_len = 100000;

static void write_sample(void) {
    snprintf(path, sizeof path, "/tmp/keel-snap-test-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    snap_writer w;
    ck_assert(snap_writer_open(&w, fd, SNAP_FILE_SHARD));
    snap_block(&w, SNAP_BLK_HEAD, "head", 4);
    uint8_t *big = malloc((size_t)payload_len);
    for (int i = 0; i < payload_len; i++)
        big[i] = (uint8_t)(i * 7);
    snap_block_begin(&w, SNAP_BLK_RECORDS, (uint32_t)payload_len);
    snap_block_put(&w, big, 10); /* in pieces, as a streamed value is */
    snap_block_put(&w, big + 10, (size_t)payload_len - 10);
    snap_block_end(&w);
    free(big);
    ck_assert_int_eq(snap_writer_finish(&w), 0);
    snap_writer_free(&w);
    close(fd);
}

/* Reads every block of the sample: the number read, or -1 with the reader's error in err. */
static int read_all(char *err, size_t errlen) {
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    snap_reader r;
    int n = -1;
    if (snap_reader_open(&r, fd, path, SNAP_FILE_SHARD) == 0) {
        n = 0;
        uint8_t kind;
        const uint8_t *p;
        size_t len;
        uint64_t at;
        int got;
        while ((got = snap_reader_next(&r, &kind, &p, &len, &at)) == 1)
            n++;
        if (got < 0) n = -1;
    }
    snprintf(err, errlen, "%s", r.err);
    snap_reader_free(&r);
    close(fd);
    return n;
}

static void poke(off_t at, uint8_t x) {
    int fd = open(path, O_RDWR);
    uint8_t b;
    ck_assert_int_eq(pread(fd, &b, 1, at), 1);
    b ^= x;
    ck_assert_int_eq(pwrite(fd, &b, 1, at), 1);
    close(fd);
}

START_TEST(test_snap_blocks_round_trip) {
    write_sample();
    int fd = open(path, O_RDONLY);
    snap_reader r;
    ck_assert_int_eq(snap_reader_open(&r, fd, path, SNAP_FILE_SHARD), 0);
    uint8_t kind;
    const uint8_t *p;
    size_t len;
    uint64_t at;
    ck_assert_int_eq(snap_reader_next(&r, &kind, &p, &len, &at), 1);
    ck_assert_int_eq(kind, SNAP_BLK_HEAD);
    ck_assert_uint_eq(len, 4);
    ck_assert(memcmp(p, "head", 4) == 0);
    ck_assert_uint_eq(at, SNAP_PREAMBLE);
    ck_assert_int_eq(snap_reader_next(&r, &kind, &p, &len, &at), 1);
    ck_assert_int_eq(kind, SNAP_BLK_RECORDS);
    ck_assert_uint_eq(len, (size_t)payload_len);
    ck_assert_uint_eq(p[12345], (uint8_t)(12345 * 7));
    ck_assert_int_eq(snap_reader_next(&r, &kind, &p, &len, &at), 0);
    snap_reader_free(&r);
    close(fd);
    unlink(path);
}
END_TEST

START_TEST(test_snap_checksum_mismatch_names_the_block) {
    write_sample();
    /* a byte in the middle of the second block's payload */
    off_t second = SNAP_PREAMBLE + SNAP_BLOCK_HEADER + 4 + SNAP_BLOCK_TRAILER;
    poke(second + SNAP_BLOCK_HEADER + 5000, 0x40);
    char err[256];
    ck_assert_int_eq(read_all(err, sizeof err), -1);
    ck_assert_msg(strstr(err, "checksum mismatch"), "%s", err);
    char off[32];
    snprintf(off, sizeof off, "offset %lld", (long long)second);
    ck_assert_msg(strstr(err, off), "%s", err);
    unlink(path);
}
END_TEST

START_TEST(test_snap_flipped_length_is_refused) {
    write_sample();
    /* the second block's length grows past the end of the file */
    off_t second = SNAP_PREAMBLE + SNAP_BLOCK_HEADER + 4 + SNAP_BLOCK_TRAILER;
    poke(second + 6, 0x10);
    char err[256];
    ck_assert_int_eq(read_all(err, sizeof err), -1);
    ck_assert_msg(strstr(err, "past the end of the file"), "%s", err);
    unlink(path);
}
END_TEST

START_TEST(test_snap_truncated_block) {
    off_t second = SNAP_PREAMBLE + SNAP_BLOCK_HEADER + 4 + SNAP_BLOCK_TRAILER;
    off_t whole = second + SNAP_BLOCK_HEADER + payload_len + SNAP_BLOCK_TRAILER;
    for (off_t cut = second + 3; cut < whole; cut += cut + 4099 < whole ? 4099 : 1) {
        write_sample(); /* whole again: truncate(2) would extend a shorter file with zeros */
        fast_assert_int_eq(truncate(path, cut), 0);
        char err[256];
        fast_assert_int_eq(read_all(err, sizeof err), -1);
        fast_assert_msg(strstr(err, "truncated") || strstr(err, "past the end"), "%s", err);
        unlink(path);
    }
}
END_TEST

START_TEST(test_snap_bad_magic_and_kind) {
    write_sample();
    char err[256];
    int fd = open(path, O_RDONLY);
    snap_reader r;
    ck_assert_int_eq(snap_reader_open(&r, fd, path, SNAP_FILE_MANIFEST), -1);
    ck_assert_msg(strstr(r.err, "file kind"), "%s", r.err);
    snap_reader_free(&r);
    close(fd);
    poke(0, 0x01);
    ck_assert_int_eq(read_all(err, sizeof err), -1);
    ck_assert_msg(strstr(err, "bad magic"), "%s", err);
    unlink(path);
}
END_TEST

START_TEST(test_snap_records_round_trip) {
    snap_buf b = {0};
    snap_rec in = {.kind = SNAP_REC_OBJ,
                   .flags = SNAP_F_EXPIRY | SNAP_F_AUX32 | SNAP_F_AUX64,
                   .key = (const uint8_t *)"key",
                   .klen = 3,
                   .expire_ms = 1234567890123,
                   .aux32 = 77,
                   .aux64 = 1ull << 40,
                   .type = 5,
                   .vlen = 6};
    snap_rec_head(&b, &in);
    snap_buf_put(&b, "object", 6);
    snap_rec box = {.kind = SNAP_REC_BOX, .key = (const uint8_t *)"n", .klen = 1};
    snap_rec_head(&b, &box);
    dk_val v = dk_i64(-42);
    uint8_t packed[DK_BOX_MAX_SCALAR];
    snap_buf_put(&b, packed, dk_box_pack(&v, packed));
    snap_rec close = {.kind = SNAP_REC_NS_CLOSE};
    snap_rec_head(&b, &close);
    ck_assert(!b.oom);

    snap_cur c = {b.p, b.p + b.len, false};
    snap_rec out;
    ck_assert(snap_rec_get(&c, &out));
    ck_assert_int_eq(out.kind, SNAP_REC_OBJ);
    ck_assert_uint_eq(out.klen, 3);
    ck_assert(memcmp(out.key, "key", 3) == 0);
    ck_assert_int_eq(out.expire_ms, 1234567890123);
    ck_assert_uint_eq(out.aux32, 77);
    ck_assert_uint_eq(out.aux64, 1ull << 40);
    ck_assert_uint_eq(out.type, 5);
    ck_assert_uint_eq(out.vlen, 6);
    ck_assert(memcmp(out.value, "object", 6) == 0);
    ck_assert(snap_rec_get(&c, &out));
    ck_assert_int_eq(out.kind, SNAP_REC_BOX);
    dk_val back;
    ck_assert_uint_eq(dk_box_unpack(out.value, out.vlen, &back), out.vlen);
    ck_assert_int_eq(back.v.i, -42);
    ck_assert(snap_rec_get(&c, &out));
    ck_assert_int_eq(out.kind, SNAP_REC_NS_CLOSE);
    ck_assert(c.p == c.end);

    /* every cut of the first record is refused, never read past its end */
    for (size_t cut = 0; cut < 3 + 1 + 1 + 8 + 4 + 8 + 2 + 1 + 6; cut++) {
        snap_cur t = {b.p, b.p + cut, false};
        fast_assert_msg(!snap_rec_get(&t, &out), "a record cut at %zu decoded", cut);
    }
    snap_buf_free(&b);
}
END_TEST

START_TEST(test_snap_malformed_records_are_refused) {
    const uint8_t unknown_kind[] = {9, 0, 1, 'k'};
    const uint8_t unknown_flag[] = {SNAP_REC_BOX, 0x80, 1, 'k', 0};
    const uint8_t negative_expiry[] = {SNAP_REC_BOX, SNAP_F_EXPIRY, 1, 'k', 0, 0, 0, 0, 0, 0, 0,
                                       0x80};
    const uint8_t endless_varint[] = {SNAP_REC_BOX, 0,    0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff,         0xff, 0xff, 0xff, 0xff, 0xff};
    const uint8_t *cases[] = {unknown_kind, unknown_flag, negative_expiry, endless_varint};
    const size_t lens[] = {sizeof unknown_kind, sizeof unknown_flag, sizeof negative_expiry,
                           sizeof endless_varint};
    for (size_t i = 0; i < 4; i++) {
        snap_cur c = {cases[i], cases[i] + lens[i], false};
        snap_rec r;
        fast_assert_msg(!snap_rec_get(&c, &r), "case %zu decoded", i);
    }
}
END_TEST

int main(void) {
    Suite *s = suite_create("snap_file");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, test_snap_blocks_round_trip);
    tcase_add_test(tc, test_snap_checksum_mismatch_names_the_block);
    tcase_add_test(tc, test_snap_flipped_length_is_refused);
    tcase_add_test(tc, test_snap_truncated_block);
    tcase_add_test(tc, test_snap_bad_magic_and_kind);
    tcase_add_test(tc, test_snap_records_round_trip);
    tcase_add_test(tc, test_snap_malformed_records_are_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
