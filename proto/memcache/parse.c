/* parse.c -- the parser's entry point: framing (lines, data blocks, skipped blocks), tokens, and
 * handing requests out. */
#include <string.h>
#include "parse_int.h"

/* The verb of the line at buf[0..n): where it starts and how long it is (0 if none yet). */
static size_t verb_at(const char *buf, size_t n, size_t *start) {
    size_t i = 0;
    while (i < n && buf[i] == ' ')
        i++;
    size_t j = i;
    while (j < n && buf[j] != ' ' && buf[j] != '\n' && buf[j] != '\r')
        j++;
    *start = i;
    return j - i;
}

static mc_keys_verb keys_verb(const char *v, size_t n) {
    if (n == 3 && !memcmp(v, "get", 3)) return MC_KEYS_GET;
    if (n == 4 && !memcmp(v, "gets", 4)) return MC_KEYS_GETS;
    if (n == 3 && !memcmp(v, "gat", 3)) return MC_KEYS_GAT;
    if (n == 4 && !memcmp(v, "gats", 4)) return MC_KEYS_GATS;
    return MC_KEYS_NONE;
}

void mc_tokenize(mc_cmdline *cl, size_t from) {
    const char *b = cl->buf;
    size_t i = from, end = cl->end;
    for (;;) {
        while (i < end && b[i] == ' ')
            i++;
        if (i == end) return;
        size_t j = i;
        while (j < end && b[j] != ' ')
            j++;
        if (cl->ntok == MC_MAX_TOKENS) {
            cl->more = true;
            return;
        }
        cl->tok[cl->ntok].ptr = b + i;
        cl->tok[cl->ntok].len = j - i;
        cl->ntok++;
        i = j;
    }
}

keel_parse_result mc_emit_msg(mc_parser *ps, keel_request *req, mc_msg msg, size_t consumed,
                              unsigned bits) {
    (void)ps;
    return mc_emit_reply(req, consumed, mc_tag_msg(msg, bits));
}

keel_parse_result mc_data_block(const mc_cmdline *cl, uint64_t vlen, keel_request *req,
                                keel_arg *data) {
    size_t total = cl->next + (size_t)vlen + 2;
    if (cl->len < total) {
        req->need = total;
        return KEEL_PARSE_NEED;
    }
    if (cl->buf[total - 2] != '\r' || cl->buf[total - 1] != '\n') {
        req->error = MC_ERR_BAD_CHUNK;
        return KEEL_PARSE_ERROR;
    }
    data->ptr = cl->buf + cl->next;
    data->len = (size_t)vlen;
    return KEEL_PARSE_OK;
}

/* Skips what is left of a refused data block. */
static keel_parse_result swallow(mc_parser *ps, size_t len, keel_request *req) {
    size_t n = len < ps->swallow ? len : ps->swallow;
    ps->swallow -= n;
    req->consumed = n;
    if (n == 0) return KEEL_PARSE_NEED;
    return KEEL_PARSE_OK;
}

/* Looks for the newline ending the line at buf's start, resuming at ps->scan.  Returns its
 * offset, or len when there is none yet (after checking the line may still grow). */
static size_t find_newline(mc_parser *ps, const char *buf, size_t len, bool *too_long) {
    size_t from = ps->scan < len ? ps->scan : 0;
    size_t limit = len < MC_KEYS_LINE_MAX + 1 ? len : MC_KEYS_LINE_MAX + 1;
    const char *nl = from < limit ? memchr(buf + from, '\n', limit - from) : NULL;
    size_t at = nl ? (size_t)(nl - buf) : limit;
    ps->work += at - from + (nl != NULL);
    size_t line = at; /* bytes before the newline (or all we have) */
    *too_long = false;
    if (line > MC_LINE_MAX) {
        size_t vs;
        size_t vn = verb_at(buf, line, &vs);
        bool keys = vs < MC_KEYS_INDENT_MAX && keys_verb(buf + vs, vn) != MC_KEYS_NONE;
        *too_long = !keys || line > MC_KEYS_LINE_MAX;
    }
    if (!nl) {
        ps->scan = limit;
        return len;
    }
    ps->scan = 0;
    return at;
}

keel_parse_result mc_parse(mc_parser *ps, const char *buf, size_t len, keel_request *req) {
    req->argc = 0;
    req->argv = NULL;
    req->consumed = 0;
    req->need = 0;
    req->tag = 0;
    req->error = NULL;
    if (ps->swallow) return swallow(ps, len, req);
    if (ps->keys_verb != MC_KEYS_NONE) {
        if (ps->keys_end + ps->keys_eol > len) { /* the caller broke the contract */
            ps->keys_verb = MC_KEYS_NONE;
            req->error = MC_ERR_LINE_TOO_LONG;
            return KEEL_PARSE_ERROR;
        }
        return mc_next_key(ps, buf, 0, req);
    }
    if (len == 0) return KEEL_PARSE_NEED;
    bool too_long;
    size_t nl = find_newline(ps, buf, len, &too_long);
    if (too_long) {
        ps->scan = 0;
        req->error = MC_ERR_LINE_TOO_LONG;
        return KEEL_PARSE_ERROR;
    }
    if (nl == len) return KEEL_PARSE_NEED;

    mc_cmdline cl;
    cl.buf = buf;
    cl.len = len;
    cl.next = nl + 1;
    cl.end = nl > 0 && buf[nl - 1] == '\r' ? nl - 1 : nl;
    cl.ntok = 0;
    cl.more = false;
    size_t vs;
    size_t vn = verb_at(buf, cl.end, &vs);
    if (vn == 0) return mc_emit_msg(ps, req, MC_MSG_ERROR, cl.next, 0); /* an empty line */
    mc_keys_verb kv = keys_verb(buf + vs, vn);
    if (kv != MC_KEYS_NONE) return mc_parse_keys_line(ps, &cl, kv, vs + vn, req);
    mc_tokenize(&cl, vs);
    if (vn == 2 && buf[vs] == 'm') return mc_parse_meta(ps, &cl, req);
    return mc_parse_text(ps, &cl, req);
}
