/* conn_ext.h -- data modules attach to a connection (keel_conn_attach), and the hooks the core
 * runs on it: a module's reset hook on RESET, its close hook when the connection closes. */
#ifndef KEEL_CORE_CONN_EXT_H
#define KEEL_CORE_CONN_EXT_H

#include <keel/sdk.h>

struct keel_conn;

typedef struct conn_ext {
    struct conn_ext *next;
    const keel_conn_hooks *hooks; /* the module's, the key of the data */
    void *data;
} conn_ext;

/* Runs every attached data's reset hook (RESET), in the order they were attached. */
void conn_ext_reset(struct keel_conn *c);
/* Detaches everything and runs each close hook (the connection closed), once. */
void conn_ext_close(struct keel_conn *c);

#endif
