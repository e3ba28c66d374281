/* family.h -- how each command family of maps.so hands its opcodes and commands to init. */
#ifndef KEEL_MAPS_FAMILY_H
#define KEEL_MAPS_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* One family: the opcodes and commands one source file defines, registered in that order. */
typedef struct map_family {
    const keel_opcode_def *opcodes;
    size_t nopcodes;
    const keel_cmd_def *commands;
    size_t ncommands;
} map_family;

#define MAP_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAP_FAMILY(OPS, CMDS)                                                                      \
    { OPS, MAP_COUNT(OPS), CMDS, MAP_COUNT(CMDS) }

extern const map_family map_space_family; /* space.c: NS HS CS NSRESET HSRESET CSRESET WHEREAMI */
extern const map_family map_walk_family;  /* walk_cmds.c: VALS GETALL KEYSANDEXPIRES KEYSANDTYPES */
extern const map_family map_hset_family;  /* hset.c: HSET HSETNX HMSET */
extern const map_family map_hget_family;  /* hget.c: HGET HMGET HEXISTS HSTRLEN */
extern const map_family map_hdel_family;  /* hdel.c: HDEL */
extern const map_family map_hincr_family; /* hincr.c: HINCRBY HINCRBYFLOAT */
extern const map_family map_hall_family;  /* hall.c: HLEN HKEYS HVALS HGETALL */
extern const map_family map_hscan_family; /* hscan.c: HSCAN */
extern const map_family map_hrand_family; /* hrand.c: HRANDFIELD */

#endif
