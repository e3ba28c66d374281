/* tx.c -- MULTI EXEC DISCARD WATCH UNWATCH (the connection's side is tx.c). */
#include "config.h"
#include "builtin.h"
#include "call.h"
#include "conn.h"
#include "mem.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "tx.h"
#include "watch.h"
#include "zvm.h"

#include <string.h>

/* Opcode: tx.multi — MULTI.  Reductions 1.  On the connection's thread (a CONN command). */
static keel_op_result op_tx_multi(keel_proc *kp, const keel_insn *in) {
    (void)in;
    return tx_multi(zvm_of(kp)->conn, zvm_of(kp)) ? KEEL_DONE : KEEL_FAIL;
}

/* Opcode: tx.discard — DISCARD: drops the queue and forgets the watched keys.  Reductions 1. */
static keel_op_result op_tx_discard(keel_proc *kp, const keel_insn *in) {
    (void)in;
    conn *c = zvm_of(kp)->conn;
    if (!(c->flags & CONN_MULTI)) {
        keel_reply_error(kp, "ERR DISCARD without MULTI");
        return KEEL_FAIL;
    }
    tx_discard(c);
    tx_unwatch(c);
    keel_reply_ok(kp);
    return KEEL_DONE;
}

/* Opcode: tx.unwatch — UNWATCH.  Reductions 1. */
static keel_op_result op_tx_unwatch(keel_proc *kp, const keel_insn *in) {
    (void)in;
    tx_unwatch(zvm_of(kp)->conn);
    keel_reply_ok(kp);
    return KEEL_DONE;
}

/* Opcode: tx.watch
 * WATCH key [key ...], after key.lock.  Registers each key with its shard's watch table (on the
 * shard's thread, hopping there) and records what it saw for the connection (tx_watch_adopt, when
 * the process is done).  Registers: r0 = the next key.  Reductions 1 per key.  May hop. */
static keel_op_result op_tx_watch(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    if (!p->watch_out) p->watch_out = zvm_alloc(p, sizeof *p->watch_out * p->nkeys);
    for (uint32_t i = (uint32_t)p->reg[0].v.i; i < p->nkeys; i++) {
        const zvm_key *k = &p->keys[i];
        shard *s = shard_get(k->shard);
        if (s->owner != p->cur) {
            p->reg[0] = dk_i64(i);
            p->target_shard = k->shard;
            return KEEL_HOP;
        }
        watch_rec *w = mem_alloc(sizeof *w + k->llen);
        w->shard = k->shard;
        w->db = p->db;
        w->hash = k->hash;
        w->len = (uint32_t)k->llen;
        memcpy(w->ident, k->lptr, k->llen);
        watch_add(s, w);
        p->watch_out[p->nwatch_out++] = w;
        keel_charge(kp, 1);
    }
    keel_reply_ok(kp);
    return KEEL_DONE;
}

/* Opcode: tx.exec
 * EXEC, after key.lock has taken every key of the queued commands and every watched key.  First
 * checks that no watched key changed (on each one's shard: a null array if one did, and nothing
 * runs), then runs the queued commands in order as children (keel_call), each reply copied into
 * the array it answers.  Registers: r0 = stage (0 checking, 1 running), r1 = the next watched key
 * or command.  Reductions 1 per command.  May hop, block (while a command runs elsewhere) and
 * yield between commands. */
static keel_op_result op_tx_exec(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    tx_run *run = p->tx;
    if (!run) {
        keel_reply_error(kp, "ERR EXEC without MULTI");
        return KEEL_FAIL;
    }
    if (run->abort) {
        keel_reply_error(kp, "EXECABORT Transaction discarded because of previous errors.");
        return KEEL_FAIL;
    }
    uint32_t i = (uint32_t)p->reg[1].v.i;
    if (p->reg[0].v.i == 0) {
        for (; i < run->nwatches; i++) {
            const watch_rec *w = run->watches[i];
            shard *s = shard_get(w->shard);
            if (s->owner != p->cur) {
                p->reg[1] = dk_i64(i);
                p->target_shard = w->shard;
                return KEEL_HOP;
            }
            if (!watch_unchanged(s, w, p->cur->now_ms)) {
                keel_reply_nil_array(kp);
                return KEEL_DONE;
            }
        }
        p->reg[0] = dk_i64(1);
        i = 0;
        keel_reply_array(kp, run->ncmds);
    }
    for (; i < run->ncmds; i++) {
        if (!p->call_child) {
            const tx_cmd *tc = &run->cmds[i];
            keel_status st = call_entry(p, tc->named, tc->ce, tc->argc, tc->argv);
            if (st == KEEL_MOVED || st == KEEL_WAIT) {
                p->reg[1] = dk_i64(i);
                return st == KEEL_MOVED ? KEEL_HOP : KEEL_BLOCK;
            }
        }
        const keel_reply *r = keel_call_reply(kp);
        if (r)
            zvm_reply_copy(p, r);
        else
            keel_reply_nil(kp); /* it ended without a reply (its client left) */
        keel_call_clear(kp);
        if (keel_charge(kp, 1) && i + 1 < run->ncmds) {
            p->reg[1] = dk_i64(i + 1);
            return KEEL_YIELD;
        }
    }
    return KEEL_DONE;
}

#define OP(NAME, FN, SYN, FLAGS)                                                                   \
    { sizeof(keel_opcode_def), NAME, FN, SYN, 0, 0, 1, FLAGS }
static const keel_opcode_def tx_ops[] = {
    OP("tx.multi", op_tx_multi, "enter MULTI", 0),
    OP("tx.discard", op_tx_discard, "leave MULTI, dropping the queue and the watched keys", 0),
    OP("tx.unwatch", op_tx_unwatch, "forget the watched keys", 0),
    OP("tx.watch", op_tx_watch, "watch the keys (on their shards) for the connection",
       KEEL_OP_MAY_HOP),
    OP("tx.exec", op_tx_exec, "check the watched keys, then run the queued commands in order",
       KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_YIELD),
};

static const keel_insn_def multi_prog[] = {{.op = "tx.multi"}, KEEL_END};
static const keel_insn_def discard_prog[] = {{.op = "tx.discard"}, KEEL_END};
static const keel_insn_def unwatch_prog[] = {{.op = "tx.unwatch"}, KEEL_END};
static const keel_insn_def watch_prog[] = {{.op = "tx.watch"}, KEEL_END};
/* EXEC's keys are not in its arguments: they are set when it is prepared (tx_exec_take), and
 * its program locks them itself */
static const keel_insn_def exec_prog[] = {{.op = "key.lock"}, {.op = "tx.exec"}, KEEL_END};

static const keel_cmd_def tx_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "MULTI",
     .arity = 1,
     .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Starts a transaction: the commands that follow are queued until EXEC.",
     .syntax = "MULTI",
     .group = "transactions",
     .since = "0.1.0",
     .program = multi_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "EXEC",
     .arity = 1,
     .flags = 0,
     .summary = "Runs the queued commands atomically (nothing, with a null reply, if a watched key "
                "changed).",
     .syntax = "EXEC",
     .group = "transactions",
     .since = "0.1.0",
     .program = exec_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "DISCARD",
     .arity = 1,
     .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Drops the queued commands and forgets the watched keys.",
     .syntax = "DISCARD",
     .group = "transactions",
     .since = "0.1.0",
     .program = discard_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "WATCH",
     .arity = -2,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY | KEEL_CMD_FAST,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .summary = "Makes the next EXEC run only if none of the keys changed meanwhile.",
     .syntax = "WATCH key [key ...]",
     .group = "transactions",
     .since = "0.1.0",
     .program = watch_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "UNWATCH",
     .arity = 1,
     .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Forgets every watched key.",
     .syntax = "UNWATCH",
     .group = "transactions",
     .since = "0.1.0",
     .program = unwatch_prog},
};

const keel_family cmd_tx_family = KEEL_FAMILY(tx_ops, tx_cmds);
