/* module.c -- pubsub.so's descriptor, the one symbol the module exports. */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(2, "pubsub", KEEL_VERSION, "publish/subscribe: SUBSCRIBE PUBLISH PUBSUB ...",
                  ps_register, ps_unregister);
