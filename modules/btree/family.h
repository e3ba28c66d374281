/* family.h -- how each command family of btree.so hands its opcodes and commands to init. */
#ifndef KEEL_BTREE_FAMILY_H
#define KEEL_BTREE_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* The fields every btree command shares: its only key is argv[1]. */
#define BT_KEY1                                                                                    \
    .size = sizeof(keel_cmd_def), .group = "btree", .since = "0.1.0", .first_key = 1,              \
    .last_key = 1, .key_step = 1

/* An opcode that touches keys and may yield. */
#define BT_OP(NAME, FN, SYN)                                                                       \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }

extern const keel_family bt_write_family; /* write.c: BTSET BTSETF BTDEL BTDELRANGE */
extern const keel_family bt_read_family;  /* read.c: BTGET BTCARD BTRANK */
extern const keel_family bt_range_family; /* range.c: BTRANGE BTCOUNT */
extern const keel_family bt_agg_family;   /* agg.c: BTAGG */
extern const keel_family bt_top_family;   /* top.c: BTTOP */

#endif
