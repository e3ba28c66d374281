/* conn.h -- what a module keeps on a client connection: attached data, and the hooks the core
 * calls when the connection is reset (RESET) or closes.  (Added in ABI 1.2.) */
#ifndef KEEL_CONN_H
#define KEEL_CONN_H

#include <stddef.h>

typedef struct keel_conn keel_conn; /* opaque: a client connection */

/* A module's hooks for the data it attaches to connections (keel_conn_attach).  One static
 * instance per kind of data: its address is the key keel_conn_attached looks the data up by.
 * Both hooks run on the connection's own thread. */
typedef struct keel_conn_hooks {
    size_t size; /* sizeof(keel_conn_hooks) */
    /* RESET: forget what the data says about the connection (it stays attached).  Optional. */
    void (*reset)(keel_conn *c, void *data);
    /* The connection closed: the data is detached; free it.  After this call the core never
     * hands c to the module again, so drop every pointer to it. */
    void (*close)(keel_conn *c, void *data);
} keel_conn_hooks;

#endif
