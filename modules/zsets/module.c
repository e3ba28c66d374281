/* module.c -- zsets.so: Keel's sorted sets.  The descriptor, the one symbol it exports.
 *
 * Commands: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ZRANGE
 * ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE ZRANGESTORE ZREMRANGEBYRANK
 * ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP BZPOPMIN BZPOPMAX BZMPOP ZSCAN
 * ZRANDMEMBER ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD, and geo on
 * sorted sets: GEOADD GEOPOS GEODIST GEOHASH GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUS_RO
 * GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO, with Redis 7.0's semantics, error texts and reply
 * shapes (docs/commands-zsets.md).
 * Long operations yield with their key locked.  A sorted set is a dk_zset (datakit/zset.h).
 */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(4, "zsets", KEEL_VERSION,
                  "sorted sets and geo: ZADD ZRANGE BZPOPMIN GEOSEARCH ...", zs_register,
                  zs_unregister);
