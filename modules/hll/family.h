/* family.h -- how each command family of hll.so hands its opcodes and commands to init. */
#ifndef KEEL_HLL_FAMILY_H
#define KEEL_HLL_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* The fields every HyperLogLog command shares. */
#define PF_CMD .size = sizeof(keel_cmd_def), .group = "hyperloglog", .since = "0.1.0"

/* An opcode that touches keys and may yield. */
#define PF_OP(NAME, FN, SYN)                                                                       \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }

extern const keel_family pf_add_family;   /* add.c: PFADD (HLLADD) */
extern const keel_family pf_count_family; /* count.c: PFCOUNT (HLLCOUNT) */
extern const keel_family pf_merge_family; /* merge.c: PFMERGE (HLLMERGE), HLL.MERGEREPLY */

#endif
