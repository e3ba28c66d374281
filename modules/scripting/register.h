/* register.h -- registering scripting.so's opcodes, commands and INFO section (init). */
#ifndef KEEL_SCRIPTING_REGISTER_H
#define KEEL_SCRIPTING_REGISTER_H

#include <keel/sdk.h>

/* Registers every family's opcodes and commands, then the Scripting INFO section.  Returns
 * KEEL_OK or the first refusal's status (logged), after which the core unloads the module. */
keel_status scripting_register(keel_module *m);
/* Frees the server-wide caches and every thread's Lua state (the server is stopping). */
void scripting_fini(keel_module *m);

#endif
