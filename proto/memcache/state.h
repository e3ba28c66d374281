/* state.h -- a memcache connection's state: its parser.  All zero is a fresh connection. */
#ifndef MC_STATE_H
#define MC_STATE_H

#include "parse.h"

typedef struct mc_state {
    mc_parser parser;
    keel_arg flush_argv[1]; /* the FLUSHALL request of a scheduled flush */
} mc_state;

#endif
