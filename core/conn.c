/* conn.c -- a client connection's life: read into a contiguous buffer, parse requests with the
 * network's protocol, start a process per request, write replies back in request order. */
#include "config.h"
#include "cluster.h"
#include "conn.h"
#include "conn_direct.h"
#include "aof.h"
#include "conn_dispatch.h"
#include "conn_ext.h"
#include "conn_move.h"
#include "evict.h"
#include "limit.h"
#include "ns.h"
#include "opts.h"
#include "block.h"
#include "client_pause.h"
#include "cmdstats.h"
#include "monitor.h"
#include "slowlog.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "registry.h"
#include "server.h"
#include "thread.h"
#include "tls.h"
#include "tx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_READ_CHUNK (16 * 1024)
#define CONN_READ_MAX_PER_EVENT (1024 * 1024)
#define CONN_MAX_PENDING 1024
#define CONN_OUT_PAUSE (64u * 1024 * 1024)
#define CONN_IN_KEEP (64 * 1024)
#define CONN_ENCODE_BUDGET 4096         /* reply nodes encoded per step of a big reply */
#define CONN_ENCODE_AHEAD (1024 * 1024) /* unsent output above which encoding waits */

static void conn_on_read(evutil_socket_t fd, short what, void *arg);
static void conn_on_write(evutil_socket_t fd, short what, void *arg);
static bool conn_read_input(conn *c);
static void conn_process_input(conn *c);
static void conn_maybe_free(conn *c);
static void conn_drain_pending(conn *c);
static bool conn_input_room(conn *c, size_t want);
static void conn_resume(conn *c);
static bool conn_check_query_limit(conn *c);
static void conn_fail(conn *c, const char *message);
static void conn_after_eof(conn *c);
static void conn_free_buffer(void *buf) {
    mem_free(buf);
}

static void conn_mark_dirty(conn *c) {
    if (c->flags & CONN_DIRTY) return;
    c->flags |= CONN_DIRTY;
    c->dirty_next = c->t->dirty;
    c->t->dirty = c;
}

static void sockaddr_text(const struct sockaddr_storage *ss, char *out, size_t cap) {
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
    }
    snprintf(out, cap, "%s:%d", host, port);
}

/* TCP keepalive probes after `secs` idle seconds, or none (0).  Sockets inherit the listener's
 * SO_KEEPALIVE (libevent sets it, with the system's two hours), so 0 turns it off explicitly. */
static void conn_keepalive(int fd, int secs) {
    int on = secs > 0, idle = secs, intvl = secs / 3 > 0 ? secs / 3 : 1, cnt = 3;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    if (!on) return;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

static void conn_refuse(conn *c, const char *why);

void conn_attach(conn *c, thr *t) {
    c->t = t;
    c->rev = event_new(t->base, c->fd, EV_READ | EV_PERSIST, conn_on_read, c);
    c->wev = event_new(t->base, c->fd, EV_WRITE, conn_on_write, c);
    c->tprev = NULL;
    c->tnext = t->conns;
    if (t->conns) t->conns->tprev = c;
    t->conns = c;
}

void conn_detach(conn *c) {
    thr *t = c->t;
    event_free(c->rev);
    event_free(c->wev);
    c->rev = c->wev = NULL;
    if (c->tprev)
        c->tprev->tnext = c->tnext;
    else if (t->conns == c)
        t->conns = c->tnext;
    if (c->tnext) c->tnext->tprev = c->tprev;
    c->tnext = c->tprev = NULL;
}

void conn_accept_msg(thr *t, msg *m) {
    conn_msg *cm = (conn_msg *)m;
    conn *c = mem_calloc(1, sizeof *c);
    c->fd = cm->fd;
    c->direct_slot = -1;
    c->t = t;
    c->net = cm->net;
    c->proto = cm->net->proto;
    c->id = atomic_fetch_add(&srv->next_conn_id, 1) + 1;
    c->created_ms = c->last_ms = t->now_ms;
    c->aff_thread = -1;
    const char *refuse = cm->refuse;
    mem_free(cm);
    if (refuse) c->flags |= CONN_REFUSED; /* net.c did not count it as a client */

    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn_keepalive(c->fd, limit_get(srv->cf.tcp_keepalive));
    if (c->net->tls && !(c->tls = tls_session_new(c->net->tls, c->fd))) {
        atomic_fetch_add_explicit(&c->net->st.tls_failures, 1, memory_order_relaxed);
        close(c->fd);
        if (!refuse) net_client_gone(c->net);
        mem_free(c);
        return;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getpeername(c->fd, (struct sockaddr *)&ss, &sl) == 0)
        sockaddr_text(&ss, c->addr, sizeof c->addr);
    sl = sizeof ss;
    if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0)
        sockaddr_text(&ss, c->laddr, sizeof c->laddr);

    if (c->proto->def.conn_state_size) c->pstate = mem_calloc(1, c->proto->def.conn_state_size);
    c->ns = ns_path_ref(c->net->ns_base); /* the network's namespace, locked or not */
    atomic_store_explicit(&c->db, (uint32_t)c->net->cf->database, memory_order_relaxed);
    c->opts = opt_ref(c->net->cf->options);
    if (!c->net->cf->requirepass) c->flags |= CONN_AUTHED;
    conn_attach(c, t);
    if (c->proto->def.conn_open) c->proto->def.conn_open(c, c->pstate);
    if (refuse) {
        conn_refuse(c, refuse);
        return;
    }
    event_add(c->rev, NULL);
    pthread_mutex_lock(&srv->clients_lock);
    c->cnext = srv->clients;
    if (srv->clients) srv->clients->cprev = c;
    srv->clients = c;
    pthread_mutex_unlock(&srv->clients_lock);
    log_debug("client %llu connected from %s", (unsigned long long)c->id, c->addr);
}

/* ---- closing ---- */

static void conn_unlink(conn *c) {
    pthread_mutex_lock(&srv->clients_lock);
    if (c->cprev)
        c->cprev->cnext = c->cnext;
    else if (srv->clients == c)
        srv->clients = c->cnext;
    if (c->cnext) c->cnext->cprev = c->cprev;
    pthread_mutex_unlock(&srv->clients_lock);
    if (!(c->flags & CONN_REFUSED)) net_client_gone(c->net);
}

static void conn_run_held(conn *c);

/* Closes the socket now; the struct lives until its in-flight processes have come back.
 * Requests not started yet that only read are dropped; writes still run, in order, as the
 * server had read them (Redis runs every command it has read, too). */
static void conn_close(conn *c) {
    if (c->flags & CONN_CLOSED) return;
    conn_direct_bar(c, false); /* no other thread writes to the socket from here on */
    c->flags |= CONN_CLOSED;
    atomic_store_explicit(&c->gone, true, memory_order_relaxed);
    conn_ext_close(c);       /* modules drop what they keep for it (subscriptions) */
    client_pause_release(c); /* its held requests run now (the writes) or are dropped */
    monitor_remove(c);
    for (zvm_proc *p = c->pend_head; p; p = p->conn_next)
        blk_cancel(p); /* parked: finish now */
    conn_detach(c);
    tls_session_free(c->tls);
    c->tls = NULL;
    close(c->fd);
    c->fd = -1;
    conn_unlink(c);
    log_debug("client %llu closed", (unsigned long long)c->id);
    conn_run_held(c);
    conn_maybe_free(c);
}

/* Frees a closed connection once nothing refers to it: finished processes are recycled
 * (their replies will never be sent), unfinished ones are waited for. */
static void conn_maybe_free(conn *c) {
    if (!(c->flags & CONN_CLOSED) || (c->flags & CONN_IN_HELD))
        return; /* conn_run_held frees it after */
    if (c->enc_cursor) {
        if (c->proto->def.encode_abort) c->proto->def.encode_abort(c, c->pstate, c->enc_cursor);
        c->enc_cursor = NULL;
    }
    c->enc_node = NULL;
    c->flags &= ~CONN_ENCODING;
    conn_drain_pending(c);
    if (c->npend > 0 || (c->flags & CONN_DIRTY)) return;
    conn_direct_end(c);
    if (c->proto->def.conn_close) c->proto->def.conn_close(c, c->pstate);
    tx_conn_free(c);
    mem_free(c->pstate);
    mem_free(c->in);
    mem_free(c->out.data);
    mem_free(c->name);
    ns_path_unref(c->ns);
    opt_unref(c->opts);
    mem_free(c);
}

void conn_close_all(thr *t) {
    while (t->conns)
        conn_close(t->conns);
}

/* ---- transport: the plain socket or the TLS session on it ---- */

/* Moves c's TLS handshake on: 1 once complete, 0 while it waits for the socket (the event it
 * needs is armed: reads are always watched), -1 when it failed (counted and logged). */
static int conn_tls_handshake(conn *c) {
    if (tls_session_ready(c->tls)) return 1;
    switch (tls_session_handshake(c->tls)) {
    case TLS_IO_OK:
        atomic_fetch_add_explicit(&c->net->st.tls_handshakes, 1, memory_order_relaxed);
        if (tls_session_resumed(c->tls))
            atomic_fetch_add_explicit(&c->net->st.tls_resumed, 1, memory_order_relaxed);
        log_debug("client %llu: %s %s%s", (unsigned long long)c->id, tls_session_version(c->tls),
                  tls_session_cipher(c->tls), tls_session_resumed(c->tls) ? " (resumed)" : "");
        return 1;
    case TLS_IO_WANT_READ:
        return 0;
    case TLS_IO_WANT_WRITE:
        event_add(c->wev, NULL);
        return 0;
    case TLS_IO_EOF:
        atomic_fetch_add_explicit(&c->net->st.tls_failures, 1, memory_order_relaxed);
        log_info("client %llu (%s) on network %s: closed during the TLS handshake",
                 (unsigned long long)c->id, c->addr, c->net->cf->name);
        return -1;
    default:
        atomic_fetch_add_explicit(&c->net->st.tls_failures, 1, memory_order_relaxed);
        log_info("client %llu (%s) on network %s: TLS handshake failed: %s",
                 (unsigned long long)c->id, c->addr, c->net->cf->name, tls_session_error(c->tls));
        return -1;
    }
}

#define CONN_RECV_ERROR (-1) /* the connection failed */
#define CONN_RECV_EOF (-2)   /* the client finished sending (it may still read replies) */

/* Reads up to len bytes: how many (> 0), 0 when nothing more can be read now, CONN_RECV_EOF
 * or CONN_RECV_ERROR when no more will come. */
static ssize_t conn_recv(conn *c, char *buf, size_t len) {
    if (!c->tls) {
        for (;;) {
            ssize_t n = read(c->fd, buf, len);
            if (n > 0) return n;
            if (n == 0) return CONN_RECV_EOF;
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return CONN_RECV_ERROR;
        }
    }
    int h = conn_tls_handshake(c);
    if (h <= 0) return h;
    c->flags &= ~CONN_TLS_RW;
    size_t n = 0;
    switch (tls_session_read(c->tls, buf, len, &n)) {
    case TLS_IO_OK:
        return (ssize_t)n;
    case TLS_IO_WANT_READ:
        return 0;
    case TLS_IO_WANT_WRITE:
        c->flags |= CONN_TLS_RW;
        event_add(c->wev, NULL);
        return 0;
    case TLS_IO_EOF:
        return CONN_RECV_EOF;
    default:
        log_info("client %llu (%s): TLS error: %s", (unsigned long long)c->id, c->addr,
                 tls_session_error(c->tls));
        return CONN_RECV_ERROR;
    }
}

/* Writes up to len bytes (len > 0): how many (> 0), 0 when the socket takes no more now (the
 * event that resumes writing is armed), -1 when the connection is over. */
static ssize_t conn_send(conn *c, const char *buf, size_t len) {
    if (!c->tls) {
        for (;;) {
            ssize_t n = write(c->fd, buf, len);
            if (n > 0) return n;
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                event_add(c->wev, NULL);
                return 0;
            }
            return -1;
        }
    }
    int h = conn_tls_handshake(c);
    if (h <= 0) return h;
    size_t n = 0;
    switch (tls_session_write(c->tls, buf, len, &n)) {
    case TLS_IO_OK:
        c->flags &= ~CONN_TLS_WR;
        return (ssize_t)n;
    case TLS_IO_WANT_WRITE:
        event_add(c->wev, NULL);
        return 0;
    case TLS_IO_WANT_READ: /* the next readable event retries (conn_on_read marks c dirty) */
        c->flags |= CONN_TLS_WR;
        event_add(c->rev, NULL);
        return 0;
    default:
        return -1;
    }
}

/* Watches the socket for input again (after a pause).  Records OpenSSL already read ahead would
 * not wake the socket's event, so there is one read now (a partial record just waits). */
static void conn_watch_input(conn *c) {
    if (c->flags & CONN_EOF) return; /* nothing more will come */
    event_add(c->rev, NULL);
    if (c->tls && tls_session_pending(c->tls)) event_active(c->rev, EV_READ, 0);
}

/* ---- output ---- */

size_t conn_output_bytes(const conn *c) {
    return c->out.len - c->out_off + c->reply_bytes;
}

/* The client-output-buffer-limit class of c: pubsub while it has subscriptions. */
static int conn_obuf_class(const conn *c) {
    return conn_subscribed(c) ? LIMIT_OBUF_PUBSUB : LIMIT_OBUF_NORMAL;
}

/* Checks c's output against its class's limits: past the hard one, or above the soft one for
 * longer than its seconds, c is to be closed (CONN_KILL: closed when the thread flushes, so no
 * caller loses c under its feet).  Returns false when c is to be closed. */
static bool conn_check_output_limit(conn *c) {
    if (c->flags & (CONN_KILL | CONN_CLOSED)) return !(c->flags & CONN_KILL);
    const limit_obuf *l = &srv->cf.obuf[conn_obuf_class(c)];
    int64_t hard = limit_get(l->hard), soft = limit_get(l->soft), secs = limit_get(l->soft_seconds);
    int64_t used = (int64_t)conn_output_bytes(c), now = c->t->now_ms;
    bool over_soft = soft > 0 && used > soft;
    if (!over_soft)
        c->obuf_soft_since = 0;
    else if (!c->obuf_soft_since)
        c->obuf_soft_since = now;
    if (!(hard > 0 && used > hard) && !(over_soft && now - c->obuf_soft_since > secs * 1000))
        return true;
    log_notice(
        "client %llu (%s) on network %s closed for going over the output buffer limit (%lld bytes)",
        (unsigned long long)c->id, c->addr, c->net->cf->name, (long long)used);
    atomic_fetch_add_explicit(&srv->obuf_disconnections, 1, memory_order_relaxed);
    c->flags |= CONN_KILL;
    conn_mark_dirty(c);
    return false;
}

/* Writes pending output.  Returns false when the connection was closed (and may be freed). */
static bool conn_write(conn *c) {
    if (c->out_off < c->out.len) conn_direct_bar(c, false); /* held output: not for them now */
    if (c->out_off < c->out.len) thr_stat_bump(&c->t->st.net_writes);
    while (c->out_off < c->out.len) {
        ssize_t n = conn_send(c, c->out.data + c->out_off, c->out.len - c->out_off);
        if (n > 0) {
            c->out_off += (size_t)n;
            c->bytes_out += (uint64_t)n;
            atomic_fetch_add_explicit(&c->t->st.net_out, (uint64_t)n, memory_order_relaxed);
            atomic_fetch_add_explicit(&c->net->st.bytes_out, (uint64_t)n, memory_order_relaxed);
            continue;
        }
        if (n == 0) return true;
        conn_close(c);
        return false;
    }
    c->out.len = c->out_off = 0;
    if (c->out.cap > CONN_IN_KEEP * 4) {
        mem_free(c->out.data);
        c->out.data = NULL;
        c->out.cap = 0;
    }
    if ((c->flags & CONN_CLOSE_ASAP) && c->npend == 0) {
        conn_close(c);
        return false;
    }
    return true;
}

/* Output small enough to wait for the request still in flight behind it, when that one is quick
 * (not blocking, not run long): MULTI's +OK and +QUEUED then leave with EXEC's reply in one
 * write, as from Redis, which answers a pipeline only once it has run all of it. */
#define CONN_HOLD_MAX 16384

static bool conn_output_waits(const conn *c) {
    const zvm_proc *p = c->pend_head;
    if (!p || zvm_state(p) == ZVM_DONE || c->out.len - c->out_off > CONN_HOLD_MAX ||
        (c->flags & (CONN_ENCODING | CONN_CLOSE_ASAP)) || c->held ||
        atomic_load_explicit(&c->nlong, memory_order_relaxed) > 0)
        return false;
    return !p->cmd || !(p->cmd->def->flags & KEEL_CMD_BLOCKING);
}

/* Writes what each dirty connection has; one that is encoding a big reply encodes its next
 * slice (when its output has drained) and stays dirty for the next loop turn. */
void conn_flush_dirty(thr *t) {
    conn *again = NULL;
    while (t->dirty) {
        conn *c = t->dirty;
        t->dirty = c->dirty_next;
        c->flags &= ~CONN_DIRTY;
        if (c->flags & CONN_CLOSED) {
            conn_maybe_free(c); /* closed while dirty: freeing was deferred */
            continue;
        }
        if (c->flags & CONN_KILL) { /* conn_close frees it when nothing refers to it */
            conn_close(c);
            continue;
        }
        if ((c->flags & CONN_ENCODING) && c->out.len - c->out_off < CONN_ENCODE_AHEAD) {
            conn_drain_pending(c);
            if (!conn_check_output_limit(c)) {
                conn_close(c);
                continue;
            }
            if (!(c->flags & CONN_ENCODING)) conn_resume(c); /* its reply no longer counts */
        }
        if (c->out_off < c->out.len && conn_output_waits(c)) continue; /* its end marks c dirty */
        if (!conn_write(c)) continue;
        /* the one request left in flight (EXEC after its MULTI's replies went out) may now be
         * answered where it runs */
        if (c->npend == 1) conn_direct_open(c, c->pend_head);
        /* a socket that is full wakes conn_on_write, which marks it dirty again */
        if ((c->flags & CONN_ENCODING) && c->out.len - c->out_off < CONN_ENCODE_AHEAD) {
            c->flags |= CONN_DIRTY;
            c->dirty_next = again;
            again = c;
            continue;
        }
        conn_maybe_move(c);
    }
    t->dirty = again;
}

static void conn_on_write(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    conn *c = arg;
    thr_refresh_now(c->t); /* input may be dispatched below */
    if (c->tls && (!tls_session_ready(c->tls) || (c->flags & CONN_TLS_RW))) {
        if (!conn_read_input(c)) return; /* the handshake or a read was waiting for this */
        conn_process_input(c);
    }
    if (!conn_write(c)) return;
    if (c->flags & CONN_ENCODING) conn_mark_dirty(c);
    conn_resume(c);
}

/* A reply node this big (a string) gets its output room before it is encoded, with an
 * allocation that may fail: the client then gets an error in its place, not a dead server. */
#define CONN_ENCODE_RESERVE_MIN (64 * 1024)

/* Room in c's output for a big string node r; false when there is no memory for it. */
static bool conn_output_room(conn *c, const keel_reply *r) {
    bool big_string = r->type == KEEL_REPLY_BULK || r->type == KEEL_REPLY_VERBATIM ||
                      r->type == KEEL_REPLY_SIMPLE || r->type == KEEL_REPLY_ERROR;
    if (!big_string || r->len < CONN_ENCODE_RESERVE_MIN) return true;
    size_t need = c->out.len + (size_t)r->len + 64;
    if (c->out.cap >= need) return true;
    size_t cap = (need + 4095) & ~(size_t)4095; /* its size, not the next power of two */
    char *data = mem_try_realloc(c->out.data, cap);
    if (!data) return false;
    c->out.data = data;
    c->out.cap = cap;
    return true;
}

void conn_count_error(thr *t, listener *net, const keel_reply *r) {
    cmdstats_error(t->id, r->v.s, r->len);
    atomic_fetch_add_explicit(&t->st.errors, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&net->st.errors, 1, memory_order_relaxed);
}

void conn_count_command(thr *t, const zvm_proc *p) {
    atomic_fetch_add_explicit(&t->st.commands, 1, memory_order_relaxed);
    if (p->cmd && (p->cmd->def->flags & KEEL_CMD_WRITE) && !p->failed)
        atomic_fetch_add_explicit(&t->st.writes, 1, memory_order_relaxed);
}

/* Encodes p's reply; with a stepwise protocol, a slice at a time: false when it stopped midway
 * (CONN_ENCODING: conn_flush_dirty goes on next turn, once the output has drained enough). */
static bool conn_encode(conn *c, zvm_proc *p) {
    static const keel_reply no_memory = {
        .type = KEEL_REPLY_ERROR, .v.s = "ERR out of memory", .len = 17};
    const keel_proto_def *pd = &c->proto->def;
    for (const keel_reply *r = c->enc_node ? c->enc_node : p->reply_first; r; r = r->next) {
        /* (a stepwise protocol writes a big string a piece at a time: no room to make first) */
        if (!c->enc_cursor && !pd->encode_step && !conn_output_room(c, r)) { /* its next is kept */
            keel_reply stand_in = no_memory;
            stand_in.next = r->next;
            log_warning(
                "client %llu (%s): no memory to send a reply of %u bytes; it gets an error instead",
                (unsigned long long)c->id, c->addr, r->len);
            pd->encode(c, c->pstate, p->tag, &stand_in, &c->out);
            continue;
        }
        if (!c->enc_cursor && r->type == KEEL_REPLY_ERROR) {
            conn_count_error(c->t, c->net, r);
            c->nerrors++;
        }
        if (!pd->encode_step) {
            pd->encode(c, c->pstate, p->tag, r, &c->out);
        } else if (!pd->encode_step(c, c->pstate, p->tag, r, &c->out, &c->enc_cursor,
                                    CONN_ENCODE_BUDGET)) {
            c->enc_node = r;
            c->flags |= CONN_ENCODING;
            return false;
        }
    }
    c->enc_node = NULL;
    c->flags &= ~CONN_ENCODING;
    return true;
}

/* ---- the request queue ---- */

/* The bytes of p's arena its reply tree and scratch took (its arguments not counted); for a
 * push, the output it stands for. */
static size_t proc_reply_bytes(const zvm_proc *p) {
    return p->arena_bytes - p->arena_args + p->push_bytes;
}

/* Requests whose effects must happen even when the client has gone. */
static bool proc_writes(const zvm_proc *p) {
    return zvm_must_run(p);
}

/* Marks p finished; its reply counts as c's output until it is encoded. */
static void conn_finished(conn *c, zvm_proc *p) {
    p->state = ZVM_DONE;
    c->reply_bytes += proc_reply_bytes(p);
    if (!c->last_done || p->conn_seq >= c->last_done->conn_seq) c->last_done = p;
}

/* With appendfsync always, whether p's reply may leave: false while its log record is not on
 * disk (c waits: conn_aof_resume); a record the log could not take answers -MISCONF. */
static bool conn_aof_settled(conn *c, zvm_proc *p) {
    enum aof_reply r = aof_reply_ready(p->aof_seq);
    if (r == AOF_REPLY_WAIT) {
        c->flags |= CONN_AOF_WAIT;
        aof_wait_on(c->t);
        if ((r = aof_reply_ready(p->aof_seq)) == AOF_REPLY_WAIT)
            return false; /* (it may have moved meanwhile) */
    }
    p->aof_seq = 0;
    if (r == AOF_REPLY_FAILED) { /* applied in memory, not on disk: no false OK */
        char text[256];
        aof_misconf_text(text, sizeof text);
        keel_reply err = {.type = KEEL_REPLY_ERROR, .v.s = text, .len = (uint32_t)strlen(text)};
        c->proto->def.encode(c, c->pstate, p->tag, &err, &c->out);
        p->reply_first = NULL;
    }
    return true;
}

/* Encodes every finished process at the head of the pending list, in order (a closed
 * connection only recycles them). */
static void conn_drain_pending(conn *c) {
    while (c->pend_head && zvm_state(c->pend_head) == ZVM_DONE) {
        zvm_proc *p = c->pend_head;
        if (!(c->flags & CONN_CLOSED) && !p->quiet) {
            if ((c->flags & CONN_ENCODING) && c->out.len - c->out_off >= CONN_ENCODE_AHEAD) return;
            if (p->aof_seq && !conn_aof_settled(c, p)) return;
            if (!conn_direct_settle(c, p) && !conn_encode(c, p)) return;
        }
        c->pend_head = p->conn_next;
        if (!c->pend_head) c->pend_tail = NULL;
        if (c->held == p) c->held = p->conn_next;   /* an error reply queued among held requests */
        if (c->last_done == p) c->last_done = NULL; /* nothing after it had finished */
        c->npend--;
        c->reply_bytes -= proc_reply_bytes(p);
        if (p->push_bytes) { /* a push is no command */
            zvm_proc_recycle(p);
            continue;
        }
        if (!p->direct_counted) conn_count_command(c->t, p);
        zvm_proc_recycle(p);
    }
    if (c->npend == 0) c->serial = false;
}

/* True while c's next request must not start: a barrier is unfinished, a long request (one that
 * yielded) is running, or c runs one request at a time since it ran long ones. */
static bool conn_must_hold(const conn *c) {
    if (c->barrier || atomic_load_explicit(&c->nlong, memory_order_relaxed) > 0) return true;
    return c->serial && c->nstarted > 0;
}

/* Runs p.  A request that orders the ones after it is the barrier until it finishes (at once,
 * when it finishes here and now: conn_proc_done clears it). */
static void conn_start(conn *c, zvm_proc *p) {
    p->started = true;
    p->started_ns = cmdstats_clock();
    c->nstarted++;
    if (p->orders) c->barrier = p;
    conn_affinity_note(c, p);
    zvm_step(p);
}

/* Starts the held requests that may start now.  On a closed connection the ones that only read
 * are dropped unstarted; writes still run in order. */
static void conn_run_held(conn *c) {
    if (c->flags & CONN_IN_HELD) return; /* a request it started finished at once: go on there */
    c->flags |= CONN_IN_HELD;
    while (c->held) {
        zvm_proc *p = c->held;
        bool closed = (c->flags & CONN_CLOSED) != 0;
        if (zvm_state(p) == ZVM_DONE) { /* an error reply queued behind a held request */
            c->held = p->conn_next;
            continue;
        }
        if (closed && !proc_writes(p)) {
            c->held = p->conn_next;
            conn_finished(c, p);
            continue;
        }
        if (conn_must_hold(c) || (!closed && conn_output_bytes(c) >= CONN_OUT_PAUSE)) break;
        if (!closed && client_pause_holds(c, p, c->t->now_ms)) break;
        c->held = p->conn_next;
        conn_start(c, p);
    }
    c->flags &= ~CONN_IN_HELD;
}

/* INFO commandstats and the slow log, for a request that ran (not the time it was parked by a
 * blocking command: its reply came from its last run, the time of which is not known apart). */
static void conn_account(conn *c, zvm_proc *p) {
    int64_t ns = p->wake_reason ? 0 : cmdstats_clock() - p->started_ns;
    if (!p->direct_counted) cmdstats_call(c->t->id, p->cmd, ns, p->failed);
    if (slowlog_wanted(ns / 1000) && !p->wake_reason)
        slowlog_record(ns / 1000, p->pub.argc, p->pub.argv, c);
}

void conn_proc_done(zvm_proc *p) {
    conn *c = p->conn;
    conn_direct_end(c);
    bool was_barrier = c->barrier == p, was_long = p->yielded;
    if (was_barrier) c->barrier = NULL;
    if (p->started) {
        c->nstarted--;
        if (p->cmd) conn_account(c, p);
    }
    if (was_long) {
        atomic_fetch_sub_explicit(&c->nlong, 1, memory_order_relaxed);
        c->serial = true;
    }
    if (p->nwatch_out) tx_watch_adopt(c, p);
    conn_finished(c, p);
    conn_drain_pending(c);
    if (c->flags & CONN_CLOSED) {
        conn_run_held(c); /* the writes it still holds go on, one after another */
        conn_maybe_free(c);
        return;
    }
    conn_mark_dirty(c);
    if (!conn_check_output_limit(c)) return;
    if (!(c->flags & CONN_IN_INPUT)) conn_resume(c);
}

void conn_aof_resume(thr *t) {
    for (conn *c = t->conns, *next; c; c = next) {
        next = c->tnext;
        if (!(c->flags & CONN_AOF_WAIT)) continue;
        c->flags &= ~CONN_AOF_WAIT;
        conn_drain_pending(c);
        if (c->flags & CONN_CLOSED) continue;
        conn_mark_dirty(c);
        if (!conn_check_output_limit(c)) continue;
        if (!(c->flags & CONN_IN_INPUT)) conn_resume(c);
    }
}

/* Goes on with c's input once what held it back is gone: starts held requests, parses input a
 * barrier or a long request held back, unpauses reading when the pending requests and the
 * output have drained, and finishes a client that has sent everything. */
static void conn_resume(conn *c) {
    if (c->flags & (CONN_IN_INPUT | CONN_CLOSED | CONN_KILL)) return;
    bool out_ok = conn_output_bytes(c) < CONN_OUT_PAUSE, startable = out_ok && !conn_must_hold(c);
    bool go = startable && (c->held || conn_parsable(c));
    if ((c->flags & CONN_READ_PAUSED) && c->npend < CONN_MAX_PENDING / 2 && out_ok &&
        (!c->held || startable)) {
        c->flags &= ~CONN_READ_PAUSED;
        conn_watch_input(c);
        go = true;
    }
    if (go)
        conn_process_input(c);
    else if (c->flags & CONN_EOF)
        conn_after_eof(c);
}

void conn_resume_paused(thr *t) {
    for (conn *c = t->conns, *next; c; c = next) {
        next = c->tnext;
        if (!c->paused) continue;
        client_pause_release(c);
        conn_resume(c);
    }
}

/* ---- input ---- */

/* Appends a new process to c's pending list. */
zvm_proc *conn_queue_new(conn *c) {
    /* the request in flight is no longer the only one; while input is parsed, one another
     * thread answered is finished first, so the new one sees it done (in the slow log too) */
    conn_direct_bar(c, (c->flags & CONN_IN_INPUT) != 0);
    zvm_proc *p = zvm_proc_new(c->t);
    p->conn = c;
    p->done = conn_proc_done;
    p->conn_next = NULL;
    p->conn_seq = ++c->pend_seq;
    if (c->pend_tail)
        c->pend_tail->conn_next = p;
    else
        c->pend_head = p;
    c->pend_tail = p;
    c->npend++;
    return p;
}

/* Gives p the arguments of req.  An argument of ZVM_ARG_MOVE_MIN bytes or more is not copied
 * when what follows the request in c's input buffer is small beside it: p takes the whole
 * buffer (freed when p is recycled), uses the argument in place, and c starts a new buffer
 * with the unparsed rest.  Other arguments are copied into p's arena.  False when there was no
 * memory for the copies (the request fails). */
bool conn_give_args(conn *c, zvm_proc *p, const keel_request *req) {
    size_t rest = c->in_len - c->in_off, big = 0;
    const char *lo = c->in, *hi = c->in + c->in_off; /* the consumed part */
    for (uint32_t i = 0; i < req->argc; i++) {
        const keel_arg *a = &req->argv[i];
        if (a->len >= ZVM_ARG_MOVE_MIN && a->ptr >= lo && a->ptr + a->len < hi && a->len > big)
            big = a->len;
    }
    char *next = NULL;
    size_t next_cap = 0;
    if (big && rest > 64 * 1024 + big / 4) big = 0;
    if (big && rest) { /* the new buffer for the rest first: without it, copy instead */
        for (next_cap = CONN_READ_CHUNK; next_cap < rest; next_cap *= 2) {
        }
        if (!(next = mem_try_alloc(next_cap))) big = 0;
    }
    if (!big) {
        bool ok = zvm_set_argv_moved(p, req->argc, req->argv, NULL, NULL);
        p->arena_args = p->arena_bytes;
        return ok;
    }
    if (!zvm_set_argv_moved(p, req->argc, req->argv, lo, hi)) {
        mem_free(next);
        return false;
    }
    p->arena_args = p->arena_bytes;
    keel_proc_defer_free(&p->pub, conn_free_buffer, c->in);
    if (rest) memcpy(next, c->in + c->in_off, rest);
    c->in = next;
    c->in_cap = next_cap;
    c->in_len = rest;
    c->in_off = 0;
    return true;
}

#define CONN_BATCH 32

/* Starts prepared processes in request order, their keys' table buckets and entries prefetched
 * first so the lookups of a pipeline overlap their cache misses.  From the first one that may
 * not start yet (conn_must_hold, or too much output), they are held. */
static void conn_run_batch(conn *c, zvm_proc **batch, int n) {
    for (int stage = 0; stage < 2; stage++)
        for (int i = 0; i < n; i++)
            zvm_prefetch(batch[i], c->t, stage);
    for (int i = 0; i < n; i++) {
        if (conn_must_hold(c) || conn_output_bytes(c) >= CONN_OUT_PAUSE ||
            client_pause_holds(c, batch[i], c->t->now_ms)) {
            c->held = batch[i];
            return;
        }
        conn_start(c, batch[i]);
    }
}

/* Moves unparsed input to the front, and gives back a big buffer once it is empty. */
static void conn_compact_input(conn *c) {
    if (c->in_off == c->in_len) {
        c->in_off = c->in_len = 0;
        if (c->in_cap > CONN_IN_KEEP) {
            mem_free(c->in);
            c->in = NULL;
            c->in_cap = 0;
        }
    } else if (c->in_off > 0 && (c->in_off >= c->in_cap / 2 || c->in_len == c->in_cap)) {
        memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
        c->in_len -= c->in_off;
        c->in_off = 0;
    }
}

/* Queues an error reply (a text of any length) and closes c once it is written. */
static void conn_fail(conn *c, const char *message) {
    zvm_proc *p = conn_queue_new(c);
    zvm_reply_error_text(p, message, strlen(message));
    c->flags |= CONN_CLOSE_ASAP;
    c->in_off = c->in_len;
    conn_proc_done(p);
}

static void conn_protocol_error(conn *c, const char *message) {
    log_info("client %llu (%s): %s; closing it", (unsigned long long)c->id, c->addr,
             message ? message : "protocol error");
    conn_fail(c, message ? message : "ERR Protocol error");
}

static void conn_refuse(conn *c, const char *why) {
    log_info("client %llu (%s) on network %s refused: %.80s", (unsigned long long)c->id, c->addr,
             c->net->cf->name, why);
    conn_fail(c, why);
}

/* The limits the protocol enforces on c's next request. */
static void conn_request_limits(const conn *c, keel_request *req) {
    bool authed = (c->flags & CONN_AUTHED) != 0;
    req->unauthenticated = !authed;
    req->max_args = authed ? 0 : LIMIT_UNAUTH_MAX_ARGS;
    req->max_bulk =
        authed ? (uint64_t)limit_get(srv->cf.proto_max_bulk_len) : LIMIT_UNAUTH_MAX_BULK;
}

/* Parses and starts requests while c may take more. */
static void conn_parse_input(conn *c) {
    keel_request req;
    zvm_proc *batch[CONN_BATCH];
    int nbatch = 0;
    while (!(c->flags & (CONN_CLOSE_ASAP | CONN_CLOSED | CONN_KILL)) && !c->held &&
           !conn_must_hold(c) && c->npend < CONN_MAX_PENDING &&
           conn_output_bytes(c) < CONN_OUT_PAUSE) {
        size_t avail = c->in_len - c->in_off;
        if (avail == 0 || (c->in_need && avail < c->in_need)) break;
        memset(&req, 0, sizeof req);
        req.size = sizeof req;
        conn_request_limits(c, &req);
        keel_parse_result r = c->proto->def.parse(c, c->pstate, c->in + c->in_off, avail, &req);
        if (r == KEEL_PARSE_OK) {
            c->in_need = 0;
            if (req.consumed == 0 && req.argc == 0) break; /* defensive: no progress */
            c->in_off += req.consumed; /* argv still points into the buffer: prepare takes it */
            if (req.argc == 0 && req.reply_only) conn_reply_only(c, &req);
            zvm_proc *p = req.argc > 0 ? conn_prepare(c, &req) : NULL;
            if (p) batch[nbatch++] = p;
            /* an ordering request ends its batch; before AUTH, each request runs before the
             * next is parsed, so the limits of an authenticated client apply right after it */
            if (nbatch == CONN_BATCH || (p && p->orders) || (nbatch && !(c->flags & CONN_AUTHED))) {
                conn_run_batch(c, batch, nbatch);
                nbatch = 0;
            }
        } else if (r == KEEL_PARSE_NEED) {
            c->in_need = req.need > avail ? req.need : avail + 1;
            conn_check_query_limit(c); /* a request that can never fit: no point reading it */
            break;
        } else if (r == KEEL_PARSE_ERROR) {
            conn_protocol_error(c, req.error);
            break;
        } else {
            c->flags |= CONN_CLOSE_ASAP;
            c->in_off = c->in_len;
            break;
        }
    }
    conn_run_batch(c, batch, nbatch);
}

static void conn_process_input(conn *c) {
    if (c->flags & CONN_IN_INPUT) return;
    c->flags |= CONN_IN_INPUT;
    conn_run_held(c);
    conn_parse_input(c);
    c->flags &= ~CONN_IN_INPUT;
    if (c->flags & CONN_CLOSED) return;
    conn_compact_input(c);
    if (c->flags & CONN_EOF) conn_after_eof(c);
    if (!(c->flags & CONN_READ_PAUSED) &&
        (c->npend >= CONN_MAX_PENDING || conn_output_bytes(c) >= CONN_OUT_PAUSE || c->held)) {
        c->flags |= CONN_READ_PAUSED;
        if (c->rev) event_del(c->rev);
    }
    if ((c->flags & CONN_CLOSE_ASAP) && c->rev) event_del(c->rev);
    conn_mark_dirty(c);
}

/* The client has sent all it will.  Once every request it sent has started, nothing more is
 * read (CLOSE_ASAP): it is closed when the replies to what it sent are written, as Redis
 * answers what it read before it sees the EOF.  A parked blocking request is ended at once (it
 * answers nil): nobody will push for a client that has left. */
static void conn_after_eof(conn *c) {
    if (c->flags & (CONN_CLOSE_ASAP | CONN_CLOSED | CONN_KILL)) return;
    for (zvm_proc *p = c->pend_head; p; p = p->conn_next)
        blk_cancel(p);
    if (c->held || conn_parsable(c)) return;
    c->flags |= CONN_CLOSE_ASAP;
    c->in_off = c->in_len;
    conn_mark_dirty(c);
}

/* Makes room for at least `want` more bytes of input (growing geometrically); false when there
 * is no memory for it (the buffer is as it was). */
static bool conn_input_room(conn *c, size_t want) {
    if (c->in_cap - c->in_len >= want) return true;
    size_t need = c->in_len + want, cap = c->in_cap ? c->in_cap : CONN_READ_CHUNK;
    while (cap < need)
        cap *= 2;
    char *in = mem_try_realloc(c->in, cap);
    if (!in) return false;
    c->in = in;
    c->in_cap = cap;
    return true;
}

/* Marks c to be closed (CONN_KILL) when its unparsed input, or the request it is reading, passed
 * client-query-buffer-limit.  False when it did. */
static bool conn_check_query_limit(conn *c) {
    if (c->flags & CONN_KILL) return false;
    int64_t limit = limit_get(srv->cf.query_buffer_limit);
    size_t held = c->in_len - c->in_off;
    if ((int64_t)held <= limit && (int64_t)c->in_need <= limit) return true;
    log_notice(
        "client %llu (%s) on network %s closed: its query buffer passed client-query-buffer-limit "
        "(%lld bytes)",
        (unsigned long long)c->id, c->addr, c->net->cf->name, (long long)limit);
    atomic_fetch_add_explicit(&srv->qbuf_disconnections, 1, memory_order_relaxed);
    c->flags |= CONN_KILL;
    conn_mark_dirty(c);
    return false;
}

/* Reads what the socket has (up to a limit per event).  Returns false when the connection was
 * closed (and may be freed). */
static bool conn_read_input(conn *c) {
    size_t total = 0;
    while (!(c->flags & CONN_EOF)) {
        size_t want = CONN_READ_CHUNK; /* at least a whole TLS record */
        if (c->in_need > c->in_len - c->in_off) {
            size_t missing = c->in_need - (c->in_len - c->in_off);
            want = missing > CONN_READ_MAX_PER_EVENT ? CONN_READ_MAX_PER_EVENT : missing;
            if (want < CONN_READ_CHUNK) want = CONN_READ_CHUNK;
        }
        if (!conn_input_room(c, want)) { /* the request cannot be read: say so, then close */
            log_warning("client %llu (%s): no memory for %zu more bytes of its request",
                        (unsigned long long)c->id, c->addr, want);
            conn_fail(c, "ERR out of memory reading the request");
            break;
        }
        size_t space = c->in_cap - c->in_len;
        ssize_t n = conn_recv(c, c->in + c->in_len, space);
        if (n > 0) {
            c->in_len += (size_t)n;
            total += (size_t)n;
            /* a short plain read drained the socket; a TLS read returns one record, and the
             * socket is drained once OpenSSL holds nothing more it read ahead */
            if (c->tls ? !tls_session_pending(c->tls) : (size_t)n < space) break;
            if (total >= CONN_READ_MAX_PER_EVENT) {
                /* records OpenSSL read ahead would not wake the socket's event: come back */
                if (c->tls) event_active(c->rev, EV_READ, 0);
                break;
            }
            continue;
        }
        if (n == 0) break;
        if (n == CONN_RECV_EOF) { /* what it sent still runs; it is closed once answered */
            c->flags |= CONN_EOF;
            event_del(c->rev);
            break;
        }
        conn_close(c); /* an error */
        return false;
    }
    c->bytes_in += total;
    thr_stat_bump(&c->t->st.net_reads);
    atomic_fetch_add_explicit(&c->t->st.net_in, total, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->net->st.bytes_in, total, memory_order_relaxed);
    conn_check_query_limit(c); /* a client over it is closed at the flush, not read */
    if (c->flags & CONN_TLS_WR) conn_mark_dirty(c); /* a write was waiting for input */
    return true;
}

static void conn_on_read(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    conn *c = arg;
    thr_refresh_now(c->t); /* the requests read now run now */
    if (conn_read_input(c)) conn_process_input(c);
}

/* ---- time: idle clients and the soft output limit ---- */

void conn_sweep(thr *t) {
    int64_t global = limit_get(srv->cf.timeout);
    uint64_t mem = 0, max_in = 0, max_out = 0; /* INFO mem_clients_normal, client_recent_max_* */
    for (conn *c = t->conns, *next; c; c = next) {
        next = c->tnext;
        mem += c->in_cap + c->out.cap + sizeof *c;
        if (c->in_cap > max_in) max_in = c->in_cap;
        if (c->out.cap > max_out) max_out = c->out.cap;
        if (c->flags & (CONN_CLOSED | CONN_REFUSED)) continue;
        if (c->obuf_soft_since && !conn_check_output_limit(c)) continue; /* closed at the flush */
        int64_t secs = c->net->cf->timeout >= 0 ? c->net->cf->timeout : global;
        /* a client with requests in flight (a blocking pop, a long command) is not idle, nor is
         * one waiting for messages (Redis never times out pub/sub clients) */
        if (secs <= 0 || c->npend > 0 || conn_subscribed(c) || t->now_ms - c->last_ms < secs * 1000)
            continue;
        log_info("client %llu (%s) on network %s closed after %lld idle seconds",
                 (unsigned long long)c->id, c->addr, c->net->cf->name, (long long)secs);
        atomic_fetch_add_explicit(&srv->timeout_disconnections, 1, memory_order_relaxed);
        conn_close(c);
    }
    atomic_store_explicit(&t->st.client_mem, mem, memory_order_relaxed);
    atomic_store_explicit(&t->st.client_max_in, max_in, memory_order_relaxed);
    atomic_store_explicit(&t->st.client_max_out, max_out, memory_order_relaxed);
}

/* ---- pushes: out-of-band messages (pub/sub) ---- */

bool conn_subscribed(const conn *c) {
    return atomic_load_explicit(&c->nsub, memory_order_relaxed) ||
           atomic_load_explicit(&c->npsub, memory_order_relaxed) ||
           atomic_load_explicit(&c->nssub, memory_order_relaxed);
}

bool conn_subscribed_inband(const conn *c) {
    return !(c->flags & CONN_PUSH_OOB) && conn_subscribed(c);
}

/* The output push tree r stands for while it waits in the pending list: its strings' bytes plus
 * their framing, so a subscriber's queued messages count against its output limit. */
static size_t conn_push_size(const keel_reply *r) {
    size_t n = 16;
    if (r->type != KEEL_REPLY_PUSH && r->type != KEEL_REPLY_ARRAY)
        return n + r->len; /* a line (MONITOR) */
    const keel_reply *k = r->v.child;
    for (uint32_t i = 0; i < r->len && k; i++, k = k->next)
        n += 16 + (k->type == KEEL_REPLY_BULK ? k->len : 0);
    return n;
}

/* A push must not overtake the reply of a request that finished before it came (a message
 * after its SUBSCRIBE's confirmation), nor wait for one still running (a parked BLPOP): it goes
 * right after the last finished request not yet encoded, or straight to the output when there
 * is none.  (Nothing finished ever follows a parked request: a blocking request orders, so the
 * requests after it are not even parsed until it is done.) */
bool conn_push(conn *c, const keel_reply *r) {
    if (c->flags & (CONN_CLOSED | CONN_KILL | CONN_CLOSE_ASAP | CONN_REFUSED)) return false;
    conn_direct_bar(c, false); /* a reply written by another thread is already out: after it */
    zvm_proc *after = c->last_done;
    if (!after) {
        size_t need = conn_push_size(r), cap = (c->out.len + need + 4095) & ~(size_t)4095;
        char *data = need < CONN_ENCODE_RESERVE_MIN || c->out.cap - c->out.len >= need
                         ? c->out.data
                         : mem_try_realloc(c->out.data, cap);
        if (!data) { /* a huge message and no memory: this subscriber cannot take it */
            log_warning("client %llu (%s): no memory for a message of %zu bytes; closing it",
                        (unsigned long long)c->id, c->addr, need);
            conn_kill(c);
            return false;
        }
        if (data != c->out.data) {
            c->out.data = data;
            c->out.cap = cap;
        }
        c->proto->def.encode(c, c->pstate, 0, r, &c->out);
    } else {
        zvm_proc *p = zvm_proc_new(c->t);
        p->conn = c;
        p->done = conn_proc_done;
        zvm_reply_copy(p, r);
        p->push_bytes = conn_push_size(r);
        p->conn_seq = after->conn_seq;
        p->conn_next = after->conn_next;
        after->conn_next = p;
        if (c->pend_tail == after) c->pend_tail = p;
        c->npend++;
        conn_finished(c, p);
    }
    conn_mark_dirty(c);
    conn_check_output_limit(c); /* a subscriber that stops reading is closed at the flush */
    return true;
}

void conn_kill(conn *c) {
    if (c->flags & CONN_CLOSED) return;
    c->flags |= CONN_KILL;
    conn_mark_dirty(c);
}

/* ---- CLIENT LIST ---- */

/* CLIENT LIST's flags: P subscribed, x in MULTI, b blocked or paused, N none.  Other threads'
 * connections are read without their thread: a flag may be a moment old. */
static void conn_flags_text(const conn *c, char *out) {
    char *w = out;
    if (conn_subscribed(c)) *w++ = 'P';
    if (c->flags & CONN_MULTI) *w++ = 'x';
    if (c->paused) *w++ = 'b';
    if (c->no_touch) *w++ = 'T';
    if (w == out) *w++ = 'N';
    *w = '\0';
}

size_t conn_describe(const conn *c, char *buf, size_t cap, int64_t now_ms) {
    char flags[8];
    conn_flags_text(c, flags);
    const char *protover = opt_get(c->opts, "resp.protover");
    size_t qbuf = c->in_len - c->in_off, omem = c->out.len - c->out_off;
    long multi = (c->flags & CONN_MULTI) && c->tx ? (long)c->tx->ncmds : -1;
    int n = snprintf(
        buf, cap,
        "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%u "
        "sub=%u psub=%u ssub=%u multi=%ld qbuf=%zu qbuf-free=%zu argv-mem=0 multi-mem=%zu "
        "obl=0 oll=0 omem=%zu tot-mem=%zu events=r cmd=%s user=default redir=-1 resp=%s "
        "network=%s protocol=%s\n",
        (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name : "",
        (long long)((now_ms - c->created_ms) / 1000), (long long)((now_ms - c->last_ms) / 1000),
        flags, atomic_load_explicit(&c->db, memory_order_relaxed),
        atomic_load_explicit(&c->nsub, memory_order_relaxed),
        atomic_load_explicit(&c->npsub, memory_order_relaxed),
        atomic_load_explicit(&c->nssub, memory_order_relaxed), multi, qbuf, c->in_cap - c->in_len,
        c->tx ? c->tx->bytes : 0, omem, c->in_cap + c->out.cap + sizeof *c,
        c->last_cmd ? c->last_cmd : "NULL", protover ? protover : "2", c->net->cf->name,
        c->proto->def.name);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}
