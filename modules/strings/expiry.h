/* expiry.h -- the EX / PX / EXAT / PXAT / KEEPTTL / PERSIST options SET and GETEX share. */
#ifndef KEEL_STRINGS_EXPIRY_H
#define KEEL_STRINGS_EXPIRY_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/sdk.h>

/* Which expiry option a command was given. */
typedef enum str_exp_kind {
    STR_EXP_NONE = 0,
    STR_EXP_EX,      /* seconds from now */
    STR_EXP_PX,      /* milliseconds from now */
    STR_EXP_EXAT,    /* unix time in seconds */
    STR_EXP_PXAT,    /* unix time in milliseconds */
    STR_EXP_KEEPTTL, /* SET: keep the key's current expiry */
    STR_EXP_PERSIST  /* GETEX: remove the expiry */
} str_exp_kind;

/* The expiry kind a word names (EX PX EXAT PXAT, any case), or STR_EXP_NONE. */
str_exp_kind str_exp_word(const keel_arg *a);

/* Converts the time argument of an EX/PX/EXAT/PXAT option to an absolute unix time in ms, the
 * way Redis does.  On a bad time replies "ERR value is not an integer or out of range" or
 * "ERR invalid expire time in '<cmd>' command" and returns false. */
bool str_exp_at(keel_proc *p, str_exp_kind kind, const keel_arg *t, const char *cmd,
                int64_t *at_ms);

#endif
