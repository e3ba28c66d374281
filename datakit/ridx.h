/* ridx.h -- internal to datakit: the run index of dk_sorted (the store behind dk_map, dk_set and
 * dk_zset), a counted B+tree of run descriptors.
 *
 * Each leaf holds up to DK_RIDX_FAN descriptors in order: a run pointer, the run's element count
 * and its 64-bit order-preserving key (the prefix of its first entry).  Each inner node holds, per
 * child, the runs and elements under it and the first key under it.  So every operation is
 * O(log runs): the run of index i, the run holding element pos, the elements before run i, the
 * runs whose key is <= k, and adding or removing a run (cidx.h's flat arrays make those two
 * O(runs): a memmove, then a rebuild of their Fenwick tree).  Nodes split when full, and merge
 * with or borrow from a neighbour below a quarter full.  A cache of the last leaf found by index
 * makes a walk from run to run O(1) a step.
 *
 * Bytes: a slot is 28 bytes (run pointer, key, elements, count, kept as four arrays so a scan
 * reads only the one it needs); a node is 16 bytes plus its slots.  The root leaf grows with its
 * runs (2, 4, ... DK_RIDX_FAN slots), so a store of a few runs pays about what flat arrays would;
 * other nodes have DK_RIDX_FAN slots and stay at least a quarter full, 28 to 112 bytes per run
 * (about 40 in practice): under half a byte per element of a store whose runs hold ~100 entries.
 * The index never frees or looks inside the runs.
 */
#ifndef DATAKIT_RIDX_H
#define DATAKIT_RIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DK_RIDX_FAN 32
/* Longest shared key prefix an index keeps for its owner (dk_ridx.kp). */
#define DK_RIDX_KP_MAX 32

typedef struct dk_ridx_node dk_ridx_node;

typedef struct dk_ridx {
    dk_ridx_node *root;       /* a leaf while the index holds at most DK_RIDX_FAN runs */
    uint32_t height;          /* levels; 1 = the root is a leaf, 0 = empty */
    uint32_t n;               /* runs */
    uint64_t total;           /* elements, the sum of the runs' counts */
    size_t bytes;             /* every node's footprint */
    const dk_ridx_node *hint; /* the leaf last found by index, and its first run's index */
    uint32_t hint_first;
    /* Kept for the owner, never read here: leading bytes that every byte-string key shared
     * when the keys were computed (dk_sorted's run keys skip them, sorted.c). */
    uint8_t kplen;
    uint8_t kp[DK_RIDX_KP_MAX];
} dk_ridx;

/* An empty index (NULL when out of memory). */
dk_ridx *dk_ridx_new(void);
/* Frees the index's nodes and itself; never the runs. */
void dk_ridx_free(dk_ridx *x);

/* Inserts a run so it becomes run i (i <= n); false when out of memory (nothing changed). */
bool dk_ridx_insert(dk_ridx *x, uint32_t i, void *run, uint32_t count, uint64_t key);
/* Removes run i (the caller frees the run). */
void dk_ridx_remove(dk_ridx *x, uint32_t i);

/* Run i (i < n), and where its pointer is kept (valid until the next insert or remove). */
void *dk_ridx_run(const dk_ridx *x, uint32_t i);
void **dk_ridx_slot(dk_ridx *x, uint32_t i);
/* Run i's element count; adds delta (may be negative) to it; sets it. */
uint32_t dk_ridx_count(const dk_ridx *x, uint32_t i);
void dk_ridx_add(dk_ridx *x, uint32_t i, int64_t delta);
void dk_ridx_set_count(dk_ridx *x, uint32_t i, uint32_t count);
/* Sets run i's key (its first entry changed). */
void dk_ridx_set_key(dk_ridx *x, uint32_t i, uint64_t key);

/* The run holding element pos (pos < total); *within gets pos's index inside it. */
uint32_t dk_ridx_locate(const dk_ridx *x, uint64_t pos, uint32_t *within);
/* Elements in the runs before run i (i <= n). */
uint64_t dk_ridx_before(const dk_ridx *x, uint32_t i);
/* The number of runs whose key is <= k; when that is not 0 and last is not NULL, *last gets the
 * key of the last of them. */
uint32_t dk_ridx_upper(const dk_ridx *x, uint64_t k, uint64_t *last);

/* Every byte the index owns, allocator slack included. */
size_t dk_ridx_bytes(const dk_ridx *x);

#endif
