/* parse.h -- the memcached request parser: text and meta command lines into zero-copy requests.
 *
 * One call gives at most one request (the keel_proto_def.parse contract).  A keys line
 * ("get k1 k2 ... kN") becomes N requests, one per key, so each key runs on the thread that owns
 * it; the parser remembers where the line continues between calls.  Storage commands wait for
 * their whole data block.  The parser never allocates: its state is a fixed-size struct.
 */
#ifndef MC_PARSE_H
#define MC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/proto.h>
#include <keel/vm.h>
#include "wire.h"

/* The verbs of keys lines. */
typedef enum mc_keys_verb {
    MC_KEYS_NONE = 0,
    MC_KEYS_GET,
    MC_KEYS_GETS,
    MC_KEYS_GAT,
    MC_KEYS_GATS
} mc_keys_verb;

/* Per-connection parser state.  All zero is a valid idle parser; nothing to free. */
typedef struct mc_parser {
    keel_arg argv[MC_MAX_TOKENS + 2]; /* the request being handed out */
    size_t scan;                      /* bytes already searched for the line's newline */
    size_t swallow;                   /* bytes of a refused data block still to skip */
    /* a keys line being handed out key by key (keys_verb != MC_KEYS_NONE): */
    uint8_t keys_verb; /* mc_keys_verb */
    size_t keys_end;   /* offset of the line's end (its CR or LF) from buf */
    size_t keys_eol;   /* bytes of the line terminator: 1 (LF) or 2 (CRLF) */
    char exptime[24];  /* gat / gats: the exptime token */
    uint8_t exptime_len;
    char key[MC_KEY_MAX + 1]; /* a meta command's base64-decoded key */
    uint64_t work;            /* bytes examined: shows that parsing stays linear */
    uint64_t item_max;        /* largest value a store may carry (0: MC_ITEM_SIZE_MAX) */
} mc_parser;

/* The largest value a storage command on this parser may carry. */
static inline uint64_t mc_parser_item_max(const mc_parser *ps) {
    return ps->item_max ? ps->item_max : MC_ITEM_SIZE_MAX;
}

/* Parses at most one request from buf[0..len):
 * KEEL_PARSE_OK: req->argc arguments (0: just consume req->consumed bytes), req->tag says how
 *   to encode the reply (tag.h).  argv entries point into buf or into the parser and stay valid
 *   until the next call.
 * KEEL_PARSE_NEED: incomplete; req->need is the total bytes needed from buf's start when known
 *   (a data block), else 0.  The next call must present the same bytes plus more.
 * KEEL_PARSE_ERROR: req->error is the line to send before the connection closes (an over-long
 *   line, a data block not ending in CRLF).
 * KEEL_PARSE_CLOSE: "quit".
 * Bad commands that do not break the framing become requests whose reply is a fixed error line
 * (MC_KIND_MSG), as memcached answers them. */
keel_parse_result mc_parse(mc_parser *ps, const char *buf, size_t len, keel_request *req);

/* True between requests: no keys line or data block is half-way through. */
static inline bool mc_parser_idle(const mc_parser *ps) {
    return ps->keys_verb == MC_KEYS_NONE && ps->swallow == 0 && ps->scan == 0;
}

#endif
