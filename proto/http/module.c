/* module.c -- http.so's descriptor, the one symbol the module exports. */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(2, "http", KEEL_VERSION,
                  "HTTP metrics protocol: /metrics (Prometheus), /stats, /health", http_register,
                  NULL);
