/* client_pause.h -- CLIENT PAUSE / UNPAUSE: requests of every client are held (ALL), or only
 * those that may write (WRITE), until the pause ends.
 *
 * A held request waits as the connection's first held request (conn.c), holding nothing; its
 * connection is counted in INFO's blocked_clients.  When the pause ends (its time passes, or
 * CLIENT UNPAUSE), each thread resumes its held connections at its next tick (10 ms).  As in
 * Redis 7.0 a new pause never shortens nor weakens one in force: the end is the later of the
 * two, the mode the stricter.
 */
#ifndef KEEL_CORE_CLIENT_PAUSE_H
#define KEEL_CORE_CLIENT_PAUSE_H

#include <stdbool.h>
#include <stdint.h>

struct keel_conn;
struct zvm_proc;
struct thr;
struct cmd_entry;

enum { PAUSE_NONE = 0, PAUSE_WRITE = 1, PAUSE_ALL = 2 };

/* Pauses clients until end_ms (unix ms) in mode PAUSE_WRITE or PAUSE_ALL. */
void client_pause(int64_t end_ms, int mode);
/* Ends the pause now. */
void client_unpause(void);
/* True when p (a request of c, prepared) must wait for the pause to end; counts c as paused. */
bool client_pause_holds(struct keel_conn *c, const struct zvm_proc *p, int64_t now_ms);
/* Each tick of t: once the pause is over, resumes t's connections it held. */
void client_pause_tick(struct thr *t);
/* c no longer waits for the pause (resumed, or closing). */
void client_pause_release(struct keel_conn *c);
/* Connections held by the pause now (INFO blocked_clients). */
int client_pause_held(void);
/* True for a command that writes in Redis's sense of "may replicate" though it has no write
 * flag: scripts, publishing, PFCOUNT (it may rewrite the HLL), SCRIPT and FUNCTION. */
bool client_pause_may_write_by_name(const char *lname);

#endif
