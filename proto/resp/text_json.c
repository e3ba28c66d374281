/* text_json.c -- the "json" reply syntax: how each reply node is spelled in JSON. */
#include <math.h>
#include <string.h>
#include <keel/sdk.h>
#include "text_syntax.h"

static const char hex[] = "0123456789abcdef";

/* Input bytes escaped per reservation (each may take 6 output bytes). */
#define STRING_CHUNK 4096

/* A JSON string: '"', '\\' and control characters escaped; bytes that are not valid UTF-8
 * become \u00XX of their value, so the text is always valid JSON. */
static void json_string(keel_buf *b, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    text_put(b, "\"", 1);
    for (size_t i = 0; i < n;) {
        size_t stop = n - i > STRING_CHUNK ? i + STRING_CHUNK : n;
        char *w = text_room(b, 6 * (stop - i) + 8), *start = w;
        while (i < stop) {
            unsigned c = u[i];
            size_t len = c < 0x80 ? 1 : text_utf8_len(u + i, n - i);
            if (len > 1) { /* may run up to 3 bytes past stop: the reservation has room */
                memcpy(w, u + i, len);
                w += len;
                i += len;
                continue;
            }
            i++;
            if (len == 1 && c >= 0x20 && c != '"' && c != '\\') {
                *w++ = (char)c;
                continue;
            }
            *w++ = '\\';
            switch (c) {
            case '"':
                *w++ = '"';
                break;
            case '\\':
                *w++ = '\\';
                break;
            case '\n':
                *w++ = 'n';
                break;
            case '\r':
                *w++ = 'r';
                break;
            case '\t':
                *w++ = 't';
                break;
            case '\b':
                *w++ = 'b';
                break;
            case '\f':
                *w++ = 'f';
                break;
            default:
                memcpy(w, "u00", 3);
                w[3] = hex[c >> 4];
                w[4] = hex[c & 15];
                w += 5;
            }
        }
        b->len += (size_t)(w - start);
    }
    text_put(b, "\"", 1);
}

/* Numbers; infinities as 1e999 (which JSON parsers read as infinity), NaN as null. */
static void json_double(keel_buf *b, double d) {
    char t[64];
    if (isnan(d))
        text_puts(b, "null");
    else if (isinf(d))
        text_puts(b, d > 0 ? "1e999" : "-1e999");
    else
        text_put(b, t, text_double(t, sizeof t, d));
}

/* A verbatim "jsn:" reply is JSON already (STATS): embedded as it is, on one line (its line
 * breaks are all between tokens, where a space does as well). */
static void json_embed(keel_buf *b, const char *s, size_t n) {
    char *w = text_room(b, n);
    for (size_t i = 0; i < n; i++)
        w[i] = s[i] == '\n' || s[i] == '\r' ? ' ' : s[i];
    b->len += n;
}

static void json_scalar(keel_buf *b, const keel_reply *r) {
    char t[32];
    switch (r->type) {
    case KEEL_REPLY_NIL:
        text_puts(b, "null");
        break;
    case KEEL_REPLY_INT:
        text_put(b, t, text_i64(t, r->v.i));
        break;
    case KEEL_REPLY_UINT:
        text_put(b, t, text_u64(t, r->v.u));
        break;
    case KEEL_REPLY_DOUBLE:
        json_double(b, r->v.d);
        break;
    case KEEL_REPLY_BOOL:
        text_puts(b, r->v.i ? "true" : "false");
        break;
    case KEEL_REPLY_BULK:
    case KEEL_REPLY_SIMPLE:
        json_string(b, r->v.s, r->len);
        break;
    case KEEL_REPLY_ERROR:
        text_puts(b, "{\"error\":");
        if (r->len)
            json_string(b, r->v.s, r->len);
        else
            text_puts(b, "\"ERR\"");
        text_puts(b, "}");
        break;
    case KEEL_REPLY_VERBATIM:
        if (r->len >= 4 && !memcmp(r->v.s, "jsn:", 4))
            json_embed(b, r->v.s + 4, r->len - 4);
        else if (r->len >= 4 && r->v.s[3] == ':')
            json_string(b, r->v.s + 4, r->len - 4);
        else
            json_string(b, r->v.s, r->len);
        break;
    default:
        text_puts(b, "null");
    }
}

/* Object keys are strings: strings as they are, numbers, booleans and null as their JSON text in
 * quotes; errors and embedded JSON go as strings of their encoding (text.c). */
static int json_keyed(keel_buf *b, const keel_reply *r) {
    char t[64];
    size_t n;
    switch (r->type) {
    case KEEL_REPLY_BULK:
    case KEEL_REPLY_SIMPLE:
        json_string(b, r->v.s, r->len);
        return 0;
    case KEEL_REPLY_VERBATIM:
        if (r->len < 4 || r->v.s[3] != ':' || !memcmp(r->v.s, "jsn:", 4)) return -1;
        json_string(b, r->v.s + 4, r->len - 4);
        return 0;
    case KEEL_REPLY_INT:
        n = text_i64(t, r->v.i);
        break;
    case KEEL_REPLY_UINT:
        n = text_u64(t, r->v.u);
        break;
    case KEEL_REPLY_DOUBLE:
        n = isnan(r->v.d)   ? 4
            : isinf(r->v.d) ? (r->v.d > 0 ? 5 : 6)
                            : text_double(t, sizeof t, r->v.d);
        if (isnan(r->v.d))
            memcpy(t, "null", 4);
        else if (isinf(r->v.d))
            memcpy(t, r->v.d > 0 ? "1e999" : "-1e999", n);
        break;
    case KEEL_REPLY_BOOL:
        n = r->v.i ? 4 : 5;
        memcpy(t, r->v.i ? "true" : "false", n);
        break;
    case KEEL_REPLY_NIL:
        n = 4;
        memcpy(t, "null", 4);
        break;
    default:
        return -1;
    }
    json_string(b, t, n);
    return 0;
}

const text_syntax text_json = {
    .scalar = json_scalar,
    .keyed = json_keyed,
    .string = json_string,
    .open = {[TEXT_LIST] = "[", [TEXT_MAP] = "{", [TEXT_SET] = "["},
    .close = {[TEXT_LIST] = "]", [TEXT_MAP] = "}", [TEXT_SET] = "]"},
    .empty = {[TEXT_LIST] = "[]", [TEXT_MAP] = "{}", [TEXT_SET] = "[]"},
    .comma = ",",
    .colon = ":",
    .keyed_members = {[TEXT_MAP] = 1},
};
