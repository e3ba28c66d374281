/* conn_direct.c -- a reply written by the thread that ran the request (conn_direct.h). */
#include "config.h"
#include "aof.h"
#include "conn_direct.h"
#include "conn_move.h"
#include "cmdstats.h"
#include "mem.h"
#include "net.h"
#include "registry.h"
#include "server.h"
#include "thread.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* Replies bigger than this (their tree's arena chunks) go back the usual way: the connection's
 * thread encodes a big one a slice at a time. */
#define DIRECT_MAX_REPLY (16 * 1024)
/* Output the connection holds for the request in flight (MULTI's +OK and +QUEUED before EXEC)
 * goes out with the reply when there is no more of it than this. */
#define DIRECT_MAX_HELD (16 * 1024)
/* The encoding buffer a thread keeps between direct replies. */
#define DIRECT_BUF_KEEP (64 * 1024)

static void list_add(thr *t, conn *c) {
    if (t->ndirect == t->capdirect) {
        t->capdirect = t->capdirect ? t->capdirect * 2 : 16;
        t->direct = mem_realloc(t->direct, (size_t)t->capdirect * sizeof *t->direct);
    }
    c->direct_slot = t->ndirect;
    t->direct[t->ndirect++] = c;
}

static void list_remove(thr *t, conn *c) {
    int i = c->direct_slot;
    conn *last = t->direct[--t->ndirect];
    t->direct[i] = last;
    last->direct_slot = i;
    c->direct_slot = -1;
}

void conn_direct_open(conn *c, zvm_proc *p) {
    if (c->direct_slot >= 0 || c->npend != 1 || c->pend_head != p || p->done != conn_proc_done ||
        zvm_state(p) == ZVM_DONE)
        return;
    /* With a request waiting in its input (a pipeline behind a barrier), c's thread must go on
     * as soon as this one ends: the usual way wakes it, a direct reply would leave it asleep
     * until its next tick. */
    if (!srv->cf.direct_replies || conn_wants_move(c) || !c->proto->def.encode_detached || c->tls ||
        conn_parsable(c) || c->out.len - c->out_off > DIRECT_MAX_HELD || p->quiet ||
        p->push_bytes ||
        (c->flags & (CONN_CLOSED | CONN_KILL | CONN_CLOSE_ASAP | CONN_ENCODING | CONN_REFUSED)))
        return;
    list_add(c->t, c);
    atomic_store_explicit(&c->direct, DIRECT_OPEN, memory_order_release);
}

void conn_direct_end(conn *c) {
    if (c->direct_slot < 0) return;
    list_remove(c->t, c);
    atomic_store_explicit(&c->direct, DIRECT_OFF, memory_order_relaxed);
}

/* A reply another thread wrote: its request is finished here now. */
static void direct_finish(conn *c) {
    zvm_proc *p = c->pend_head;
    conn_direct_end(c);
    conn_proc_done(p);
}

/* What the other thread did to c's output, made true here: the held output it wrote is gone from
 * c->out, and what the socket did not take is c's output now.  Once per reply. */
static void direct_take_output(conn *c, zvm_proc *p) {
    c->out_off += p->direct_out_taken;
    p->direct_out_taken = 0;
    if (c->out_off == c->out.len) c->out_off = c->out.len = 0;
    if (p->direct_rest_len) keel_buf_put(&c->out, p->direct_rest, p->direct_rest_len);
    p->direct_rest_len = 0;
}

void conn_direct_bar(conn *c, bool finish) {
    if (c->direct_slot < 0) return; /* no window was opened: nothing to wait for */
    for (;;) {
        uint8_t s = atomic_load_explicit(&c->direct, memory_order_acquire);
        if (s == DIRECT_OFF) return;
        if (s == DIRECT_PARTIAL) { /* its request is on its way back: the output is c's now */
            direct_take_output(c, c->pend_head);
            return;
        }
        if (s == DIRECT_OPEN) {
            uint8_t want = DIRECT_OPEN;
            if (atomic_compare_exchange_strong_explicit(&c->direct, &want, DIRECT_OFF,
                                                        memory_order_acq_rel, memory_order_acquire))
                return; /* the request finishes the usual way; it stays listed until then */
            continue;
        }
        if (s == DIRECT_SENT) {
            direct_take_output(c, c->pend_head);
            if (finish) direct_finish(c);
            return;
        }
        sched_yield(); /* DIRECT_WRITING: a write of a few bytes, unless its thread was preempted */
    }
}

void conn_direct_collect(thr *t) {
    for (int i = 0; i < t->ndirect;) {
        conn *c = t->direct[i];
        if (atomic_load_explicit(&c->direct, memory_order_acquire) == DIRECT_SENT)
            direct_finish(c); /* c left the list: slot i holds another now */
        else
            i++;
    }
}

/* The counts conn_proc_done and conn_drain_pending keep, taken here for a reply written here, so
 * INFO is right as soon as the client has its answer (into this thread's counters). */
static void count_here(thr *t, conn *c, zvm_proc *p, size_t written) {
    if (p->started && p->cmd) {
        int64_t ns = p->wake_reason ? 0 : cmdstats_clock() - p->started_ns;
        cmdstats_call(t->id, p->cmd, ns, p->failed);
    }
    for (const keel_reply *r = p->reply_first; r; r = r->next)
        if (r->type == KEEL_REPLY_ERROR) {
            conn_count_error(t, c->net, r);
            p->direct_errors++;
        }
    conn_count_command(t, p);
    if (written) {
        thr_stat_bump(&t->st.net_writes);
        atomic_fetch_add_explicit(&t->st.net_out, (uint64_t)written, memory_order_relaxed);
        atomic_fetch_add_explicit(&c->net->st.bytes_out, (uint64_t)written, memory_order_relaxed);
    }
    p->direct_bytes = written;
    p->direct_counted = true;
    thr_stat_bump(&t->st.direct_replies);
}

/* Writes what the socket takes now of the held output and then the reply; returns how much. */
static size_t send_some(int fd, const char *held, size_t held_len, const char *data, size_t len) {
    size_t off = 0, total = held_len + len;
    while (off < total) {
        struct iovec iov[2];
        int n_iov = 0;
        if (off < held_len) iov[n_iov++] = (struct iovec){(char *)held + off, held_len - off};
        size_t in_data = off > held_len ? off - held_len : 0;
        if (len > in_data) iov[n_iov++] = (struct iovec){(char *)data + in_data, len - in_data};
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n_iov};
        ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break; /* full, or the connection is over: its own thread finds out when it writes */
    }
    return off;
}

bool conn_direct_reply(zvm_proc *p) {
    conn *c = p->conn;
    if (p->done != conn_proc_done ||
        atomic_load_explicit(&c->direct, memory_order_relaxed) != DIRECT_OPEN)
        return false;
    if (p->arena_bytes - p->arena_args > DIRECT_MAX_REPLY)
        return false; /* big: encoded a slice at a time at home */
    if (p->aof_seq && aof_reply_ready(p->aof_seq) != AOF_REPLY_GO)
        return false; /* it waits for the log's fsync (appendfsync always) */
    uint8_t want = DIRECT_OPEN;
    if (!atomic_compare_exchange_strong_explicit(&c->direct, &want, DIRECT_WRITING,
                                                 memory_order_acq_rel, memory_order_relaxed))
        return false;
    p->aof_seq = 0; /* (conn_aof_settled would clear it so) */
    thr *t = p->cur;
    keel_buf *b = &t->direct_buf;
    b->len = 0;
    const keel_proto_def *pd = &c->proto->def;
    for (const keel_reply *r = p->reply_first; r; r = r->next)
        if (!pd->encode_detached(c->pstate, p->tag, r, b)) { /* it changes the protocol's state */
            atomic_store_explicit(&c->direct, DIRECT_OFF, memory_order_release);
            return false;
        }
    /* c's thread leaves c->out alone while the window is open (it bars first) */
    size_t held_len = c->out.len - c->out_off, total = held_len + b->len;
    const char *held = held_len ? c->out.data + c->out_off : NULL; /* (no buffer yet: NULL) */
    size_t written = total ? send_some(c->fd, held, held_len, b->data, b->len) : 0;
    count_here(t, c, p, written);
    p->direct_sent = true;
    p->direct_out_taken = held_len;
    bool all = written == total;
    if (!all) { /* the rest goes back with p, to be written by c's thread */
        p->direct_rest_len = total - written;
        p->direct_rest = zvm_alloc(p, p->direct_rest_len);
        size_t from_held = written < held_len ? held_len - written : 0;
        size_t from_reply = p->direct_rest_len - from_held;
        if (from_held) memcpy(p->direct_rest, held + (held_len - from_held), from_held);
        if (from_reply)
            memcpy(p->direct_rest + from_held, b->data + (b->len - from_reply), from_reply);
    }
    if (b->cap > DIRECT_BUF_KEEP) {
        mem_free(b->data);
        memset(b, 0, sizeof *b);
    }
    atomic_store_explicit(&c->direct, all ? DIRECT_SENT : DIRECT_PARTIAL, memory_order_release);
    return all; /* from here on (all): p and c belong to c's thread */
}

bool conn_direct_settle(conn *c, zvm_proc *p) {
    if (!p->direct_sent) return false;
    c->bytes_out += p->direct_bytes;
    c->nerrors += p->direct_errors;
    direct_take_output(c, p);
    if (c->proto->def.detached_sent) c->proto->def.detached_sent(c, c->pstate, p->tag);
    return true;
}
