/* register.h -- registering sbitset.so's type, opcodes and commands (init). */
#ifndef KEEL_SBITSET_REGISTER_H
#define KEEL_SBITSET_REGISTER_H

#include <keel/sdk.h>

/* Registers the "sbitset" type, then every family's opcodes and commands.  Returns KEEL_OK, or
 * the first refusal's status (logged with the core's reason). */
keel_status sbs_register(keel_module *m);

#endif
