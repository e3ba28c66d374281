/* sbsnap.h -- the snapshot form of a sparse bitset (SAVE, the append-only log's rewrite, DUMP).
 *
 * Layout: a version byte (1), then each non-empty 2^16-bit block in ascending order:
 *   varint  key gap: block key minus (the previous block's key + 1), from 0 for the first block
 *   byte    encoding: 0 array, 1 bitmap, 2 runs (the smallest of the three for this block)
 *   array   varint n (1..4096), then n 16-bit offsets, strictly ascending
 *   bitmap  1024 64-bit words (bit i of word j is offset 64 * j + i), not all zero
 *   runs    varint n (1..32768), then n (start, length - 1) pairs of 16-bit numbers, ascending,
 *           each starting after the end of the one before and ending inside the block
 * Numbers are little-endian; varints are LEB128.  An empty bitset is never saved.
 */
#ifndef KEEL_SBITSET_SBSNAP_H
#define KEEL_SBITSET_SBSNAP_H

#include <stddef.h>
#include <keel/sdk.h>

/* The type's save op: writes the bitset obj to sink in the layout above. */
keel_status sbs_snap_save(const void *obj, keel_sink *sink);

/* The type's load op: a new dk_sbitset from exactly the bytes one save wrote; NULL with *err set
 * (a static message) when they are malformed or memory ran out. */
void *sbs_snap_load(const void *data, size_t len, const char **err);

#endif
