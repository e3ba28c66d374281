/* cmdstats.h -- per-command call counts and time (INFO commandstats), error replies by their
 * code word (INFO errorstats), and the slow log (SLOWLOG, slowlog.c).
 *
 * Each worker thread counts in arrays of its own (indexed by command), written only by that
 * thread with relaxed atomics and summed by INFO on any thread: no lock and no shared cache
 * line on a request's path.  CONFIG RESETSTAT zeroes them from its own thread; an increment
 * racing with it may survive the reset.
 */
#ifndef KEEL_CORE_CMDSTATS_H
#define KEEL_CORE_CMDSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"

struct cmd_entry;

/* The clock calls are timed with (monotonic ns). */
static inline int64_t cmdstats_clock(void) {
    return mono_ns();
}

/* Sizes the counters once every module has loaded (the command table is final). */
void cmdstats_init(int nthreads);

/* A call of ce finished on thread `thread` after ns nanoseconds (failed: it ended on an error). */
void cmdstats_call(int thread, const struct cmd_entry *ce, int64_t ns, bool failed);
/* A call of ce was refused before it ran (arity, permission, memory, MULTI's checks). */
void cmdstats_rejected(int thread, const struct cmd_entry *ce);
/* An error reply went out: counted under its code word (the text before the first space). */
void cmdstats_error(int thread, const char *text, size_t len);

/* Totals over every thread. */
typedef struct cmdstat_sum {
    uint64_t calls, usec, rejected, failed;
} cmdstat_sum;

/* Calls fn for each command that has been called or refused since the start or the last reset. */
void cmdstats_foreach(void (*fn)(void *ctx, const char *name, const cmdstat_sum *s), void *ctx);
/* Calls fn for each error code counted. */
void cmdstats_errors_foreach(void (*fn)(void *ctx, const char *code, uint64_t count), void *ctx);
/* CONFIG RESETSTAT. */
void cmdstats_reset(void);

#endif
