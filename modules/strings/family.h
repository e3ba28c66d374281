/* family.h -- how each command family of strings.so hands its opcodes and commands to init. */
#ifndef KEEL_STRINGS_FAMILY_H
#define KEEL_STRINGS_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* One family: the opcodes and commands one source file defines, registered in that order. */
typedef struct str_family {
    const keel_opcode_def *opcodes;
    size_t nopcodes;
    const keel_cmd_def *commands;
    size_t ncommands;
} str_family;

#define STR_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define STR_FAMILY(OPS, CMDS) {OPS, STR_COUNT(OPS), CMDS, STR_COUNT(CMDS)}

extern const str_family str_get_family;      /* get.c: GET GETDEL GETEX */
extern const str_family str_set_family;      /* set.c: SET SETNX SETEX PSETEX GETSET CAS */
extern const str_family str_multi_family;    /* multi.c: MGET MSET MSETNX */
extern const str_family str_incr_family;     /* incr.c: INCR DECR INCRBY DECRBY DECRBYFLOOR INCRBYFLOAT */
extern const str_family str_append_family;   /* append.c: APPEND PREPEND */
extern const str_family str_length_family;   /* length.c: STRLEN COUNTUTF8CODEPOINTS */
extern const str_family str_range_family;    /* range.c: GETRANGE SETRANGE */
extern const str_family str_bitmap_family;   /* bitmap.c: SETBIT GETBIT BITCOUNT BITPOS */
extern const str_family str_bitop_family;    /* bitop.c: BITOP */
extern const str_family str_bitfield_family; /* bitfield.c: BITFIELD BITFIELD_RO */
extern const str_family str_lcs_family;      /* lcs.c: LCS */

#endif
