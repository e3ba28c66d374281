/* calls.h -- how dump.so's opcodes run other commands (keel_call) one after another across
 * yields and waits: the state each keeps in arena memory, and the call step they share. */
#ifndef KEEL_DUMP_CALLS_H
#define KEEL_DUMP_CALLS_H

#include <stdbool.h>
#include <keel/sdk.h>

/* Elements per child command (RPUSH, SADD ... LRANGE, ZRANGE), and per quicklist node. */
#define DUMP_BATCH 128

/* Runs argv as a child of p unless a child is already pending (*pending, kept in the opcode's
 * state).  KEEL_NEXT: keel_call_reply(p) holds the finished child's reply (clear it with
 * keel_call_clear once read).  Any other result is the opcode's to return (the child runs on:
 * the opcode runs again and lands here with the reply). */
keel_op_result dump_call(keel_proc *p, bool *pending, uint32_t argc, const keel_arg *argv);

/* An opcode's state, kept in register r0 across re-runs: zeroed memory of size bytes at the first
 * run, freed with cleanup(state) when the process ends however it ended (cleanup frees what the
 * state owns, then the state itself with free()).  NULL when memory ran out. */
void *dump_state(keel_proc *p, size_t size, void (*cleanup)(void *state));

#endif
