/* module.c -- dump.so: DUMP and RESTORE in Redis 7.0's payload format (RDB value encoding, RDB
 * version, CRC-64), so values move between Redis and Keel both ways.  The descriptor, the one
 * symbol it exports.  docs/commands-dump.md tells what is written and read. */
#include <keel/sdk.h>
#include "family.h"

KEEL_MODULE("dump", KEEL_VERSION, "DUMP and RESTORE in Redis's payload format", dump_register,
            NULL);
