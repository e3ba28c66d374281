/* flush.h -- flush_all with a delay: one pending flush time shared by every memcache
 * connection; the first request parsed after it is due runs FLUSHALL. */
#ifndef MC_FLUSH_H
#define MC_FLUSH_H

#include <stdbool.h>
#include <stdint.h>

/* Schedules a flush of every key at at_ms (unix ms), replacing any flush scheduled before. */
void mc_flush_schedule(int64_t at_ms);

/* Forgets a scheduled flush (a flush_all without delay ran). */
void mc_flush_cancel(void);

/* True, once, when a scheduled flush is due at now_ms: the caller must run it. */
bool mc_flush_take_due(int64_t now_ms);

/* True while a flush is scheduled (a cheap check before reading the clock). */
bool mc_flush_pending(void);

#endif
