/* undo.h -- what a process's children wrote, kept so that it can put it back and start over.
 *
 * A script that touches a key it did not declare, held by another process, starts over with
 * that key locked up front (call.c, keel_proc_restart_alone).  Before it has written that is
 * free; after, its writes must go first.  keel_proc_undo_begin makes the process keep, before
 * each child that may write first reaches a top-level key, what the key held (a copy of its
 * value, its expiry and words, or that it was absent).  keel_proc_undo puts every kept key
 * back, on the thread that owns its shard, while the process still holds its locks: nobody
 * saw the writes, and nobody sees them go.  A key that cannot be kept (a value over the size
 * the process gave, or the log over UNDO_TOTAL_TIMES that in all: a hash or namespace counts
 * whole; a type without a copy op; a command that writes without naming keys)
 * ends the log: keel_proc_undo_ready then answers false and the caller waits as before.
 */
#ifndef KEEL_CORE_UNDO_H
#define KEEL_CORE_UNDO_H

#include <stddef.h>
#include <stdint.h>

struct shard;
struct zvm_proc;
typedef struct undo_log undo_log;

/* The largest value size a log may be given (bytes, as types count them), how many times its
 * size a log keeps in all, and the most keys kept per log: past any, the log breaks (a run that
 * writes more waits instead). */
#define UNDO_VALUE_LIMIT ((size_t)4 << 20)
#define UNDO_TOTAL_TIMES 16u
#define UNDO_KEYS_MAX 4096u

/* A child p of a process keeping a log (p->undo) is about to reach top-level key `top` of
 * database db on s, its owner thread: keeps what the key holds, the first time, when p may
 * write. */
void undo_note(struct zvm_proc *p, struct shard *s, uint32_t db, const void *top, size_t toplen,
               uint64_t tophash);
/* p (a child of such a process) may write more than named keys (a whole namespace or
 * database): the log cannot put that back. */
void undo_note_whole(struct zvm_proc *p);
/* p starts over (call_restart_wider) or put everything back: it keeps no log until it asks
 * again. */
void undo_forget(struct zvm_proc *p);

#endif
