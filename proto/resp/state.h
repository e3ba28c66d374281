/* state.h -- a RESP connection's state: its parser, RESP version and reply syntax. */
#ifndef RESP_STATE_H
#define RESP_STATE_H

#include <stdint.h>
#include "parse.h"

/* How replies are written.  Only RESP exists today; JSON and Python literals (chosen per
 * network or connection) come later, each as one more encoder in protocol.c's table. */
typedef enum resp_syntax {
    RESP_SYNTAX_RESP = 0, /* RESP2 or RESP3, by version */
    RESP_SYNTAX_COUNT
} resp_syntax;

/* The per-connection state the core allocates (zeroed) for the "resp" protocol.  All zero is a
 * valid RESP2 connection. */
typedef struct resp_state {
    resp_parser parser;
    uint8_t version;       /* RESP version replies are being encoded in: 2 or 3 (0 = 2) */
    uint8_t hello_version; /* version asked by the latest HELLO run (0 = none); becomes
                              `version` when that HELLO's reply is encoded */
    uint8_t syntax;        /* resp_syntax */
} resp_state;

/* The RESP version replies are encoded in now: 2 or 3. */
static inline int resp_state_version(const resp_state *st) {
    return st->version == 3 ? 3 : 2;
}

#endif
