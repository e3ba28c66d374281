/* clock.h -- the two clocks the core reads: monotonic (intervals, deadlines) and wall (what is
 * shown, and TTLs, which are absolute). */
#ifndef KEEL_CORE_CLOCK_H
#define KEEL_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t mono_us(void) {
    return mono_ns() / 1000;
}

static inline int64_t mono_ms(void) {
    return mono_ns() / 1000000;
}

static inline int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
