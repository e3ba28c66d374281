/* family.h -- how each command file of mcitems.so hands its opcodes and commands to init. */
#ifndef MC_FAMILY_H
#define MC_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* Fields every memcache command definition shares: the key is argv[1]. */
#define MC_KEY1                                                                                    \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1,                    \
    .group = "memcache", .since = "0.1.0"

extern const keel_family
    mc_store_family; /* cmd_store.c: MC.SET ADD REPLACE APPEND PREPEND CAS REFUSE */
extern const keel_family mc_get_family;    /* cmd_get.c: MC.GET GETS GAT GATS GETK GATK TOUCH */
extern const keel_family mc_delete_family; /* cmd_delete.c: MC.DELETE */
extern const keel_family mc_arith_family;  /* cmd_arith.c: MC.INCR MC.DECR */
extern const keel_family mc_mget_family;   /* cmd_mget.c: MC.MG MC.ME */
extern const keel_family mc_mset_family;   /* cmd_mset.c: MC.MS */
extern const keel_family mc_mdel_family;   /* cmd_mdel.c: MC.MD */
extern const keel_family mc_marith_family; /* cmd_marith.c: MC.MA */
extern const keel_family mc_server_family; /* cmd_server.c: MC.STATS MC.QUIT */
extern const keel_family mc_flush_family;  /* cmd_flush.c: MC.FLUSH MC.FLUSHDUE */

#endif
