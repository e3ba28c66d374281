/* conn_dispatch.h -- a parsed request to a process (conn_dispatch.c), and the connection's
 * own helpers it uses (conn.c). */
#ifndef KEEL_CORE_CONN_DISPATCH_H
#define KEEL_CORE_CONN_DISPATCH_H

#include <keel/proto.h>
#include <stdbool.h>

#include "conn.h"
#include "zvm.h"

/* Prepares one request's process: queues it in request order, checks it and places its keys.
 * Returns the process to run, or NULL when it is already finished (an error reply). */
zvm_proc *conn_prepare(conn *c, const keel_request *req);
/* A reply-only request (keel_request.reply_only): nothing runs; a nil reply takes its place in
 * request order and the protocol encodes it with the request's tag. */
void conn_reply_only(conn *c, const keel_request *req);

/* (conn.c) Appends a new process to c's pending list. */
zvm_proc *conn_queue_new(conn *c);
/* (conn.c) Gives p the arguments of req, copied or, for a big one, in c's input buffer, which p
 * then takes; false when there was no memory for the copies. */
bool conn_give_args(conn *c, zvm_proc *p, const keel_request *req);

#endif
