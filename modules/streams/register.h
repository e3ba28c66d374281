/* register.h -- registering streams.so's type, opcodes and commands (init). */
#ifndef KEEL_STREAMS_REGISTER_H
#define KEEL_STREAMS_REGISTER_H

#include <keel/sdk.h>

/* Registers the "stream" type, then every family's opcodes and commands, in the order of the
 * table in register.c.  Returns KEEL_OK, or the first refusal's status (logged with the core's
 * reason), after which the core unloads the module. */
keel_status xs_register(keel_module *m);

/* The module's fini: frees the streams still waiting to be freed (reclaim.h). */
void xs_unregister(keel_module *m);

#endif
