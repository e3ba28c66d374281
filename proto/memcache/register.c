/* register.c -- memcache.so's registration: the "memcache" protocol (the MC.* commands it sends
 * requests to are mcitems.so's, modules/memcache). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <keel/sdk.h>
#include "protocol.h"
#include "register.h"

static keel_module *module; /* this module, for logging */
static atomic_bool warned;  /* mc_warn_once has logged */

keel_status mc_proto_register(keel_module *m) {
    const char *err = NULL;
    module = m;
    atomic_store(&warned, false);
    keel_status st = keel_register_protocol(m, &mc_protocol, &err);
    if (st != KEEL_OK)
        keel_log(m, KEEL_LOG_ERROR, "memcache: cannot register protocol %s: %s", mc_protocol.name,
                 err ? err : "refused");
    return st;
}

void mc_proto_unregister(keel_module *m) {
    (void)m;
}

void mc_warn_once(const char *fmt, ...) {
    if (atomic_exchange(&warned, true)) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    keel_log(module, KEEL_LOG_WARNING, "%s", line);
}
