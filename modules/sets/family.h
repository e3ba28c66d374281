/* family.h -- how each command family of sets.so hands its opcodes and commands to init. */
#ifndef KEEL_SETS_FAMILY_H
#define KEEL_SETS_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* The fields every set command shares. */
#define SETS_CMD .size = sizeof(keel_cmd_def), .group = "set", .since = "0.1.0"
/* ... and those of a command whose only key is argv[1]. */
#define SETS_KEY1 SETS_CMD, .first_key = 1, .last_key = 1, .key_step = 1
/* ... and those of a command whose keys are argv[1] to the last argument. */
#define SETS_KEYS SETS_CMD, .first_key = 1, .last_key = -1, .key_step = 1

/* An opcode that touches keys and may yield: what nearly every set opcode is. */
#define SETS_OP(NAME, FN, SYN)                                                                     \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }

extern const keel_family sets_add_family;     /* add.c: SADD SREM */
extern const keel_family sets_member_family;  /* member.c: SISMEMBER SMISMEMBER SCARD SMEMBERS */
extern const keel_family sets_random_family;  /* random.c: SPOP SRANDMEMBER */
extern const keel_family sets_scan_family;    /* scan.c: SSCAN */
extern const keel_family sets_algebra_family; /* algebra.c: SINTER SINTERCARD SINTERSTORE SUNION
                                                 SUNIONSTORE SDIFF SDIFFSTORE */
extern const keel_family sets_compare_family; /* compare.c: SSUBSET SEQUAL */
extern const keel_family sets_move_family;    /* move.c: SMOVE */

#endif
