/* module.c -- streams.so: Keel's streams.  The descriptor, the one symbol it exports.
 *
 * Commands: XADD XLEN XRANGE XREVRANGE XREAD XDEL XTRIM XSETID XGROUP (CREATE CREATECONSUMER
 * DELCONSUMER DESTROY SETID) XREADGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO (STREAM GROUPS
 * CONSUMERS), with Redis 7.0's semantics, error texts and reply shapes (docs/commands-streams.md).
 * Long operations yield with their key locked.  Entries live in a dk_stream (datakit/stream.h).
 */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(4, "streams", KEEL_VERSION, "streams: XADD XRANGE XREAD XREADGROUP XACK ...",
                  xs_register, xs_unregister);
