/* snap_shard.h -- one shard in a snapshot file: writing its databases (every key with its expiry
 * and aux words, namespaces at any depth, module objects through their type's save op) and
 * loading such a file back into an empty shard. */
#ifndef KEEL_CORE_SNAP_SHARD_H
#define KEEL_CORE_SNAP_SHARD_H

#include "snap_file.h"

#include <datakit/table.h>
#include <keel/type.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shard;

/* keel_sink (keel/type.h): what a type's save op writes into. */
struct keel_sink {
    snap_buf buf;
};

/* Tells the walk to leave out a top-level entry of database db (a point-in-time save: the key
 * was already written as it was at the start, or did not exist then). */
typedef bool (*snap_skip_fn)(void *ctx, uint32_t db, const void *key, size_t klen);

/* Writing one shard.  Between steps the caller may let other work change the shard (BGSAVE):
 * the walk keeps its place with the table's scan cursor, which survives resizes (a key may then
 * be visited twice; the loader keeps the last), and snap_pit.h writes a key about to change
 * before the walk gets there and has the walk leave it out. */
typedef struct snap_shard_writer {
    struct shard *s;
    snap_writer w;
    snap_buf rec;          /* records not yet in a block */
    struct keel_sink sink; /* a module object being saved */
    uint32_t db;           /* database being walked */
    uint64_t cursor;       /* its scan cursor */
    const void *table;     /* the table that cursor walks (another one after a SWAPDB) */
    bool db_started;       /* the walk has begun it (its DB block was written) */
    uint32_t block_db;     /* the database the last DB block named (UINT32_MAX: none yet) */
    bool walked;           /* every database walked (the end block may still be missing) */
    size_t block_bytes;    /* records are gathered into blocks of about this much */
    snap_skip_fn skip;     /* NULL, or the entries the walk leaves out */
    int64_t slice_end_ns;  /* 0, or CLOCK_MONOTONIC ns at which a bounded slice stops early */
    void *skip_ctx;
    uint64_t records; /* key records written (every level) */
    uint64_t keys;    /* top-level keys written */
    int64_t now_ms;   /* keys due by then are left out */
    char err[256];
    bool failed;
} snap_shard_writer;

/* Starts writing shard s to fd (opened by the caller, who closes it): the preamble and the head
 * block.  False with sw->err. */
bool snap_shard_begin(snap_shard_writer *sw, struct shard *s, int fd, uint64_t generation,
                      int64_t now_ms);
/* Writes up to `budget` top-level entries (each namespace whole), on the shard's owner thread
 * (or any thread once the workers stopped).  True when the shard is done (the end block written
 * and the file fsynced) or failed (sw->failed, sw->err); false when more is left. */
bool snap_shard_step(snap_shard_writer *sw, size_t budget);
/* The same without the end: true once every database was walked (sw->walked) or it failed. */
bool snap_shard_walk(snap_shard_writer *sw, size_t budget);
/* Writes the end block and fsyncs (after snap_shard_walk returned true); false when it failed. */
bool snap_shard_end(snap_shard_writer *sw);
/* Writes one top-level entry of database db now, whatever the walk's place (a point-in-time
 * save's pre-image of a key about to change): under a DB block naming db, left out when due by
 * the save's start.  The bytes it added to the file (0 when left out or failed). */
uint64_t snap_shard_write_entry(snap_shard_writer *sw, uint32_t db, const dk_entry *e);
void snap_shard_writer_free(snap_shard_writer *sw);

/* What loading a shard file found. */
typedef struct snap_load_stats {
    uint64_t keys;    /* keys stored in the databases (a namespace counts as one) */
    uint64_t expired; /* such keys left out because their time had come */
} snap_load_stats;

/* Loads file `path` into shard s (empty, not running yet: any thread may do it), checking that
 * it is shard s of a snapshot of nshards shards and generation `generation`.  Keys due by now_ms
 * are left out.  0, or -1 with err (the file, the offset and what is wrong): the shard then holds
 * what was read before the error (the caller gives up the start). */
int snap_shard_load(struct shard *s, const char *path, uint64_t generation, uint32_t nshards,
                    int64_t now_ms, snap_load_stats *st, char *err, size_t errlen);

#endif
