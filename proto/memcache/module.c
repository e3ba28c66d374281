/* module.c -- memcache.so's descriptor, the one symbol the module exports. */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE("memcache", KEEL_VERSION, "memcached text and meta protocol", mc_register,
            mc_unregister);
