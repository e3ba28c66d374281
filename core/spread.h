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
struct zvm_program;

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

typedef enum spread_find { SPREAD_NONE, SPREAD_FOUND, SPREAD_WAIT, SPREAD_REFUSED } spread_find;

/* Where a key was found on one shard: its table, its entry, and the entry's view. */
typedef struct spread_part {
    ks_space sp;
    dk_ref r;
    dk_entry e;
} spread_part;

/* Looks up key k in p's namespace on shard s (owned by the current thread).  SPREAD_FOUND with
 * *out when it is there (when parts_only, only a namespace counts); SPREAD_WAIT when another
 * process holds the key's top-level entry (p then watches that lock).
 *
 * A call whose family holds keys (SORT's, a script's, EXEC's) must not simply wait there: the
 * holder may be waiting for those keys.  Its parent's call options decide (spread.c):
 * KEEL_CALL_NOWAIT ends it as a conflict on that entry, for the parent to start over with it
 * locked on every shard (SPREAD_REFUSED, its error set), unless it already changed a part,
 * since the parent could not start over cleanly then; then, and for
 * KEEL_CALL_WAIT_LIMITED, it waits up to busy-reply-threshold; any other call whose family holds
 * keys fails (EXEC locks those entries on every shard up front, tx.c, so its calls never get
 * here). */
spread_find spread_part_find(struct zvm_proc *p, struct shard *s, const keel_arg *k,
                             bool parts_only, spread_part *out);

typedef enum spread_step { SPREAD_NEXT, SPREAD_STOP, SPREAD_BLOCK, SPREAD_FAIL } spread_step;

/* True when the lookup is over: the part is there or not (no wait, no refusal). */
static inline bool spread_settled(spread_find f) {
    return f == SPREAD_NONE || f == SPREAD_FOUND;
}

/* The step a walk's visit returns for a lookup that did not find a part (f != SPREAD_FOUND). */
static inline spread_step spread_step_of(spread_find f) {
    return f == SPREAD_WAIT ? SPREAD_BLOCK : f == SPREAD_REFUSED ? SPREAD_FAIL : SPREAD_NEXT;
}

/* A walk's visit is about to change the part it found on s: a snapshot and the parent's undo
 * log are told (ns_note_write_on), and from now on p cannot end as a conflict (spread_part_find).
 */
void spread_changed(struct zvm_proc *p, struct shard *s);

/* True when the command whose program is prog may walk spread parts (TYPE, DEL, the EXPIRE and
 * TTL families, RENAME): EXEC locks the top-level entries of its keys on every shard for it. */
bool spread_program_walks(const struct zvm_program *prog);

/* Calls fn(p, s, ctx) for each shard s from the one in register SPREAD_R_SHARD on (DK_NULL:
 * gives back p's locks and starts at shard 0), hopping to each shard's thread, charging one
 * reduction per shard and yielding when the budget is spent.  fn returns SPREAD_NEXT to go on,
 * SPREAD_STOP to end the walk, SPREAD_BLOCK after watching a lock (the walk resumes at the same
 * shard), SPREAD_FAIL after a refused wait (its error set).  Returns KEEL_NEXT when the walk is
 * over (the register is then reset to DK_NULL), else KEEL_HOP, KEEL_YIELD, KEEL_BLOCK or
 * KEEL_FAIL for the op to return. */
keel_op_result spread_walk(struct zvm_proc *p,
                           spread_step (*fn)(struct zvm_proc *p, struct shard *s, void *ctx),
                           void *ctx);

#endif
