/* proto.h -- wire protocols: turning bytes into requests and reply trees into bytes.
 *
 * A protocol module never touches the keyspace: it parses requests into argument vectors for
 * the command table and encodes the reply trees processes produce.  The core owns sockets,
 * buffers and ordering; per-connection protocol state is core-allocated memory the protocol
 * defines (conn_state_size bytes, zeroed).
 */
#ifndef KEEL_PROTO_H
#define KEEL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/vm.h>
#include <keel/reply.h>

typedef struct keel_conn keel_conn; /* opaque: a client connection */

typedef enum keel_parse_result {
    KEEL_PARSE_OK = 0, /* one request in *req; req->consumed bytes used (argc 0 = nothing
                          to run, e.g. an empty line: just consume; with reply_only, a reply
                          without a command) */
    KEEL_PARSE_NEED,   /* incomplete: call again when the buffer holds at least req->need
                          bytes from the same start (0 = when any more bytes arrive) */
    KEEL_PARSE_ERROR,  /* protocol error: req->error is sent (as an error reply) and the
                          connection is closed after it */
    KEEL_PARSE_CLOSE   /* the client asked to close (memcached "quit"): close now */
} keel_parse_result;

/* Filled by parse.  argv entries may point into buf or into protocol state; the core copies
 * them before calling parse again. */
typedef struct keel_request {
    uint32_t size; /* sizeof(keel_request) as the core built it */
    uint32_t argc;
    keel_arg *argv;    /* argc entries (ptr need not be NUL-terminated here) */
    size_t consumed;   /* bytes of buf this request used */
    size_t need;       /* KEEL_PARSE_NEED: total bytes wanted from buf's start */
    uint64_t tag;      /* protocol data handed back to encode with the reply */
    const char *error; /* KEEL_PARSE_ERROR: message, e.g. "Protocol error: ..." */
    /* ---- added in ABI 1.2: limits the core sets before each call (read them only when
     *      size covers them; 0 = no limit of the core's, the protocol's own apply) ---- */
    uint64_t max_bulk;    /* the largest argument allowed (proto-max-bulk-len, or a small
                             bound before the client has authenticated) */
    uint32_t max_args;    /* the most arguments allowed in one request */
    bool unauthenticated; /* the client has not authenticated yet (for the error text) */
    /* ---- added in ABI 1.6: set by parse (check KEEL_REQUEST_HAS first) ---- */
    bool reply_only; /* KEEL_PARSE_OK with argc 0: no command runs; the core answers
                        the request itself with a nil reply, in its place among the
                        connection's replies, and encode gets it with tag (a line the
                        protocol writes on its own: memcached's "version", "mn", the
                        errors its parser finds).  Nothing is checked or counted as a
                        command: no permission, AUTH, MULTI queue or MONITOR line */
} keel_request;

/* True when req, as the core built it, carries the field f (added after ABI 1.0). */
#define KEEL_REQUEST_HAS(req, f)                                                                   \
    ((req)->size >= offsetof(keel_request, f) + sizeof(((keel_request *)0)->f))

typedef struct keel_proto_def {
    size_t size;            /* sizeof(keel_proto_def) */
    const char *name;       /* "resp", "memcache": what a network's "protocol" names */
    size_t conn_state_size; /* bytes of per-connection state (zeroed at open) */
    void (*conn_open)(keel_conn *c, void *state);  /* optional */
    void (*conn_close)(keel_conn *c, void *state); /* optional: free what state owns */
    /* Parses at most one request from the start of buf (len bytes, contiguous). */
    keel_parse_result (*parse)(keel_conn *c, void *state, const char *buf, size_t len,
                               keel_request *req);
    /* Appends the encoding of reply r for the request that carried tag. */
    void (*encode)(keel_conn *c, void *state, uint64_t tag, const keel_reply *r, keel_buf *out);
    /* Optional: the same in steps, so a huge reply never holds the thread for long.  *cursor
     * starts NULL and belongs to the protocol; each call writes about `budget` reply nodes and
     * returns true when the reply is out (its cursor freed), false to be called again on a
     * later loop turn.  When set, the core uses it instead of encode. */
    bool (*encode_step)(keel_conn *c, void *state, uint64_t tag, const keel_reply *r, keel_buf *out,
                        void **cursor, size_t budget);
    /* Frees the cursor of an unfinished encode_step (the connection went away). */
    void (*encode_abort)(keel_conn *c, void *state, void *cursor);
    /* ---- added in ABI 1.6 ---- */
    /* Optional: the reply syntaxes a network of this protocol may name in its "reply_syntax"
     * (the protocol reads the choice with keel_conn_network_setting), NULL-terminated, the
     * protocol's own first (what a network without one reports).  NULL: none but the
     * protocol's own, which is its name.  The core checks a config against it, by name only. */
    const char *const *reply_syntaxes;
    /* ---- added in ABI 1.7 ---- */
    /* Optional: encode r as encode would, but on another thread than the connection's, while
     * that thread may be parsing the connection's input: read state, never write it, touch
     * nothing else of the connection's, and return false (having appended nothing that
     * matters: the core drops `out`) when this reply must change the state (a reply that
     * switches the protocol's version).  With it, a request run on another thread's shard may
     * have its reply written to the socket by that thread, without the hop back. */
    bool (*encode_detached)(const void *state, uint64_t tag, const keel_reply *r, keel_buf *out);
    /* Optional, with encode_detached: called on the connection's thread once such a reply is
     * out, for what encode does after a reply besides encoding it (freeing parser memory). */
    void (*detached_sent)(keel_conn *c, void *state, uint64_t tag);
} keel_proto_def;

#endif
