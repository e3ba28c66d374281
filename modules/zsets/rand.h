/* rand.h -- zsets.so's random numbers (ZRANDMEMBER): a per-thread generator. */
#ifndef KEEL_ZSETS_RAND_H
#define KEEL_ZSETS_RAND_H

#include <stdint.h>

/* A uniform 64-bit random number from the calling thread's generator (splitmix64, seeded on
 * first use from the clock and the thread).  Not for cryptography. */
uint64_t zs_rand64(void);

/* A uniform number in [0, n) (n > 0), without modulo bias. */
uint64_t zs_rand_below(uint64_t n);

#endif
