/* evict.h -- the memory limit: whether used memory is over maxmemory, the check of commands that
 * grow memory, and eviction, each thread from its own shards.
 *
 * used_memory (mem_process_used: what the allocator holds for the process) is sampled by worker
 * thread 0 every tick (10 ms) while a limit is set; between samples what eviction frees is taken
 * off at once, so threads evicting together do not all chase the same excess.  Each thread evicts
 * from its own shards only: on its tick its share of the excess (by its shards' key counts, among
 * the threads that still have candidates), and before a command flagged KEEL_CMD_DENYOOM runs, a
 * bounded number of keys when the limit is passed.  Candidates are the top-level keys of every
 * database (a namespace is one key: evicting it frees everything below it).  See
 * docs/architecture.md, "Memory limit and eviction".
 */
#ifndef KEEL_CORE_EVICT_H
#define KEEL_CORE_EVICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thr;
struct shard;
struct listener;

/* INFO's used_memory: what the allocator holds for the process (mem_process_sample) less the
 * spare bytes of the keyspace tables (their pages' free slots, which the next keys take: free
 * memory, as the allocator's own free lists are); also raises used_memory_peak. */
int64_t evict_memory_used(void);
/* Those spare bytes, as each thread published them at its last tick. */
int64_t evict_spare_bytes(void);
/* Thread 0's tick: samples used memory (every tick while a limit is set). */
void evict_sample_memory(void);
/* The last sample less what eviction freed since. */
int64_t evict_used(void);
/* True when a limit is set and evict_used() is over it. */
bool evict_over(void);

/* Before a KEEL_CMD_DENYOOM command arriving on network net runs on thread t: true when it may
 * run (under the limit, or eviction made room or is under way), false when it must be refused
 * with -OOM (noeviction, a "refuse" network, or nothing left to evict on any thread). */
bool evict_admit(struct thr *t, const struct listener *net);
/* Every thread's tick: evicts its share of the excess from its shards (bounded per tick). */
void evict_cycle(struct thr *t);

/* The one place a key leaves the keyspace by eviction: counts it (evicted_keys) and is where the
 * `evicted` keyspace event is emitted.  key is the key's name in database db of shard s. */
void evict_removed(struct shard *s, uint32_t db, const void *key, size_t klen);
/* Keys evicted since start (INFO evicted_keys, memcached's evictions). */
int64_t evict_count(void);

/* Frees every thread's eviction pool (after the threads are gone). */
void evict_free_all(void);

#endif
