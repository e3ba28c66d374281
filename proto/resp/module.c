/* module.c -- resp.so's descriptor, the one symbol the module exports. */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(2, "resp", KEEL_VERSION, "RESP2/RESP3 protocol", resp_register, NULL);
