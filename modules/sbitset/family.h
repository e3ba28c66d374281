/* family.h -- how each command family of sbitset.so hands its opcodes and commands to init. */
#ifndef KEEL_SBITSET_FAMILY_H
#define KEEL_SBITSET_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* The fields every sparse bitset command shares ... */
#define SBS_CMD .size = sizeof(keel_cmd_def), .group = "sbitset", .since = "0.1.0"
/* ... and those of a command whose only key is argv[1]. */
#define SBS_KEY1 SBS_CMD, .first_key = 1, .last_key = 1, .key_step = 1

/* An opcode that touches keys and may yield. */
#define SBS_OP(NAME, FN, SYN)                                                                      \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }

extern const keel_family sbs_bits_family; /* bits.c: SSETBIT SGETBIT SBITCOUNT SBITPOS */
extern const keel_family sbs_rank_family; /* rank.c: SBITRANK SBITSELECT SBITSCAN */
extern const keel_family sbs_op_family;   /* op.c: SBITOP */

#endif
