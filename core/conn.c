/* conn.c -- a client connection's life: read into a contiguous buffer, parse requests with the
 * network's protocol, start a process per request, write replies back in request order. */
#include "config.h"
#include "conn.h"
#include "ns.h"
#include "opts.h"
#include "block.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "registry.h"
#include "server.h"
#include "thread.h"
#include "tls.h"

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
#define CONN_ENCODE_BUDGET 4096          /* reply nodes encoded per step of a big reply */
#define CONN_ENCODE_AHEAD (1024 * 1024)  /* unsent output above which encoding waits */

static void conn_on_read(evutil_socket_t fd, short what, void *arg);
static void conn_on_write(evutil_socket_t fd, short what, void *arg);
static bool conn_read_input(conn *c);
static void conn_process_input(conn *c);
static void conn_maybe_free(conn *c);
static void conn_drain_pending(conn *c);

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

void conn_accept_msg(thr *t, msg *m) {
    conn_msg *cm = (conn_msg *)m;
    conn *c = mem_calloc(1, sizeof *c);
    c->fd = cm->fd;
    c->t = t;
    c->net = cm->net;
    c->proto = cm->net->proto;
    c->id = atomic_fetch_add(&srv->next_conn_id, 1) + 1;
    c->created_ms = c->last_ms = t->now_ms;
    mem_free(cm);

    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (c->net->tls && !(c->tls = tls_session_new(c->net->tls, c->fd))) {
        atomic_fetch_add_explicit(&c->net->st.tls_failures, 1, memory_order_relaxed);
        close(c->fd);
        mem_free(c);
        return;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getpeername(c->fd, (struct sockaddr *)&ss, &sl) == 0) sockaddr_text(&ss, c->addr, sizeof c->addr);
    sl = sizeof ss;
    if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0) sockaddr_text(&ss, c->laddr, sizeof c->laddr);

    if (c->proto->def.conn_state_size) c->pstate = mem_calloc(1, c->proto->def.conn_state_size);
    c->ns = ns_path_ref(c->net->ns_base);   /* the network's namespace, locked or not */
    c->opts = opt_ref(c->net->cf->options);
    if (!c->net->cf->requirepass) c->flags |= CONN_AUTHED;
    c->rev = event_new(t->base, c->fd, EV_READ | EV_PERSIST, conn_on_read, c);
    c->wev = event_new(t->base, c->fd, EV_WRITE, conn_on_write, c);
    event_add(c->rev, NULL);

    c->tnext = t->conns;
    if (t->conns) t->conns->tprev = c;
    t->conns = c;
    pthread_mutex_lock(&srv->clients_lock);
    c->cnext = srv->clients;
    if (srv->clients) srv->clients->cprev = c;
    srv->clients = c;
    pthread_mutex_unlock(&srv->clients_lock);
    atomic_fetch_add(&srv->nclients, 1);
    atomic_fetch_add_explicit(&c->net->st.connections, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->net->st.active, 1, memory_order_relaxed);

    if (c->proto->def.conn_open) c->proto->def.conn_open(c, c->pstate);
    log_debug("client %llu connected from %s", (unsigned long long)c->id, c->addr);
}

/* ---- closing ---- */

static void conn_unlink(conn *c) {
    thr *t = c->t;
    if (c->tprev) c->tprev->tnext = c->tnext;
    else if (t->conns == c) t->conns = c->tnext;
    if (c->tnext) c->tnext->tprev = c->tprev;
    pthread_mutex_lock(&srv->clients_lock);
    if (c->cprev) c->cprev->cnext = c->cnext;
    else if (srv->clients == c) srv->clients = c->cnext;
    if (c->cnext) c->cnext->cprev = c->cprev;
    pthread_mutex_unlock(&srv->clients_lock);
    atomic_fetch_sub(&srv->nclients, 1);
    atomic_fetch_sub_explicit(&c->net->st.active, 1, memory_order_relaxed);
}

/* Closes the socket now; the struct lives until its in-flight processes have come back. */
static void conn_close(conn *c) {
    if (c->flags & CONN_CLOSED) return;
    c->flags |= CONN_CLOSED;
    for (zvm_proc *p = c->pend_head; p; p = p->conn_next) blk_cancel(p);   /* parked: finish now */
    event_free(c->rev);
    event_free(c->wev);
    c->rev = c->wev = NULL;
    tls_session_free(c->tls);
    c->tls = NULL;
    close(c->fd);
    c->fd = -1;
    conn_unlink(c);
    log_debug("client %llu closed", (unsigned long long)c->id);
    conn_maybe_free(c);
}

static void conn_maybe_free(conn *c) {
    if ((c->flags & CONN_CLOSED) && c->enc_cursor) {
        if (c->proto->def.encode_abort) c->proto->def.encode_abort(c, c->pstate, c->enc_cursor);
        c->enc_cursor = NULL;
        c->enc_node = NULL;
        c->flags &= ~CONN_ENCODING;
    }
    if (!(c->flags & CONN_CLOSED) || c->npend > 0 || (c->flags & CONN_DIRTY)) return;
    if (c->proto->def.conn_close) c->proto->def.conn_close(c, c->pstate);
    mem_free(c->pstate);
    mem_free(c->in);
    mem_free(c->out.data);
    mem_free(c->name);
    ns_path_unref(c->ns);
    opt_unref(c->opts);
    mem_free(c);
}

void conn_close_all(thr *t) {
    while (t->conns) conn_close(t->conns);
}

/* ---- transport: the plain socket or the TLS session on it ---- */

/* Moves c's TLS handshake on: 1 once complete, 0 while it waits for the socket (the event it
 * needs is armed: reads are always watched), -1 when it failed (counted and logged). */
static int conn_tls_handshake(conn *c) {
    if (tls_session_ready(c->tls)) return 1;
    switch (tls_session_handshake(c->tls)) {
    case TLS_IO_OK:
        atomic_fetch_add_explicit(&c->net->st.tls_handshakes, 1, memory_order_relaxed);
        if (tls_session_resumed(c->tls)) atomic_fetch_add_explicit(&c->net->st.tls_resumed, 1, memory_order_relaxed);
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
        log_info("client %llu (%s) on network %s: closed during the TLS handshake", (unsigned long long)c->id,
                 c->addr, c->net->cf->name);
        return -1;
    default:
        atomic_fetch_add_explicit(&c->net->st.tls_failures, 1, memory_order_relaxed);
        log_info("client %llu (%s) on network %s: TLS handshake failed: %s", (unsigned long long)c->id, c->addr,
                 c->net->cf->name, tls_session_error(c->tls));
        return -1;
    }
}

/* Reads up to len bytes: how many (> 0), 0 when nothing more can be read now, -1 when the
 * connection is over (EOF or an error). */
static ssize_t conn_recv(conn *c, char *buf, size_t len) {
    if (!c->tls) {
        for (;;) {
            ssize_t n = read(c->fd, buf, len);
            if (n > 0) return n;
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
            return -1;
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
        return -1;
    default:
        log_info("client %llu (%s): TLS error: %s", (unsigned long long)c->id, c->addr, tls_session_error(c->tls));
        return -1;
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
    case TLS_IO_WANT_READ:   /* the next readable event retries (conn_on_read marks c dirty) */
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
    event_add(c->rev, NULL);
    if (c->tls && tls_session_pending(c->tls)) event_active(c->rev, EV_READ, 0);
}

/* ---- output ---- */

/* Writes pending output.  Returns false when the connection was closed (and may be freed). */
static bool conn_write(conn *c) {
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

/* Writes what each dirty connection has; one that is encoding a big reply encodes its next
 * slice (when its output has drained) and stays dirty for the next loop turn. */
void conn_flush_dirty(thr *t) {
    conn *again = NULL;
    while (t->dirty) {
        conn *c = t->dirty;
        t->dirty = c->dirty_next;
        c->flags &= ~CONN_DIRTY;
        if (c->flags & CONN_CLOSED) {
            conn_maybe_free(c);   /* closed while dirty: freeing was deferred */
            continue;
        }
        if ((c->flags & CONN_ENCODING) && c->out.len - c->out_off < CONN_ENCODE_AHEAD) conn_drain_pending(c);
        if (!conn_write(c)) continue;
        /* a socket that is full wakes conn_on_write, which marks it dirty again */
        if ((c->flags & CONN_ENCODING) && c->out.len - c->out_off < CONN_ENCODE_AHEAD) {
            c->flags |= CONN_DIRTY;
            c->dirty_next = again;
            again = c;
        }
    }
    t->dirty = again;
}

static void conn_on_write(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    conn *c = arg;
    thr_refresh_now(c->t);   /* input may be dispatched below */
    if (c->tls && (!tls_session_ready(c->tls) || (c->flags & CONN_TLS_RW))) {
        if (!conn_read_input(c)) return;   /* the handshake or a read was waiting for this */
        conn_process_input(c);
    }
    if (!conn_write(c)) return;
    if (c->flags & CONN_ENCODING) conn_mark_dirty(c);
    if ((c->flags & CONN_READ_PAUSED) && c->npend < CONN_MAX_PENDING / 2 &&
        c->out.len - c->out_off < CONN_OUT_PAUSE) {
        c->flags &= ~CONN_READ_PAUSED;
        conn_watch_input(c);
        conn_process_input(c);
        conn_mark_dirty(c);
    }
}

/* Encodes p's reply; with a stepwise protocol, a slice at a time: false when it stopped midway
 * (CONN_ENCODING: conn_flush_dirty goes on next turn, once the output has drained enough). */
static bool conn_encode(conn *c, zvm_proc *p) {
    const keel_proto_def *pd = &c->proto->def;
    for (const keel_reply *r = c->enc_node ? c->enc_node : p->reply_first; r; r = r->next) {
        if (!c->enc_cursor && r->type == KEEL_REPLY_ERROR) {
            c->nerrors++;
            atomic_fetch_add_explicit(&c->t->st.errors, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&c->net->st.errors, 1, memory_order_relaxed);
        }
        if (!pd->encode_step) {
            pd->encode(c, c->pstate, p->tag, r, &c->out);
        } else if (!pd->encode_step(c, c->pstate, p->tag, r, &c->out, &c->enc_cursor, CONN_ENCODE_BUDGET)) {
            c->enc_node = r;
            c->flags |= CONN_ENCODING;
            return false;
        }
    }
    c->enc_node = NULL;
    c->flags &= ~CONN_ENCODING;
    return true;
}

/* Encodes every finished process at the head of the pending list, in order. */
static void conn_drain_pending(conn *c) {
    while (c->pend_head && zvm_state(c->pend_head) == ZVM_DONE) {
        zvm_proc *p = c->pend_head;
        if (!(c->flags & CONN_CLOSED)) {
            if ((c->flags & CONN_ENCODING) && c->out.len - c->out_off >= CONN_ENCODE_AHEAD) return;
            if (!conn_encode(c, p)) return;
        }
        c->pend_head = p->conn_next;
        if (!c->pend_head) c->pend_tail = NULL;
        c->npend--;
        atomic_fetch_add_explicit(&c->t->st.commands, 1, memory_order_relaxed);
        zvm_proc_recycle(p);
    }
}

void conn_proc_done(zvm_proc *p) {
    conn *c = p->conn;
    bool was_barrier = c->barrier == p;
    if (was_barrier) c->barrier = NULL;
    p->state = ZVM_DONE;
    conn_drain_pending(c);
    if (c->flags & CONN_CLOSED) {
        conn_maybe_free(c);
        return;
    }
    conn_mark_dirty(c);
    if ((c->flags & CONN_READ_PAUSED) && !(c->flags & CONN_IN_INPUT) &&
        c->npend < CONN_MAX_PENDING / 2 && c->out.len - c->out_off < CONN_OUT_PAUSE) {
        c->flags &= ~CONN_READ_PAUSED;
        conn_watch_input(c);
        conn_process_input(c);
    } else if (was_barrier && !(c->flags & CONN_IN_INPUT)) {
        conn_process_input(c);   /* requests held behind the barrier can go now */
    }
}

/* ---- input ---- */

static bool conn_allowed(conn *c, const cmd_entry *ce, zvm_proc *p) {
    uint64_t f = ce->def->flags;
    unsigned perms = c->net->cf->permissions;
    const char *need = NULL;
    if ((f & KEEL_CMD_ADMIN) && !(perms & PERM_ADMIN)) need = "admin";
    else if ((f & KEEL_CMD_WRITE) && !(perms & PERM_WRITE)) need = "write";
    else if ((f & KEEL_CMD_READONLY) && !(perms & (PERM_READ | PERM_WRITE))) need = "read";
    else if ((f & KEEL_CMD_STATS) && !(perms & (PERM_STATS | PERM_ADMIN))) need = "stats";
    if (!need) return true;
    zvm_reply_errorf(p, "NOPERM this network does not allow the '%s' command (it needs the %s permission)",
                     ce->lname, need);
    return false;
}

static void conn_unknown_command(zvm_proc *p) {
    char args[160];
    size_t n = 0;
    args[0] = '\0';
    for (uint32_t i = 1; i < p->pub.argc && n < 128; i++) {
        int w = snprintf(args + n, sizeof args - n, "'%.*s' ", (int)(128 - n),
                         p->pub.argv[i].ptr);
        if (w < 0) break;
        n += (size_t)w < sizeof args - n ? (size_t)w : sizeof args - n - 1;
    }
    zvm_reply_errorf(p, "ERR unknown command '%.128s', with args beginning with: %s",
                     p->pub.argv[0].ptr, args);
}

static bool arity_ok(int arity, uint32_t argc) {
    return arity >= 0 ? argc == (uint32_t)arity : argc >= (uint32_t)-arity;
}

/* Prepares one request's process: queues it in request order, checks it and places its keys.
 * Returns the process to run, or NULL when it is already finished (an error reply).  *orders
 * is set when later requests must wait for it to finish. */
static zvm_proc *conn_prepare(conn *c, const keel_request *req, bool *orders) {
    thr *t = c->t;
    zvm_proc *p = zvm_proc_new(t);
    p->conn = c;
    p->done = conn_proc_done;
    p->tag = req->tag;
    p->ns = ns_path_ref(c->ns);
    p->opts = opt_ref(c->opts);
    zvm_set_argv(p, req->argc, req->argv);
    p->conn_next = NULL;
    if (c->pend_tail) c->pend_tail->conn_next = p;
    else c->pend_head = p;
    c->pend_tail = p;
    c->npend++;
    c->last_ms = t->now_ms;
    c->ncommands++;
    atomic_fetch_add_explicit(&c->net->st.commands, 1, memory_order_relaxed);

    const cmd_entry *named = cmd_lookup_name(p->pub.argv[0].ptr, p->pub.argv[0].len);
    const cmd_entry *ce = named && named->is_alias ? named->target : named;
    if (!ce) {
        conn_unknown_command(p);
    } else if (c->last_cmd = named->lname, !arity_ok(ce->def->arity, p->pub.argc)) {
        zvm_reply_errorf(p, "ERR wrong number of arguments for '%s' command", named->lname);
    } else if (!(c->flags & CONN_AUTHED) && !(ce->def->flags & KEEL_CMD_NOAUTH)) {
        zvm_reply_errorf(p, "NOAUTH Authentication required.");
    } else if (conn_allowed(c, ce, p)) {
        p->cmd = ce;
        p->cmd_name = named->lname;
        p->prog = ce->prog;
        if (zvm_set_keys(p)) {
            /* A request over several shards (or walking them all) takes its shards one by one;
             * until it is done, a later request of this connection could reach a shard first.
             * A blocking request holds the connection's later requests back too, as in Redis. */
            *orders = p->nlshards > 1 || p->nlshards == 0 || (ce->def->flags & KEEL_CMD_BLOCKING);
            return p;
        }
    }
    conn_proc_done(p);
    return NULL;
}

#define CONN_BATCH 32

/* Runs prepared processes in request order, their keys' table buckets and entries prefetched
 * first so the lookups of a pipeline overlap their cache misses.  The last one may order the ones after it:
 * when it does not finish at once, it becomes the connection's barrier. */
static void conn_run_batch(conn *c, zvm_proc **batch, int n, bool last_orders) {
    for (int stage = 0; stage < 2; stage++)
        for (int i = 0; i < n; i++) zvm_prefetch(batch[i], c->t, stage);
    for (int i = 0; i < n; i++) {
        zvm_proc *p = batch[i];
        zvm_step(p);
        if (i == n - 1 && last_orders && c->pend_tail == p && zvm_state(p) != ZVM_DONE) c->barrier = p;
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

static void conn_protocol_error(conn *c, const char *message) {
    zvm_proc *p = zvm_proc_new(c->t);
    p->conn = c;
    p->done = conn_proc_done;
    zvm_reply_errorf(p, "%s", message ? message : "ERR Protocol error");
    p->conn_next = NULL;
    if (c->pend_tail) c->pend_tail->conn_next = p;
    else c->pend_head = p;
    c->pend_tail = p;
    c->npend++;
    c->flags |= CONN_CLOSE_ASAP;
    c->in_off = c->in_len;
    log_info("client %llu (%s): %s; closing it", (unsigned long long)c->id, c->addr,
             message ? message : "protocol error");
    conn_proc_done(p);
}

static void conn_process_input(conn *c) {
    if (c->flags & CONN_IN_INPUT) return;
    c->flags |= CONN_IN_INPUT;
    keel_request req;
    zvm_proc *batch[CONN_BATCH];
    int nbatch = 0;
    while (!(c->flags & (CONN_CLOSE_ASAP | CONN_CLOSED)) && !c->barrier && c->npend < CONN_MAX_PENDING) {
        size_t avail = c->in_len - c->in_off;
        if (avail == 0 || (c->in_need && avail < c->in_need)) break;
        memset(&req, 0, sizeof req);
        req.size = sizeof req;
        keel_parse_result r = c->proto->def.parse(c, c->pstate, c->in + c->in_off, avail, &req);
        if (r == KEEL_PARSE_OK) {
            c->in_need = 0;
            if (req.consumed == 0 && req.argc == 0) break;   /* defensive: no progress */
            c->in_off += req.consumed;   /* argv still points into the buffer: prepare copies it */
            bool orders = false;
            zvm_proc *p = req.argc > 0 ? conn_prepare(c, &req, &orders) : NULL;
            if (p) batch[nbatch++] = p;
            if (nbatch == CONN_BATCH || orders) {   /* an ordering request ends its batch */
                conn_run_batch(c, batch, nbatch, orders);
                nbatch = 0;
            }
        } else if (r == KEEL_PARSE_NEED) {
            c->in_need = req.need > avail ? req.need : avail + 1;
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
    conn_run_batch(c, batch, nbatch, false);
    c->flags &= ~CONN_IN_INPUT;
    if (c->flags & CONN_CLOSED) return;
    conn_compact_input(c);
    if (!(c->flags & CONN_READ_PAUSED) &&
        (c->npend >= CONN_MAX_PENDING || c->out.len - c->out_off >= CONN_OUT_PAUSE)) {
        c->flags |= CONN_READ_PAUSED;
        event_del(c->rev);
    }
    if ((c->flags & CONN_CLOSE_ASAP) && c->rev) event_del(c->rev);
    conn_mark_dirty(c);
}

/* Makes room for at least `want` more bytes of input (growing geometrically). */
static void conn_input_room(conn *c, size_t want) {
    if (c->in_cap - c->in_len >= want) return;
    size_t need = c->in_len + want, cap = c->in_cap ? c->in_cap : CONN_READ_CHUNK;
    while (cap < need) cap *= 2;
    c->in = mem_realloc(c->in, cap);
    c->in_cap = cap;
}

/* Reads what the socket has (up to a limit per event).  Returns false when the connection was
 * closed (and may be freed). */
static bool conn_read_input(conn *c) {
    size_t total = 0;
    for (;;) {
        size_t want = CONN_READ_CHUNK;   /* at least a whole TLS record */
        if (c->in_need > c->in_len - c->in_off) {
            size_t missing = c->in_need - (c->in_len - c->in_off);
            want = missing > CONN_READ_MAX_PER_EVENT ? CONN_READ_MAX_PER_EVENT : missing;
            if (want < CONN_READ_CHUNK) want = CONN_READ_CHUNK;
        }
        conn_input_room(c, want);
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
        conn_close(c);   /* EOF or error */
        return false;
    }
    c->bytes_in += total;
    atomic_fetch_add_explicit(&c->t->st.net_in, total, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->net->st.bytes_in, total, memory_order_relaxed);
    if (c->flags & CONN_TLS_WR) conn_mark_dirty(c);   /* a write was waiting for input */
    return true;
}

static void conn_on_read(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    conn *c = arg;
    thr_refresh_now(c->t);   /* the requests read now run now */
    if (conn_read_input(c)) conn_process_input(c);
}

/* ---- CLIENT LIST ---- */

size_t conn_describe(const conn *c, char *buf, size_t cap, int64_t now_ms) {
    int n = snprintf(buf, cap,
                     "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=N db=0 "
                     "sub=0 psub=0 multi=-1 qbuf=%zu obl=0 oll=0 omem=%zu cmd=%s network=%s "
                     "protocol=%s\n",
                     (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name : "",
                     (long long)((now_ms - c->created_ms) / 1000),
                     (long long)((now_ms - c->last_ms) / 1000), c->in_len - c->in_off,
                     c->out.len - c->out_off, c->last_cmd ? c->last_cmd : "NULL", c->net->cf->name,
                     c->proto->def.name);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}
