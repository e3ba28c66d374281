/* register.h -- what memcache.so registers: the memcached wire protocol. */
#ifndef MC_REGISTER_H
#define MC_REGISTER_H

#include <keel/sdk.h>

/* Registers the "memcache" protocol; logs and returns a failure.  Only inside init. */
keel_status mc_proto_register(keel_module *m);

/* The module's fini: the protocol keeps nothing across calls. */
void mc_proto_unregister(keel_module *m);

/* Logs a warning in the module's name, once per module load (a bad network option). */
void mc_warn_once(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
