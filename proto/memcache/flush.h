/* flush.h -- delayed flush_all, one schedule per namespace of each numbered database.
 *
 * "flush_all N" schedules a flush of the namespace the asking client is in (its whole database
 * for a client at the top), replacing that namespace's earlier schedule; an immediate flush_all
 * cancels it.  Once due, the flush is carried out by the first memcached request parsed on a
 * connection in that same namespace of the same database (MC.FLUSHDUE), never in another one.
 * The table is shared by every thread (a mutex guards it); a generation number lets a connection
 * skip the lock while nothing it cares about changed.
 */
#ifndef MC_FLUSH_H
#define MC_FLUSH_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/vm.h>

/* Most namespaces that may wait for a delayed flush at once. */
#define MC_FLUSH_MAX 1024

/* The database a connection's flushes are for: the one its network starts clients in (a
 * memcached client cannot select another).  On the connection's thread. */
uint32_t mc_flush_database(keel_conn *c);

/* Schedules a flush of namespace path[0..n) of database db at at_ms (unix ms), replacing its
 * earlier one.  False when MC_FLUSH_MAX other namespaces are waiting already (or memory ran
 * out). */
bool mc_flush_schedule(uint32_t db, const keel_arg *path, uint32_t n, int64_t at_ms);

/* Forgets the scheduled flush of path in db (an immediate flush_all ran there). */
void mc_flush_cancel(uint32_t db, const keel_arg *path, uint32_t n);

/* When path's flush in db is due at now_ms: forgets it and returns true (once); else false. */
bool mc_flush_take_due(uint32_t db, const keel_arg *path, uint32_t n, int64_t now_ms);

/* The time path's flush in db is scheduled for, or INT64_MAX when none. */
int64_t mc_flush_time(uint32_t db, const keel_arg *path, uint32_t n);

/* True while any namespace has a flush scheduled (a cheap check, no lock). */
bool mc_flush_pending(void);

/* Changes each time the table changes (no lock). */
uint64_t mc_flush_generation(void);

/* Forgets every schedule (module unload). */
void mc_flush_free(void);

#endif
