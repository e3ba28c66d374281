/* state.h -- a RESP connection's state: its parser, RESP version and reply syntax. */
#ifndef RESP_STATE_H
#define RESP_STATE_H

#include <stdint.h>
#include "parse.h"

/* How replies are written: chosen per network ("reply_syntax") and per connection
 * (REPLY.SYNTAX); each has an encoder in protocol.c's table. */
typedef enum resp_syntax {
    RESP_SYNTAX_RESP = 0, /* RESP2 or RESP3, by version */
    RESP_SYNTAX_JSON,     /* one JSON value per line (text.h) */
    RESP_SYNTAX_PYTHON,   /* one Python literal per line (text.h) */
    RESP_SYNTAX_COUNT
} resp_syntax;

/* The syntax called name ("resp", "json", "python", any case), or -1. */
int resp_syntax_parse(const char *name, size_t len);
/* The name of a syntax ("resp" for an unknown one). */
const char *resp_syntax_name(int syntax);

/* The per-connection state the core allocates (zeroed) for the "resp" protocol.  All zero is a
 * valid RESP2 connection. */
typedef struct resp_state {
    resp_parser parser;
    uint8_t version;       /* RESP version replies are being encoded in: 2 or 3 (0 = 2) */
    uint8_t hello_version; /* version asked by the latest HELLO run (0 = none); becomes
                              `version` when that HELLO's reply is encoded */
    uint8_t syntax;        /* resp_syntax replies are being encoded in; a REPLY.SYNTAX reply
                              switches it at that reply, as HELLO does the version */
    uint8_t syntax_asked;  /* 1 + the syntax the latest REPLY.SYNTAX run asked for (0 = none);
                              what a later REPLY.SYNTAX without argument reports */
} resp_state;

/* The RESP version replies are encoded in now: 2 or 3. */
static inline int resp_state_version(const resp_state *st) {
    return st->version == 3 ? 3 : 2;
}

#endif
