/* rdb_payload.h -- writing values in Redis's RDB encoding and framing them as DUMP payloads:
 * <type byte> <value> <RDB version, 2 bytes LE> <CRC-64 of all before, 8 bytes LE>. */
#ifndef KEEL_DUMP_RDB_PAYLOAD_H
#define KEEL_DUMP_RDB_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The RDB version Redis 7.0 writes and accepts (a payload with a higher one is refused). */
#define RDB_VERSION_REDIS 10
/* The version in Keel-only payloads: above every Redis version, so Redis refuses them with
 * "DUMP payload version or checksum are wrong". */
#define RDB_VERSION_KEEL 0x4b01
/* The type byte of a Keel-only payload: the type's name, then its snapshot bytes (strings). */
#define RDB_TYPE_KEEL 0xd0

/* A growable byte buffer; after a failed allocation oom stays true and writes do nothing. */
typedef struct rdb_buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} rdb_buf;

void rdb_buf_free(rdb_buf *b);
void rdb_put_bytes(rdb_buf *b, const void *data, size_t n);
void rdb_put_byte(rdb_buf *b, uint8_t x);
/* A length in RDB's 6/14/32/64-bit encoding. */
void rdb_put_len(rdb_buf *b, uint64_t len);
/* A string, uncompressed; one that is a canonical 32-bit integer's text is integer-encoded. */
void rdb_put_string(rdb_buf *b, const void *s, size_t n);
/* A zset score as 8 little-endian IEEE bytes (RDB_TYPE_ZSET_2). */
void rdb_put_binary_double(rdb_buf *b, double d);
/* Appends the footer (version, CRC-64 of everything in b) that makes b a DUMP payload. */
void rdb_put_footer(rdb_buf *b, uint16_t version);

/* A listpack built one string element at a time (a quicklist node). */
typedef struct rdb_listpack {
    rdb_buf buf;
    uint32_t count;
} rdb_listpack;
void rdb_listpack_begin(rdb_listpack *lp);
void rdb_listpack_add(rdb_listpack *lp, const void *s, size_t n);
/* Closes the listpack (header and end byte); its bytes are lp->buf.p[0..len). */
void rdb_listpack_end(rdb_listpack *lp);

/* Checks a DUMP payload's footer: true when it is at least 10 bytes, its version is at most
 * max_version and its CRC-64 matches; *version is the version it names. */
bool rdb_payload_verify(const uint8_t *p, size_t n, uint16_t *version);

#endif
