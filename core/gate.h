/* gate.h -- holding a whole shard.  A command that must change every key of a database at one
 * instant, as every client sees it (SWAPDB, FLUSHDB and FLUSHALL at the top), first raises a
 * gate on every shard, in shard order: once its gate is up on a shard, no process starts taking
 * keys there, and it waits until the processes that held keys there have finished.  With every
 * gate up it does its work shard by shard, lowering each gate as it goes.  Nobody can then see
 * some shards before the change and others after it: a process that reaches a shard whose gate
 * is up waits until it is lowered, and by then that shard is changed.
 *
 * No deadlock: gates go up in ascending shard order, as key locks are taken, and a process that
 * already holds keys on a shard (or is taking them) passes its gate; the gate's owner waits for
 * it.  Owner thread of the shard only. */
#ifndef KEEL_CORE_GATE_H
#define KEEL_CORE_GATE_H

#include <stdbool.h>

struct lock_ent;
struct shard;
struct zvm_proc;

/* True when another process's gate is up on s and p holds no key there (nor does the process
 * p runs a call for: EXEC's commands and a script's calls run under their caller's locks): p
 * now waits for the gate to be lowered (the caller returns KEEL_BLOCK, or KEEL_WAIT from a
 * keyspace call). */
bool gate_blocks(struct shard *s, struct zvm_proc *p);
/* True when p, or the process it runs a call for (EXEC, a script), holds or is taking keys. */
bool gate_family_holds_keys(const struct zvm_proc *p);

/* The test of gate_blocks without the waiting: true when p may not pass s's gate. */
bool gate_bars(const struct shard *s, const struct zvm_proc *p);

/* The same for a keyspace call (ns_resolve): a process that holds keys on other shards (or
 * whose caller does) passes too.  It is reading a key it did not declare (declared keys are locked,
 * on their shard, by key.lock, which waits at gates); making it wait could deadlock with the gate's
 * owner, which waits for the keys it holds. */
bool gate_blocks_access(struct shard *s, struct zvm_proc *p);

/* True when e, a lock a process holds, is a gate (it names no key: a key lock's entry names
 * one, and even the empty key's hash is not 0).  Any thread. */
bool gate_entry(const struct lock_ent *e);

/* Raises p's gate on s.  True once it is up and no other process holds a key lock on s; false
 * when p now waits (behind another process's gate or a lock holder) and must run again. */
bool gate_raise(struct shard *s, struct zvm_proc *p);

/* Lowers p's gate on s (if p holds it): the processes waiting for it run again. */
void gate_lower(struct shard *s, struct zvm_proc *p);

/* Lowers s's gate, whoever raised it (a process that ran alone gives it back with its locks). */
void gate_drop(struct shard *s);

/* True when p holds s's gate. */
bool gate_held(const struct shard *s, const struct zvm_proc *p);

#endif
