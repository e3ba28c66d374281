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

typedef struct net_stats {
    _Atomic uint64_t connections, commands, bytes_in, bytes_out, errors;
} net_stats;

typedef struct listener {
    const conf_network *cf;
    const proto_entry *proto;
    struct evconnlistener *evl;
    int port;                      /* the bound port (the chosen one when cf->port is 0) */
    struct ns_path *ns_base;       /* every client starts here (conf "namespace"), or NULL */
    net_stats st;
} listener;

/* Binds every network of the config whose protocol is loaded (implicit default networks
 * whose protocol is absent are skipped).  Logs and returns -1 on the first failure. */
int net_listen_all(void);
/* Stops accepting (shutdown). */
void net_close_all(void);

#endif
