/* register.h -- registering hll.so's type, opcodes and commands (init, and unit tests). */
#ifndef KEEL_HLL_REGISTER_H
#define KEEL_HLL_REGISTER_H

#include <keel/sdk.h>

/* Registers the "hll" type, then every family's opcodes and commands.  Returns KEEL_OK, or
 * the first refusal's status (logged with the core's reason). */
keel_status pf_register(keel_module *m);

#endif
