/* family.h -- how each command family of streams.so hands its opcodes and commands to init. */
#ifndef KEEL_STREAMS_FAMILY_H
#define KEEL_STREAMS_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* The fields every stream command shares. */
#define XS_CMD .size = sizeof(keel_cmd_def), .group = "stream", .since = "0.1.0"
/* ... and those of a command whose only key is argv[1] (XINFO, XGROUP: argv[2]). */
#define XS_KEY1 XS_CMD, .first_key = 1, .last_key = 1, .key_step = 1
#define XS_KEY2 XS_CMD, .first_key = 2, .last_key = 2, .key_step = 1

/* An opcode that touches keys and may yield: what every stream opcode is. */
#define XS_OP(NAME, FN, SYN)                                                                       \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }

extern const keel_family xs_write_family;   /* write.c: XADD XDEL XTRIM XSETID XLEN */
extern const keel_family xs_range_family;   /* range.c: XRANGE XREVRANGE */
extern const keel_family xs_read_family;    /* read.c: XREAD XREADGROUP */
extern const keel_family xs_group_family;   /* group.c: XGROUP */
extern const keel_family xs_pending_family; /* pending.c: XACK XPENDING XCLAIM XAUTOCLAIM */
extern const keel_family xs_info_family;    /* info.c: XINFO */

#endif
