/* tx.h -- MULTI/EXEC on a connection: the commands MULTI queues, the keys WATCH recorded, and
 * what EXEC's process takes over from the connection.
 *
 * Between MULTI and EXEC a connection does not run its commands: each one is checked as it would
 * be run (it exists, its arity, AUTH, the network's permissions) and queued (+QUEUED), or refused
 * (its error, and EXEC then answers EXECABORT).  EXEC, DISCARD, MULTI, WATCH, QUIT and RESET act at
 * once.
 * EXEC's process locks the keys of every queued command and every watched key, shard by shard
 * as any multi-key command does, checks that no watched key changed (else it answers a null
 * array and runs nothing), and runs the commands one after another as its children (keel_call),
 * holding the locks until the last one is done: no other client sees half a transaction.
 */
#ifndef KEEL_CORE_TX_H
#define KEEL_CORE_TX_H

#include <keel/sdk.h>
#include "registry.h"
#include <stdbool.h>
#include <stdint.h>

struct keel_conn;
struct zvm_proc;
struct cmd_entry;
struct watch_rec;

typedef struct tx_cmd {
    uint32_t argc;
    keel_arg *argv;                /* one allocation: the array, then the bytes */
    const struct cmd_entry *ce;    /* the command (aliases resolved), looked up when queued */
    const struct cmd_entry *named; /* ... and the name the client used (an alias's own entry) */
} tx_cmd;

/* A connection's transaction state (created by its first MULTI or WATCH). */
typedef struct tx_conn {
    tx_cmd *cmds;
    uint32_t ncmds, capcmds;
    size_t bytes; /* of the queued arguments */
    bool dirty;   /* a command was refused while queueing: EXEC aborts */
    struct watch_rec **watches;
    uint32_t nwatches, capwatches;
} tx_conn;

/* What EXEC's process took over (freed when it is recycled, watched keys released then). */
typedef struct tx_run {
    tx_cmd *cmds;
    uint32_t ncmds;
    bool abort; /* EXECABORT */
    struct watch_rec **watches;
    uint32_t nwatches;
} tx_run;

/* What a command is to MULTI, from its lower-case name (registry.c keeps it in cmd_entry.tx_role):
 * the commands that act at once inside MULTI (EXEC DISCARD MULTI WATCH QUIT RESET), EXEC, WATCH. */
#define TX_AT_ONCE 1
#define TX_EXEC 2
#define TX_WATCH 4
#define TX_MULTI 8
uint8_t tx_role_of(const char *lname);
static inline bool tx_acts_at_once(const struct cmd_entry *named) {
    return named && (named->tx_role & TX_AT_ONCE);
}
static inline bool tx_is_exec(const struct cmd_entry *ce) {
    return ce && (ce->tx_role & TX_EXEC);
}
static inline bool tx_is_watch(const struct cmd_entry *ce) {
    return ce && (ce->tx_role & TX_WATCH);
}
static inline bool tx_is_multi(const struct cmd_entry *ce) {
    return ce && (ce->tx_role & TX_MULTI);
}

/* MULTI on c: enters it (p replies OK), or p replies the error of a nested MULTI.  False then. */
bool tx_multi(struct keel_conn *c, struct zvm_proc *p);

/* Queues p's request (c is in MULTI and the request passed every check): p answers QUEUED. */
void tx_queue(struct keel_conn *c, struct zvm_proc *p, const struct cmd_entry *named,
              const struct cmd_entry *ce);
/* A request was refused while c is in MULTI: its error goes out, and EXEC will abort. */
void tx_refused(struct keel_conn *c);
/* EXEC's process p takes c's queue and watched keys (c leaves MULTI) and gets, as its keys,
 * every key of the queued commands and every watched key. */
void tx_exec_take(struct keel_conn *c, struct zvm_proc *p);
/* WATCH's process p finished: what it saw of its keys becomes c's. */
void tx_watch_adopt(struct keel_conn *c, struct zvm_proc *p);
/* Leaves MULTI, dropping the queue (DISCARD). */
void tx_discard(struct keel_conn *c);
/* Forgets every watched key (UNWATCH, DISCARD). */
void tx_unwatch(struct keel_conn *c);
/* The connection is closing. */
void tx_conn_free(struct keel_conn *c);

#endif
