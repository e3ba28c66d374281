/* state.h -- a memcache connection's state: which protocol it speaks (its first byte decides),
 * the parser of each, and what it knows of its namespace's delayed flush.  All zero is a fresh
 * connection. */
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
    uint64_t flush_gen;     /* the flush table's generation when flush_at was read */
    int64_t flush_at;       /* when this connection's namespace flushes (INT64_MAX: never) */
    bool flush_known;       /* flush_gen and flush_at are set */
    bool flush_tried;       /* an MC.FLUSHDUE went out at generation flush_tried_gen */
    uint64_t flush_tried_gen;
} mc_state;

#endif
