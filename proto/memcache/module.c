/* module.c -- memcache.so's descriptor, the one symbol the module exports. */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(6, "memcache", KEEL_VERSION, "memcached text, meta and binary protocols",
                  mc_proto_register, mc_proto_unregister);
