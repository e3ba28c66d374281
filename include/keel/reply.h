/* reply.h -- the reply value tree a process builds and a protocol module encodes. */
#ifndef KEEL_REPLY_H
#define KEEL_REPLY_H

#include <stddef.h>
#include <stdint.h>

typedef enum keel_reply_type {
    KEEL_REPLY_NIL = 0,
    KEEL_REPLY_INT,      /* v.i */
    KEEL_REPLY_UINT,     /* v.u (integers above INT64_MAX) */
    KEEL_REPLY_DOUBLE,   /* v.d */
    KEEL_REPLY_BOOL,     /* v.i 0/1 */
    KEEL_REPLY_BULK,     /* v.s, len bytes (binary safe) */
    KEEL_REPLY_SIMPLE,   /* v.s, len bytes, no CR/LF */
    KEEL_REPLY_ERROR,    /* v.s, len bytes, starts with a code word: "ERR ...", "WRONGTYPE ..." */
    KEEL_REPLY_VERBATIM, /* v.s = "txt:..." (RESP3 verbatim string; bulk in RESP2) */
    KEEL_REPLY_ARRAY,    /* len children */
    KEEL_REPLY_MAP,      /* len pairs = 2*len children, key then value */
    KEEL_REPLY_SET,      /* len children */
    KEEL_REPLY_PUSH,     /* len children (RESP3 out-of-band data) */
    KEEL_REPLY_TYPE_COUNT
} keel_reply_type;

/* A NIL node whose len is this is a null array (RESP2 "*-1": EXEC on a changed WATCH, a BLPOP
 * that timed out); other protocols show it as any nil.  (Added in 1.2.) */
#define KEEL_REPLY_NIL_ARRAY 1u

/* An ARRAY node whose pad[0] is this holds pairs (field and value, member and score): RESP3
 * shows its 2n children as n two-element arrays, as Redis 7 does for HRANDFIELD WITHVALUES and
 * ZRANGE WITHSCORES; RESP2 and the other syntaxes show it flat.  (keel_reply_pairs, 1.3.) */
#define KEEL_REPLY_ARRAY_PAIRS 1u

/* A BULK node whose pad[0] is this holds a double's text: RESP3 writes it as a double
 * (",<text>"), RESP2 and the other syntaxes as the bulk string.  (keel_reply_double_text, 1.4.) */
#define KEEL_REPLY_BULK_DOUBLE 1u

/* One node.  Aggregates point to their first child; children are linked through next.
 * Nodes and their bytes live in the process arena and are read-only to protocols. */
typedef struct keel_reply {
    uint8_t type; /* keel_reply_type */
    uint8_t pad[3];
    uint32_t len; /* bytes, or children (pairs for MAP) */
    union {
        int64_t i;
        uint64_t u;
        double d;
        const char *s;
        const struct keel_reply *child;
    } v;
    const struct keel_reply *next; /* next sibling */
} keel_reply;

/* A growable output buffer handed to protocol encoders.  Encoders append with
 * keel_buf_reserve() then advance len. */
typedef struct keel_buf {
    char *data;
    size_t len;
    size_t cap;
} keel_buf;

#endif
