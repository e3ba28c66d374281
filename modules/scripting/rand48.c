/* rand48.c -- x' = (0x5deece66d x + 0xb) mod 2^48, the top 31 bits as the value (POSIX lrand48). */
#include "rand48.h"

#define RAND48_MASK ((1ull << 48) - 1)

void rand48_seed(rand48 *r, int32_t seed) {
    r->x = ((uint64_t)(uint32_t)seed << 16 | 0x330e) & RAND48_MASK;
}

int32_t rand48_next(rand48 *r) {
    r->x = (0x5deece66dull * r->x + 0xb) & RAND48_MASK;
    return (int32_t)(r->x >> 17);
}
