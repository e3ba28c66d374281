/* busy.h -- processes marked busy (keel_proc_set_busy: a script past busy-reply-threshold): a
 * process that would wait for a key one of them holds fails with its error ("BUSY ...") instead,
 * and so do those that were waiting already (each thread's tick sweeps its lock tables while any
 * process is busy).
 */
#ifndef KEEL_CORE_BUSY_H
#define KEEL_CORE_BUSY_H

#include <stdint.h>

struct thr;
struct zvm_proc;

/* The error of the busy process whose lock owner token is owner, or NULL (any thread; one
 * relaxed load while nothing is busy). */
const char *busy_error_of(uint64_t owner);
/* How many processes are busy now (any thread). */
uint32_t busy_procs(void);
/* p ended: it is busy no more (and no longer a limited waiter). */
void busy_clear(struct zvm_proc *p);
/* p is about to wait for a key: when its parent ran it with KEEL_CALL_WAIT_LIMITED, the wait
 * gets a deadline (busy-reply-threshold from now), after which the sweep fails it. */
void busy_note_wait(struct zvm_proc *p);
/* The same for a call whatever its parent's options (a spread walk that may not end as a
 * conflict: spread.h). */
void busy_limit_wait(struct zvm_proc *p);
/* On t: fails every process waiting on a lock of t's shards held by a busy process, every
 * limited waiter past its deadline, and the youngest script of a wait cycle of scripts that
 * wrote (wait_cycle.h). */
void busy_sweep(struct thr *t);

/* What a limited waiter past its deadline answers. */
#define BUSY_WAIT_LIMIT_ERROR                                                                      \
    "ERR the script waited longer than busy-reply-threshold for a key it did not declare, after "  \
    "writing (it cannot start over then): declare every key a script touches in KEYS"

/* What the youngest script of a wait cycle answers (wait_cycle.h). */
#define BUSY_WAIT_CYCLE_ERROR                                                                      \
    "ERR the script waited for a key it did not declare, held by another script that waits for "   \
    "one of its keys (after writing, neither can start over): declare every key a script "         \
    "touches in KEYS"

#endif
