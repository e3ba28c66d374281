/* parse_int.h -- what the parser's files share: the current command line, its tokens, and
 * helpers that hand out requests.  Internal to parse.c, parse_text.c and parse_meta.c. */
#ifndef MC_PARSE_INT_H
#define MC_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <keel/proto.h>
#include "parse.h"
#include "tag.h"

/* One complete command line at the start of the buffer. */
typedef struct mc_cmdline {
    const char *buf; /* the whole buffer the parser was given */
    size_t len;      /* its length */
    size_t end;      /* offset of the line's end (its CR or LF) */
    size_t next;     /* offset just past the newline: where the next request starts */
    keel_arg tok[MC_MAX_TOKENS];
    int ntok;  /* tokens kept (the verb included) */
    bool more; /* the line has more than MC_MAX_TOKENS tokens */
} mc_cmdline;

/* True when tok equals the NUL-terminated word w. */
static inline bool mc_tok_is(const keel_arg *tok, const char *w, size_t n) {
    return tok->len == n && memcmp(tok->ptr, w, n) == 0;
}
#define MC_TOK_IS(tok, lit) mc_tok_is((tok), (lit), sizeof(lit) - 1)

/* True when a key is 1..MC_KEY_MAX bytes with no control character, space or DEL. */
static inline bool mc_key_ok(const char *k, size_t n) {
    if (n == 0 || n > MC_KEY_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        if (c <= ' ' || c == 0x7f) return false;
    }
    return true;
}

/* Splits line [from, end) into space-separated tokens after the ones already in cl->tok. */
void mc_tokenize(mc_cmdline *cl, size_t from);

/* Hands out a request: argv[0] = the command name, argv[1..argc) already filled in ps->argv. */
static inline keel_parse_result mc_emit(mc_parser *ps, keel_request *req, const char *cmd,
                                        uint32_t argc, size_t consumed, uint64_t tag) {
    ps->argv[0].ptr = cmd;
    ps->argv[0].len = strlen(cmd);
    req->argc = argc;
    req->argv = ps->argv;
    req->consumed = consumed;
    req->tag = tag;
    return KEEL_PARSE_OK;
}

/* Hands out a reply-only request (keel_request.reply_only, ABI 1.6: the module's descriptor asks
 * for that minor, so the core's request has the field): no command runs, and the encoder writes
 * the line tag names. */
static inline keel_parse_result mc_emit_reply(keel_request *req, size_t consumed, uint64_t tag) {
    req->argc = 0;
    req->argv = NULL;
    req->consumed = consumed;
    req->tag = tag;
    req->reply_only = true;
    return KEEL_PARSE_OK;
}

/* Hands out a request whose reply is the fixed line msg (after consuming `consumed` bytes). */
keel_parse_result mc_emit_msg(mc_parser *ps, keel_request *req, mc_msg msg, size_t consumed,
                              unsigned bits);

/* Hands out the data block of a storage command whose line ends at cl->next: KEEL_PARSE_NEED
 * until all vlen bytes and their CRLF are there, KEEL_PARSE_ERROR when the CRLF is missing,
 * else KEEL_PARSE_OK with *data set (the request is not filled in yet). */
keel_parse_result mc_data_block(const mc_cmdline *cl, uint64_t vlen, keel_request *req,
                                keel_arg *data);

/* Classic text commands (parse_text.c). */
keel_parse_result mc_parse_text(mc_parser *ps, mc_cmdline *cl, keel_request *req);
/* Starts a keys line (get gets gat gats) found at the start of the buffer. */
keel_parse_result mc_parse_keys_line(mc_parser *ps, mc_cmdline *cl, mc_keys_verb verb,
                                     size_t after_verb, keel_request *req);
/* Hands out the next key of the keys line in progress, whose keys start at offset `from`. */
keel_parse_result mc_next_key(mc_parser *ps, const char *buf, size_t from, keel_request *req);

/* Meta commands (parse_meta.c); cl holds the tokens of a line whose verb is two letters
 * starting with 'm'.  Returns KEEL_PARSE_OK with a request, or a message request. */
keel_parse_result mc_parse_meta(mc_parser *ps, mc_cmdline *cl, keel_request *req);

#endif
