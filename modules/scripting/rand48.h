/* rand48.h -- the 48-bit linear congruential generator behind a script's math.random, seeded as
 * Redis seeds it, so scripts see the same sequence they see on Redis. */
#ifndef KEEL_SCRIPTING_RAND48_H
#define KEEL_SCRIPTING_RAND48_H

#include <stdint.h>

typedef struct rand48 {
    uint64_t x; /* the 48-bit state */
} rand48;

/* Seeds the generator as srand48 does: the seed's low 32 bits, then 0x330e. */
void rand48_seed(rand48 *r, int32_t seed);
/* The next value, from 0 to 2^31 - 1 (lrand48's range). */
int32_t rand48_next(rand48 *r);

#endif
