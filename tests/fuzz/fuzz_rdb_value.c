/* fuzz_rdb_value.c -- fuzz target: arbitrary bytes through dump.so's RDB value decoder.
 *
 * The first byte is the RDB object type, the rest the value, as a DUMP payload holds them (the
 * footer's checksum would stop a fuzzer at once, so the decoder is driven directly).  A decode
 * must fail cleanly or give elements that all lie in readable memory (every byte is read, so
 * AddressSanitizer sees an overread), a count that fits what was read, scores that are numbers,
 * and it must give all its memory back. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "modules/dump/rdb_value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    rdb_value v;
    size_t used = 0;
    const char *err = NULL;
    rdb_status st = rdb_value_decode(data[0], data + 1, size - 1, &used, &v, &err);
    if (st != RDB_OK) {
        CHECK(err != NULL);
        return 0;
    }
    CHECK(used <= size - 1);
    CHECK(v.count > 0);
    CHECK(v.kind != RDB_KIND_HASH || v.count % 2 == 0);
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < v.count; i++) {
        for (size_t j = 0; j < v.items[i].len; j++)
            sink ^= v.items[i].ptr[j];
        if (v.kind == RDB_KIND_ZSET) CHECK(!isnan(v.scores[i]));
    }
    (void)sink;
    rdb_value_free(&v);
    return 0;
}
