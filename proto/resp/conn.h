/* conn.h -- the module's connection commands (HELLO, QUIT): their opcodes and definitions. */
#ifndef RESP_CONN_H
#define RESP_CONN_H

#include <stddef.h>
#include <keel/sdk.h>

/* HELLO, QUIT, RESET and REPLY.SYNTAX: their opcodes and commands, registered by register.c. */
extern const keel_family resp_conn_family;

/* The protocol version a successful HELLO reply announces (its "proto" field), or 0 when r is
 * not such a reply (an error, say). */
int resp_hello_reply_version(const keel_reply *r);

#endif
