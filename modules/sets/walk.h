/* walk.h -- what sets.so's multi-key commands share: visiting their keys shard by shard, and a
 * working set the process owns while it travels between threads.
 *
 * The keys of SINTERSTORE, SUNIONSTORE, SDIFF, SSUBSET, SEQUAL ... may live on several threads.
 * Before the first opcode runs, the core's key.lock prologue has locked all of them, shard by
 * shard in shard order, and left the process on the thread of the last shard (the "final
 * thread"); they stay locked until the command ends, so nobody else sees or changes them
 * meanwhile.  A set may be read only on its owner thread, and a view of it only until the
 * process yields or hops, so the commands work in two ways:
 *   - when every source key lives on the final thread, they run datakit's resumable set algebra
 *     (setop.h) straight over the live sets, looking them up again after every yield;
 *   - otherwise they build the answer in `acc`, a dk_set the process owns, which travels with
 *     it from thread to thread: a pass copies or adds a set into it, or keeps only the members
 *     that are (or are not) in a set, on that set's thread.  acc is malloc'd (datakit), so every
 *     command frees it with sets_walk_free on every way out.
 * The walk's own memory is the process arena's.
 */
#ifndef KEEL_SETS_WALK_H
#define KEEL_SETS_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <datakit/set.h>
#include <keel/sdk.h>
#include "convert.h"

typedef struct sets_walk {
    uint32_t n;           /* the command's keys, in keel_key_nth's shard order */
    uint32_t skip_argi;   /* argv index the validate pass does not type-check (a STORE's
                             destination), 0 = none */
    bool defer_wrongtype; /* the validate pass records keys of another type in wrong[]
                             instead of failing (SMOVE decides in Redis's order) */
    uint32_t *argi;       /* argv index of each key (filled by the validate pass) */
    uint64_t *count;      /* members of each key's set (0 when absent) */
    bool *present;        /* the key holds a set */
    bool *wrong;          /* the key holds another type (with defer_wrongtype) */
    bool *local;          /* the key lives on the final thread */
    uint32_t pos;         /* the validate pass's next key */
    dk_set *acc;          /* the working set, NULL until a pass needs it */
    dk_iter it;           /* the cursor of the pass under way */
    sets_convert conv;    /* acc's move to the general tier, if under way */
} sets_walk;

/* The passes of sets_walk_pass, each over key i's set S:
 *   ADD       acc = acc | S, walking S (a copy of S when acc is empty);
 *   KEEP_IN   acc = acc & S, walking acc and probing S;
 *   KEEP_OUT  acc = acc - S, walking acc and probing S;
 *   SUBTRACT  acc = acc - S, walking S and removing from acc. */
typedef enum sets_pass { SETS_ADD, SETS_KEEP_IN, SETS_KEEP_OUT, SETS_SUBTRACT } sets_pass;

/* Starts a walk (arena memory).  Call it on the first run of the command's opcode, before it
 * hops: that is where it learns which keys live on the final thread. */
sets_walk *sets_walk_new(keel_proc *p, uint32_t skip_argi);

/* The validate pass: visits every key in shard order (one hop per shard), recording its argv
 * index and, unless it is at skip_argi, whether it holds a set and how many members.  Returns
 * KEEL_NEXT once every key is visited (the process is then back on the final thread), KEEL_FAIL
 * after replying WRONGTYPE for a key of another type (unless defer_wrongtype), or KEEL_HOP /
 * KEEL_BLOCK / KEEL_YIELD for the opcode to return as they are (it resumes where it stopped). */
keel_op_result sets_walk_validate(keel_proc *p, sets_walk *w);

/* The key index whose argv index is argi (once validated), or w->n when none. */
uint32_t sets_walk_index(const sets_walk *w, uint32_t argi);

/* True when every key whose argv index is not skip_argi lives on the final thread. */
bool sets_walk_all_local(const sets_walk *w);

/* Looks key i up where it lives: KEEL_OK with *s (NULL when it holds no set), KEEL_MOVED or
 * KEEL_WAIT to pass on with KEEL_OP_PROPAGATE. */
keel_status sets_walk_find(keel_proc *p, const sets_walk *w, uint32_t i, dk_set **s);

/* Runs one pass (see sets_pass) of key i's set against acc, creating acc when NULL, in slices
 * of SETS_COST_* reductions per member.  Returns KEEL_NEXT when the pass is over (the cursor is
 * reset for the next), KEEL_HOP / KEEL_BLOCK / KEEL_YIELD to return as they are (call it again
 * with the same arguments), or KEEL_FAIL after replying "out of memory". */
keel_op_result sets_walk_pass(keel_proc *p, sets_walk *w, uint32_t i, sets_pass pass);

/* Hands acc to the caller (the walk no longer owns it); NULL when there is none. */
dk_set *sets_walk_take(sets_walk *w);

/* Frees acc if the walk still owns it, and an unfinished conversion (safe to call more than
 * once, and with NULL). */
void sets_walk_free(sets_walk *w);

#endif
