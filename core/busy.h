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
/* p ended: it is busy no more. */
void busy_clear(struct zvm_proc *p);
/* Fails every process waiting on a lock of t's shards held by a busy process (on t). */
void busy_sweep(struct thr *t);

#endif
