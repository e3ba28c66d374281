/* register.h -- everything mcitems.so registers, in one place. */
#ifndef MC_ITEMS_REGISTER_H
#define MC_ITEMS_REGISTER_H

#include <keel/sdk.h>

/* Registers every opcode and command family of the memcached command family (MC.*); logs and
 * returns the first failure.  Only inside init. */
keel_status mc_items_register(keel_module *m);

/* Frees what the module keeps across calls (its statistics counters).  The module's fini. */
void mc_items_unregister(keel_module *m);

#endif
