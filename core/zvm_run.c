/* zvm_run.c -- the interpreter loop and what happens to a process after each run: finish,
 * requeue after a yield, park on a lock, or hop to the thread owning the next shard. */
#include "config.h"
#include "gate.h"
#include "aof.h"
#include "zvm.h"
#include "block.h"
#include "busy.h"
#include "call.h"
#include "conn.h"
#include "conn_direct.h"
#include "lock.h"
#include "log.h"
#include "mem.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"

#include <stdlib.h>
#include <string.h>

void zvm_prefetch(zvm_proc *p, thr *t, int stage) {
    if (p->nkeys != 1 || p->npush || (p->ns && p->ns->n)) return;
    shard *s = shard_get(p->keys[0].shard);
    if (s->owner != t) return;
    const dk_table *table = shard_table(s, p->db);
    if (!table) return;
    if (stage == 0)
        dk_table_prefetch(table, p->keys[0].hash);
    else
        dk_table_prefetch_entry(table, p->keys[0].hash);
}

zvm_outcome zvm_run(zvm_proc *p) {
    const zvm_program *prog = p->prog;
    if (!prog) return ZVM_OUT_DONE;
    while (p->pc < prog->n) {
        const keel_insn *in = &prog->insn[p->pc];
        p->pub.budget -= op_cost(in->op);
        switch (in->fn(&p->pub, in)) {
        case KEEL_NEXT:
            p->pc++;
            break;
        case KEEL_JUMP:
            p->pc = (uint32_t)in->imm;
            if (p->pub.budget <= 0) return ZVM_OUT_YIELD;
            break;
        case KEEL_YIELD:
            return ZVM_OUT_YIELD;
        case KEEL_BLOCK:
            return ZVM_OUT_BLOCK;
        case KEEL_HOP:
            return ZVM_OUT_HOP;
        case KEEL_DONE:
            return ZVM_OUT_DONE;
        case KEEL_FAIL:
            p->failed = true;
            return ZVM_OUT_DONE;
        default:
            zvm_reply_reset(p);
            zvm_reply_errorf(p, "ERR internal error: opcode %s returned an unknown result",
                             op_by_number(in->op)->def.name);
            p->failed = true;
            return ZVM_OUT_DONE;
        }
    }
    return ZVM_OUT_DONE;
}

bool zvm_writes(const zvm_proc *p) {
    return p->cmd &&
           (cmd_call_flags(p->cmd, p->pub.argc, p->pub.argv) & (KEEL_CMD_WRITE | KEEL_CMD_ADMIN));
}

/* True when p's client has gone, p has not run anything yet (it may hold locks it took or was
 * handed while waiting for them) and p only reads: it can end without running.  Writes the
 * server has read still run, as in Redis.  A process woken from a park starts its program over
 * (pc 0) but has run: it runs again, so that its opcode sees the wake reason and ends as it
 * should (a blocking pop forgets the deadline it keeps by process). */
static bool zvm_abandoned(const zvm_proc *p) {
    if (p->pc != 0 || p->wake_reason || !p->conn || !p->cmd ||
        !atomic_load_explicit(&p->conn->gone, memory_order_relaxed))
        return false;
    return !zvm_must_run(p);
}

bool zvm_must_run(const zvm_proc *p) {
    return zvm_writes(p) || p->tx != NULL;
}

/* The first yield of a process marks it long-running on its connection, which then starts no
 * more requests until it finishes (conn.c).  A child (EXEC's command, a script's call) marks the
 * request it runs for: the connection only hears of that one finishing.  (The parent waits,
 * parked, while its child runs: nothing else touches it.) */
static void zvm_note_yield(zvm_proc *p) {
    while (p->call_parent)
        p = p->call_parent;
    if (p->yielded || !p->conn) return;
    p->yielded = true;
    atomic_fetch_add_explicit(&p->conn->nlong, 1, memory_order_relaxed);
}

/* A blocking command run as a child (EXEC, a script) answers as if its timeout had passed: it
 * starts over, with keel_proc_timed_out true. */
static void zvm_restart_timed_out(zvm_proc *p) {
    p->block_req = false;
    p->wake_reason = BLK_TIMEDOUT;
    p->pc = 0;
    p->lock_next = p->lock_key = p->lock_pos = 0;
    p->lock_ordered = false;
    memset(p->reg, 0, sizeof p->reg);
    zvm_reply_reset(p);
}

/* p waited on a key of a busy process (busy.c): it ends with that process's error. */
static zvm_outcome zvm_fail_busy(zvm_proc *p) {
    zvm_reply_reset(p);
    zvm_reply_error_text(p, p->busy_error, strlen(p->busy_error));
    p->busy_error = NULL;
    p->failed = true;
    return ZVM_OUT_DONE;
}

void zvm_step(zvm_proc *p) {
    thr *t = p->cur;
    if (p->blk) blk_resumed(p); /* woken from a park: it starts its program over */
    zvm_set_state(p, ZVM_RUNNING);
    zvm_outcome out = p->busy_error      ? zvm_fail_busy(p)
                      : zvm_abandoned(p) ? ZVM_OUT_DONE
                                         : zvm_run(p);
    switch (out) {
    case ZVM_OUT_DONE:
        busy_clear(p);
        if (atomic_load_explicit(&aof_logging, memory_order_relaxed))
            aof_proc_done(p); /* keys still held */
        zvm_reply_finish(p);
        call_clear(p); /* a child whose reply was never cleared */
        if (p->call_parent)
            zvm_give_locks(p, p->call_parent);
        else
            zvm_release_locks(p);
        if (p->home == t) {
            p->done(p);
        } else if (p->conn && !p->call_parent && conn_direct_reply(p)) {
            /* answered from here; its connection's thread finishes it when it looks */
        } else {
            p->m.kind = MSG_DONE;
            thr_send(p->home, &p->m);
        }
        break;
    case ZVM_OUT_YIELD:
        if (p->restart_wider) call_restart_wider(p); /* gives back its locks, starts over */
        zvm_note_yield(p);
        zvm_register_lazy_locks(p);
        atomic_fetch_add_explicit(&t->st.yields, 1, memory_order_relaxed);
        thr_ready(t, p);
        break;
    case ZVM_OUT_BLOCK:
        if (p->block_req && (p->call_parent ||
                             p->aof_replay)) { /* EXEC, a script, the log's replay: never blocks */
            zvm_restart_timed_out(p);
            thr_ready(t, p);
            break;
        }
        if (p->block_req) { /* keel_block_keys: park on the keys, holding nothing */
            blk_park(p);
            break;
        }
        zvm_register_lazy_locks(p); /* waiting behind a lock holder on this thread */
        zvm_set_state(p, ZVM_WAITING);
        break;
    case ZVM_OUT_HOP: {
        zvm_register_lazy_locks(p);
        thr *dst = shard_get(p->target_shard)->owner;
        if (dst == t) { /* defensive: an opcode asked to hop to where it is */
            thr_ready(t, p);
            break;
        }
        if (p->conn && p->home == t && !p->call_parent) conn_direct_open(p->conn, p);
        zvm_set_state(p, ZVM_READY);
        p->m.kind = MSG_RUN;
        thr_send(dst, &p->m);
        break;
    }
    }
}
