/* family.h -- how each command family of maps.so hands its opcodes and commands to init. */
#ifndef KEEL_MAPS_FAMILY_H
#define KEEL_MAPS_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

extern const keel_family map_space_family; /* space.c: NS HS CS NSRESET HSRESET CSRESET WHEREAMI */
/* walk_cmds.c: VALS GETALL KEYSANDEXPIRES KEYSANDTYPES */
extern const keel_family map_walk_family;
extern const keel_family map_hset_family;  /* hset.c: HSET HSETNX HMSET */
extern const keel_family map_hget_family;  /* hget.c: HGET HMGET HEXISTS HSTRLEN */
extern const keel_family map_hdel_family;  /* hdel.c: HDEL */
extern const keel_family map_hincr_family; /* hincr.c: HINCRBY HINCRBYFLOAT */
extern const keel_family map_hall_family;  /* hall.c: HLEN HKEYS HVALS HGETALL */
extern const keel_family map_hscan_family; /* hscan.c: HSCAN */
extern const keel_family map_hrand_family; /* hrand.c: HRANDFIELD */

#endif
