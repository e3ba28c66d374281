/* module.c -- lists.so: Keel's list values.  The descriptor, the one symbol it exports.
 *
 * Commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LSET LRANGE LTRIM LINSERT LREM LPOS
 * RPOPLPUSH LMOVE LMPOP and the blocking BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP, with Redis 7's
 * semantics and error texts (docs/commands-lists.md).  A list is one datakit dk_list of boxes
 * (listobj.h); every per-element loop charges reductions and yields with its position in
 * registers, so a huge LRANGE or LREM never stalls other clients; blocked pops park on their
 * keys through the SDK and hold no thread.
 */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(3, "lists", KEEL_VERSION, "list values: LPUSH LRANGE BLPOP ...", lst_register,
                  lst_unregister);
