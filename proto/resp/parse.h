/* parse.h -- the RESP request parser: multibulk and inline requests into zero-copy argv. */
#ifndef RESP_PARSE_H
#define RESP_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <keel/proto.h>
#include <keel/vm.h>

/* Limits, worded and sized as Redis has them. */
#define RESP_MAX_MULTIBULK (1024 * 1024)    /* arguments in one request */
#define RESP_MAX_BULK (512ll * 1024 * 1024) /* proto-max-bulk-len */
#define RESP_MAX_INLINE (64 * 1024)         /* inline line, and '*' / '$' header lines */

/* Memory kept between requests; anything larger is freed once the request is done. */
#define RESP_ARGV_KEEP 1024    /* argv entries */
#define RESP_SCRATCH_KEEP 4096 /* bytes of unescaped inline words */

/* keel_request.tag of a parsed request: bit 0 says its command name is HELLO, bit 1 that it is
 * REPLY.SYNTAX, bit 2 that it is RESET; the bits above them are its sequence number on the
 * connection (1, 2, ...), see resp_parser_release. */
#define RESP_TAG_HELLO 1u
#define RESP_TAG_SYNTAX 2u
#define RESP_TAG_RESET 4u
#define RESP_TAG_SEQ_SHIFT 3

/* Where a request that returned KEEL_PARSE_NEED stopped. */
typedef enum resp_phase {
    RESP_PHASE_IDLE = 0, /* between requests */
    RESP_PHASE_COUNT,    /* reading the "*<count>" line */
    RESP_PHASE_HEADER,   /* reading the "$<len>" line of argument mb_done */
    RESP_PHASE_DATA,     /* waiting for the bytes of argument mb_done */
    RESP_PHASE_INLINE    /* looking for the newline ending an inline request */
} resp_phase;

/* Per-connection parser state.  All zero is a valid idle parser.  It owns argv and scratch
 * (keel_alloc memory, freed by resp_parser_free).  While a request is incomplete, argv[i].ptr
 * holds the argument's OFFSET from the start of the buffer, not a pointer, so the core may move
 * its buffer between calls; offsets become pointers when the request completes. */
typedef struct resp_parser {
    keel_arg *argv;
    uint32_t argv_cap; /* entries allocated */
    uint8_t phase;     /* resp_phase */
    uint32_t mb_total; /* arguments announced by the '*' line */
    uint32_t mb_done;  /* arguments complete so far */
    size_t pos;        /* offset of the line or bulk being read */
    size_t scan;       /* offset up to which the current line was searched for its end */
    size_t bulk_len;   /* RESP_PHASE_DATA: length of the bulk starting at pos */
    char *scratch;     /* inline requests: unescaped quoted words */
    size_t scratch_cap;
    char error[64]; /* messages built at run time ("expected '$', got 'x'") */
    uint64_t seq;   /* requests returned so far (the latest one's number) */
    uint64_t work;  /* bytes searched and arguments stored: proves linear parsing */
} resp_parser;

/* Parses at most one request from buf[0..len), the keel_proto_def.parse contract:
 * KEEL_PARSE_OK: req->argc arguments (0 for an empty line, "*0" or "*-1": just consume),
 *   req->consumed bytes used.  argv entries point into buf (multibulk, plain inline words) or
 *   into the parser's scratch (quoted inline words) and stay valid until the next call.
 * KEEL_PARSE_NEED: incomplete; req->need is a lower bound on the total bytes the request needs
 *   from buf's start (0 = unknown).  The next call must present the same bytes from the same
 *   start, plus more; the parser resumes where it stopped (no rescanning).
 * KEEL_PARSE_ERROR: req->error is the whole message ("ERR Protocol error: ..."), owned by the
 *   parser and valid until the next call.  The parser is idle again afterwards.
 * req->tag gets the request's sequence number, and RESP_TAG_HELLO for a HELLO request,
 * RESP_TAG_SYNTAX for a REPLY.SYNTAX request, RESP_TAG_RESET for a RESET request. */
keel_parse_result resp_parse(resp_parser *ps, const char *buf, size_t len, keel_request *req);

/* Frees argv and scratch when they grew past what a connection keeps between requests.
 * Only between requests (a no-op while one is incomplete); the caller must be done with the
 * previous request's argv. */
void resp_parser_trim(resp_parser *ps);

/* Called with the tag of a request whose reply is being sent: that request ran, so its argv
 * was copied.  If it is the latest request parsed, nothing the parser handed out is still in
 * use and memory a huge request left behind is trimmed now rather than at the next parse. */
void resp_parser_release(resp_parser *ps, uint64_t tag);

/* Frees everything the parser owns and makes it idle. */
void resp_parser_free(resp_parser *ps);

#endif
