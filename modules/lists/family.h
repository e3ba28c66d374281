/* family.h -- how each command family of lists.so hands its opcodes and commands to init. */
#ifndef KEEL_LISTS_FAMILY_H
#define KEEL_LISTS_FAMILY_H

#include <stddef.h>
#include <keel/sdk.h>

/* The fields every list command shares. */
#define LST_CMD .size = sizeof(keel_cmd_def), .group = "list", .since = "0.1.0"
/* ... and those of a command whose only key is argv[1]. */
#define LST_KEY1 LST_CMD, .first_key = 1, .last_key = 1, .key_step = 1

extern const keel_family lst_push_family;   /* push.c: LPUSH RPUSH LPUSHX RPUSHX */
extern const keel_family lst_pop_family;    /* pop.c: LPOP RPOP LMPOP BLPOP BRPOP BLMPOP */
extern const keel_family lst_move_family;   /* move.c: RPOPLPUSH LMOVE BRPOPLPUSH BLMOVE */
extern const keel_family lst_access_family; /* access.c: LLEN LINDEX LSET */
extern const keel_family lst_range_family;  /* range.c: LRANGE LTRIM */
extern const keel_family lst_edit_family;   /* edit.c: LINSERT LREM */
extern const keel_family lst_pos_family;    /* pos.c: LPOS */

#endif
