/* walk.h -- listing the connection's namespace on every shard, a slice at a time: the engine
 * behind VALS, GETALL, KEYSANDEXPIRES and KEYSANDTYPES.
 *
 * A walk runs inside a shard walk (shard.reset / shard.enter / ... / shard.next): on each shard
 * it scans the process's namespace there, replying one entry per live key, and (VALS, GETALL)
 * descends into nested namespaces to reply them as nested maps, yielding whenever the slice's
 * budget is spent, so a tree of millions of keys never holds a thread.  Each level remembers
 * the keys it has shown, so a table resized between two slices never shows a key twice.
 *
 * Like KEYS, a walk takes no lock: it is not atomic, and a key changed while it runs may be
 * shown in either state.  A namespace spread over shards (HS, CS) is listed shard by shard.
 */
#ifndef KEEL_MAPS_WALK_H
#define KEEL_MAPS_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/sdk.h>
#include "keyset.h"

/* What a walk replies for each key. */
enum map_walk_mode {
    WALK_VALS = 0,     /* the value (nested namespaces as maps) */
    WALK_GETALL,       /* key, value */
    WALK_EXPIRES,      /* key, remaining ms (-1 = none) */
    WALK_EXPIRES_NICE, /* key, remaining time as text */
    WALK_TYPES         /* key, type name */
};

/* Levels a walk can be on: its own and every namespace below it.  No path is longer than
 * KEEL_NS_DEPTH_MAX names, so a walk reaches every nested namespace; one it could not enter
 * would be replied whole through its to-reply op. */
#define WALK_MAX_DEPTH (KEEL_NS_DEPTH_MAX + 1)

typedef struct walk_level {
    const keel_arg *name; /* the name that leads here from the level above (NULL at 0) */
    uint64_t cursor;
    bool scanned;
    map_keyset seen;          /* keys shown at this level */
    const keel_arg **pending; /* nested namespaces to descend into once the scan is done */
    uint32_t npending, cap, next;
} walk_level;

typedef struct map_walk {
    int mode;       /* enum map_walk_mode */
    uint32_t depth; /* the level being worked on */
    int64_t now_ms;
    walk_level lv[WALK_MAX_DEPTH];
} map_walk;

/* A new walk in p's arena. */
map_walk *map_walk_new(keel_proc *p, int mode);

/* Starts over at the top level, for the next shard of the shard walk. */
void map_walk_shard_start(map_walk *w);

/* Works on the shard walk's current shard: KEEL_NEXT when everything there is replied, else
 * KEEL_YIELD (call again: progress is kept in w), or KEEL_HOP / KEEL_BLOCK to return.  Leaves
 * nothing pushed between calls. */
keel_op_result map_walk_shard(keel_proc *p, map_walk *w);

#endif
