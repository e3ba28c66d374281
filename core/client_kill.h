/* client_kill.h -- CLIENT KILL, and the client types CLIENT LIST TYPE and CLIENT KILL TYPE name. */
#ifndef KEEL_CORE_CLIENT_KILL_H
#define KEEL_CORE_CLIENT_KILL_H

#include <keel/sdk.h>

struct keel_conn;

/* Redis's client types.  Keel has no replication: no client is a master or a replica. */
enum client_type {
    CLIENT_TYPE_NORMAL = 0,
    CLIENT_TYPE_REPLICA,
    CLIENT_TYPE_PUBSUB,
    CLIENT_TYPE_MASTER
};

/* The type called name ("normal", "replica" or "slave", "pubsub", "master"; any case), or -1. */
int client_type_parse(const keel_arg *name);
/* The type of c: pubsub while it has subscriptions, else normal. */
int client_type_of(const struct keel_conn *c);

/* CLIENT KILL addr | CLIENT KILL [ID id] [TYPE type] [ADDR addr] [LADDR addr] [USER name]
 * [SKIPME yes|no] ...: replies (an error, OK, or how many clients matched) and returns the
 * opcode's result.  Only on networks with the admin permission.  A matching client is closed on its
 * own thread, right after this (the caller itself once this reply is written). */
keel_op_result client_kill(keel_proc *p, struct keel_conn *me);

#endif
