/* call.h -- a process running commands as its children (keel_call: EXEC's queued commands, a
 * script's redis.call).
 *
 * The child is an ordinary process of the same client that shares its parent's lock owner
 * token: every key the parent holds is the child's to use, and the keys the child takes that
 * the parent did not hold pass to the parent when the child finishes (held until the parent
 * ends: two-phase locking, so what the parent does is atomic).  The child runs on its own
 * (hops, yields, waits for locks); the parent waits, parked, until it finishes, and then reads
 * its reply.  A blocking command run as a child does not block: it answers as on a timeout.
 */
#ifndef KEEL_CORE_CALL_H
#define KEEL_CORE_CALL_H

#include <keel/sdk.h>
#include <stdbool.h>
#include <stdint.h>

struct zvm_proc;

struct cmd_entry;

/* keel_call for EXEC: the command the client named `named` (ce: its target, both looked up
 * when it was queued) with arguments that outlive the child (NUL-terminated, used in place, not
 * copied). */
keel_status call_entry(struct zvm_proc *p, const struct cmd_entry *named,
                       const struct cmd_entry *ce, uint32_t argc, const keel_arg *argv);

/* The child finished (on the thread p waits on): called by zvm_step for a child. */
void call_child_done(struct zvm_proc *child);
/* Recycles p's finished child, if any (on the child's own thread). */
void call_clear(struct zvm_proc *p);
/* keel_proc_restart_wider, done when p yields: p releases every lock it holds and starts its
 * program over with its keys widened by those locks' keys and its last child's conflict key. */
void call_restart_wider(struct zvm_proc *p);

#endif
