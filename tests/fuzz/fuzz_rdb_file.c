/* fuzz_rdb_file.c -- fuzz target: arbitrary bytes walked as a whole RDB file (rdb_file.h), as
 * keel-server --load-rdb reads one.
 *
 * The checksum after EOF is not checked (it would stop a fuzzer at once), so every record past
 * the header is reached.  A walk must end (END or ERROR, with an offset inside the input), give
 * keys and values that lie in readable memory (every byte is read, so AddressSanitizer sees an
 * overread) and give all its memory back. */
#include <stdint.h>
#include <stdlib.h>

#include "modules/dump/rdb_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

static uint8_t touch(const uint8_t *p, size_t n) {
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= p[i];
    return x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rdb_walk w;
    if (!rdb_walk_begin(&w, data, size)) {
        CHECK(w.err != NULL && w.err_at <= size);
        rdb_walk_free(&w);
        return 0;
    }
    w.verify_crc = false;
    volatile uint8_t sink = 0;
    rdb_rec rec;
    for (size_t steps = 0;; steps++) {
        CHECK(steps <= size); /* every record takes at least a byte */
        rdb_rec_kind k = rdb_walk_next(&w, &rec);
        if (k == RDB_REC_END) break;
        if (k == RDB_REC_ERROR) {
            CHECK(w.err != NULL && w.err_at <= size);
            break;
        }
        if (k == RDB_REC_KEY || k == RDB_REC_SKIPPED) {
            sink ^= touch(rec.key, rec.klen);
            CHECK(rec.raw >= data && rec.raw + rec.rawlen <= data + size);
        }
        if (k == RDB_REC_KEY) {
            CHECK(rec.value->count > 0);
            for (size_t i = 0; i < rec.value->count; i++)
                sink ^= touch(rec.value->items[i].ptr, rec.value->items[i].len);
        }
    }
    CHECK(rdb_walk_next(&w, &rec) == RDB_REC_END || w.err != NULL);
    (void)sink;
    rdb_walk_free(&w);
    return 0;
}
