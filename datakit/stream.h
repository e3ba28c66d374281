/* stream.h -- dk_stream: an append-only log of entries named by 128-bit IDs (Redis streams).
 *
 * An entry is an ID (ms, seq: two 64-bit words, ordered as a pair) and a list of field-value
 * pairs.  Entries are appended in ID order only; they can be marked deleted anywhere and are
 * dropped from the front a chunk at a time (trimming).
 *
 * Layout, and what it costs beyond each entry's field and value bytes:
 *   - chunks of at most DK_STREAM_CHUNK_ENTRIES entries (deleted ones included) and about
 *     DK_STREAM_CHUNK_BYTES bytes, each one allocation: a 48-byte header (first and last ID,
 *     counts, the offset of the field list in force) then the entries packed back to back, with
 *     no pointers and no per-entry offsets.  A chunk that is closed (a newer one started) is
 *     shrunk to fit.
 *   - an entry: a flags byte (deleted; same field names as the chunk's list in force; values
 *     shaped as that list's own entry's; the ID's form and a small number), the ID as a step from
 *     the entry before (nothing more for the next few seqs of the same ms; else varints: the seq
 *     step, or the ms step and the seq), then -- only when the field names differ from the list
 *     in force -- the pair count and the names (varint length + bytes; this list is then the one
 *     in force), then the values.  A value is a varint tag, either a length followed by the
 *     bytes, or a canonical decimal integer as a zigzag varint; but when every value has the
 *     shape of the list entry's (bytes of the same length, integers where it has integers), the
 *     tags go: bytes are written bare and integers as the zigzag varint of their difference from
 *     the list entry's.  Producers that send the same fields every time pay for the names once
 *     per chunk, and a timestamp or counter field a byte or two.
 *   - the chunk index: an array of chunk pointers (a window into it, so dropping the front is
 *     O(1)), binary-searched by the chunks' IDs.
 * `XADD s * user <8 bytes> event <8 bytes> ts <int>` costs about 20 bytes an entry (Redis 7.0: 41).
 *
 * Views: a dk_sentry points into its chunk and is valid until the next change to the stream.
 * Cursors walk forward or backward over live entries; a backward cursor decodes its chunk once.
 */
#ifndef DATAKIT_STREAM_H
#define DATAKIT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Entries per chunk at most (Redis's stream-node-max-entries default), and the bytes past which
 * a chunk takes no more entries (one bigger entry gets a chunk of its own). */
#define DK_STREAM_CHUNK_ENTRIES 100
#define DK_STREAM_CHUNK_BYTES 4096

/* An entry ID. */
typedef struct dk_sid {
    uint64_t ms, seq;
} dk_sid;

static inline int dk_sid_cmp(dk_sid a, dk_sid b) {
    if (a.ms != b.ms) return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq) return a.seq < b.seq ? -1 : 1;
    return 0;
}

/* A byte string (a view). */
typedef struct dk_sbytes {
    const void *ptr;
    size_t len;
} dk_sbytes;

typedef struct dk_stream dk_stream;

/* One live entry as read: views into the stream (see above). */
typedef struct dk_sentry {
    dk_sid id;
    uint32_t npairs;
    const uint8_t *fields; /* the encoded field names */
    const uint8_t *values; /* the encoded values */
    const uint8_t *tvals;  /* values shaped as these (the field list's own entry's), or NULL */
} dk_sentry;

/* Walks an entry's pairs: start with dk_sentry_pairs, then dk_spairs_next until false.  A value
 * stored as an integer is written as text into num (so the view lives as long as the walker). */
typedef struct dk_spairs {
    const uint8_t *f, *v, *tv;
    uint32_t left;
    char num[24];
} dk_spairs;

/* A cursor over live entries.  Big (a backward one keeps its chunk's offsets): keep it on the
 * stack and never across a change to the stream. */
typedef struct dk_scursor {
    size_t chunk;  /* index of the chunk it is in (from the front) */
    uint32_t off;  /* forward: offset of the next entry to decode in the chunk */
    uint32_t tmpl; /* forward: offset of the field list in force at off */
    dk_sid prev;   /* forward: the ID of the entry before off */
    bool rev;
    int32_t idx; /* backward: the next entry to return is idx - 1 of n decoded */
    uint32_t offs[DK_STREAM_CHUNK_ENTRIES + 1];
    uint32_t tmpls[DK_STREAM_CHUNK_ENTRIES + 1];
    dk_sid ids[DK_STREAM_CHUNK_ENTRIES + 1];
} dk_scursor;

/* An empty stream (NULL when out of memory). */
dk_stream *dk_stream_new(void);
void dk_stream_free(dk_stream *s);
/* A deep copy (NULL when out of memory). */
dk_stream *dk_stream_copy(const dk_stream *s);

/* Live entries. */
uint64_t dk_stream_len(const dk_stream *s);
/* Every byte the stream owns, allocator overhead included. */
size_t dk_stream_bytes(const dk_stream *s);
/* Chunks held. */
size_t dk_stream_chunks(const dk_stream *s);

/* Appends an entry of npairs pairs (fv: field, value, field, value ...).  id must be greater
 * than the ID of every entry the stream holds (deleted ones included): 0 appended, -1 out of
 * memory, -2 id not greater (nothing changed either way). */
int dk_stream_append(dk_stream *s, dk_sid id, const dk_sbytes *fv, size_t npairs);

/* Marks the live entry id deleted (freeing its chunk once the chunk has no live entry); false
 * when there is no such live entry. */
bool dk_stream_del(dk_stream *s, dk_sid id);

/* The first or last live entry's ID; false when the stream is empty. */
bool dk_stream_first(const dk_stream *s, dk_sid *id);
bool dk_stream_last(const dk_stream *s, dk_sid *id);

/* The front chunk: its live entries and the ID of the last entry it stores (deleted or not);
 * false when there are no chunks. */
bool dk_stream_front(const dk_stream *s, uint64_t *live, dk_sid *last);
/* Frees the front chunk; returns the live entries it held. */
uint64_t dk_stream_drop_front(dk_stream *s);
/* Marks the first live entry deleted (as dk_stream_del); false when empty. */
bool dk_stream_del_first(dk_stream *s, dk_sid *id);

/* Places c before the first live entry >= from (forward), or after the last live entry <= from
 * (backward). */
void dk_stream_seek(const dk_stream *s, dk_scursor *c, dk_sid from, bool backward);
/* Places a forward cursor at the start of chunk i (from the front), and tells whether a forward
 * cursor has passed the last entry of the chunk it is in: with the stream unchanged in between,
 * a walk can stop there and go on later from the next chunk (dk_scursor.chunk + 1). */
void dk_stream_seek_chunk(const dk_stream *s, dk_scursor *c, size_t i);
bool dk_stream_chunk_done(const dk_stream *s, const dk_scursor *c);
/* The next live entry in the cursor's direction; false at the end. */
bool dk_stream_next(const dk_stream *s, dk_scursor *c, dk_sentry *e);
/* The live entry id, if any. */
bool dk_stream_get(const dk_stream *s, dk_sid id, dk_sentry *e);

void dk_sentry_pairs(const dk_sentry *e, dk_spairs *w);
bool dk_spairs_next(dk_spairs *w, dk_sbytes *field, dk_sbytes *value);

#ifdef __cplusplus
}
#endif

#endif
