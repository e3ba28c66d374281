/* register.h -- registering maps.so's opcodes and commands (init, and unit tests). */
#ifndef KEEL_MAPS_REGISTER_H
#define KEEL_MAPS_REGISTER_H

#include <keel/sdk.h>

/* Registers every family's opcodes, then its commands, in the order of the table in
 * register.c.  Returns KEEL_OK, or the first refusal's status (logged with the core's
 * reason), after which the core unloads the module. */
keel_status map_register(keel_module *m);

#endif
