/* zvm_world.h -- a hand-driven server for zvm unit tests: threads that are created but not
 * started (the test turns their loops), shards, the core opcodes, and helpers to build
 * programs, make processes and see what ran in which order. */
#ifndef KEEL_TEST_ZVM_WORLD_H
#define KEEL_TEST_ZVM_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "registry.h"
#include "thread.h"
#include "zvm.h"

/* What ran, in order: tests append one letter per event; '.' marks a finished process. */
extern char world_order[256];
extern int world_done;         /* processes finished */
extern int64_t world_last_int; /* the last finished process's integer reply (-1 if none) */
extern bool world_last_nil;    /* ... or true when it replied nil */

void world_note(char c);
/* Creates nthreads threads and nshards shards, registers the core opcodes and ops. */
void world_up(int nthreads, uint32_t nshards, const keel_opcode_def *ops, size_t nops);
void world_down(void);

zvm_program *world_build(const keel_insn_def *tmpl, bool prologue);
/* A process on t running prog, argv = {"T", a1[, a2]}, keys per ce (NULL = none). */
zvm_proc *world_proc(thr *t, const zvm_program *prog, const cmd_entry *ce, const char *a1,
                     const char *a2);
/* Turns t's loop by hand (inbox, run queue) until nothing is ready; returns the turns taken. */
int world_run(thr *t);
/* Turns every thread's loop until all are idle. */
void world_run_all(void);
/* A key whose shard is `want`. */
const char *world_key_on_shard(uint32_t want, char *buf, size_t cap);

/* Command entries: one key at argv[1], or every argument a key. */
extern cmd_entry world_one_key, world_all_keys;

#endif
