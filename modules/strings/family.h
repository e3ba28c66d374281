/* family.h -- how each command family of strings.so hands its opcodes and commands to init. */
#ifndef KEEL_STRINGS_FAMILY_H
#define KEEL_STRINGS_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

extern const keel_family str_get_family;   /* get.c: GET GETDEL GETEX */
extern const keel_family str_set_family;   /* set.c: SET SETNX SETEX PSETEX GETSET CAS */
extern const keel_family str_multi_family; /* multi.c: MGET MSET MSETNX */
/* incr.c: INCR DECR INCRBY DECRBY DECRBYFLOOR INCRBYFLOAT */
extern const keel_family str_incr_family;
extern const keel_family str_append_family;   /* append.c: APPEND PREPEND */
extern const keel_family str_length_family;   /* length.c: STRLEN COUNTUTF8CODEPOINTS */
extern const keel_family str_range_family;    /* range.c: GETRANGE SETRANGE */
extern const keel_family str_bitmap_family;   /* bitmap.c: SETBIT GETBIT BITCOUNT BITPOS */
extern const keel_family str_bitop_family;    /* bitop.c: BITOP */
extern const keel_family str_bitfield_family; /* bitfield.c: BITFIELD BITFIELD_RO */
extern const keel_family str_lcs_family;      /* lcs.c: LCS */

#endif
