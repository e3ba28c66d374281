/* notify.h -- keyspace notifications (notify-keyspace-events): which event classes are on, and
 * publishing an event about a key on Redis's __keyspace@<db>__ / __keyevent@<db>__ channels
 * through the server's publisher (keel_publish), once in each namespace from the key's own up to
 * the top (see docs/notifications.md).  With notifications off every call site costs one test. */
#ifndef KEEL_CORE_NOTIFY_H
#define KEEL_CORE_NOTIFY_H

#include "ns.h"

#include <keel/sdk.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zvm_proc;

/* The classes that go out now: the configured classes, or 0 when neither K nor E is on. */
extern unsigned notify_active;

/* True when an event of class cls would be published (one relaxed load and a test). */
static inline bool notify_wanted(unsigned cls) {
    return (__atomic_load_n(&notify_active, __ATOMIC_RELAXED) & cls) != 0;
}

/* Parses a notify-keyspace-events value (Redis's letters "KEg$lshzxetdmnA", in any order and
 * repeated): false for any other character. */
bool notify_parse(const char *s, unsigned *flags);
/* Writes flags as Redis 7.0's CONFIG GET shows them ("AKE", "gx", "tKm"). */
void notify_format(unsigned flags, char *out, size_t cap);
/* Sets the configured classes (CONFIG SET, startup) and what they read back as. */
void notify_configure(unsigned flags);
unsigned notify_configured(void);

/* Publishes event of class cls about key, which lives inside the namespace path[0..npath) of
 * database db: in that namespace as the key, and in each namespace above it as the path below
 * that namespace joined with '/' (the top sees the full path).  Call only when notify_wanted. */
void notify_publish(const keel_arg *path, uint32_t npath, uint32_t db, unsigned cls,
                    const char *event, const void *key, size_t klen);

/* The same for key as process p names it (its namespace, the names it pushed, its database). */
void notify_proc_event(struct zvm_proc *p, unsigned cls, const char *event, const void *key,
                       size_t klen);
/* The same with only the first depth names of p's path (a map a hash command pushed is the
 * key at depth ns_proc_depth - 1). */
void notify_proc_event_depth(struct zvm_proc *p, uint32_t depth, unsigned cls, const char *event,
                             const void *key, size_t klen);
/* The same in database db (MOVE and COPY name a key of another database). */
void notify_proc_event_db(struct zvm_proc *p, uint32_t db, unsigned cls, const char *event,
                          const void *key, size_t klen);

/* Reports key of the table sp as gone for event ("expired" of class KEEL_NOTIFY_EXPIRED,
 * "evicted" of class KEEL_NOTIFY_EVICTED): the path comes from the process sp was resolved for,
 * or, without one, from the namespace objects' own names (active expiry, eviction).  On the
 * shard's thread, before the key's bytes are freed. */
void notify_key_gone(const ks_space *sp, unsigned cls, const char *event, const void *key,
                     size_t klen);

/* The cheap guards the core's call sites use. */
#define NOTIFY_PROC(p, cls, event, key, klen)                                                      \
    do {                                                                                           \
        if (notify_wanted(cls)) notify_proc_event((p), (cls), (event), (key), (klen));             \
    } while (0)
#define NOTIFY_GONE(sp, cls, event, key, klen)                                                     \
    do {                                                                                           \
        if (notify_wanted(cls)) notify_key_gone((sp), (cls), (event), (key), (klen));              \
    } while (0)

/* What eviction calls for each key it removes, before the key's bytes are freed. */
static inline void notify_evicted(const ks_space *sp, const void *key, size_t klen) {
    NOTIFY_GONE(sp, KEEL_NOTIFY_EVICTED, "evicted", key, klen);
}

#endif
