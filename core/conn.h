/* conn.h -- client connections: read, parse with the network's protocol, dispatch each
 * request as a zvm process, and write replies back in request order. */
#ifndef KEEL_CORE_CONN_H
#define KEEL_CORE_CONN_H

#include "deadline.h"
#include "zvm.h"

#include <keel/sdk.h>
#include <stdbool.h>
#include <stdint.h>

struct thr;
struct listener;
struct event;
struct proto_entry;
struct ns_path;
struct tls_session;
struct tx_conn;
struct conn_ext;

#define CONN_CLOSE_ASAP (1u << 0)  /* close once pending replies are written (QUIT) */
#define CONN_CLOSED (1u << 1)      /* socket gone; waiting for in-flight processes */
#define CONN_READ_PAUSED (1u << 2) /* too many pending requests or too much output */
#define CONN_AUTHED (1u << 3)
#define CONN_DIRTY (1u << 4)    /* on the thread's flush list */
#define CONN_IN_INPUT (1u << 5) /* inside conn_process_input (no re-entry) */
#define CONN_ENCODING (1u << 6) /* the head reply is being encoded in steps */
#define CONN_TLS_RW (1u << 7)   /* TLS: a read is waiting for the socket to be writable */
#define CONN_TLS_WR (1u << 8)   /* TLS: a write is waiting for the socket to be readable */
#define CONN_EOF                                                                                   \
    (1u << 10)                  /* the client finished sending: what it sent runs and is           \
                                   answered, then it is closed */
#define CONN_KILL (1u << 11)    /* to be closed at the next flush (a limit was passed) */
#define CONN_MULTI (1u << 12)   /* between MULTI and EXEC/DISCARD: requests are queued (tx.h) */
#define CONN_IN_HELD (1u << 13) /* inside conn_run_held (no re-entry, not freed under it) */
#define CONN_PUSH_OOB                                                                              \
    (1u << 14)                   /* its protocol tells pushes from replies (RESP3): no             \
                                    subscribed mode (keel_conn_set_out_of_band) */
#define CONN_AOF_WAIT (1u << 15) /* its head reply waits for the log's fsync (aof.h) */
#define CONN_REFUSED                                                                               \
    (1u << 9) /* only here to tell the client why it is refused: not                               \
                 counted as a client, never read */

struct keel_conn {
    uint64_t id;
    int fd;
    unsigned flags;
    struct thr *t;
    struct listener *net;
    const struct proto_entry *proto;
    void *pstate;
    struct event *rev, *wev;
    struct tls_session *tls; /* TLS networks: the session on fd (NULL = plain TCP) */
    char *in;                /* input not yet parsed: in[in_off .. in_len) */
    size_t in_len, in_cap, in_off, in_need;
    keel_buf out; /* output not yet written: out.data[out_off .. out.len) */
    size_t out_off;
    const keel_reply *enc_node; /* CONN_ENCODING: the head reply's top-level node in progress */
    void *enc_cursor;           /* ... and the protocol's cursor into it */
    zvm_proc *pend_head, *pend_tail; /* requests in order, done or not */
    uint32_t npend;
    zvm_proc *barrier;       /* an unfinished multi-shard or shard-walking request: the
                                next ones wait for it, so they cannot overtake it on a
                                shard it has not reached yet */
    zvm_proc *held;          /* the first request prepared but not started: it and those
                                after it wait for a barrier, a long request or the output
                                to drain (the pending list's tail from here on) */
    uint32_t nstarted;       /* requests started and not finished */
    _Atomic uint32_t nlong;  /* ... of which have yielded (run longer than a slice): set
                                by whichever thread runs them */
    _Atomic bool gone;       /* closed: read by the threads running its processes */
    _Atomic bool killed;     /* CLIENT KILL chose it (its thread closes it): no longer
                                listed nor chosen again (guarded by srv->clients_lock) */
    bool serial;             /* has run long requests: start one at a time until the
                                pending list empties */
    size_t reply_bytes;      /* reply trees of finished requests not yet encoded */
    int64_t obuf_soft_since; /* ms since when output has been above the soft limit */
    char *name;              /* CLIENT SETNAME (guarded by srv->clients_lock) */
    struct ns_path *ns;      /* the namespace the client is in (NULL = the top) */
    deadline_seen deadline;  /* what it knows of its namespace's deadlines (deadline.h) */
    struct tx_conn *tx;      /* MULTI's queue and WATCH's keys (tx.h), NULL until used */
    _Atomic uint32_t db;     /* the database it selected (CLIENT LIST reads it anywhere) */
    struct opt_set *opts;    /* its module options (keel_conn_option_set) */
    struct conn_ext *ext;    /* data modules attached (conn_ext.h) */
    zvm_proc *last_done;     /* the last finished request of the pending list not yet
                                encoded (a push goes after it), NULL when none */
    uint64_t pend_seq;       /* requests queued so far (their conn_seq) */
    _Atomic uint32_t nsub, npsub, nssub; /* channels, patterns and shard channels it is
                                     subscribed to (keel_conn_set_subscriptions) */
    int64_t created_ms, last_ms;
    const char *last_cmd;
    uint64_t ncommands;
    uint64_t bytes_in, bytes_out; /* application bytes (TLS: before encryption) */
    uint64_t nerrors;             /* error replies sent */
    char addr[64], laddr[64];
    bool paused;            /* its next request waits for CLIENT PAUSE to end (client_pause.h) */
    bool monitor;           /* MONITOR: it is shown every request (monitor.h) */
    bool no_touch;          /* CLIENT NO-TOUCH: its reads leave keys' recency and frequency */
    uint8_t reply_mode;     /* CLIENT REPLY: CONN_REPLY_ON, _OFF, or _SKIP (the next one) */
    _Atomic uint8_t direct; /* may another thread write its only reply in flight (conn_direct.h) */
    int direct_slot;        /* its place in its thread's list of such connections, -1: none */
    int aff_thread;         /* the thread its requests lean to, and how much (conn_move.h) */
    uint32_t aff_score;
    struct keel_conn *dirty_next;
    struct keel_conn *tnext, *tprev; /* the thread's connections */
    struct keel_conn *cnext, *cprev; /* the server's client list */
};
typedef struct keel_conn conn;

enum { CONN_REPLY_ON = 0, CONN_REPLY_OFF, CONN_REPLY_SKIP };

/* MSG_CONN: a new socket for this thread. */
typedef struct conn_msg {
    msg m;
    int fd;
    struct listener *net;
    const char *refuse; /* non-NULL: send this error, then close (not a client) */
} conn_msg;

/* True when c's unparsed input may hold a whole request. */
static inline bool conn_parsable(const conn *c) {
    size_t avail = c->in_len - c->in_off;
    return avail > 0 && (!c->in_need || avail >= c->in_need);
}

void conn_accept_msg(struct thr *t, msg *m);
/* Makes c one of t's connections: its read and write events on t's loop (not added yet) and
 * t's list; conn_detach undoes both on c's current thread (conn_move.c). */
void conn_attach(conn *c, struct thr *t);
void conn_detach(conn *c);
/* A process of c finished (on c's thread): write what can be written in order. */
void conn_proc_done(zvm_proc *p);
/* The append-only log moved (or failed): t's connections waiting for it send what they can. */
void conn_aof_resume(struct thr *t);
/* Writes the output of every connection marked dirty this turn. */
void conn_flush_dirty(struct thr *t);
/* Closes every connection of t (shutdown). */
void conn_close_all(struct thr *t);
/* Once a second on each thread: closes clients idle past the timeout and clients that stayed
 * above the soft output limit too long. */
void conn_sweep(struct thr *t);
/* Output a client holds: unsent bytes plus finished replies not yet encoded. */
size_t conn_output_bytes(const conn *c);

/* Sends c an out-of-band message r (a push: pub/sub), on c's thread: after the replies of the
 * requests that finished before it, ahead of the ones still running.  It counts as output; false
 * when c is closing (nothing sent). */
bool conn_push(conn *c, const keel_reply *r);
/* True when c has subscriptions (a pub/sub client), and true for `inband` too when its pushes
 * look like replies (RESP2): then only KEEL_CMD_PUBSUB commands run on it. */
bool conn_subscribed(const conn *c);
bool conn_subscribed_inband(const conn *c);
/* Starts the requests CLIENT PAUSE held on t's connections (the pause ended). */
void conn_resume_paused(struct thr *t);
/* The counts of an error reply r sent to a client of net, kept by thread t (INFO errorstats
 * and totals); and of a finished request p (commands processed, writes). */
void conn_count_error(struct thr *t, struct listener *net, const keel_reply *r);
void conn_count_command(struct thr *t, const zvm_proc *p);
/* Closes c at its thread's next flush (CLIENT KILL), on c's thread. */
void conn_kill(conn *c);

/* CLIENT LIST line for c into buf (holding srv->clients_lock). */
size_t conn_describe(const conn *c, char *buf, size_t cap, int64_t now_ms);

#endif
