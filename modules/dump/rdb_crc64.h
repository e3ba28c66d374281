/* rdb_crc64.h -- Redis's CRC-64 (Jones polynomial, reflected, init 0): the DUMP checksum. */
#ifndef KEEL_DUMP_RDB_CRC64_H
#define KEEL_DUMP_RDB_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc over n bytes: rdb_crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca. */
uint64_t rdb_crc64(uint64_t crc, const void *data, size_t n);

#endif
