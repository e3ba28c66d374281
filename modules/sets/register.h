/* register.h -- registering sets.so's type, opcodes and commands (init, and unit tests). */
#ifndef KEEL_SETS_REGISTER_H
#define KEEL_SETS_REGISTER_H

#include <keel/sdk.h>

/* Registers the "set" type, then every family's opcodes and commands, in the order of the
 * table in register.c.  Returns KEEL_OK, or the first refusal's status (logged with the core's
 * reason), after which the core unloads the module. */
keel_status sets_register(keel_module *m);

#endif
