/* module.c -- dump.so: DUMP and RESTORE in Redis 7.0's payload format (RDB value encoding, RDB
 * version, CRC-64), so values move between Redis and Keel both ways, and the import of a whole
 * Redis RDB file at start (--load-rdb).  The descriptor, the one symbol it exports.
 * docs/commands-dump.md tells what is written and read; docs/persistence.md the import. */
#include <keel/sdk.h>
#include "family.h"

KEEL_MODULE_MINOR(5, "dump", KEEL_VERSION, "DUMP and RESTORE in Redis's payload format, RDB import",
                  dump_register, dump_import_fini);
