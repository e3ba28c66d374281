/* aof_rec.h -- the append-only log's format: a file preamble, then records, each one or more
 * commands (database, namespace path, arguments) applied together, framed with a length and an
 * XXH3-64 checksum (docs/persistence.md, "Log format"). */
#ifndef KEEL_CORE_AOF_REC_H
#define KEEL_CORE_AOF_REC_H

#include <keel/sdk.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AOF_MAGIC "KEELAOF" /* 7 bytes and a NUL: the preamble's first 8 */
#define AOF_VERSION 1u
#define AOF_PREAMBLE 16u /* magic (8), version (u32), flags (u32) */
/* Preamble flag: the file starts at the instant of its own generation's snapshot and replays only
 * over it (a log turned on at run time: docs/persistence.md). */
#define AOF_FLAG_NEEDS_BASE 1u
#define AOF_REC_KIND 0xA1u
#define AOF_REC_HEAD 8u                     /* kind, 3 zero bytes, payload length (u32) */
#define AOF_REC_TAIL 8u                     /* XXH3-64 of head and payload */
#define AOF_REC_MAX (1024u * 1024u * 1024u) /* the largest payload of a record of AOF_REC_KIND */
/* A record whose payload passes AOF_REC_MAX (a script's or a transaction's writes, gathered):
 * the same, with a 16-byte head (kind, 7 zero bytes, payload length as u64). */
#define AOF_REC_KIND_LONG 0xA3u
#define AOF_REC_HEAD_LONG 16u
#define AOF_REC_LONG_MAX (1ull << 40) /* the largest payload a reader accepts (1 TB) */
#define AOF_NS_MAX 16u                /* namespace depth a record may carry */

/* A growing byte buffer; an append that finds no memory aborts (mem.h's policy for the log). */
typedef struct aof_buf {
    uint8_t *p;
    size_t len, cap;
} aof_buf;

void aof_buf_reserve(aof_buf *b, size_t more);
void aof_buf_put(aof_buf *b, const void *p, size_t n);
void aof_buf_free(aof_buf *b);

/* The 16-byte preamble of a log file. */
void aof_preamble(uint8_t out[AOF_PREAMBLE]);
/* The same with flags (AOF_FLAG_*). */
void aof_preamble_flagged(uint8_t out[AOF_PREAMBLE], uint32_t flags);
bool aof_preamble_ok(const uint8_t *p, size_t n);
/* A checked preamble's flags. */
uint32_t aof_preamble_flags(const uint8_t *p);

/* One command as a record holds it.  ns: the namespace path's components (n <= AOF_NS_MAX),
 * coloc and coloc_n its co-location settings. */
typedef struct aof_cmd {
    uint32_t db;
    uint32_t nns;
    uint8_t coloc;
    uint32_t coloc_n;
    const keel_arg *ns;
    uint32_t argc;
    const keel_arg *argv;
} aof_cmd;

/* Appends one command's encoding (what aof_rec_end frames) to b. */
void aof_cmd_encode(aof_buf *b, const aof_cmd *c);

/* Writes a record to b: begin (sequence number, the wall clock in ms when it was applied,
 * command count), the commands' encodings
 * (aof_cmd_encode, or bytes copied from such encodings), end (length and checksum). */
size_t aof_rec_begin(aof_buf *b, uint64_t seq, int64_t time_ms, uint32_t ncmds);
void aof_rec_end(aof_buf *b, size_t start);
/* The payload size past which aof_rec_end writes a long record (AOF_REC_MAX; tests lower it). */
void aof_rec_set_long_from(size_t payload);

/* The length of the head of the complete record at p (AOF_REC_HEAD or AOF_REC_HEAD_LONG). */
size_t aof_rec_head(const uint8_t *p);
/* The sequence number of a complete record at p (written by aof_rec_begin/end). */
uint64_t aof_rec_seq(const uint8_t *p);
/* The whole length of the record at p (head, payload, checksum). */
size_t aof_rec_size(const uint8_t *p);

enum aof_check { AOF_REC_OK = 0, AOF_REC_SHORT, AOF_REC_BAD };
/* Checks the record at the start of [p, p+n): AOF_REC_OK with *size its whole length;
 * AOF_REC_SHORT when it runs past n (a torn tail if nothing follows); AOF_REC_BAD with err for a
 * bad kind, length or checksum. */
enum aof_check aof_rec_check(const uint8_t *p, size_t n, size_t *size, char *err, size_t errlen);

/* Walks a checked record's commands. */
typedef struct aof_iter {
    const uint8_t *p, *end;
    uint64_t seq;
    int64_t time_ms;
    uint32_t left; /* commands not yet returned */
    keel_arg ns[AOF_NS_MAX];
    keel_arg *argv; /* grown as needed; freed by aof_iter_free */
    uint32_t cap;
} aof_iter;

/* Starts on the record at p (checked by aof_rec_check): false when its payload is malformed. */
bool aof_iter_init(aof_iter *it, const uint8_t *p);
/* 1 with *c (views into the record, valid until the next call), 0 after the last command, -1
 * for a malformed command (err says what). */
int aof_iter_next(aof_iter *it, aof_cmd *c, char *err, size_t errlen);
void aof_iter_free(aof_iter *it);

/* What a whole log file's bytes hold (aof_scan_file). */
enum aof_scan_kind {
    AOF_SCAN_CLEAN = 0, /* whole records to the end */
    AOF_SCAN_TORN,      /* the last record is cut short, or garbled where nothing follows it */
    AOF_SCAN_CORRUPT,   /* a bad record with more after it */
    AOF_SCAN_NOT_A_LOG, /* no valid preamble */
};
typedef struct aof_scan {
    size_t valid;      /* bytes of preamble and whole, checked records */
    size_t bad_at;     /* TORN, CORRUPT: where the bad record starts (== valid) */
    uint64_t records;  /* whole records */
    uint64_t next_seq; /* one past the highest sequence number seen (0: none) */
    char what[200];    /* TORN, CORRUPT: what is wrong */
} aof_scan;
/* Checks every record of a file's n bytes at p: frames, checksums and commands.  A record whose
 * checksum fails is a torn tail when it ends exactly at the end of the file or only zeros follow
 * it (a crash mid-append), corruption otherwise. */
enum aof_scan_kind aof_scan_file(const uint8_t *p, size_t n, aof_scan *out);

#endif
