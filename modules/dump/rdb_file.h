/* rdb_file.h -- walking a whole Redis RDB file (versions 1 to 10, what Redis 7.0 writes) held in
 * memory: the header, then one record at a time (keys with their database and expiry; AUX,
 * RESIZEDB, FREQ, IDLE, MODULE_AUX and FUNCTION records read and passed over), the EOF marker
 * and the CRC-64 after it.  Pure: no SDK call, no I/O, so it is unit tested and fuzzed alone.
 *
 * A key's value is decoded with rdb_value_decode (rdb_value.h), which also gives its length.
 * Values no decoder here turns into elements are skipped when their length can be known
 * (streams, module values of the MODULE_2 format), reported as RDB_REC_SKIPPED with the reason;
 * anything else unknown stops the walk with an error naming the offset.  Nothing is read
 * outside the input: malformed bytes give RDB_REC_ERROR with w->err and w->err_at set.
 */
#ifndef KEEL_DUMP_RDB_FILE_H
#define KEEL_DUMP_RDB_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdb_value.h"

/* The newest RDB version read (Redis 7.0's). */
#define RDB_FILE_VERSION_MAX 10

typedef enum rdb_rec_kind {
    RDB_REC_KEY,     /* a key and its decoded value (rec.value) */
    RDB_REC_SKIPPED, /* a key whose value is passed over (rec.why says what it was) */
    RDB_REC_DB,      /* SELECTDB: the keys that follow are in database rec.db */
    RDB_REC_END,     /* the EOF marker, and the checksum matched (or the file has none) */
    RDB_REC_ERROR,   /* malformed or unsupported bytes: w->err, w->err_at */
} rdb_rec_kind;

typedef struct rdb_rec {
    rdb_rec_kind kind;
    uint64_t db;        /* the database the key is in (SELECTDB before it, else 0) */
    const uint8_t *key; /* the key's bytes (input, or the walker's memory) */
    size_t klen;
    uint8_t type;       /* the value's RDB object type byte */
    const uint8_t *raw; /* the value's bytes as the file holds them (after the type byte) */
    size_t rawlen;
    int64_t expire_ms;      /* absolute unix ms, -1 for none */
    size_t offset;          /* where the record starts in the file */
    const rdb_value *value; /* RDB_REC_KEY: the decoded value, valid until the next call */
    char why[96];           /* RDB_REC_SKIPPED: what the value was ("a stream", "module type X") */
} rdb_rec;

typedef struct rdb_walk {
    const uint8_t *p;
    size_t n, pos;
    int version;
    uint64_t db;
    bool verify_crc; /* false: the caller checks nothing past EOF (tests of framing alone) */
    bool done;       /* END or ERROR was returned */
    uint64_t module_aux, functions; /* MODULE_AUX and FUNCTION records passed over */
    rdb_value key;                  /* a key that needed decoding (LZF, integer) */
    rdb_value value;                /* the last key's value */
    const char *err;                /* RDB_REC_ERROR: why */
    size_t err_at;                  /* RDB_REC_ERROR: the offset of the bad bytes */
    char errbuf[256];
} rdb_walk;

/* Starts walking in[0..n): checks the "REDIS" magic and the version.  false with w->err and
 * w->err_at set for a file that is not an RDB file or is of a version newer than
 * RDB_FILE_VERSION_MAX.  Free w with rdb_walk_free whatever the answer. */
bool rdb_walk_begin(rdb_walk *w, const uint8_t *in, size_t n);

/* The next record (kinds above).  After RDB_REC_END or RDB_REC_ERROR every call answers the
 * same again.  The checksum is checked at EOF when w->verify_crc (set by rdb_walk_begin). */
rdb_rec_kind rdb_walk_next(rdb_walk *w, rdb_rec *rec);

/* Frees what the walker owns (safe to call twice). */
void rdb_walk_free(rdb_walk *w);

#endif
