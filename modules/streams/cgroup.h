/* cgroup.h -- consumer groups of a stream: each group's last delivered ID and read counter, its
 * consumers and its pending entries list (PEL).
 *
 * Layout: a stream's groups are an array of pointers sorted by name (Redis lists them in its
 * radix tree's order: bytes compared, the shorter first on a tie).  A group is one allocation
 * with its name; its consumers an array of pointers sorted the same way, each consumer one
 * allocation with its name; its PEL one array of 40-byte records sorted by ID, each naming its
 * consumer.  A consumer's own pending entries are the PEL's records that name it (walked in the
 * PEL's order), and it counts them.  XREADGROUP appends to the PEL's end.  The array keeps room
 * at both ends: removing or inserting a record moves the records on its shorter side, so XACK
 * of the oldest entries (the usual case) moves almost nothing; one in the middle moves half.
 */
#ifndef KEEL_STREAMS_CGROUP_H
#define KEEL_STREAMS_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <datakit/stream.h>

typedef struct xs_consumer {
    int64_t seen_time; /* ms: when it last read or claimed */
    uint64_t pending;  /* PEL records naming it */
    uint32_t nlen;
    char name[];
} xs_consumer;

/* A pending entry: delivered to owner and not acknowledged. */
typedef struct xs_nack {
    dk_sid id;
    int64_t delivery_time; /* ms */
    uint64_t delivery_count;
    xs_consumer *owner;
} xs_nack;

typedef struct xs_group {
    dk_sid last_id;       /* last-delivered-id */
    int64_t entries_read; /* -1: unknown */
    xs_nack *pel;         /* the first record: pelskip free records lie before it */
    size_t npel, pelskip, cappel;
    xs_consumer **cons;
    size_t ncons, capcons;
    uint32_t nlen;
    char name[];
} xs_group;

typedef struct xs_groups {
    xs_group **v;
    size_t n, cap;
} xs_groups;

/* Compares a name with a group's or consumer's as Redis's radix tree orders them. */
int xs_name_cmp(const void *a, size_t an, const void *b, size_t bn);

xs_group *xs_group_find(const xs_groups *gs, const void *name, size_t n);
/* Adds a group (the caller checked there is none of that name); NULL when out of memory. */
xs_group *xs_group_add(xs_groups *gs, const void *name, size_t n, dk_sid last,
                       int64_t entries_read);
/* Removes and frees g. */
void xs_group_remove(xs_groups *gs, xs_group *g);
void xs_groups_free(xs_groups *gs);
/* Frees up to *budget consumers and groups, the last group first, counting *budget down; true
 * when none is left (gs->v stays: xs_groups_free frees it).  For freeing a dead stream in slices:
 * the groups are unusable once it started. */
bool xs_groups_free_some(xs_groups *gs, size_t *budget);
/* A deep copy into dst (empty); false when out of memory (dst then holds nothing). */
bool xs_groups_copy(xs_groups *dst, const xs_groups *src);
size_t xs_groups_bytes(const xs_groups *gs);

xs_consumer *xs_consumer_find(const xs_group *g, const void *name, size_t n);
/* Adds a consumer (the caller checked there is none of that name); NULL when out of memory. */
xs_consumer *xs_consumer_add(xs_group *g, const void *name, size_t n, int64_t now);
/* Removes c and its pending entries; returns how many it had. */
uint64_t xs_consumer_remove(xs_group *g, xs_consumer *c);

/* The index of the first PEL record whose ID is >= id (npel when none). */
size_t xs_pel_lower(const xs_group *g, dk_sid id);
/* The record of id, or NULL. */
xs_nack *xs_pel_find(const xs_group *g, dk_sid id);
/* Inserts a record for id at index at (xs_pel_lower's answer) owned by c: NULL when out of
 * memory. */
xs_nack *xs_pel_insert(xs_group *g, size_t at, dk_sid id, xs_consumer *c, int64_t now);
/* Removes the record at index at (O(records after it)). */
void xs_pel_remove_at(xs_group *g, size_t at);
/* Drops the records [from, to) in one move, their owners' counts already settled by the caller:
 * how a walk that removes many records (XAUTOCLAIM) closes the gap it left. */
void xs_pel_cut(xs_group *g, size_t from, size_t to);
/* Gives record n to consumer c. */
void xs_nack_move(xs_nack *n, xs_consumer *c);

#endif
