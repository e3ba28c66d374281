/* register.h -- everything memcache.so registers, in one place. */
#ifndef MC_REGISTER_H
#define MC_REGISTER_H

#include <keel/sdk.h>

/* Registers the "memcache" protocol, then every opcode and command family of the module; logs
 * and returns the first failure.  Only inside init. */
keel_status mc_register(keel_module *m);

/* Frees what the module keeps across calls (its statistics counters).  The
 * module's fini. */
void mc_unregister(keel_module *m);

/* Logs a warning in the module's name, once per module load (a bad network option). */
void mc_warn_once(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
