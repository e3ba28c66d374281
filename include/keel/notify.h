/* notify.h -- keyspace notifications: the event classes of Redis's notify-keyspace-events that a
 * module names when it reports a change to a key with keel_notify.  (Added in ABI 1.3.) */
#ifndef KEEL_NOTIFY_H
#define KEEL_NOTIFY_H

/* Event classes, one bit each; the flag letter of notify-keyspace-events in brackets.  An event
 * goes out only when its class is enabled and at least one of the two channel kinds is. */
#define KEEL_NOTIFY_KEYSPACE (1u << 0) /* [K] publish on __keyspace@<db>__:<key> */
#define KEEL_NOTIFY_KEYEVENT (1u << 1) /* [E] publish on __keyevent@<db>__:<event> */
#define KEEL_NOTIFY_GENERIC (1u << 2)  /* [g] del, expire, rename_from, rename_to, copy_to ... */
#define KEEL_NOTIFY_STRING (1u << 3)   /* [$] set, setrange, incrby, append ... */
#define KEEL_NOTIFY_LIST (1u << 4)     /* [l] lpush, rpop, linsert ... */
#define KEEL_NOTIFY_SET (1u << 5)      /* [s] sadd, srem, spop ... */
#define KEEL_NOTIFY_HASH (1u << 6)     /* [h] hset, hdel, hincrby ... */
#define KEEL_NOTIFY_ZSET (1u << 7)     /* [z] zadd, zincr, zrem ... */
#define KEEL_NOTIFY_EXPIRED (1u << 8)  /* [x] expired: a key's time came */
#define KEEL_NOTIFY_EVICTED (1u << 9)  /* [e] evicted: maxmemory removed a key */
#define KEEL_NOTIFY_STREAM (1u << 10)  /* [t] xadd, xgroup-create ... */
#define KEEL_NOTIFY_KEYMISS (1u << 11) /* [m] keymiss: a read found no key (not in A) */
#define KEEL_NOTIFY_MODULE (1u << 12)  /* [d] a module's own events */
#define KEEL_NOTIFY_NEW (1u << 13)     /* [n] new: a key was created (not in A) */
/* [A]: every class but keymiss and new */
#define KEEL_NOTIFY_ALL                                                                            \
    (KEEL_NOTIFY_GENERIC | KEEL_NOTIFY_STRING | KEEL_NOTIFY_LIST | KEEL_NOTIFY_SET |               \
     KEEL_NOTIFY_HASH | KEEL_NOTIFY_ZSET | KEEL_NOTIFY_EXPIRED | KEEL_NOTIFY_EVICTED |             \
     KEEL_NOTIFY_STREAM | KEEL_NOTIFY_MODULE)
/* The class bits a module may pass to keel_notify. */
#define KEEL_NOTIFY_CLASSES (KEEL_NOTIFY_ALL | KEEL_NOTIFY_KEYMISS | KEEL_NOTIFY_NEW)

#endif
