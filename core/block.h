/* block.h -- blocking commands (BLPOP and friends): a process parks on its keys without holding
 * a thread or a lock, and is woken by a push on any thread, by its timeout, or when its client
 * goes away.
 *
 * A parked process is represented by a blocker whose state moves once, atomically, from WAITING
 * to WOKEN, TIMEDOUT or CANCELLED; whoever makes that move reschedules the process, so it runs
 * exactly once more however many wake-ups race.  Each shard keeps, per key, a FIFO of the
 * blockers waiting on it (owner thread only).  A woken process runs its program again from the
 * start (key.lock included) and first removes its other registrations.
 */
#ifndef KEEL_CORE_BLOCK_H
#define KEEL_CORE_BLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zvm_proc;
struct shard;
struct thr;
struct event;

enum blk_state { BLK_WAITING = 0, BLK_WOKEN, BLK_TIMEDOUT, BLK_CANCELLED };

typedef struct blocker {
    _Atomic int state;
    _Atomic int refs; /* the process, each live registration, the timer */
    struct zvm_proc *p;
    struct event *timer; /* on the process's home thread; NULL without a timeout */
} blocker;

/* The per-shard table of keys with waiting blockers. */
typedef struct wait_list wait_list;
typedef struct wait_table {
    wait_list **buckets;
    uint32_t mask;
    uint32_t count;
} wait_table;

/* Parks p (its opcode called keel_block_keys and returned KEEL_BLOCK): registers it on every
 * one of its keys (other shards' through messages sent before the unlock messages, so no push
 * can slip between), releases its locks, arms its timeout.  Runs on p's current thread. */
void blk_park(struct zvm_proc *p);

/* Wakes every process blocked on key in shard s (s's owner thread).  Returns how many. */
int blk_signal(struct shard *s, const void *key, size_t klen, uint64_t hash);
/* Wakes every process blocked on any key of shard s (SWAPDB: any key may have data now); each
 * looks at its keys again and parks anew when there is still nothing.  Returns how many. */
int blk_signal_all(struct shard *s);

/* Called when a parked process runs again: drops its remaining registrations and its timer
 * reference, and makes it start its program over. */
void blk_resumed(struct zvm_proc *p);

/* The client of p went away: a parked p is woken as cancelled so it can finish.  True if it was
 * parked.  On p's home thread. */
bool blk_cancel(struct zvm_proc *p);

/* CLIENT UNBLOCK: a parked p is woken as if its timeout passed (it answers its timeout reply),
 * or with `error` as its reply.  True if it was parked.  On p's home thread. */
bool blk_unblock(struct zvm_proc *p, const char *error);

/* Frees the wait table of a shard (at shutdown), releasing its registrations. */
void wait_table_free(wait_table *wt);

#endif
