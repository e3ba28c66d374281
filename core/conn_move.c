/* conn_move.c -- moving a connection to the thread that owns its keys (conn_move.h).
 *
 * Each single-shard request scores its shard's thread: +1 when it is the thread the connection
 * leans to, -4 when it is the connection's own, a fresh lean toward any other.  A connection
 * moves once the score reaches MOVE_SCORE, i.e. when about four requests in five, in a row,
 * went to one other thread; keys spread evenly over the threads never move anyone.  It moves
 * only while idle between requests and when nothing it holds is tied to its thread: TLS
 * sessions, MULTI and WATCH, subscriptions and other module data stay where they began. */
#include "config.h"
#include "conn_move.h"
#include "conn_ext.h"
#include "server.h"
#include "shard.h"
#include "thread.h"
#include "tx.h"

#include <event2/event.h>
#include <pthread.h>

#define MOVE_SCORE 64
#define MOVE_HOME_PENALTY 4

void conn_affinity_note(conn *c, const zvm_proc *p) {
    if (p->nlshards != 1 || srv->nthreads < 2 || !srv->cf.conn_move) return;
    const thr *owner = shard_get(p->lshards[0])->owner;
    if (owner == c->t) {
        c->aff_score = c->aff_score > MOVE_HOME_PENALTY ? c->aff_score - MOVE_HOME_PENALTY : 0;
    } else if (owner->id == c->aff_thread) {
        if (c->aff_score < MOVE_SCORE) c->aff_score++;
    } else {
        c->aff_thread = owner->id;
        c->aff_score = 1;
    }
}

#define MOVE_BLOCKERS                                                                              \
    (CONN_CLOSE_ASAP | CONN_CLOSED | CONN_READ_PAUSED | CONN_DIRTY | CONN_IN_INPUT |               \
     CONN_ENCODING | CONN_TLS_RW | CONN_TLS_WR | CONN_EOF | CONN_KILL | CONN_MULTI |               \
     CONN_IN_HELD | CONN_REFUSED)

/* Idle between requests, and nothing it has is tied to its thread. */
static bool conn_movable(const conn *c) {
    return !(c->flags & MOVE_BLOCKERS) && !c->tls && !c->ext && !c->monitor && !c->paused &&
           c->npend == 0 && c->nstarted == 0 && !c->held && !c->barrier && !c->last_done &&
           c->reply_bytes == 0 && c->out_off == c->out.len && c->in_off == c->in_len &&
           !(c->tx && c->tx->nwatches) && !atomic_load_explicit(&c->nsub, memory_order_relaxed) &&
           !atomic_load_explicit(&c->npsub, memory_order_relaxed) &&
           !atomic_load_explicit(&c->nssub, memory_order_relaxed);
}

/* On the new thread: c's events join its loop; what the client sent meanwhile is read there. */
static void conn_adopt(void *arg) {
    conn *c = arg;
    thr *t = thr_self();
    conn_attach(c, t);
    event_add(c->rev, NULL);
    atomic_fetch_add_explicit(&srv->conn_moves, 1, memory_order_relaxed);
}

bool conn_wants_move(const conn *c) {
    return c->aff_score >= MOVE_SCORE;
}

bool conn_maybe_move(conn *c) {
    if (c->aff_score < MOVE_SCORE || !conn_movable(c)) return false;
    c->aff_score = 0;
    thr *dst = srv->threads[c->aff_thread];
    /* c->t changes under the clients lock, so CLIENT KILL (which sends to c->t under it) reaches
     * the thread that will have c: its call is queued after conn_adopt's. */
    pthread_mutex_lock(&srv->clients_lock);
    bool killed = atomic_load_explicit(&c->killed, memory_order_relaxed);
    if (!killed) {
        conn_detach(c);
        c->t = dst;
        thr_call_on(dst, conn_adopt, c);
    }
    pthread_mutex_unlock(&srv->clients_lock);
    return !killed;
}
