/* net.h -- networks: one listener per configured network, accepting on the main thread and
 * handing each connection to a worker thread, round-robin. */
#ifndef KEEL_CORE_NET_H
#define KEEL_CORE_NET_H

#include "conf.h"
#include "registry.h"

#include <stdatomic.h>
#include <stdint.h>

struct evconnlistener;
struct ns_path;
struct tls_server;

/* A network's counters, updated with relaxed atomics by whichever thread has the news. */
typedef struct net_stats {
    _Atomic uint64_t connections;         /* accepted since start */
    _Atomic uint64_t active;              /* open now */
    _Atomic uint64_t rejected;            /* refused: max_clients reached */
    _Atomic uint64_t commands;            /* requests dispatched */
    _Atomic uint64_t bytes_in, bytes_out; /* application bytes (TLS: before encryption) */
    _Atomic uint64_t errors;              /* error replies */
    _Atomic uint64_t tls_handshakes;      /* completed */
    _Atomic uint64_t tls_resumed;         /* ... of which resumed a session (ticket or cache) */
    _Atomic uint64_t tls_failures;        /* handshakes that failed */
} net_stats;

typedef struct listener {
    const conf_network *cf;
    const proto_entry *proto;
    struct evconnlistener *evl;
    int port;                /* the bound port (the chosen one when cf->port is 0) */
    struct ns_path *ns_base; /* every client starts here (conf "namespace"), or NULL */
    char database[12];       /* ... in this database (conf "database"), as text */
    struct tls_server *tls;  /* NULL for a plain TCP network */
    net_stats st;
} listener;

/* Builds every TLS context, then binds every network of the config whose protocol is loaded
 * (implicit default networks whose protocol is absent are skipped).  Logs and returns -1 on
 * the first failure; the caller then exits without serving anyone. */
int net_listen_all(void);
/* Stops accepting (shutdown). */
void net_close_all(void);
/* Frees the listeners (after the worker threads are gone). */
void net_free_all(void);

/* Hands a new client's socket to thread t (counted as a client of l unless refuse says why it
 * is refused: it then only gets that error). */
struct thr;
void net_hand_over(listener *l, int fd, struct thr *t, const char *refuse);
/* A client of l has gone (its counts drop). */
void net_client_gone(listener *l);

/* The listener of the network called name, or NULL. */
listener *net_find(const char *name);
/* Re-reads the certificates of every TLS network (name NULL) or of the one named; open
 * connections are not touched.  Returns how many networks reloaded, or -1 with *errs set
 * (networks whose files are fine still reload). */
int net_tls_reload(const char *name, char **errs);

#endif
