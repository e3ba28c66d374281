/* conn_direct.h -- a reply written by the thread that ran the request, without the hop back.
 *
 * A request whose key lives on another thread's shard runs there; its reply normally travels
 * back to the connection's thread (a message, and a wake-up when that thread sleeps), which
 * encodes and writes it.  When the request is the connection's only one in flight, nothing else
 * can be written to its socket meanwhile, so the shard's thread may encode the reply and write
 * it itself: the client has its answer one hop sooner, and the connection's thread is not woken
 * just to write it.  The connection's thread learns of it later, through the connection's
 * `direct` word, and does the rest (recycling, the pending list) when it next touches the
 * connection or at its next loop turn.
 *
 * The word's states (conn.direct):
 *   DIRECT_OFF      no direct reply may be written
 *   DIRECT_OPEN     the only pending request may be answered by the thread that finishes it
 *   DIRECT_WRITING  that thread is writing it (the connection's thread waits before touching
 *                   the socket or the pending list)
 *   DIRECT_SENT     written; the request is finished and belongs to the connection's thread
 *   DIRECT_PARTIAL  the socket took only part of it: the rest goes back the usual way, with the
 *                   process, and is the first thing the connection's thread writes
 * The connection's thread opens it (DIRECT_OFF -> OPEN) as it starts such a request, and closes
 * it (conn_direct_bar) before it queues another request, writes anything or closes the socket.
 * The finishing thread moves OPEN -> WRITING -> SENT or PARTIAL.
 *
 * Output the connection holds while the request runs (MULTI's +OK and +QUEUED, waiting for
 * EXEC's reply so that all leave in one write) is written first, in the same system call: the
 * connection's thread does not touch its output while the window is open, and drops what was
 * written when it closes the window or finishes the request. */
#ifndef KEEL_CORE_CONN_DIRECT_H
#define KEEL_CORE_CONN_DIRECT_H

#include "conn.h"

enum { DIRECT_OFF = 0, DIRECT_OPEN, DIRECT_WRITING, DIRECT_SENT, DIRECT_PARTIAL };

/* On c's thread, as p leaves for another thread or once c's output is written: opens the window
 * when p is c's only pending request, not finished, and c can take a reply from another thread
 * (plain TCP, at most a little output held for it, a protocol that encodes detached, no reply
 * suppressed). */
void conn_direct_open(conn *c, zvm_proc *p);

/* On c's thread, before it changes c's pending list or output: closes the window.  A reply
 * another thread is writing is waited for.  One already written is finished here (conn_proc_done)
 * when `finish` (a new request: it must see the last one done, in the slow log too), else left
 * for conn_direct_collect (a push, which may go out right after it; a close). */
void conn_direct_bar(conn *c, bool finish);

/* On the thread where p (a request of a connection on another thread) finished: writes its
 * reply to the socket when the window is open.  True when the reply is out and the request
 * now belongs to its connection's thread (the caller must not touch p again, nor send it);
 * false to send p back as usual (it may carry the part of the reply the socket did not take). */
bool conn_direct_reply(zvm_proc *p);

/* On t, every loop turn: finishes the requests of t's connections whose replies other threads
 * wrote. */
void conn_direct_collect(struct thr *t);

/* On c's thread, as p (its request) is finished: what the direct path left to do for it (the
 * counts, the unwritten rest as c's output).  True when its reply needs no encoding. */
bool conn_direct_settle(conn *c, zvm_proc *p);

/* On c's thread: the window is over (its request finished here, or c is being freed). */
void conn_direct_end(conn *c);

#endif
