/* conn.h -- the module's connection commands (HELLO, QUIT): their opcodes and definitions. */
#ifndef RESP_CONN_H
#define RESP_CONN_H

#include <stddef.h>
#include <keel/cmd.h>
#include <keel/reply.h>
#include <keel/vm.h>

extern const keel_opcode_def resp_conn_opcodes[];
extern const size_t resp_conn_opcode_count;
extern const keel_cmd_def resp_conn_commands[];
extern const size_t resp_conn_command_count;

/* The protocol version a successful HELLO reply announces (its "proto" field), or 0 when r is
 * not such a reply (an error, say). */
int resp_hello_reply_version(const keel_reply *r);

#endif
