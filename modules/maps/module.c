/* module.c -- maps.so: namespaces and the Redis hash commands.  The descriptor, the one symbol
 * it exports.
 *
 * Namespaces are the core's: a namespace is a keyspace entry of the core type "hash" holding a
 * nested table, every key a command names is read relative to the connection's namespace path,
 * and each key at any depth has its own TTL.  This module gives clients the commands to move
 * around (NS HS CS NSRESET HSRESET CSRESET WHEREAMI), to list a namespace (VALS GETALL
 * KEYSANDEXPIRES KEYSANDTYPES; KEYS is the core's), and the Redis hash commands (HSET HGET ...)
 * as adapters that read and write one level below the current namespace: HSET m f v stores key
 * f inside namespace m.  docs/namespaces.md and docs/commands-maps.md have the details.
 */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(4, "maps", KEEL_VERSION, "namespaces and hash commands: NS HSET HGETALL ...",
                  map_register, NULL);
