/* lock.h -- per-shard key locks held by processes that leave the CPU with keys (yielded,
 * blocked, or spanning several shards).  Waiters queue on the lock and are requeued on the
 * shard's thread when it is released.  Owner thread only. */
#ifndef KEEL_CORE_LOCK_H
#define KEEL_CORE_LOCK_H

#include <stddef.h>
#include <stdint.h>

struct zvm_proc;

typedef struct lock_ent {
    uint64_t owner; /* the holding process's serial */
    uint64_t hash;
    size_t klen;
    struct zvm_proc *wait_head, *wait_tail;
    struct lock_ent *next; /* hash chain */
    char key[];
} lock_ent;

typedef struct lock_table {
    lock_ent **buckets;
    uint32_t mask; /* buckets - 1 (power of two), 0 when unallocated */
    uint32_t count;
    lock_ent *spare; /* released entries kept for reuse (keys up to LOCK_SPARE_KEY bytes) */
    uint32_t nspare;
} lock_table;

/* The lock on key, or NULL. */
lock_ent *lock_find(lock_table *t, const char *key, size_t klen, uint64_t hash);
/* Takes key for owner: returns the new entry, or the existing one if owner holds it already
 * (*fresh tells which).  Never fails (allocation aborts on OOM). */
lock_ent *lock_take(lock_table *t, const char *key, size_t klen, uint64_t hash, uint64_t owner,
                    int *fresh);
/* Some lock of the table held by another owner than `owner`, or NULL. */
lock_ent *lock_any_other(lock_table *t, uint64_t owner);
/* Queues p behind the lock, to take it when its holder lets go. */
void lock_wait(lock_ent *e, struct zvm_proc *p);
/* Queues p behind the lock only to run again once its holder lets go (FLUSHALL, a namespace
 * lookup): p never takes the lock. */
void lock_watch(lock_ent *e, struct zvm_proc *p);
/* Releases e.  Locks are granted in arrival order: watchers queued before the first taker are
 * handed back through *woken (a NULL-terminated list through ->next, for the caller to run);
 * the first taker, if any, now owns e, which stays in the table with the later waiters still
 * queued, and is returned (the caller records the lock as that process's and runs it).  With no
 * taker, e is removed and freed and NULL is returned, every waiter in *woken. */
struct zvm_proc *lock_release(lock_table *t, lock_ent *e, struct zvm_proc **woken);
/* Frees the table's memory, spare entries included (no entries may remain). */
void lock_table_free(lock_table *t);

#endif
