/* deadline.h -- the absolute deadline of a blocked pop across its parks.
 *
 * keel_block_keys takes a timeout relative to the park, and a woken process starts its program
 * over with its registers cleared.  A pop woken by a push that another client won parks again,
 * and must then wait only for what is left of its timeout, as in Redis.  So the first park of a
 * process records its deadline here, keyed by the process, and every later park of the same
 * process reads it back.  Every run of a blocking opcode that ends without parking calls
 * zs_deadline_forget, so an entry never outlives its process.  Thread-safe (a process may be
 * woken on another thread); costs one atomic read while no process with a timeout is parked.
 */
#ifndef KEEL_ZSETS_DEADLINE_H
#define KEEL_ZSETS_DEADLINE_H

#include <stdint.h>
#include <keel/sdk.h>

/* The timeout to park p with now: 0 when timeout_ms is 0 (forever), else the milliseconds left
 * until the deadline its first park set (timeout_ms from then), at least 1; -1 when that
 * deadline has passed (reply the timeout answer), or when out of memory. */
int64_t zs_deadline_left(keel_proc *p, int64_t timeout_ms);

/* Forgets p's deadline, if it has one. */
void zs_deadline_forget(keel_proc *p);

/* Forgets every deadline (module unload). */
void zs_deadline_clear(void);

/* Deadlines recorded now (for tests). */
long zs_deadline_count(void);

#endif
