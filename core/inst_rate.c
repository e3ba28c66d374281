/* inst_rate.c -- instantaneous rates for INFO (see inst_rate.h).  Written by thread 0 only, read
 * by INFO on any thread: each rate is stored whole in a relaxed atomic. */
#include "config.h"
#include "inst_rate.h"

#include <stdatomic.h>

#define SAMPLES 16
#define PERIOD_MS 100

enum { OPS, IN, OUT, METRICS };

static int64_t last_ms;
static uint64_t last[METRICS];
static double samples[METRICS][SAMPLES]; /* per second */
static unsigned next, filled;
static _Atomic uint64_t rate_bits[METRICS]; /* the averages, as a double's bits */

static void publish(int m) {
    double sum = 0;
    for (unsigned i = 0; i < filled; i++)
        sum += samples[m][i];
    double avg = filled ? sum / filled : 0;
    uint64_t bits;
    __builtin_memcpy(&bits, &avg, sizeof bits);
    atomic_store_explicit(&rate_bits[m], bits, memory_order_relaxed);
}

void inst_rate_tick(int64_t now_ms, uint64_t ops, uint64_t bytes_in, uint64_t bytes_out) {
    uint64_t now[METRICS] = {ops, bytes_in, bytes_out};
    if (last_ms == 0) { /* the first call only starts the clock */
        last_ms = now_ms;
        for (int m = 0; m < METRICS; m++)
            last[m] = now[m];
        return;
    }
    int64_t dt = now_ms - last_ms;
    if (dt < PERIOD_MS) return;
    for (int m = 0; m < METRICS; m++) {
        samples[m][next] = (double)(now[m] - last[m]) * 1000.0 / (double)dt;
        last[m] = now[m];
    }
    last_ms = now_ms;
    next = (next + 1) % SAMPLES;
    if (filled < SAMPLES) filled++;
    for (int m = 0; m < METRICS; m++)
        publish(m);
}

static double rate(int m) {
    uint64_t bits = atomic_load_explicit(&rate_bits[m], memory_order_relaxed);
    double v;
    __builtin_memcpy(&v, &bits, sizeof v);
    return v;
}

uint64_t inst_rate_ops(void) {
    return (uint64_t)(rate(OPS) + 0.5);
}
double inst_rate_in_kbps(void) {
    return rate(IN) / 1024;
}
double inst_rate_out_kbps(void) {
    return rate(OUT) / 1024;
}
