/* parse.c -- the RESP request parser: entry point and multibulk requests ("*2\r\n$3\r\nGET..."). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "argv.h"
#include "inline.h"
#include "parse.h"

static const char ERR_MBULK_LEN[] = "ERR Protocol error: invalid multibulk length";
static const char ERR_MBULK_BIG[] = "ERR Protocol error: too big mbulk count string";
static const char ERR_BULK_LEN[] = "ERR Protocol error: invalid bulk length";
static const char ERR_BULK_BIG[] = "ERR Protocol error: too big bulk count string";
static const char ERR_BULK_END[] = "ERR Protocol error: bulk data not followed by CRLF";
static const char ERR_NOMEM[] = "ERR Protocol error: out of memory";
static const char ERR_UNAUTH_MBULK[] = "ERR Protocol error: unauthenticated multibulk length";
static const char ERR_UNAUTH_BULK[] = "ERR Protocol error: unauthenticated bulk length";

/* The limits the core asks for on this request (ABI 1.2), within the protocol's own. */
static uint64_t max_args(const keel_request *req) {
    return KEEL_REQUEST_HAS(req, max_args) && req->max_args ? req->max_args : RESP_MAX_MULTIBULK;
}
static uint64_t max_bulk(const keel_request *req) {
    return KEEL_REQUEST_HAS(req, max_bulk) && req->max_bulk ? req->max_bulk
                                                            : (uint64_t)RESP_MAX_BULK;
}
static bool unauthenticated(const keel_request *req) {
    return KEEL_REQUEST_HAS(req, unauthenticated) && req->unauthenticated;
}

/* Header lines are searched byte by byte for this long before memchr takes over. */
#define SHORT_LINE 24

/* The smallest argument, "$0\r\n\r\n": k arguments still to come need at least k times this. */
#define MIN_ARG_BYTES 6

typedef enum line_result { LINE_OK, LINE_NEED, LINE_BAD, LINE_TOO_BIG } line_result;

static keel_parse_result fail(keel_request *req, const char *msg) {
    req->error = msg;
    return KEEL_PARSE_ERROR;
}

/* Asks for more bytes: at least `bound` from buf's start when that is more than we have. */
static keel_parse_result need(keel_request *req, size_t bound, size_t len) {
    req->need = bound > len ? bound : 0;
    return KEEL_PARSE_NEED;
}

/* Finds the "\r\n" ending the header line that starts at ps->pos, resuming the search at
 * ps->scan so a line arriving a byte at a time is searched once.  LINE_OK sets *cr to the
 * offset of its '\r'.  Like Redis, a line is too big once more than RESP_MAX_INLINE bytes
 * follow its start without a '\r'; a '\r' not followed by '\n' is LINE_BAD. */
static line_result find_line(resp_parser *ps, const char *buf, size_t len, size_t *cr) {
    size_t limit = ps->pos + RESP_MAX_INLINE + 1;
    if (limit > len) limit = len;
    if (ps->scan < limit) {
        size_t from = ps->scan, i = from,
               quick = from + SHORT_LINE < limit ? from + SHORT_LINE : limit;
        while (i < quick && buf[i] != '\r')
            i++; /* headers are short: no call for them */
        const char *p = i < quick ? buf + i : memchr(buf + i, '\r', limit - i);
        if (p) {
            ps->scan = (size_t)(p - buf);
            ps->work += ps->scan - from + 1;
            if (ps->scan + 1 >= len) return LINE_NEED;
            *cr = ps->scan;
            return buf[ps->scan + 1] == '\n' ? LINE_OK : LINE_BAD;
        }
        ps->work += limit - ps->scan;
        ps->scan = limit;
    }
    return len - ps->pos > RESP_MAX_INLINE ? LINE_TOO_BIG : LINE_NEED;
}

/* The number after the type byte of the header line [ps->pos, cr), read as Redis's string2ll
 * reads it (optional '-', then "0" or digits without a leading zero).  At most 18 digits: every
 * valid count and length has far fewer, and int64 arithmetic cannot overflow.  This is the
 * hottest loop of the parser (a SET has four headers), hence not dk_parse_int's 128-bit path. */
static bool header_number(const resp_parser *ps, const char *buf, size_t cr, int64_t *out) {
    const char *s = buf + ps->pos + 1;
    size_t n = cr - ps->pos - 1, i = n && s[0] == '-';
    if (i == n || n - i > 18 || (s[i] == '0' && (n - i > 1 || i))) return false;
    int64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) return false;
        v = v * 10 + d;
    }
    *out = s[0] == '-' ? -v : v;
    return true;
}

static keel_parse_result expected_dollar(resp_parser *ps, keel_request *req, unsigned char c) {
    if (c >= 0x20 && c < 0x7f)
        snprintf(ps->error, sizeof ps->error, "ERR Protocol error: expected '$', got '%c'", c);
    else
        snprintf(ps->error, sizeof ps->error, "ERR Protocol error: expected '$', got '\\x%02x'", c);
    return fail(req, ps->error);
}

/* Reads the "*<count>\r\n" line.  KEEL_PARSE_OK either moves to RESP_PHASE_HEADER, set up for
 * the arguments, or (a count <= 0, skipped as Redis does) is the whole, empty, request. */
static keel_parse_result read_count(resp_parser *ps, const char *buf, size_t len,
                                    keel_request *req) {
    size_t cr = 0;
    int64_t count;
    switch (find_line(ps, buf, len, &cr)) {
    case LINE_NEED:
        return need(req, 0, len);
    case LINE_TOO_BIG:
        return fail(req, ERR_MBULK_BIG);
    case LINE_BAD:
        return fail(req, ERR_MBULK_LEN);
    case LINE_OK:
        break;
    }
    if (!header_number(ps, buf, cr, &count) || count > RESP_MAX_MULTIBULK)
        return fail(req, ERR_MBULK_LEN);
    if (count > 0 && (uint64_t)count > max_args(req))
        return fail(req, unauthenticated(req) ? ERR_UNAUTH_MBULK : ERR_MBULK_LEN);
    if (count <= 0) {
        req->consumed = cr + 2;
        return KEEL_PARSE_OK;
    }
    /* Grow argv as arguments arrive, not for what a header merely announces. */
    if (!resp_argv_reserve(ps, count < RESP_ARGV_KEEP ? (size_t)count : RESP_ARGV_KEEP))
        return fail(req, ERR_NOMEM);
    ps->mb_total = (uint32_t)count;
    ps->mb_done = 0;
    ps->pos = ps->scan = cr + 2;
    ps->phase = RESP_PHASE_HEADER;
    return KEEL_PARSE_OK;
}

/* Reads the "$<len>\r\n" line of the next argument and moves to RESP_PHASE_DATA. */
static keel_parse_result read_bulk_header(resp_parser *ps, const char *buf, size_t len,
                                          keel_request *req, size_t left) {
    size_t cr = 0;
    int64_t n;
    if (ps->pos >= len) return need(req, ps->pos + left * MIN_ARG_BYTES, len);
    if (buf[ps->pos] != '$') return expected_dollar(ps, req, (unsigned char)buf[ps->pos]);
    switch (find_line(ps, buf, len, &cr)) {
    case LINE_NEED:
        return need(req, ps->pos + left * MIN_ARG_BYTES, len);
    case LINE_TOO_BIG:
        return fail(req, ERR_BULK_BIG);
    case LINE_BAD:
        return fail(req, ERR_BULK_LEN);
    case LINE_OK:
        break;
    }
    if (!header_number(ps, buf, cr, &n) || n < 0) return fail(req, ERR_BULK_LEN);
    if ((uint64_t)n > max_bulk(req))
        return fail(req, unauthenticated(req) ? ERR_UNAUTH_BULK : ERR_BULK_LEN);
    ps->bulk_len = (size_t)n;
    ps->pos = cr + 2;
    ps->phase = RESP_PHASE_DATA;
    return KEEL_PARSE_OK;
}

/* Continues a multibulk request from wherever the last call stopped. */
static keel_parse_result parse_multibulk(resp_parser *ps, const char *buf, size_t len,
                                         keel_request *req) {
    if (ps->phase == RESP_PHASE_COUNT) {
        keel_parse_result r = read_count(ps, buf, len, req);
        if (r != KEEL_PARSE_OK || ps->phase != RESP_PHASE_HEADER) return r;
    }
    while (ps->mb_done < ps->mb_total) {
        size_t left = ps->mb_total - ps->mb_done;
        if (ps->phase == RESP_PHASE_HEADER) {
            keel_parse_result r = read_bulk_header(ps, buf, len, req, left);
            if (r != KEEL_PARSE_OK) return r;
        }
        size_t end = ps->pos + ps->bulk_len;
        if (len < end + 2) return need(req, end + 2 + (left - 1) * MIN_ARG_BYTES, len);
        if (buf[end] != '\r' || buf[end + 1] != '\n') return fail(req, ERR_BULK_END);
        if (ps->mb_done == ps->argv_cap && !resp_argv_reserve(ps, (size_t)ps->mb_done + 1))
            return fail(req, ERR_NOMEM);
        /* An offset until the request is complete: the buffer may move between calls. */
        ps->argv[ps->mb_done].ptr = (const char *)(uintptr_t)ps->pos;
        ps->argv[ps->mb_done].len = ps->bulk_len;
        ps->mb_done++;
        ps->work++;
        ps->pos = ps->scan = end + 2;
        ps->phase = RESP_PHASE_HEADER;
    }
    for (uint32_t i = 0; i < ps->mb_total; i++)
        ps->argv[i].ptr = buf + (uintptr_t)ps->argv[i].ptr;
    req->argc = ps->mb_total;
    req->argv = ps->argv;
    req->consumed = ps->pos;
    return KEEL_PARSE_OK;
}

static bool is_named(const keel_request *req, const char *name, size_t n) {
    return req->argc > 0 && req->argv[0].len == n && (req->argv[0].ptr[0] | 0x20) == name[0] &&
           strncasecmp(req->argv[0].ptr, name, n) == 0; /* the first letter spares most calls */
}

/* The digits at *i up to "\r\n" (no sign, no leading zero, at most 15 of them), for parse_whole:
 * true moves *i past the CRLF.  Anything else is left to header_number's full rules. */
static bool whole_number(const char *buf, size_t len, size_t *i, uint64_t *out) {
    size_t p = *i, start = p;
    if (p + 3 < len) { /* most counts and lengths: one digit, or two without a leading zero */
        unsigned d0 = (unsigned)((unsigned char)buf[p] - '0'), d1 = (unsigned char)buf[p + 1];
        if (d0 <= 9 && d1 == '\r') {
            if (buf[p + 2] != '\n') return false;
            *out = d0;
            *i = p + 3;
            return true;
        }
        d1 -= '0';
        if (d0 - 1 < 9 && d1 <= 9 && buf[p + 2] == '\r' && buf[p + 3] == '\n') {
            *out = d0 * 10 + d1;
            *i = p + 4;
            return true;
        }
    }
    uint64_t v = 0;
    while (p < len && p - start < 15 && (unsigned)((unsigned char)buf[p] - '0') <= 9)
        v = v * 10 + (unsigned)(buf[p++] - '0');
    if (p == start || p + 1 >= len || buf[p] != '\r' || buf[p + 1] != '\n') return false;
    if (buf[start] == '0' && p - start > 1) return false;
    *out = v;
    *i = p + 2;
    return true;
}

/* A request that is already whole in buf, the common case, read in one pass with no state to
 * resume: true with req filled, or false with nothing changed but argv's capacity, for the
 * general path to read it from the start.  It takes only what that path accepts the same way:
 * well-formed headers, and counts and lengths within the limits. */
static bool parse_whole(resp_parser *ps, const char *buf, size_t len, keel_request *req) {
    size_t i = 1;
    uint64_t count;
    if (!whole_number(buf, len, &i, &count) || count == 0 || count > RESP_ARGV_KEEP ||
        count > max_args(req) || len - i < count * MIN_ARG_BYTES)
        return false;
    if (!resp_argv_reserve(ps, (size_t)count)) return false;
    uint64_t most = max_bulk(req);
    for (uint32_t a = 0; a < count; a++) {
        uint64_t n;
        if (i >= len || buf[i] != '$') return false;
        i++;
        if (!whole_number(buf, len, &i, &n) || n > most || len - i < n + 2) return false;
        if (buf[i + n] != '\r' || buf[i + n + 1] != '\n') return false;
        ps->argv[a].ptr = buf + i;
        ps->argv[a].len = (size_t)n;
        i += (size_t)n + 2;
    }
    ps->work += i + count;
    req->argc = (uint32_t)count;
    req->argv = ps->argv;
    req->consumed = i;
    return true;
}

keel_parse_result resp_parse(resp_parser *ps, const char *buf, size_t len, keel_request *req) {
    req->argc = 0;
    req->argv = NULL;
    req->consumed = 0;
    req->need = 0;
    req->tag = 0;
    req->error = NULL;
    /* A caller breaking the "same bytes, plus more" contract gets a fresh start. */
    if (ps->phase != RESP_PHASE_IDLE && (ps->pos > len || ps->scan > len))
        ps->phase = RESP_PHASE_IDLE;
    if (ps->phase == RESP_PHASE_IDLE) {
        resp_parser_trim(ps);
        if (len == 0) return KEEL_PARSE_NEED;
        ps->pos = ps->scan = 0;
        ps->mb_total = ps->mb_done = 0;
        ps->phase = buf[0] == '*' ? RESP_PHASE_COUNT : RESP_PHASE_INLINE;
    }
    keel_parse_result r;
    if (ps->phase == RESP_PHASE_INLINE)
        r = resp_parse_inline(ps, buf, len, req);
    else if (ps->phase == RESP_PHASE_COUNT && ps->pos == 0 && parse_whole(ps, buf, len, req))
        r = KEEL_PARSE_OK;
    else
        r = parse_multibulk(ps, buf, len, req);
    if (r == KEEL_PARSE_NEED) return r;
    ps->phase = RESP_PHASE_IDLE;
    if (r == KEEL_PARSE_OK) {
        req->tag = ++ps->seq << RESP_TAG_SEQ_SHIFT;
        if (is_named(req, "hello", 5))
            req->tag |= RESP_TAG_HELLO;
        else if (is_named(req, "reply.syntax", 12))
            req->tag |= RESP_TAG_SYNTAX;
        else if (is_named(req, "reset", 5))
            req->tag |= RESP_TAG_RESET;
    }
    return r;
}
