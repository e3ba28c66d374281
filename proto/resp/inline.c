/* inline.c -- inline requests ("SET k v\r\n"): the newline search and Redis's word splitting. */
#include <stdbool.h>
#include <string.h>
#include "argv.h"
#include "inline.h"

static const char ERR_TOO_BIG[] = "ERR Protocol error: too big inline request";
static const char ERR_QUOTES[] = "ERR Protocol error: unbalanced quotes in request";
static const char ERR_NOMEM[] = "ERR Protocol error: out of memory";

#define NO_WORD ((size_t)-1)

/* The byte at i, or 0 past the end: a line reads like the C string Redis splits (a NUL byte
 * ends it, as it ends Redis's). */
static inline unsigned char at(const char *s, size_t n, size_t i) {
    return i < n ? (unsigned char)s[i] : 0;
}

/* isspace() in the C locale. */
static inline bool is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Bytes that end an unquoted word (a quote starts a quoted part of the same word instead). */
static inline bool ends_plain(unsigned char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0;
}

static inline int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static inline char escaped(unsigned char c) {
    switch (c) {
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'b':
        return '\b';
    case 'a':
        return '\a';
    default:
        return (char)c;
    }
}

/* Unescapes the word starting at s[i] (plain parts, "double" and 'single' quoted parts) into
 * out.  Returns the index just past the word and sets *olen, or NO_WORD when a quote is
 * unbalanced or a closing quote is followed by something other than a space. */
static size_t unquote_word(const char *s, size_t n, size_t i, char *out, size_t *olen) {
    enum { PLAIN, DOUBLE, SINGLE } mode = PLAIN;
    size_t o = 0;
    for (;;) {
        unsigned char c = at(s, n, i);
        if (mode == DOUBLE) {
            int hi, lo;
            if (c == '\\' && at(s, n, i + 1) == 'x' && (hi = hex_value(at(s, n, i + 2))) >= 0 &&
                (lo = hex_value(at(s, n, i + 3))) >= 0) {
                out[o++] = (char)(hi * 16 + lo);
                i += 4;
            } else if (c == '\\' && at(s, n, i + 1)) {
                out[o++] = escaped(at(s, n, i + 1));
                i += 2;
            } else if (c == '"') {
                if (at(s, n, i + 1) && !is_space(at(s, n, i + 1))) return NO_WORD;
                *olen = o;
                return i + 1;
            } else if (!c) {
                return NO_WORD;
            } else {
                out[o++] = (char)c;
                i++;
            }
        } else if (mode == SINGLE) {
            if (c == '\\' && at(s, n, i + 1) == '\'') {
                out[o++] = '\'';
                i += 2;
            } else if (c == '\'') {
                if (at(s, n, i + 1) && !is_space(at(s, n, i + 1))) return NO_WORD;
                *olen = o;
                return i + 1;
            } else if (!c) {
                return NO_WORD;
            } else {
                out[o++] = (char)c;
                i++;
            }
        } else {
            if (ends_plain(c)) {
                *olen = o;
                return i;
            }
            if (c == '"')
                mode = DOUBLE;
            else if (c == '\'')
                mode = SINGLE;
            else
                out[o++] = (char)c;
            i++;
        }
    }
}

long resp_split_inline(resp_parser *ps, const char *line, size_t n, keel_request *req) {
    char *sp = NULL; /* next free byte of scratch, once a quoted word needed it */
    size_t i = 0;
    long argc = 0;
    for (;;) {
        while (at(line, n, i) && is_space(at(line, n, i)))
            i++;
        if (!at(line, n, i)) break;
        size_t j = i;
        while (!ends_plain(at(line, n, j)) && line[j] != '"' && line[j] != '\'')
            j++;
        const char *word;
        size_t wlen;
        if (ends_plain(at(line, n, j))) {
            word = line + i; /* zero-copy */
            wlen = j - i;
            i = j;
        } else {
            /* Unescaped words never outgrow the line, so n bytes hold them all. */
            if (!sp) {
                if (!resp_scratch_reserve(ps, n)) goto nomem;
                sp = ps->scratch;
            }
            size_t next = unquote_word(line, n, i, sp, &wlen);
            if (next == NO_WORD) {
                req->error = ERR_QUOTES;
                return -1;
            }
            word = sp;
            sp += wlen;
            i = next;
        }
        if ((size_t)argc == ps->argv_cap && !resp_argv_reserve(ps, (size_t)argc + 1)) goto nomem;
        ps->argv[argc].ptr = word;
        ps->argv[argc].len = wlen;
        argc++;
        ps->work++;
    }
    return argc;
nomem:
    req->error = ERR_NOMEM;
    return -1;
}

keel_parse_result resp_parse_inline(resp_parser *ps, const char *buf, size_t len,
                                    keel_request *req) {
    /* The newline may sit at most RESP_MAX_INLINE bytes in, whatever the segmentation. */
    size_t limit = len < RESP_MAX_INLINE + 1 ? len : RESP_MAX_INLINE + 1;
    const char *nl = NULL;
    if (ps->scan < limit) {
        nl = memchr(buf + ps->scan, '\n', limit - ps->scan);
        ps->work += limit - ps->scan;
    }
    if (!nl) {
        if (len > RESP_MAX_INLINE) {
            req->error = ERR_TOO_BIG;
            return KEEL_PARSE_ERROR;
        }
        ps->scan = limit;
        req->need = 0;
        return KEEL_PARSE_NEED;
    }
    size_t end = (size_t)(nl - buf);
    size_t n = end > 0 && buf[end - 1] == '\r' ? end - 1 : end;
    long argc = resp_split_inline(ps, buf, n, req);
    if (argc < 0) return KEEL_PARSE_ERROR;
    req->argc = (uint32_t)argc;
    req->argv = argc ? ps->argv : NULL;
    req->consumed = end + 1;
    return KEEL_PARSE_OK;
}
