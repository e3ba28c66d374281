/* register.h -- registering strings.so's opcodes and commands (init, and unit tests). */
#ifndef KEEL_STRINGS_REGISTER_H
#define KEEL_STRINGS_REGISTER_H

#include <keel/sdk.h>

/* Registers every family's opcodes, then its commands, in the order of the table in
 * register.c.  Returns KEEL_OK, or the first refusal's status (logged with the core's
 * reason), after which the core unloads the module. */
keel_status str_register(keel_module *m);

#endif
