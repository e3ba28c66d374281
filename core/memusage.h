/* memusage.h -- what one key costs in memory (MEMORY USAGE): its entry in its table, its value,
 * and for a namespace every value below it, measured a slice at a time.
 *
 * A namespace's own table bytes (dk_table_bytes: every entry record and every string value in
 * it) are exact and O(1).  The values that are objects (lists, sets, nested namespaces, ...) are
 * visited: all of them when samples is 0, else `samples` entries in all, over the whole tree,
 * the objects among them measured and each table's share extrapolated from what was visited in
 * it (Redis's SAMPLES, which samples nested elements the same way).  The walk keeps its state in
 * the process's arena and yields between slices; the key stays locked meanwhile, so no table
 * below it changes (active expiry skips a shard's namespaces while any lock is held there). */
#ifndef KEEL_CORE_MEMUSAGE_H
#define KEEL_CORE_MEMUSAGE_H

#include <datakit/table.h>
#include <stdbool.h>
#include <stdint.h>

struct zvm_proc;
typedef struct mu_walk mu_walk;

/* Starts measuring entry r of table t (a live reference, on t's owner thread): the walk, in p's
 * arena.  samples 0 looks at every value below a namespace. */
mu_walk *mu_start(struct zvm_proc *p, dk_table *t, dk_ref r, uint64_t samples);

/* Goes on measuring: true with *bytes once done; false when p's budget is spent (yield and call
 * again with the key still locked).  Charges reductions per entry visited. */
bool mu_step(struct zvm_proc *p, mu_walk *w, uint64_t *bytes);

#endif
