/* fuzz_snap_file.c -- fuzz target: the snapshot file reader (core/snap_file.c) with compressed
 * blocks (core/snap_z.c), as a start reads a shard file: preamble, block headers, checksums,
 * expanding, then the records of each block.
 *
 * The input is read three ways:
 *   - as a whole file, as it is (preambles, lengths and checksums, mostly refused);
 *   - framed into a shard file of one RECORDS block whose payload is the input past its first
 *     byte, the header's codec byte being the first byte (0..3: none, lz4, zstd, unknown) and the
 *     checksum right, so the expanding code sees every input: the length a block says it expands
 *     to, and the codec's bytes;
 *   - written through the writer with each codec and read back, which must give the input.
 * Checks: nothing crashes, leaks or reads outside what it was given; an expanded block is never
 * over SNAP_Z_MAX, nor is the reader's buffer for it; records decode inside their block. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "snap_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_snap_file: " __VA_ARGS__);                                       \
            fprintf(stderr, "\n");                                                                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A file in memory holding n bytes of p. */
static int mem_file(const void *p, size_t n) {
    int fd = memfd_create("fuzz-snap", MFD_CLOEXEC);
    CHECK(fd >= 0, "memfd_create failed");
    const uint8_t *s = p;
    while (n > 0) {
        ssize_t k = write(fd, s, n);
        CHECK(k > 0, "write to the memfd failed");
        s += k;
        n -= (size_t)k;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/* Reads every block of fd, decoding the records of RECORDS blocks; the payload of the last
 * block read is copied to *last (malloc'd) when last is not NULL.  The blocks read whole. */
static int read_file(int fd, uint8_t **last, size_t *last_len) {
    snap_reader r;
    int blocks = 0;
    if (snap_reader_open(&r, fd, "fuzz", SNAP_FILE_SHARD) == 0) {
        uint8_t kind;
        const uint8_t *p;
        size_t len;
        uint64_t at;
        while (snap_reader_next(&r, &kind, &p, &len, &at) == 1) {
            blocks++;
            CHECK(r.plain_cap <= SNAP_Z_MAX, "an expanding buffer of %zu bytes", r.plain_cap);
            CHECK(p != r.plain || len <= SNAP_Z_MAX, "a block expanded to %zu bytes", len);
            if (last) {
                free(*last);
                *last = malloc(len ? len : 1);
                if (len) memcpy(*last, p, len);
                *last_len = len;
            }
            if (kind != SNAP_BLK_RECORDS) continue;
            snap_cur c = {p, p + len, false};
            snap_rec rec;
            while (c.p < c.end && snap_rec_get(&c, &rec)) {
                CHECK(!rec.key || (rec.key >= p && rec.key + rec.klen <= p + len),
                      "a key outside its block");
                CHECK(!rec.value || (rec.value >= p && rec.value + rec.vlen <= p + len),
                      "a value outside its block");
            }
        }
    }
    snap_reader_free(&r);
    return blocks;
}

/* The input framed as one RECORDS block with codec data[0] % 4 and a checksum that matches. */
static void read_framed(const uint8_t *data, size_t size) {
    if (size == 0 || size - 1 > UINT32_MAX) return;
    size_t n = size - 1;
    size_t total = SNAP_PREAMBLE + SNAP_BLOCK_HEADER + n + SNAP_BLOCK_TRAILER;
    uint8_t *f = malloc(total);
    memcpy(f, SNAP_MAGIC, 8);
    const uint8_t pre[8] = {SNAP_VERSION, 0, 0, 0, SNAP_FILE_SHARD, 0, 0, 0};
    memcpy(f + 8, pre, 8);
    uint8_t *h = f + SNAP_PREAMBLE;
    const uint8_t head[SNAP_BLOCK_HEADER] = {
        SNAP_BLK_RECORDS,   (uint8_t)(data[0] % 4), 0, 0, (uint8_t)n, (uint8_t)(n >> 8),
        (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    memcpy(h, head, sizeof head);
    memcpy(h + SNAP_BLOCK_HEADER, data + 1, n);
    uint64_t sum = XXH3_64bits(h, SNAP_BLOCK_HEADER + n);
    for (int i = 0; i < 8; i++)
        h[SNAP_BLOCK_HEADER + n + i] = (uint8_t)(sum >> (8 * i));
    int fd = mem_file(f, total);
    int blocks = read_file(fd, NULL, NULL);
    CHECK(data[0] % 4 != SNAP_Z_NONE || blocks == 1, "a stored block with a good checksum failed");
    CHECK(data[0] % 4 != 3 || blocks == 0, "a block of an unknown codec was read");
    close(fd);
    free(f);
}

/* The input written as one block through the writer with each codec: read back, it is the
 * input. */
static void round_trip(const uint8_t *data, size_t size) {
    for (int codec = SNAP_Z_NONE; codec < SNAP_Z_CODECS; codec++) {
        int fd = memfd_create("fuzz-snap-w", MFD_CLOEXEC);
        CHECK(fd >= 0, "memfd_create failed");
        snap_writer w;
        CHECK(snap_writer_open(&w, fd, SNAP_FILE_SHARD), "no memory for the writer");
        snap_writer_compress(&w, codec);
        snap_block_z(&w, SNAP_BLK_HEAD, data, size); /* not RECORDS: its bytes are arbitrary */
        CHECK(snap_writer_finish(&w) == 0, "the writer failed");
        snap_writer_free(&w);
        lseek(fd, 0, SEEK_SET);
        uint8_t *back = NULL;
        size_t len = 0;
        CHECK(read_file(fd, &back, &len) == 1, "a block written with codec %d does not read back",
              codec);
        CHECK(len == size && (size == 0 || memcmp(back, data, size) == 0),
              "a block written with codec %d reads back different", codec);
        free(back);
        close(fd);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int fd = mem_file(data, size);
    read_file(fd, NULL, NULL);
    close(fd);
    read_framed(data, size);
    round_trip(data, size);
    return 0;
}
