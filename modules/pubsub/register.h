/* register.h -- pubsub.so's init: the server-wide view, each thread's tables, the publisher, then
 * every command family. */
#ifndef PUBSUB_REGISTER_H
#define PUBSUB_REGISTER_H

#include <keel/sdk.h>

keel_status ps_register(keel_module *m);
/* Frees what ps_register set up (the module's fini). */
void ps_unregister(keel_module *m);

#endif
