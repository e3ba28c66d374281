/* parse.h -- reading list commands' arguments with Redis 7's rules and error texts.  Each
 * parser replies the error itself and returns false on bad input. */
#ifndef KEEL_LISTS_PARSE_H
#define KEEL_LISTS_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <datakit/list.h>
#include <keel/sdk.h>

/* A signed 64-bit integer: "ERR value is not an integer or out of range". */
bool lst_arg_long(keel_proc *p, const keel_arg *a, int64_t *out);

/* An integer in [min, INT64_MAX].  Bad input replies "ERR <msg>" (Redis's
 * getRangeLongFromObjectOrReply with a message: the same text for junk and for a value out of
 * range). */
bool lst_arg_atleast(keel_proc *p, const keel_arg *a, int64_t min, const char *msg, int64_t *out);

/* LEFT (the head) or RIGHT (the tail), any case: "ERR syntax error". */
bool lst_arg_end(keel_proc *p, const keel_arg *a, dk_list_end *end);

/* Timeouts longer than this (about 317 years) wait forever, like 0: deadlines stay far from
 * int64 overflow. */
#define LST_TIMEOUT_FOREVER_MS 10000000000000LL

/* A blocking timeout in seconds (a real number, fractions allowed) as milliseconds, rounded up;
 * 0 = wait forever.  Errors as Redis 7.0: "ERR timeout is not a float or out of range", "ERR
 * timeout is negative" (also for 2^63 ms and more, which Redis wraps to a negative number). */
bool lst_arg_timeout(keel_proc *p, const keel_arg *a, int64_t *ms);

/* Redis's LRANGE clamping of [start, stop] (negative counts from the end) over a list of len
 * elements: the first index and the number of elements (0 for an empty range). */
void lst_clamp(int64_t start, int64_t stop, size_t len, size_t *first, size_t *n);

/* An index (negative counts from the end) resolved against len; false when outside. */
bool lst_index(int64_t index, size_t len, size_t *out);

#endif
