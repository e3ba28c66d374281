/* latency.h -- request latency: per-command histograms (INFO latencystats, LATENCY HISTOGRAM) and
 * Redis's latency monitor (LATENCY LATEST | HISTORY | RESET | DOCTOR), fed by cmdstats_call.
 *
 * Histograms: each thread keeps its own per command (made on the command's first call there),
 * 8 buckets per power of two of microseconds (about 12% wide), written by that thread alone
 * with relaxed atomics and summed by readers.  The monitor keeps, for the events "command" and
 * "fast-command", the last 160 requests that took latency-monitor-threshold ms or more (0: off),
 * at most one sample per second as Redis does, under a mutex taken only for such a request.
 */
#ifndef KEEL_CORE_LATENCY_H
#define KEEL_CORE_LATENCY_H

#include <keel/sdk.h>
#include <stdbool.h>
#include <stdint.h>

struct cmd_entry;

void latency_init(int nthreads, size_t ncmds);
/* A call of command number idx (cmd_entry.stat_idx) took us microseconds on thread t. */
void latency_record(int t, const struct cmd_entry *ce, int64_t us);
void latency_reset_histograms(void);

/* The value (us) below which fraction q of command idx's calls fell; false without calls. */
bool latency_percentile(size_t idx, double q, double *us, uint64_t *calls);
/* LATENCY HISTOGRAM's entry for command idx: [calls, histogram_usec {2^k: calls <= 2^k}]. */
void latency_reply_histogram(keel_proc *p, size_t idx);

/* A request (a fast command or not) took us microseconds: a sample when past the threshold. */
void latency_monitor_note(bool fast, int64_t us);
/* The monitor's threshold in ms (latency-monitor-threshold). */
void latency_set_threshold_ms(int64_t ms);
int64_t latency_threshold_ms(void);
void latency_reply_latest(keel_proc *p);
/* HISTORY of one event (an empty array for an unknown one). */
void latency_reply_history(keel_proc *p, const keel_arg *event);
/* Resets the named events (all with n 0); returns how many were reset. */
int latency_reset_events(const keel_arg *events, uint32_t n);
/* DOCTOR's text into out (cap bytes); returns its length. */
size_t latency_doctor(char *out, size_t cap);

#endif
