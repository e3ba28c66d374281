/* deadline.h -- deadlines a module records for a namespace of a numbered database (memcached's
 * delayed flush_all), which fall due on the wall clock and are claimed once.
 *
 * A deadline is (database, namespace path, name) -> unix ms; recording one replaces the earlier
 * one of that key.  The table is shared by every thread (a mutex guards it); a generation number
 * lets a connection skip the lock while nothing it cares about changed (deadline_seen).
 */
#ifndef KEEL_CORE_DEADLINE_H
#define KEEL_CORE_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/vm.h>

/* Most deadlines that may wait at once. */
#define DEADLINE_MAX 1024

/* What one connection knows of the table, for deadline_due_once.  All zero: nothing yet. */
typedef struct deadline_seen {
    uint64_t gen; /* the table's generation when at was read */
    int64_t at;   /* when its namespace's deadline falls due (INT64_MAX: none) */
    bool known;   /* gen and at are set */
    bool tried;   /* deadline_due_once said true at generation tried_gen */
    uint64_t tried_gen;
} deadline_seen;

/* Records name's deadline for namespace path[0..n) of database db at at_ms (unix ms), replacing
 * the earlier one.  False when DEADLINE_MAX others wait already. */
bool deadline_set(uint32_t db, const keel_arg *path, uint32_t n, const char *name, int64_t at_ms);

/* Forgets name's deadline of path in db. */
void deadline_cancel(uint32_t db, const keel_arg *path, uint32_t n, const char *name);

/* When name's deadline of path in db is due at now_ms: forgets it and returns true (once). */
bool deadline_take(uint32_t db, const keel_arg *path, uint32_t n, const char *name, int64_t now_ms);

/* When name's deadline of path in db falls due, or INT64_MAX when none. */
int64_t deadline_time(uint32_t db, const keel_arg *path, uint32_t n, const char *name);

/* True when name's deadline of path in db is due at now_ms, as seen through *seen: reads the
 * table only when it changed since, or when the time read has come; says true at most once per
 * state of the table (the caller's claim may lose to another connection's). */
bool deadline_due_once(deadline_seen *seen, uint32_t db, const keel_arg *path, uint32_t n,
                       const char *name, int64_t now_ms);

/* True while any deadline waits (a cheap check, no lock). */
bool deadline_pending(void);

/* Changes each time the table changes (no lock). */
uint64_t deadline_generation(void);

/* Forgets every deadline (server shutdown). */
void deadline_free(void);

#endif
