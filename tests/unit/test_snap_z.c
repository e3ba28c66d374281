/* test_snap_z.c -- compressed snapshot blocks: lz4 and zstd blocks round-trip and are smaller on
 * disk, blocks that do not shrink (random bytes, tiny or too big ones) stay as they are, and a
 * forged block (a huge or wrong expanded length, garbage under a good checksum, an unknown codec)
 * is refused with its offset, a huge length before anything is allocated for it. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "snap_file.h"
#include "snap_z.h"

static char path[64];

static int new_file(void) {
    snprintf(path, sizeof path, "/tmp/keel-snapz-test-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    return fd;
}

/* Text-like bytes that compress well. */
static uint8_t *compressible(size_t n) {
    static const char line[] = "user:%d {\"name\": \"keel\", \"visits\": 12}\n";
    uint8_t *p = malloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(line[i % (sizeof line - 1)] + (i / 4096) % 3);
    return p;
}

/* Bytes no codec shrinks (xorshift). */
static uint8_t *incompressible(size_t n) {
    uint8_t *p = malloc(n);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)(x >> 24);
    }
    return p;
}

/* Writes one RECORDS block of payload through snap_block_z with codec: the file's size. */
static off_t write_one(int codec, const uint8_t *payload, size_t n) {
    int fd = new_file();
    snap_writer w;
    ck_assert(snap_writer_open(&w, fd, SNAP_FILE_SHARD));
    snap_writer_compress(&w, codec);
    snap_block_z(&w, SNAP_BLK_RECORDS, payload, n);
    ck_assert_int_eq(snap_writer_finish(&w), 0);
    snap_writer_free(&w);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    return size;
}

/* The header byte naming the first block's codec. */
static uint8_t first_codec(void) {
    int fd = open(path, O_RDONLY);
    uint8_t b = 0xff;
    ck_assert_int_eq(pread(fd, &b, 1, SNAP_PREAMBLE + 1), 1);
    close(fd);
    return b;
}

/* Reads the file's first block: 1 with its payload copied into out (cap bytes), or -1 with the
 * error in err.  *plain_cap gets what the reader allocated to expand it. */
static int read_first(uint8_t *out, size_t cap, size_t *len, char *err, size_t errlen,
                      size_t *plain_cap) {
    int fd = open(path, O_RDONLY);
    snap_reader r;
    ck_assert_int_eq(snap_reader_open(&r, fd, path, SNAP_FILE_SHARD), 0);
    uint8_t kind;
    const uint8_t *p;
    uint64_t at;
    int got = snap_reader_next(&r, &kind, &p, len, &at);
    if (got == 1) {
        ck_assert_int_eq(kind, SNAP_BLK_RECORDS);
        ck_assert_uint_le(*len, cap);
        memcpy(out, p, *len);
    }
    snprintf(err, errlen, "%s", r.err);
    if (plain_cap) *plain_cap = r.plain_cap;
    snap_reader_free(&r);
    close(fd);
    return got;
}

START_TEST(test_compressed_blocks_round_trip_smaller) {
    size_t n = 300 * 1024;
    uint8_t *src = compressible(n), *back = malloc(n);
    for (int codec = SNAP_Z_LZ4; codec <= SNAP_Z_ZSTD; codec++) {
        off_t size = write_one(codec, src, n);
        ck_assert_int_eq(first_codec(), codec);
        ck_assert_int_lt(size, (off_t)(n / 4)); /* well under the plain bytes */
        size_t len;
        char err[256];
        ck_assert_int_eq(read_first(back, n, &len, err, sizeof err, NULL), 1);
        ck_assert_uint_eq(len, n);
        ck_assert(memcmp(back, src, n) == 0);
        unlink(path);
    }
    free(src);
    free(back);
}
END_TEST

START_TEST(test_blocks_that_do_not_shrink_stay_plain) {
    size_t n = 200 * 1024;
    uint8_t *rnd = incompressible(n), *txt = compressible(SNAP_Z_MAX + 1), *back = malloc(n);
    for (int codec = SNAP_Z_NONE; codec <= SNAP_Z_ZSTD; codec++) {
        /* random bytes: stored as they are, the file the size of an uncompressed one */
        off_t size = write_one(codec, rnd, n);
        ck_assert_int_eq(first_codec(), SNAP_Z_NONE);
        ck_assert_int_eq(size, (off_t)(SNAP_PREAMBLE + SNAP_BLOCK_HEADER + n + SNAP_BLOCK_TRAILER));
        size_t len;
        char err[256];
        ck_assert_int_eq(read_first(back, n, &len, err, sizeof err, NULL), 1);
        ck_assert(len == n && memcmp(back, rnd, n) == 0);
        unlink(path);
        /* a block too small to bother with, and one past SNAP_Z_MAX */
        write_one(codec, txt, 40);
        ck_assert_int_eq(first_codec(), SNAP_Z_NONE);
        unlink(path);
        size = write_one(codec, txt, SNAP_Z_MAX + 1);
        ck_assert_int_eq(first_codec(), SNAP_Z_NONE);
        ck_assert_int_eq(
            size, (off_t)(SNAP_PREAMBLE + SNAP_BLOCK_HEADER + SNAP_Z_MAX + 1 + SNAP_BLOCK_TRAILER));
        unlink(path);
    }
    free(rnd);
    free(txt);
    free(back);
}
END_TEST

/* A file of one RECORDS block with this header codec and on-disk payload, its checksum right. */
static void forge(uint8_t codec, const uint8_t *payload, size_t n) {
    int fd = new_file();
    uint8_t pre[SNAP_PREAMBLE] = {
        'K', 'E', 'E', 'L', 'S', 'N', 'A', 'P', SNAP_VERSION, 0, 0, 0, SNAP_FILE_SHARD};
    uint8_t *blk = malloc(SNAP_BLOCK_HEADER + n + SNAP_BLOCK_TRAILER);
    uint8_t h[SNAP_BLOCK_HEADER] = {
        SNAP_BLK_RECORDS,  codec, 0, 0, (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16),
        (uint8_t)(n >> 24)};
    memcpy(blk, h, sizeof h);
    memcpy(blk + sizeof h, payload, n);
    uint64_t sum = XXH3_64bits(blk, sizeof h + n);
    for (int i = 0; i < 8; i++)
        blk[sizeof h + n + i] = (uint8_t)(sum >> (8 * i));
    ck_assert_int_eq(write(fd, pre, sizeof pre), (ssize_t)sizeof pre);
    size_t total = SNAP_BLOCK_HEADER + n + SNAP_BLOCK_TRAILER;
    ck_assert_int_eq(write(fd, blk, total), (ssize_t)total);
    free(blk);
    close(fd);
}

/* A compressed payload: the expanded length it says, then the codec's bytes of src. */
static size_t make_payload(int codec, uint32_t says, const uint8_t *src, size_t n, uint8_t *out,
                           size_t cap) {
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(says >> (8 * i));
    snap_z_enc e = {0};
    size_t k = snap_z_compress(&e, codec, src, n, out + 4, cap - 4);
    snap_z_enc_free(&e);
    ck_assert_uint_gt(k, 0);
    return 4 + k;
}

START_TEST(test_huge_expanded_length_is_refused_unallocated) {
    uint8_t *src = compressible(4096), out[4096];
    const uint32_t lies[] = {0xffffffffu, SNAP_Z_MAX + 1, 0};
    for (int codec = SNAP_Z_LZ4; codec <= SNAP_Z_ZSTD; codec++)
        for (size_t i = 0; i < 3; i++) {
            forge((uint8_t)codec, out, make_payload(codec, lies[i], src, 4096, out, sizeof out));
            uint8_t back[16];
            size_t len, plain_cap = 12345;
            char err[256];
            ck_assert_int_eq(read_first(back, sizeof back, &len, err, sizeof err, &plain_cap), -1);
            ck_assert_msg(strstr(err, "says it expands to"), "%s", err);
            ck_assert_msg(strstr(err, "at offset 16"), "%s", err);
            ck_assert_uint_eq(plain_cap, 0); /* nothing was allocated for it */
            unlink(path);
        }
    free(src);
}
END_TEST

START_TEST(test_wrong_length_or_garbage_is_refused) {
    size_t n = 8192;
    uint8_t *src = compressible(n), *out = malloc(n), *back = malloc(n + 1);
    for (int codec = SNAP_Z_LZ4; codec <= SNAP_Z_ZSTD; codec++) {
        /* one byte more or less than what the codec's bytes expand to */
        const uint32_t says[] = {(uint32_t)n - 1, (uint32_t)n + 1};
        for (size_t i = 0; i < 2; i++) {
            forge((uint8_t)codec, out, make_payload(codec, says[i], src, n, out, n));
            size_t len;
            char err[256];
            ck_assert_int_eq(read_first(back, n + 1, &len, err, sizeof err, NULL), -1);
            ck_assert_msg(strstr(err, "does not expand to the"), "%s", err);
            unlink(path);
        }
        /* every byte of the codec's bytes flipped in turn, the checksum made right again: never
         * a crash or an over-read (ASan), and never a block of another length */
        size_t k = make_payload(codec, (uint32_t)n, src, n, out, n);
        for (size_t at = 4; at < k; at += k / 97 + 1) {
            out[at] ^= 0x5a;
            forge((uint8_t)codec, out, k);
            out[at] ^= 0x5a;
            size_t len = 0;
            char err[256];
            int got = read_first(back, n + 1, &len, err, sizeof err, NULL);
            ck_assert_msg(got == -1 || len == n, "codec %d, byte %zu: %d", codec, at, got);
            if (got == -1) ck_assert_msg(strstr(err, "does not expand to the"), "%s", err);
            unlink(path);
        }
    }
    free(src);
    free(out);
    free(back);
}
END_TEST

START_TEST(test_unknown_codec_and_flipped_byte) {
    size_t n = 8192;
    uint8_t *src = compressible(n), *out = malloc(n), *back = malloc(n);
    size_t k = make_payload(SNAP_Z_ZSTD, (uint32_t)n, src, n, out, n);
    forge(3, out, k);
    size_t len;
    char err[256];
    ck_assert_int_eq(read_first(back, n, &len, err, sizeof err, NULL), -1);
    ck_assert_msg(strstr(err, "compression codec 3"), "%s", err);
    unlink(path);
    /* a byte flipped on disk and nothing fixed: the checksum catches it before any expanding */
    write_one(SNAP_Z_LZ4, src, n);
    int fd = open(path, O_RDWR);
    uint8_t b;
    off_t at = SNAP_PREAMBLE + SNAP_BLOCK_HEADER + 100;
    ck_assert_int_eq(pread(fd, &b, 1, at), 1);
    b ^= 0x01;
    ck_assert_int_eq(pwrite(fd, &b, 1, at), 1);
    close(fd);
    ck_assert_int_eq(read_first(back, n, &len, err, sizeof err, NULL), -1);
    ck_assert_msg(strstr(err, "checksum mismatch in the block at offset 16"), "%s", err);
    unlink(path);
    free(src);
    free(out);
    free(back);
}
END_TEST

START_TEST(test_empty_block_payload_is_not_null) {
    /* callers compute payload + len: an empty block's payload is a pointer all the same */
    forge(SNAP_Z_NONE, (const uint8_t *)"", 0);
    int fd = open(path, O_RDONLY);
    snap_reader r;
    ck_assert_int_eq(snap_reader_open(&r, fd, path, SNAP_FILE_SHARD), 0);
    uint8_t kind;
    const uint8_t *p = NULL;
    size_t len = 1;
    uint64_t at;
    ck_assert_int_eq(snap_reader_next(&r, &kind, &p, &len, &at), 1);
    ck_assert_uint_eq(len, 0);
    ck_assert_ptr_nonnull(p);
    snap_reader_free(&r);
    close(fd);
    unlink(path);
}
END_TEST

START_TEST(test_uncompressed_writer_bytes_unchanged) {
    /* with no codec, snap_block_z writes what snap_block always wrote: version 1, zero bytes */
    size_t n = 5000;
    uint8_t *src = compressible(n);
    write_one(SNAP_Z_NONE, src, n);
    int fd = open(path, O_RDONLY);
    uint8_t h[SNAP_BLOCK_HEADER], v[4];
    ck_assert_int_eq(pread(fd, v, 4, 8), 4);
    ck_assert_int_eq(pread(fd, h, sizeof h, SNAP_PREAMBLE), (ssize_t)sizeof h);
    close(fd);
    ck_assert(v[0] == 1 && v[1] == 0 && v[2] == 0 && v[3] == 0);
    ck_assert(h[0] == SNAP_BLK_RECORDS && h[1] == 0 && h[2] == 0 && h[3] == 0);
    ck_assert_uint_eq(h[4] | (h[5] << 8) | (h[6] << 16), n);
    unlink(path);
    free(src);
}
END_TEST

START_TEST(test_codec_names) {
    ck_assert_int_eq(snap_z_parse("no"), SNAP_Z_NONE);
    ck_assert_int_eq(snap_z_parse("LZ4"), SNAP_Z_LZ4);
    ck_assert_int_eq(snap_z_parse("zstd"), SNAP_Z_ZSTD);
    ck_assert_int_eq(snap_z_parse("gzip"), -1);
    ck_assert_int_eq(snap_z_parse(""), -1);
    ck_assert_str_eq(snap_z_name(SNAP_Z_ZSTD), "zstd");
}
END_TEST

int main(void) {
    Suite *s = suite_create("snap_z");
    TCase *tc = tcase_create("codecs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_compressed_blocks_round_trip_smaller);
    tcase_add_test(tc, test_blocks_that_do_not_shrink_stay_plain);
    tcase_add_test(tc, test_huge_expanded_length_is_refused_unallocated);
    tcase_add_test(tc, test_wrong_length_or_garbage_is_refused);
    tcase_add_test(tc, test_unknown_codec_and_flipped_byte);
    tcase_add_test(tc, test_empty_block_payload_is_not_null);
    tcase_add_test(tc, test_uncompressed_writer_bytes_unchanged);
    tcase_add_test(tc, test_codec_names);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
