/* family.h -- how each command family of hll.so hands its opcodes and commands to init. */
#ifndef KEEL_HLL_FAMILY_H
#define KEEL_HLL_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* One family: the opcodes and commands one source file defines, registered in that order. */
typedef struct pf_family {
    const keel_opcode_def *opcodes;
    size_t nopcodes;
    const keel_cmd_def *commands;
    size_t ncommands;
} pf_family;

#define PF_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define PF_FAMILY(OPS, CMDS)                                                                       \
    { OPS, PF_COUNT(OPS), CMDS, PF_COUNT(CMDS) }

/* The fields every HyperLogLog command shares. */
#define PF_CMD .size = sizeof(keel_cmd_def), .group = "hyperloglog", .since = "0.1.0"

/* An opcode that touches keys and may yield. */
#define PF_OP(NAME, FN, SYN)                                                                       \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }

extern const pf_family pf_add_family;   /* add.c: PFADD (HLLADD) */
extern const pf_family pf_count_family; /* count.c: PFCOUNT (HLLCOUNT) */
extern const pf_family pf_merge_family; /* merge.c: PFMERGE (HLLMERGE), HLL.MERGEREPLY */

#endif
