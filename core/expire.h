/* expire.h -- active expiry: each thread keeps a one-shot timer armed for the earliest expiry
 * among the tables of the shards it owns (databases' tables and namespaces' nested ones) and
 * removes keys when they come due, a bounded slice of work per loop turn; the expiry lag of
 * every key removed for its time (actively or on access) goes into the thread's histogram. */
#ifndef KEEL_CORE_EXPIRE_H
#define KEEL_CORE_EXPIRE_H

#include "expire_lag.h"

#include <stdint.h>

struct thr;
struct shard;

/* The most one slice of active expiry runs before the loop serves I/O again. */
#define EXPIRE_SLICE_NS 1000000

/* Makes t's expiry timer (a timerfd on the wall clock, watched by t's loop). */
void expire_init(struct thr *t);
void expire_fini(struct thr *t);

/* A key of s (owned by the calling thread) now expires at at_ms: the timer is brought forward
 * when that is sooner than what it waits for. */
void expire_soon(struct shard *s, int64_t at_ms);

/* One slice: removes keys due by the wall clock from t's shards for at most EXPIRE_SLICE_NS,
 * then arms the timer: at once (through the event loop, after I/O) when due keys are left, for
 * the next deadline otherwise, not at all when no key of t's shards has an expiry. */
void expire_run(struct thr *t);

/* The tick's check, for a thread that could not make its timer (no timerfd): runs a slice when
 * the next deadline has passed. */
void expire_tick(struct thr *t);

/* A key of s with deadline expire_ms was found expired on access and removed. */
void expire_note_lazy(struct shard *s, int64_t expire_ms);

/* Every thread's lag histogram merged (any thread). */
void expire_lag_all(expire_lag_summary *out);

/* The wall clock in microseconds. */
int64_t expire_wall_us(void);

#endif
