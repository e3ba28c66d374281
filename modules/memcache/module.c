/* module.c -- mcitems.so's descriptor, the one symbol the module exports. */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(6, "mcitems", KEEL_VERSION,
                  "memcached's command family: items with flags and CAS, meta commands, counters",
                  mc_items_register, mc_items_unregister);
