/* snap_pit.h -- a point-in-time BGSAVE on one shard: the shard's snapshot file being written,
 * and the keys already handled.  A key about to change that the walk has not passed yet is
 * first written as it is (its pre-image: what it was at the save's start, since this is its
 * first change), and remembered, so the walk leaves it out; a key made after the start is only
 * remembered.  docs/persistence.md tells the scheme and its memory cost.  Owner thread only
 * (any thread once the workers stopped). */
#ifndef KEEL_CORE_SNAP_PIT_H
#define KEEL_CORE_SNAP_PIT_H

#include "snap_shard.h"

#include <datakit/table.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shard;
struct ns_obj;

typedef struct snap_pit {
    snap_shard_writer sw; /* the shard's file; sw.walked once the walk passed every key */
    int fd;
    struct snap_io_file *io; /* the I/O thread's handle of fd (NULL: written here) */
    dk_table **handled;      /* [ndbs]: top-level keys written as pre-images or made after the
                                start, in databases the walk has not finished (NULL: none) */
    uint64_t preimages;      /* keys written as pre-images */
    uint64_t preimage_bytes; /* the bytes they took in the file */
} snap_pit;

/* Opens shard s's file of snapshot `generation` (the temp name) and starts its point-in-time
 * walk as of start_ms; s->pit is then set.  With io (snap_io.h), the file is written, fsynced
 * and closed by that group's thread (the caller waits for the group before the manifest names
 * it); without, it is not fsynced when its walk ends: the caller does it.  0, or -1 with err
 * (nothing set). */
struct snap_io_group;
int snap_pit_arm(struct shard *s, const char *path, uint64_t generation, int64_t start_ms,
                 struct snap_io_group *io, char *err, size_t errlen);
/* Takes s's state off the shard (s->pit becomes NULL) and frees it, closing the file (through
 * the I/O thread, after what it was handed).  The
 * counters are added to *preimages and *bytes first (either may be NULL). */
void snap_pit_disarm(struct shard *s, uint64_t *preimages, uint64_t *bytes);

/* Before top-level key `key` of database db on s changes (hash: ks_hash of it, or 0): writes
 * its pre-image when the walk has not passed it yet.  Costs one test while no save runs. */
void snap_pit_note_slow(struct shard *s, uint32_t db, const void *key, size_t klen, uint64_t hash);
static inline void snap_pit_note(struct shard *s, uint32_t db, const void *key, size_t klen,
                                 uint64_t hash);

/* Before a key inside namespace `owner` (a nested table of database db on s) changes: the
 * namespace's top-level entry is noted (a namespace is written whole). */
void snap_pit_note_nested(struct shard *s, uint32_t db, const struct ns_obj *owner);

/* A slice of the walk (up to budget top-level entries); true once every key was walked or the
 * save failed.  The handled keys of databases the walk has passed are let go. */
bool snap_pit_step(struct shard *s, size_t budget);

/* Before every key of s may change at once (FLUSHALL, FLUSHDB, SWAPDB): the walk of s is
 * finished now, so that the file holds every key as it was at the start. */
void snap_pit_finish_walk(struct shard *s);

#include "shard.h"

static inline void snap_pit_note(struct shard *s, uint32_t db, const void *key, size_t klen,
                                 uint64_t hash) {
    if (__builtin_expect(s->pit != NULL, 0)) snap_pit_note_slow(s, db, key, klen, hash);
}

#endif
