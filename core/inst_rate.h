/* inst_rate.h -- INFO's instantaneous_ops_per_sec and instantaneous_input/output_kbps: the
 * server's totals sampled every 100 ms by worker thread 0, averaged over the last 16 samples,
 * as Redis computes them. */
#ifndef KEEL_CORE_INST_RATE_H
#define KEEL_CORE_INST_RATE_H

#include <stdint.h>

/* Takes a sample of the totals at now_ms (thread 0's tick; it keeps 100 ms between samples). */
void inst_rate_tick(int64_t now_ms, uint64_t ops, uint64_t bytes_in, uint64_t bytes_out);

/* The rates: operations per second, and kilobytes per second read and written. */
uint64_t inst_rate_ops(void);
double inst_rate_in_kbps(void);
double inst_rate_out_kbps(void);

#endif
