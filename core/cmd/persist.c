/* persist.c -- snapshot commands: SAVE (every shard at one instant, written in parallel),
 * BGSAVE (the dataset as at one instant, written between other work), BGREWRITEAOF (BGSAVE
 * replying its own line: the snapshot cuts the log), LASTSAVE. */
#include "config.h"
#include "aof.h"
#include "builtin.h"
#include "gate.h"
#include "persist.h"
#include "server.h"
#include "shard.h"
#include "zvm.h"

#include <string.h>

/* Opcode: save.begin — refuses SAVE run by EXEC or a script (as Redis does: it would wait for
 * the keys its caller holds while holding every shard).  Reductions 1. */
static keel_op_result op_save_begin(keel_proc *kp, const keel_insn *in) {
    (void)in;
    if (zvm_of(kp)->call_parent) {
        keel_reply_error(kp, "ERR Command not allowed inside a transaction or a script");
        return KEEL_FAIL;
    }
    return KEEL_NEXT;
}

/* Opcode: save.gate — raises the process's gate on the walk's current shard and waits until no
 * other process holds a key there (gate.h), whatever namespace the client is in.  Reductions 1.
 * May block. */
static keel_op_result op_save_gate(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    return gate_raise(shard_get(p->cur_shard), p) ? KEEL_NEXT : KEEL_BLOCK;
}

/* Opcode: save.lower — lowers the process's gate on the walk's current shard.  Reductions 1. */
static keel_op_result op_save_lower(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    gate_lower(shard_get(p->cur_shard), p);
    return KEEL_NEXT;
}

/* Keeps an error text in r1 (arena), for save.end to reply once the gates are down. */
static void keep_error(keel_proc *kp, const char *text) {
    size_t n = strlen(text);
    char *copy = keel_proc_alloc(kp, n + 1);
    memcpy(copy, text, n + 1);
    kp->reg[1] = dk_bytes(copy, n);
}

/* Opcode: save.run — with every gate up, has each worker thread write its shards (all at once,
 * in parallel) and waits until every file is on disk, then commits the snapshot (the manifest).
 * r0: null before, 1 while waiting; r1: an error text.  Reductions 1.  Blocks. */
static keel_op_result op_save_run(keel_proc *kp, const keel_insn *in) {
    (void)in;
    char err[600];
    if (kp->reg[0].type == DK_NULL) {
        if (persist_save_start(zvm_of(kp), err, sizeof err) != 0) {
            keep_error(kp, err);
            return KEEL_NEXT;
        }
        kp->reg[0] = dk_i64(1);
        return KEEL_BLOCK; /* the last writer makes this process ready */
    }
    if (persist_save_finish(err, sizeof err) != 0)
        keep_error(kp, "ERR snapshot failed: see the log");
    return KEEL_NEXT;
}

/* Opcode: save.end — replies SAVE's +OK (BGSAVE's and BGREWRITEAOF's status line when r2 holds
 * it), or the error save.run kept.  Reductions 1. */
static keel_op_result op_save_end(keel_proc *kp, const keel_insn *in) {
    (void)in;
    if (kp->reg[1].type == DK_BYTES) {
        keel_reply_error(kp, kp->reg[1].v.ptr);
        return KEEL_FAIL;
    }
    if (kp->reg[2].type == DK_BYTES)
        keel_reply_simple(kp, kp->reg[2].v.ptr);
    else
        keel_reply_ok(kp);
    return KEEL_DONE;
}

/* Opcode: save.rewrite — BGREWRITEAOF: a snapshot at one instant (BGSAVE's program), which cuts
 * the append-only log; r2 gets its status line.  Reductions 1. */
static keel_op_result op_save_rewrite(keel_proc *kp, const keel_insn *in) {
    (void)in;
    static const char line[] = "Background append only file rewriting started";
    kp->reg[2] = dk_bytes(line, sizeof line - 1);
    return KEEL_NEXT;
}

/* Opcode: save.bgsave — BGSAVE [SCHEDULE]: checks the arguments; r2 gets the status line.
 * BGREWRITEAOF comes here with r2 set already.  Reductions 1. */
static keel_op_result op_bgsave(keel_proc *kp, const keel_insn *in) {
    (void)in;
    if (kp->reg[2].type != DK_BYTES &&
        (kp->argc > 2 || (kp->argc == 2 && !keel_arg_is(&kp->argv[1], "SCHEDULE")))) {
        keel_reply_error(kp, "ERR syntax error");
        return KEEL_FAIL;
    }
    if (persist_saving()) { /* before raising every gate for nothing (begin checks again) */
        keel_reply_error(kp, "ERR Background save already in progress");
        return KEEL_FAIL;
    }
    static const char line[] = "Background saving started";
    if (zvm_of(kp)->call_parent) { /* EXEC, a script: their keys would hold up the gates */
        if (!persist_bgsave_spawn()) {
            keel_reply_error(kp, "ERR Background save cannot start here");
            return KEEL_FAIL;
        }
        keel_reply_simple(kp, kp->reg[2].type == DK_BYTES ? kp->reg[2].v.ptr : line);
        return KEEL_DONE;
    }
    if (kp->reg[2].type != DK_BYTES) kp->reg[2] = dk_bytes(line, sizeof line - 1);
    return KEEL_NEXT;
}

/* Opcode: save.bgstart — with every gate up: the save's instant (persist_bgsave_begin: the
 * claim and the log's cut).  r3 gets the generation; r1 an error text.  Reductions 1. */
static keel_op_result op_bgstart(keel_proc *kp, const keel_insn *in) {
    (void)in;
    char err[600];
    uint64_t gen = persist_bgsave_begin(err, sizeof err);
    if (!gen)
        keep_error(kp, err);
    else
        kp->reg[3] = dk_u64(gen);
    return KEEL_NEXT;
}

/* Opcode: save.bglower — arms the walk's current shard for the save started (r3: its
 * generation), then lowers the process's gate there.  Reductions 1. */
static keel_op_result op_bglower(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    shard *s = shard_get(p->cur_shard);
    if (kp->reg[3].type == DK_U64 && gate_held(s, p)) persist_bgsave_arm(s, kp->reg[3].v.u);
    gate_lower(s, p);
    return KEEL_NEXT;
}

/* Opcode: save.lastsave — LASTSAVE: unix seconds of the last successful save (of the snapshot
 * loaded at start, or the start itself when there is none).  Reductions 1. */
static keel_op_result op_lastsave(keel_proc *kp, const keel_insn *in) {
    (void)in;
    keel_reply_int(kp, persist_last_save());
    return KEEL_DONE;
}

#define OP(NAME, FN, SYN, FLAGS)                                                                   \
    { sizeof(keel_opcode_def), NAME, FN, SYN, 0, 0, 1, FLAGS }
static const keel_opcode_def persist_ops[] = {
    OP("save.begin", op_save_begin, "refuse SAVE inside EXEC or a script", 0),
    OP("save.gate", op_save_gate, "raise the gate on the walk's shard: wait for its key holders",
       KEEL_OP_MAY_BLOCK),
    OP("save.lower", op_save_lower, "lower the gate on the walk's shard", 0),
    OP("save.run", op_save_run, "write every shard in parallel and wait; commit",
       KEEL_OP_MAY_BLOCK),
    OP("save.end", op_save_end, "reply +OK or the save's error (r1)", 0),
    OP("save.bgsave", op_bgsave, "check BGSAVE's arguments; r2: its status line", 0),
    OP("save.bgstart", op_bgstart, "with every gate up: start a point-in-time background save", 0),
    OP("save.bglower", op_bglower, "arm the walk's shard for the save, lower its gate", 0),
    OP("save.rewrite", op_save_rewrite, "BGREWRITEAOF: go on as BGSAVE, replying its status line",
       0),
    OP("save.lastsave", op_lastsave, "reply the last save's unix time", 0),
};

#define WALK(OP_NAME, BACK)                                                                        \
    {.op = "shard.reset"}, {.op = "shard.enter"}, {.op = OP_NAME}, {                               \
        .op = "shard.next", .a = KEEL_NONE, .b = KEEL_NONE, .c = KEEL_NONE, .imm = (BACK)          \
    }
/* SAVE: every gate up (in shard order), the parallel write, every gate down, the reply. */
static const keel_insn_def save_prog[] = {{.op = "save.begin"}, WALK("save.gate", 2),
                                          {.op = "save.run"},   WALK("save.lower", 7),
                                          {.op = "save.end"},   KEEL_END};
/* BGSAVE: every gate up (the instant), the start, each shard armed as its gate comes down, the
 * reply; the threads then write the shards between their other work. */
static const keel_insn_def bgsave_prog[] = {{.op = "save.bgsave"},  WALK("save.gate", 2),
                                            {.op = "save.bgstart"}, WALK("save.bglower", 7),
                                            {.op = "save.end"},     KEEL_END};
static const keel_insn_def rewrite_prog[] = {{.op = "save.rewrite"},
                                             {.op = "save.bgsave"},
                                             WALK("save.gate", 3),
                                             {.op = "save.bgstart"},
                                             WALK("save.bglower", 8),
                                             {.op = "save.end"},
                                             KEEL_END};
static const keel_insn_def lastsave_prog[] = {{.op = "save.lastsave"}, KEEL_END};

static const keel_cmd_def persist_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "SAVE",
     .arity = 1,
     .flags = KEEL_CMD_ADMIN,
     .summary = "Writes a snapshot of every database to the data directory, as they were at one "
                "instant (every shard in parallel; other commands wait meanwhile).",
     .syntax = "SAVE",
     .group = "server",
     .since = "0.1.0",
     .program = save_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "BGSAVE",
     .arity = -1,
     .flags = KEEL_CMD_ADMIN,
     .summary = "Writes a snapshot in the background while serving: the dataset as it was when "
                "the command ran (see docs/persistence.md).",
     .syntax = "BGSAVE [SCHEDULE]",
     .group = "server",
     .since = "0.1.0",
     .program = bgsave_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "BGREWRITEAOF",
     .arity = 1,
     .flags = KEEL_CMD_ADMIN,
     .summary = "Takes a background snapshot (as BGSAVE), which cuts the append-only log it "
                "covers (no fork, no rewrite child: see docs/persistence.md).",
     .syntax = "BGREWRITEAOF",
     .group = "server",
     .since = "0.1.0",
     .program = rewrite_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "LASTSAVE",
     .arity = 1,
     .flags = KEEL_CMD_STATS | KEEL_CMD_FAST,
     .summary = "Returns the unix time of the last successful snapshot.",
     .syntax = "LASTSAVE",
     .group = "server",
     .since = "0.1.0",
     .program = lastsave_prog},
};

const keel_family cmd_persist_family = KEEL_FAMILY(persist_ops, persist_cmds);
