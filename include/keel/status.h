/* status.h -- status codes returned by every SDK call. */
#ifndef KEEL_STATUS_H
#define KEEL_STATUS_H

typedef enum keel_status {
    KEEL_OK = 0,
    KEEL_NOTFOUND = 1,    /* lookups: no such key / field (not an error) */
    KEEL_MOVED = 2,       /* keyspace calls: the key lives on another thread; the opcode must
                             return KEEL_HOP so the process moves there and re-runs it */
    KEEL_WAIT = 3,        /* keyspace calls: the key is locked by another process; the opcode
                             must return KEEL_BLOCK and is re-run when the lock is released */
    KEEL_EINVAL = -1,     /* bad argument (the error string says which) */
    KEEL_ENOMEM = -2,     /* allocation failed or a memory limit was hit */
    KEEL_EEXIST = -3,     /* a name registered twice */
    KEEL_ESTATE = -4,     /* call not legal now (e.g. registration outside init) */
    KEEL_EWRONGTYPE = -5, /* the key holds a value of another type */
    KEEL_EABI = -6,       /* ABI mismatch (module built for another SDK) */
    KEEL_EDEPTH = -7      /* (added in 1.2) a namespace would nest deeper than KEEL_NS_DEPTH_MAX */
} keel_status;

/* Propagates a keyspace call's KEEL_MOVED / KEEL_WAIT out of an opcode handler. */
#define KEEL_OP_PROPAGATE(st)                                                                      \
    do {                                                                                           \
        if ((st) == KEEL_MOVED) return KEEL_HOP;                                                   \
        if ((st) == KEEL_WAIT) return KEEL_BLOCK;                                                  \
    } while (0)

#endif
