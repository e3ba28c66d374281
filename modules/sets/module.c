/* module.c -- sets.so: Keel's set values.  The descriptor, the one symbol it exports.
 *
 * Commands: SADD SREM SISMEMBER SMISMEMBER SCARD SMEMBERS SPOP SRANDMEMBER SSCAN SINTER
 * SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SMOVE, with Redis's semantics and
 * error texts, plus Keel's (docs/commands-sets.md has the details):
 *   - SSUBSET a b: 1 when a is a subset of b; SEQUAL key [key ...]: 1 when all are equal.
 *   - SMOVE source destination member [member ...]: several members at once.
 *   - Replies that list members come sorted (integers by value, then bytewise), always.
 *   - Every long operation yields (SADD of a million members, SUNIONSTORE over sets of
 *     millions, SMEMBERS of a big set ...), keeping its keys locked, so it never stalls other
 *     clients and nobody sees it half done; the multi-key ones are atomic across shards.
 * A set is a dk_set: packed integers while every member is an int64, else packed sorted runs.
 */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(4, "sets", KEEL_VERSION, "set values: SADD SINTER SUNIONSTORE SSUBSET ...",
                  sets_register, NULL);
