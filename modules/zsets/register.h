/* register.h -- registering zsets.so's type, opcodes and commands (init). */
#ifndef KEEL_ZSETS_REGISTER_H
#define KEEL_ZSETS_REGISTER_H

#include <keel/sdk.h>

/* Registers the "zset" type, then every family's opcodes and commands, in the order of the table
 * in register.c.  Returns KEEL_OK, or the first refusal's status (logged with the core's reason),
 * after which the core unloads the module. */
keel_status zs_register(keel_module *m);

/* The module's fini: forgets the deadlines of processes still parked (at shutdown). */
void zs_unregister(keel_module *m);

#endif
