/* expire.h -- active expiry: each thread regularly removes due keys from the shards it owns,
 * a bounded amount of work per tick. */
#ifndef KEEL_CORE_EXPIRE_H
#define KEEL_CORE_EXPIRE_H

struct thr;

/* Removes keys due by the thread's clock from its shards, for at most about a millisecond. */
void expire_cycle(struct thr *t);

#endif
