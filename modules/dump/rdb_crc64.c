/* rdb_crc64.c -- Redis's CRC-64 (Jones): a byte-at-a-time table over the reflected polynomial. */
#include "rdb_crc64.h"

#include <pthread.h>

#define JONES_REFLECTED 0x95ac9329ac4bc9b5ull /* bit reversal of 0xad93d23594c935a9 */

static uint64_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_fill(void) {
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;
        for (int bit = 0; bit < 8; bit++)
            c = (c & 1) ? (c >> 1) ^ JONES_REFLECTED : c >> 1;
        table[i] = c;
    }
}

uint64_t rdb_crc64(uint64_t crc, const void *data, size_t n) {
    pthread_once(&table_once, table_fill);
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return crc;
}
