/* family.h -- how each command family of zsets.so hands its opcodes and commands to init. */
#ifndef KEEL_ZSETS_FAMILY_H
#define KEEL_ZSETS_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* The fields every sorted set command shares. */
#define ZS_CMD .size = sizeof(keel_cmd_def), .group = "sorted-set", .since = "0.1.0"
/* ... and those of a command whose only key is argv[1]. */
#define ZS_KEY1 ZS_CMD, .first_key = 1, .last_key = 1, .key_step = 1

/* The same for geo commands (group "geo"). */
#define GEO_CMD .size = sizeof(keel_cmd_def), .group = "geo", .since = "0.1.0"
#define GEO_KEY1 GEO_CMD, .first_key = 1, .last_key = 1, .key_step = 1

/* An opcode that touches keys and may yield: what nearly every sorted set opcode is. */
#define ZS_OP(NAME, FN, SYN)                                                                       \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }

extern const keel_family zs_add_family;     /* add.c: ZADD ZINCRBY ZREM */
extern const keel_family zs_read_family;    /* read.c: ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT
                                             ZLEXCOUNT */
extern const keel_family zs_range_family;   /* range.c: ZRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE
                                             ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE ZRANGESTORE
                                             ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX */
extern const keel_family zs_pop_family;     /* pop.c: ZPOPMIN ZPOPMAX ZMPOP BZPOPMIN BZPOPMAX
                                             BZMPOP */
extern const keel_family zs_scan_family;    /* scan.c: ZSCAN ZRANDMEMBER */
extern const keel_family zs_algebra_family; /* algebra.c: ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD */
extern const keel_family zs_geo_point_family;  /* geo_cmds.c: GEOADD GEOPOS GEOHASH GEODIST */
extern const keel_family zs_geo_search_family; /* geo_query.c: GEOSEARCH GEOSEARCHSTORE GEORADIUS
                                               GEORADIUS_RO GEORADIUSBYMEMBER
                                               GEORADIUSBYMEMBER_RO */

#endif
