/* snap_file.h -- the snapshot file format: checksummed blocks over a file descriptor, and the
 * records a shard's blocks hold.  Knows files and bytes only (no shard, no thread), so the unit
 * tests drive it directly.  docs/persistence.md describes the format byte by byte.
 *
 * A file is an 16-byte preamble (magic "KEELSNAP", format version, file kind) followed by
 * blocks.  A block is an 8-byte header (kind byte, codec byte (snap_z.h; 0: stored as it is), two
 * zero bytes, payload length as a 32-bit little-endian number), the payload, and the XXH3-64 of
 * header and payload as they are on disk (8 bytes, little endian).  A compressed block's payload
 * is the length it expands to (u32) and the codec's bytes.  Every number in the format is
 * little-endian; lengths inside payloads are LEB128 varints.
 */
#ifndef KEEL_CORE_SNAP_FILE_H
#define KEEL_CORE_SNAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xxhash.h>

#include "snap_z.h"

#define SNAP_MAGIC "KEELSNAP"
#define SNAP_VERSION 1u
#define SNAP_PREAMBLE 16u
#define SNAP_BLOCK_HEADER 8u
#define SNAP_BLOCK_TRAILER 8u
/* A compressed block's payload starts with the length it expands to. */
#define SNAP_BLOCK_PLAIN_LEN 4u

/* File kinds (the preamble's last word). */
enum snap_file_kind { SNAP_FILE_SHARD = 1, SNAP_FILE_MANIFEST = 2 };

/* Block kinds. */
enum snap_block_kind {
    SNAP_BLK_HEAD = 1,     /* a shard file's first block: what it is and its type names */
    SNAP_BLK_DB = 2,       /* the records after it belong to database n */
    SNAP_BLK_RECORDS = 3,  /* key records, back to back (a record never spans blocks) */
    SNAP_BLK_END = 4,      /* last block of a shard file: record count (truncation shows) */
    SNAP_BLK_MANIFEST = 5, /* the manifest's only block */
};

/* Record kinds inside SNAP_BLK_RECORDS. */
enum snap_rec_kind {
    SNAP_REC_BOX = 1,     /* a string or number: a packed datakit box */
    SNAP_REC_OBJ = 2,     /* a module's object: file type id + the bytes its save op wrote */
    SNAP_REC_NS_OPEN = 3, /* a namespace: the records up to its NS_CLOSE are its keys */
    SNAP_REC_NS_CLOSE = 4,
};

/* Record flag bits. */
#define SNAP_F_EXPIRY 1u /* an absolute expiry (ms) follows the key */
#define SNAP_F_AUX32 2u  /* the 32-bit aux word follows (memcached flags) */
#define SNAP_F_AUX64 4u  /* the 64-bit aux word follows (memcached CAS) */
#define SNAP_F_SPREAD 8u /* NS_OPEN: a part of a namespace placed by a deeper name */
#define SNAP_F_ALL 15u

/* ---- a growing byte buffer ---- */

typedef struct snap_buf {
    uint8_t *p;
    size_t len, cap;
    bool oom; /* an append found no memory (the buffer is unchanged since) */
} snap_buf;

void snap_buf_put(snap_buf *b, const void *p, size_t n);
void snap_buf_u8(snap_buf *b, uint8_t v);
void snap_buf_u16(snap_buf *b, uint16_t v);
void snap_buf_u32(snap_buf *b, uint32_t v);
void snap_buf_u64(snap_buf *b, uint64_t v);
void snap_buf_varint(snap_buf *b, uint64_t v);
void snap_buf_free(snap_buf *b);

/* ---- writing ---- */

typedef struct snap_writer {
    int fd;
    uint8_t *out; /* bytes not yet written to fd */
    size_t outlen, outcap;
    uint64_t written;    /* bytes written or buffered since the preamble began */
    XXH3_state_t *hash;  /* the open block's checksum */
    uint64_t block_left; /* payload bytes the open block still expects */
    bool in_block;
    int err;                 /* the first errno a write met (ENOMEM for memory); 0 = fine */
    bool no_sync;            /* snap_writer_finish leaves the fsync to the caller */
    bool sync_later;         /* ...and so does it here, after starting the tail's writeback */
    uint64_t flushed;        /* bytes written to fd (not through io) */
    uint64_t wb_started;     /* ...of which the disk was asked to start writing back */
    struct snap_io_file *io; /* NULL, or the I/O thread's file: filled buffers go there */
    int codec;               /* snap_block_z compresses with it (SNAP_Z_NONE: never) */
    snap_z_enc z;
    uint8_t *zbuf; /* a compressed block being made */
    size_t zcap;
} snap_writer;

/* Starts a file of the given kind on fd (the caller opened it and closes it): false with w->err
 * when memory ran out. */
bool snap_writer_open(snap_writer *w, int fd, enum snap_file_kind kind);
/* From now on, filled buffers are handed to io (snap_io.h) instead of written here; io's
 * errors become the writer's. */
void snap_writer_use_io(snap_writer *w, struct snap_io_file *io);
/* Writing through an I/O thread whose queue for this file is long: the caller should yield. */
bool snap_writer_backlogged(const snap_writer *w);
/* snap_io_when_room on the writer's I/O file (false without one). */
bool snap_writer_when_room(snap_writer *w, void (*fn)(void *), void *arg);
/* Writes out what is buffered and makes the buffer cap bytes (the default is 1 MB); false when
 * there is no memory for it (the writer keeps the old one). */
bool snap_writer_set_buffer(snap_writer *w, size_t cap);
/* Opens a block of len payload bytes; snap_block_put must add exactly len bytes before
 * snap_block_end. */
void snap_block_begin(snap_writer *w, uint8_t kind, uint32_t len);
void snap_block_put(snap_writer *w, const void *p, size_t n);
void snap_block_end(snap_writer *w);
/* A whole block from a buffer. */
void snap_block(snap_writer *w, uint8_t kind, const void *payload, size_t len);
/* snap_block_z compresses with codec from now on (SNAP_Z_NONE: it writes blocks as they are). */
void snap_writer_compress(snap_writer *w, int codec);
/* A whole block from a buffer, compressed with the writer's codec when it is at most SNAP_Z_MAX
 * bytes and compressing saves at least a 32nd of it; else as snap_block. */
void snap_block_z(snap_writer *w, uint8_t kind, const void *payload, size_t len);
/* Writes what is buffered and fsyncs fd (no_sync: not; sync_later: only starts its writeback):
 * 0, or -1 with w->err (also for any earlier error). */
int snap_writer_finish(snap_writer *w);
/* Frees the writer's buffers (not the fd). */
void snap_writer_free(snap_writer *w);

/* The largest block payload (a record never spans blocks, so this bounds a value's size). */
#define SNAP_BLOCK_MAX 0xffffffffu

/* ---- reading ---- */

typedef struct snap_reader {
    int fd;
    const char *name; /* for errors */
    uint64_t size;    /* the file's size */
    uint64_t pos;     /* offset of the next unread byte */
    uint8_t *payload; /* the last block's payload as on disk (owned, reused) */
    size_t cap;
    uint8_t *plain; /* the last compressed block's payload, expanded (owned, reused) */
    size_t plain_cap;
    snap_z_dec z;
    char err[256]; /* what went wrong, with the file's name and the offset */
} snap_reader;

/* Reads and checks the preamble of fd (file `name`): 0, or -1 with r->err. */
int snap_reader_open(snap_reader *r, int fd, const char *name, enum snap_file_kind kind);
/* Reads the next block: 1 with *kind, *payload (valid until the next call) and *len; 0 at a
 * clean end of file; -1 with r->err for a truncated block, a length past the end of the file or a
 * checksum that does not match.  A compressed block is checked as it is on disk, then expanded
 * (*payload and *len are the expanded bytes): -1 too for an unknown codec, a block that says it
 * expands past SNAP_Z_MAX (refused before anything is allocated for it) or one that does not
 * expand to exactly the length it says.  *at gets the block's offset (for the caller's errors). */
int snap_reader_next(snap_reader *r, uint8_t *kind, const uint8_t **payload, size_t *len,
                     uint64_t *at);
void snap_reader_free(snap_reader *r);

/* ---- decoding payloads ---- */

/* A cursor over a payload: every get fails (false, and stays failed) past the end. */
typedef struct snap_cur {
    const uint8_t *p, *end;
    bool bad;
} snap_cur;

bool snap_get(snap_cur *c, void *out, size_t n);
bool snap_get_u8(snap_cur *c, uint8_t *v);
bool snap_get_u16(snap_cur *c, uint16_t *v);
bool snap_get_u32(snap_cur *c, uint32_t *v);
bool snap_get_u64(snap_cur *c, uint64_t *v);
bool snap_get_varint(snap_cur *c, uint64_t *v);
/* A view of the next n bytes. */
bool snap_get_view(snap_cur *c, size_t n, const uint8_t **v);

/* One decoded record (views into the payload). */
typedef struct snap_rec {
    uint8_t kind, flags;
    const uint8_t *key;
    size_t klen;
    int64_t expire_ms; /* -1 when none */
    uint32_t aux32;
    uint64_t aux64;
    const uint8_t *value; /* BOX: the packed box; OBJ: the save op's bytes */
    size_t vlen;
    uint16_t type; /* OBJ: the file's type id */
} snap_rec;

/* Decodes the next record at c: true, or false for a malformed one (c->bad). */
bool snap_rec_get(snap_cur *c, snap_rec *r);

/* Encodes a record's head (kind, flags, key, expiry, aux words; for OBJ the type id and the
 * value's length too) into b.  The value itself follows: a packed box for BOX, vlen bytes for
 * OBJ, nothing for the NS kinds. */
void snap_rec_head(snap_buf *b, const snap_rec *r);

#endif
