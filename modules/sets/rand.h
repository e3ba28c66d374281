/* rand.h -- sets.so's random numbers (SPOP, SRANDMEMBER): a per-thread generator. */
#ifndef KEEL_SETS_RAND_H
#define KEEL_SETS_RAND_H

#include <stdint.h>

/* A uniform 64-bit random number from the calling thread's generator (splitmix64, seeded on
 * first use from the clock and the thread).  Not for cryptography. */
uint64_t sets_rand64(void);

/* A uniform number in [0, n) (n > 0), without modulo bias. */
uint64_t sets_rand_below(uint64_t n);

#endif
