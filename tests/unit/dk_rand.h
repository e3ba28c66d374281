/* dk_rand.h -- a seeded, reproducible PRNG (splitmix64) for datakit's randomized unit tests. */
#ifndef TESTS_UNIT_DK_RAND_H
#define TESTS_UNIT_DK_RAND_H

#include <stdint.h>

typedef struct dk_rand {
    uint64_t s;
} dk_rand;

static inline uint64_t dk_rand_u64(dk_rand *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform-ish in [0, n) (n > 0). */
static inline uint64_t dk_rand_below(dk_rand *r, uint64_t n) {
    return dk_rand_u64(r) % n;
}

#endif
