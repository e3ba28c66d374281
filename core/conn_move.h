/* conn_move.h -- a connection moves to the thread that owns the keys it uses: one whose requests
 * keep going to another thread's shards is handed to that thread between requests, so they stop
 * paying two cross-thread hops each. */
#ifndef KEEL_CORE_CONN_MOVE_H
#define KEEL_CORE_CONN_MOVE_H

#include "conn.h"

/* Counts where p (just started on c's thread) runs: its one shard's thread, or nowhere in
 * particular (keyless, several shards). */
void conn_affinity_note(conn *c, const zvm_proc *p);
/* True when c's requests went to one other thread often enough for c to move there once it is
 * idle (conn_direct.c then sends their replies home, so that it becomes idle on its thread). */
bool conn_wants_move(const conn *c);
/* Hands c to the thread its requests keep going to, when they do and c is idle between requests
 * (nothing in flight, nothing unsent, no state tied to its thread).  True when c left. */
bool conn_maybe_move(conn *c);

#endif
