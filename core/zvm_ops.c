/* zvm_ops.c -- the core's own opcodes: key locking, shard iteration, control flow and simple
 * replies.  Every opcode's comment gives its name, operands, reductions and whether it may
 * yield, hop or block. */
#include "config.h"
#include "zvm.h"
#include "gate.h"
#include "busy.h"
#include "lock.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "watch.h"

#include <string.h>

/* Whether p may wait behind the holders of its shard keys [first, end): not when a holder is a
 * busy script (p fails with its BUSY error), nor when p is a child its parent ran with
 * KEEL_CALL_NOWAIT (p fails as a conflict on that key, for the parent to start over wider). */
static bool key_lock_refused(zvm_proc *p, shard *s, uint32_t first, uint32_t end) {
    for (uint32_t i = first; i < end; i++) {
        const zvm_key *k = &p->keys[i];
        lock_ent *e = lock_find(&s->locks, k->lptr, k->llen, k->hash);
        if (!e || e->owner == p->serial) continue;
        const char *busy = busy_error_of(e->owner);
        if (busy) {
            zvm_reply_reset(p);
            zvm_reply_error_text(p, busy, strlen(busy));
            return true;
        }
        if (p->call_parent && p->call_parent->call_nowait) {
            p->conflict = true;
            p->conflict_key = *k;
            zvm_reply_reset(p);
            zvm_reply_errorf(p, "ERR a key of the command is held by another process");
            return true;
        }
    }
    return false;
}

/* True (with BUSY replied) when the gate p met is a busy script's, running alone: as behind one
 * of its keys, p fails instead of waiting (Redis's BUSY while a script runs long). */
static bool gate_busy(zvm_proc *p, shard *s) {
    const char *busy = busy_error_of(s->gate->owner);
    if (!busy) return false;
    zvm_reply_reset(p);
    zvm_reply_error_text(p, busy, strlen(busy));
    return true;
}

/* p waits at s's gate (KEEL_BLOCK), or fails at a busy script's (KEEL_FAIL). */
static keel_op_result gate_wait(zvm_proc *p, shard *s) {
    if (gate_busy(p, s)) return KEEL_FAIL;
    gate_blocks(s, p);
    return KEEL_BLOCK;
}

/* At a shard whose gate another process raised (FLUSHALL, SAVE, a script running alone): a
 * call that may not wait (KEEL_CALL_NOWAIT) ends as a conflict, so its script starts over
 * alone; a call whose caller holds keys goes in, since waiting could deadlock with the gate's
 * owner, which waits for those keys (as gate_blocks_access lets a key it did not declare be
 * read); any other process waits.  False when p must not go on (its result is set). */
static bool gate_passage(zvm_proc *p, shard *s, uint32_t first, uint32_t end, keel_op_result *res) {
    if (!s->gate || p->lock_ordered || s->gate->owner == p->serial || !p->call_parent) {
        if (s->gate && !p->lock_ordered && gate_bars(s, p)) {
            *res = gate_wait(p, s);
            return false;
        }
        return true;
    }
    if (p->call_parent->call_nowait && first < end) {
        p->conflict = true;
        p->conflict_key = p->keys[first];
        zvm_reply_reset(p);
        zvm_reply_errorf(p, "ERR a key of the command is held by another process");
        *res = KEEL_FAIL;
        return false;
    }
    if (gate_family_holds_keys(p->call_parent) || !gate_bars(s, p)) return true;
    *res = gate_wait(p, s);
    return false;
}

/* Opcode: key.lock
 * Operands: none.  Reductions: 1 + the keys.  May hop, block, and yield between shards.
 * The prologue of every command with keys.  Takes the command's keys shard by shard in
 * ascending shard order (hopping to each shard's thread), waiting behind any process that
 * holds one (in a fixed order when it must wait: see zvm_lock_keys_ordered); a single-shard
 * command only checks for holders and enters its locks in the table if it ever leaves the CPU.
 * Fails instead of waiting behind a busy script (BUSY) or, for a child run with KEEL_CALL_NOWAIT,
 * behind any other process (see key_lock_refused).  Ends on the thread of the last shard. */
static keel_op_result op_key_lock(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    while (p->lock_next < p->nlshards) {
        uint32_t sid = p->lshards[p->lock_next];
        shard *s = shard_get(sid);
        if (s->owner != p->cur) {
            p->target_shard = sid;
            return KEEL_HOP;
        }
        if (p->alone && !zvm_holds_gate(p, sid)) { /* a process running alone holds every shard */
            if (!gate_raise(s, p)) return KEEL_BLOCK; /* up, but others still hold keys here */
            zvm_hold_gate(p, sid);
        }
        uint32_t first = p->lock_key, end = first;
        while (end < p->nkeys && p->keys[end].shard == sid)
            end++;
        /* a shard whose gate is up (SWAPDB, FLUSHALL) is not entered until it is lowered */
        keel_op_result at_gate;
        if (!gate_passage(p, s, first, end, &at_gate)) return at_gate;
        /* when no other process holds any of the shard's keys, all are taken at once (lazily for
         * a single-shard command); otherwise one by one in lock order, waiting behind each
         * holder while keeping the keys before it: the same order for everyone, no deadlock */
        bool contended = p->lock_ordered, owned = !contended && s->locks.count;
        for (uint32_t i = first; !contended && s->locks.count && i < end; i++) {
            lock_ent *e = lock_find(&s->locks, p->keys[i].lptr, p->keys[i].llen, p->keys[i].hash);
            contended = e && e->owner != p->serial;
            owned = owned && e;
        }
        if (contended) {
            if (key_lock_refused(p, s, first, end)) return KEEL_FAIL;
            busy_note_wait(p);
            if (!zvm_lock_keys_ordered(p, sid, first, end)) return KEEL_BLOCK;
        } else if (owned) {
            /* every key is held under p's token already (a child under its parent's locks,
             * which the parent keeps until it ends): there is nothing to take */
        } else if (p->nlshards == 1) {
            p->lazy_locks = true;
        } else {
            zvm_lock_keys(p, sid, first, end);
        }
        if (s->watch.count && zvm_writes(p)) watch_touch_keys(s, p, first, end); /* WATCH sees it */
        keel_charge(kp, end - first);
        p->lock_next++;
        p->lock_key = end;
        if (p->lock_next < p->nlshards && kp->budget <= 0) return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

/* Opcode: shard.reset
 * Operands: none.  Reductions: 1.  Starts a walk over every shard: the current shard is 0. */
static keel_op_result op_shard_reset(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_of(kp)->cur_shard = 0;
    return KEEL_NEXT;
}

/* Opcode: shard.enter
 * Operands: none.  Reductions: 1.  May hop.
 * Moves to the thread that owns the current shard of a walk. */
static keel_op_result op_shard_enter(keel_proc *kp, const keel_insn *in) {
    (void)in;
    zvm_proc *p = zvm_of(kp);
    if (p->cur_shard >= srv->nshards) return KEEL_NEXT;
    if (shard_get(p->cur_shard)->owner != p->cur) {
        p->target_shard = p->cur_shard;
        return KEEL_HOP;
    }
    return KEEL_NEXT;
}

/* Opcode: shard.next
 * Operands: a = a register to reset to null (a per-shard cursor), or KEEL_NONE.
 * Reductions: 1.  Jumps to imm while shards remain, else falls through. */
static keel_op_result op_shard_next(keel_proc *kp, const keel_insn *in) {
    zvm_proc *p = zvm_of(kp);
    if (KEEL_IS_REG(in->a)) kp->reg[in->a] = dk_null();
    if (++p->cur_shard < srv->nshards) return KEEL_JUMP;
    return KEEL_NEXT;
}

/* Opcode: vm.jump
 * Operands: none.  Reductions: 1.  Continues at imm (budget checked). */
static keel_op_result op_vm_jump(keel_proc *kp, const keel_insn *in) {
    (void)kp;
    (void)in;
    return KEEL_JUMP;
}

/* Opcode: vm.jump_if_null
 * Operands: a = register tested.  Reductions: 1.  Continues at imm when r[a] is null. */
static keel_op_result op_vm_jump_if_null(keel_proc *kp, const keel_insn *in) {
    return keel_opnd(kp, in->a).type == DK_NULL ? KEEL_JUMP : KEEL_NEXT;
}

/* Opcode: vm.done
 * Operands: none.  Reductions: 1.  Ends the process (its reply is complete). */
static keel_op_result op_vm_done(keel_proc *kp, const keel_insn *in) {
    (void)kp;
    (void)in;
    return KEEL_DONE;
}

/* Opcode: reply.ok
 * Operands: none.  Reductions: 1.  Replies +OK. */
static keel_op_result op_reply_ok(keel_proc *kp, const keel_insn *in) {
    (void)in;
    keel_reply_ok(kp);
    return KEEL_NEXT;
}

/* Opcode: reply.nil
 * Operands: none.  Reductions: 1.  Replies nil. */
static keel_op_result op_reply_nil(keel_proc *kp, const keel_insn *in) {
    (void)in;
    keel_reply_nil(kp);
    return KEEL_NEXT;
}

/* Opcode: reply.int
 * Operands: none.  Reductions: 1.  Replies the integer imm. */
static keel_op_result op_reply_int(keel_proc *kp, const keel_insn *in) {
    keel_reply_int(kp, in->imm);
    return KEEL_NEXT;
}

/* Opcode: reply.value
 * Operands: a = register or argument.  Reductions: 1.  Replies its value (numbers as integers
 * or doubles, bytes as bulk strings, null as nil). */
static keel_op_result op_reply_value(keel_proc *kp, const keel_insn *in) {
    dk_val v = keel_opnd(kp, in->a);
    keel_reply_value(kp, &v);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN, RD, WR, FLAGS)                                                           \
    { sizeof(keel_opcode_def), NAME, FN, SYN, RD, WR, 1, FLAGS }

static const keel_opcode_def core_opcodes[] = {
    OP("key.lock", op_key_lock, "lock the command's keys, shard by shard in order", 0, 0,
       KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_YIELD),
    OP("shard.reset", op_shard_reset, "start a walk over every shard", 0, 0, 0),
    OP("shard.enter", op_shard_enter, "go to the thread of the walk's current shard", 0, 0,
       KEEL_OP_MAY_HOP),
    OP("shard.next", op_shard_next, "a = null; next shard: jump to imm while shards remain", 0,
       KEEL_OPND_A, KEEL_OP_JUMPS),
    OP("vm.jump", op_vm_jump, "jump to imm", 0, 0, KEEL_OP_JUMPS),
    OP("vm.jump_if_null", op_vm_jump_if_null, "jump to imm if a is null", KEEL_OPND_A, 0,
       KEEL_OP_JUMPS),
    OP("vm.done", op_vm_done, "end the process", 0, 0, 0),
    OP("reply.ok", op_reply_ok, "reply +OK", 0, 0, 0),
    OP("reply.nil", op_reply_nil, "reply nil", 0, 0, 0),
    OP("reply.int", op_reply_int, "reply the integer imm", 0, 0, 0),
    OP("reply.value", op_reply_value, "reply the value of a", KEEL_OPND_A, 0, 0),
};

void zvm_register_core_opcodes(keel_module *core) {
    for (size_t i = 0; i < sizeof core_opcodes / sizeof core_opcodes[0]; i++)
        reg_opcode(core, &core_opcodes[i], NULL);
}
