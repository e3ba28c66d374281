/* state.h -- a memcache connection's state: which protocol it speaks (its first byte decides),
 * and the parser of each.  All zero is a fresh connection. */
#ifndef MC_STATE_H
#define MC_STATE_H

#include "bin.h"
#include "parse.h"

typedef enum mc_mode {
    MC_MODE_NEW = 0, /* nothing read yet */
    MC_MODE_TEXT,    /* text and meta commands */
    MC_MODE_BINARY   /* binary requests (the first byte was 0x80) */
} mc_mode;

typedef struct mc_state {
    uint8_t mode;           /* mc_mode */
    mc_parser parser;       /* text; its item_max is the connection's limit */
    mc_bin_parser bin;      /* binary */
    keel_arg flush_argv[1]; /* the MC.FLUSHDUE request of a due flush */
} mc_state;

#endif
