/* spread.h -- namespaces spread over shards (HS, CS n): the helpers the generic key commands
 * (DEL, TYPE, the EXPIRE family, RENAME) use to reach a spread namespace's part on every shard.
 *
 * A namespace whose keys are placed by another element than its own name has one entry (a
 * "part") on each shard that holds some of its keys.  A command that names it from its parent
 * first looks where the name lives; when the name is missing there or is a part, and some
 * namespace has ever had a part away from its name's shard (srv->ns_spread), the command gives
 * back its locks and visits every shard in turn, one shard at a time (so it is atomic on each
 * shard, not across them). */
#ifndef KEEL_CORE_SPREAD_H
#define KEEL_CORE_SPREAD_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/sdk.h>

#include "ns.h"

struct shard;
struct zvm_proc;

/* Registers the spread ops use, left alone by the first op of every command that has them:
 * PENDING is set by that op when it leaves the work (and the reply) to the spread op, SHARD is
 * the shard being visited, then three for the op's own state. */
#define SPREAD_R_PENDING 8
#define SPREAD_R_SHARD 9
#define SPREAD_R_A 10
#define SPREAD_R_B 11
#define SPREAD_R_C 12

/* True when a key looked up where its name lives (status st, value v) may have parts on other
 * shards: spread namespaces exist, and it is missing there or a part itself (ns_obj.spread). */
bool spread_may_have_parts(keel_status st, const keel_value *v);

typedef enum spread_find { SPREAD_NONE, SPREAD_FOUND, SPREAD_WAIT } spread_find;

/* Where a key was found on one shard: its table, its entry, and the entry's view. */
typedef struct spread_part {
    ks_space sp;
    dk_ref r;
    dk_entry e;
} spread_part;

/* Looks up key k in p's namespace on shard s (owned by the current thread).  SPREAD_FOUND with
 * *out when it is there (when parts_only, only a namespace counts); SPREAD_WAIT when another
 * process holds the key's top-level entry (p then watches that lock). */
spread_find spread_part_find(struct zvm_proc *p, struct shard *s, const keel_arg *k,
                             bool parts_only, spread_part *out);

typedef enum spread_step { SPREAD_NEXT, SPREAD_STOP, SPREAD_BLOCK } spread_step;

/* Calls fn(p, s, ctx) for each shard s from the one in register SPREAD_R_SHARD on (DK_NULL:
 * gives back p's locks and starts at shard 0), hopping to each shard's thread, charging one
 * reduction per shard and yielding when the budget is spent.  fn returns SPREAD_NEXT to go on,
 * SPREAD_STOP to end the walk, SPREAD_BLOCK after watching a lock (the walk resumes at the same
 * shard).  Returns KEEL_NEXT when the walk is over (the register is then reset to DK_NULL), else
 * KEEL_HOP, KEEL_YIELD or KEEL_BLOCK for the op to return. */
keel_op_result spread_walk(struct zvm_proc *p,
                           spread_step (*fn)(struct zvm_proc *p, struct shard *s, void *ctx),
                           void *ctx);

#endif
