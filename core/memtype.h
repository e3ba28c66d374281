/* memtype.h -- memory by value type, for STATS and /metrics: each shard's owner thread walks its
 * databases' tables a few buckets a tick, adds up the object values it meets by type (their type's
 * memory op), and publishes the sums when a pass over the shard ends.
 *
 * Top-level values are measured exactly.  A namespace met on the way counts its own table (entry
 * records and string values) under "namespace", and the objects in it are estimated from a sample
 * of up to MEMTYPE_NS_SAMPLES entries per level, scaled to its count, as MEMORY USAGE's SAMPLES
 * does: a namespace is measured when met, never kept across ticks (it may be gone by the next).
 * String values are part of their tables' bytes (STATS memory.keyspace), not of any type here.
 * The walks run only for MEMTYPE_WANTED_MS after the figures were last asked for (memtype_want):
 * the first read starts them, and a scraper reading every few seconds keeps them going. */
#ifndef KEEL_CORE_MEMTYPE_H
#define KEEL_CORE_MEMTYPE_H

#include <stddef.h>
#include <stdint.h>

struct shard;

/* Types measured: type ids below this (the core and every module register far fewer). */
#define MEMTYPE_SLOTS 64
#define MEMTYPE_NS_SAMPLES 64
/* Entries each shard's walk looks at per tick (10 ms): a million keys a thread in about 5 s. */
#define MEMTYPE_TICK_WORK 256

/* One tick's share of the walk of s (on its owner thread): about `work` entries, while wanted. */
void memtype_tick(struct shard *s, size_t work, int64_t now_ms);

/* Someone reads the figures (any thread, with the server's clock): keep the walks going. */
void memtype_want(int64_t now_ms);

/* Frees s's walk (shard_free). */
void memtype_free(struct shard *s);

/* The published bytes of type id (0 for an id never measured), summed over every shard; any
 * thread.  passes gets the fewest passes any shard has finished (0: not measured yet). */
uint64_t memtype_bytes(uint16_t type_id);
uint64_t memtype_passes(void);

#endif
