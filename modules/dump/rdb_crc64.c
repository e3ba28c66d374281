/* rdb_crc64.c -- Redis's CRC-64 (Jones): tables over the reflected polynomial, eight bytes a step
 * ("slicing by 8": table k gives a byte's effect k bytes further on), then a byte at a time. */
#include "rdb_crc64.h"

#include <pthread.h>

#define JONES_REFLECTED 0x95ac9329ac4bc9b5ull /* bit reversal of 0xad93d23594c935a9 */

static uint64_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_fill(void) {
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;
        for (int bit = 0; bit < 8; bit++)
            c = (c & 1) ? (c >> 1) ^ JONES_REFLECTED : c >> 1;
        table[0][i] = c;
    }
    for (unsigned i = 0; i < 256; i++)
        for (int k = 1; k < 8; k++)
            table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
}

uint64_t rdb_crc64(uint64_t crc, const void *data, size_t n) {
    pthread_once(&table_once, table_fill);
    const uint8_t *p = data;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t x = crc;
        for (int i = 0; i < 8; i++)
            x ^= (uint64_t)p[i] << (8 * i);
        crc = table[7][x & 0xff] ^ table[6][(x >> 8) & 0xff] ^ table[5][(x >> 16) & 0xff] ^
              table[4][(x >> 24) & 0xff] ^ table[3][(x >> 32) & 0xff] ^ table[2][(x >> 40) & 0xff] ^
              table[1][(x >> 48) & 0xff] ^ table[0][x >> 56];
    }
    for (; n; n--, p++)
        crc = table[0][(crc ^ *p) & 0xff] ^ (crc >> 8);
    return crc;
}
