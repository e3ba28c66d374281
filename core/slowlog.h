/* slowlog.h -- the slow log: requests that ran longer than slowlog-log-slower-than microseconds
 * (SLOWLOG GET | LEN | RESET, cmd/slowlog.c), at most slowlog-max-len of the latest.
 *
 * Recording takes a mutex, but only for a request past the threshold, which is rare by design;
 * the check on every request reads one relaxed atomic.
 */
#ifndef KEEL_CORE_SLOWLOG_H
#define KEEL_CORE_SLOWLOG_H

#include <keel/sdk.h>
#include <stdbool.h>
#include <stdint.h>

struct keel_conn;

/* The settings (CONFIG SET/GET slowlog-log-slower-than and slowlog-max-len). */
void slowlog_set_threshold_us(int64_t us); /* < 0: off; 0: every request */
int64_t slowlog_threshold_us(void);
void slowlog_set_max_len(int64_t n);
int64_t slowlog_max_len(void);

/* True when a request that ran us microseconds goes into the log. */
bool slowlog_wanted(int64_t us);
/* Records it: its arguments (Redis's truncation: 32 arguments, 128 bytes each), time, client. */
void slowlog_record(int64_t us, uint32_t argc, const keel_arg *argv, const struct keel_conn *c);

/* SLOWLOG GET count (< 0: all), LEN, RESET: reply into p. */
void slowlog_reply_get(keel_proc *p, int64_t count);
uint64_t slowlog_len(void);
void slowlog_reset(void);

#endif
