/* fuzz_aof_reader.c -- fuzz target: arbitrary bytes as an append-only log file, through what the
 * server runs at start (aof_scan_file: preamble, frames, checksums, commands) and what the
 * replay then reads (aof_iter over every whole record).
 *
 * Checks: nothing crashes, leaks or reads outside the input; the scan's valid prefix lies
 * within the input and, for a torn or corrupt file, ends where the bad record starts; every
 * record of the valid prefix checks again and yields commands whose arguments lie inside it;
 * the records counted are the records walked; re-encoding a record's commands gives back its
 * bytes exactly.  The input is also framed whole as one record's commands, with a checksum that
 * matches, so the command parser is reached by every input, not only by the few whose checksum
 * happens to hold: it either refuses it or yields commands inside it.  Payloads past 256 bytes
 * are framed as long records (aof_rec_set_long_from), so both heads are read and written. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aof_rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_aof_reader: " __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                                                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static bool inside(const keel_arg *a, const uint8_t *lo, const uint8_t *hi) {
    return (const uint8_t *)a->ptr >= lo && (const uint8_t *)a->ptr + a->len <= hi;
}

/* Walks one whole record: its commands lie inside it and encode back to its bytes. */
static void walk_record(const uint8_t *rec, size_t size) {
    aof_iter it;
    CHECK(aof_iter_init(&it, rec), "a checked record has no commands");
    aof_buf again = {0};
    size_t start = aof_rec_begin(&again, aof_rec_seq(rec), it.time_ms, it.left);
    aof_cmd c;
    char err[200];
    int got;
    while ((got = aof_iter_next(&it, &c, err, sizeof err)) == 1) {
        CHECK(c.argc > 0 && c.nns <= AOF_NS_MAX, "a command out of bounds");
        for (uint32_t i = 0; i < c.argc; i++)
            CHECK(inside(&c.argv[i], rec, rec + size), "an argument outside its record");
        for (uint32_t i = 0; i < c.nns; i++)
            CHECK(inside(&c.ns[i], rec, rec + size), "a namespace outside its record");
        aof_cmd_encode(&again, &c);
    }
    CHECK(got == 0, "a checked record's command failed: %s", err);
    aof_rec_end(&again, start);
    /* varints may be written longer than needed by a crafted file: compare only when the
     * lengths agree, which every file the server writes satisfies */
    size_t head = aof_rec_head(rec);
    if (again.len == size && aof_rec_head(again.p) == head)
        CHECK(memcmp(again.p + head + 16, rec + head + 16, size - head - 24) == 0,
              "a record does not encode back to its bytes");
    aof_buf_free(&again);
    aof_iter_free(&it);
}

/* The input as the commands of one record (sequence, time, then the bytes). */
static void walk_as_payload(const uint8_t *data, size_t size) {
    if (size > AOF_REC_MAX - 16) return;
    aof_buf b = {0};
    size_t start = aof_rec_begin(&b, 7, 7, 1);
    b.len--; /* the input brings its own command count */
    aof_buf_put(&b, data, size);
    aof_rec_end(&b, start);
    /* exactly sized, so a read past the record is seen */
    uint8_t *rec = malloc(b.len);
    memcpy(rec, b.p, b.len);
    size_t rsize = 0;
    char err[200];
    enum aof_check r = aof_rec_check(rec, b.len, &rsize, err, sizeof err);
    CHECK(r == AOF_REC_OK || (r == AOF_REC_BAD && b.len - aof_rec_head(b.p) - AOF_REC_TAIL < 17),
          "a freshly framed record is refused: %s", err);
    if (r == AOF_REC_OK) {
        aof_iter it;
        aof_cmd c;
        int got = aof_iter_init(&it, rec) ? 1 : -1;
        while (got == 1 && (got = aof_iter_next(&it, &c, err, sizeof err)) == 1)
            for (uint32_t i = 0; i < c.argc; i++)
                CHECK(inside(&c.argv[i], rec, rec + rsize), "an argument outside its record");
        aof_iter_free(&it);
        if (got == 0) walk_record(rec, rsize);
    }
    free(rec);
    aof_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* records past 256 bytes of payload get the long head, so both framings are walked */
    aof_rec_set_long_from(256);
    walk_as_payload(data, size);
    /* a copy of exactly the input, so a read past it is seen by the sanitizers */
    uint8_t *p = malloc(size ? size : 1);
    if (size) memcpy(p, data, size);
    aof_scan sc;
    enum aof_scan_kind kind = aof_scan_file(p, size, &sc);
    if (kind == AOF_SCAN_NOT_A_LOG) {
        CHECK(sc.valid == 0 && sc.records == 0, "a file without a preamble has records");
        free(p);
        return 0;
    }
    CHECK(sc.valid >= AOF_PREAMBLE && sc.valid <= size, "valid prefix %zu of %zu", sc.valid, size);
    CHECK(kind == AOF_SCAN_CLEAN ? sc.valid == size : sc.bad_at == sc.valid && sc.valid < size,
          "the bad record is not where the valid prefix ends");
    uint64_t walked = 0;
    for (size_t off = AOF_PREAMBLE; off < sc.valid;) {
        size_t rsize = 0;
        char err[200];
        CHECK(aof_rec_check(p + off, sc.valid - off, &rsize, err, sizeof err) == AOF_REC_OK,
              "a record of the valid prefix fails again at %zu", off);
        walk_record(p + off, rsize);
        off += rsize;
        walked++;
    }
    CHECK(walked == sc.records, "counted %llu records, walked %llu", (unsigned long long)sc.records,
          (unsigned long long)walked);
    free(p);
    return 0;
}
