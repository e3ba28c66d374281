/* text_python.c -- the "python" reply syntax: each reply node as a Python literal
 * (ast.literal_eval reads every line, except a NaN, written float('nan')). */
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <keel/sdk.h>
#include "text_syntax.h"

/* Input bytes escaped per reservation (each may take 4 output bytes). */
#define STRING_CHUNK 4096

static const char hex[] = "0123456789abcdef";

static bool all_utf8(const unsigned char *u, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t len = text_utf8_len(u + i, n - i);
        if (!len) return false;
        i += len;
    }
    return true;
}

/* A str literal when s is valid UTF-8 (non-ASCII characters as they are), else a bytes literal
 * b'...'; quoted as Python's repr quotes (double quotes when the text has a ' and no "),
 * backslashes, the quote and control characters escaped. */
static void py_string(keel_buf *b, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    bool text = all_utf8(u, n);
    char q = n && memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
    char open[3] = {'b', q, 0};
    text_puts(b, text ? open + 1 : open);
    for (size_t i = 0; i < n;) {
        size_t stop = n - i > STRING_CHUNK ? i + STRING_CHUNK : n;
        char *w = text_room(b, 4 * (stop - i) + 8), *start = w;
        for (; i < stop; i++) {
            unsigned c = u[i];
            if ((c >= 0x20 && c < 0x7f && c != (unsigned)q && c != '\\') || (text && c >= 0x80)) {
                *w++ = (char)c;
                continue;
            }
            *w++ = '\\';
            switch (c) {
            case '\'':
                *w++ = '\'';
                break;
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
            default:
                *w++ = 'x';
                *w++ = hex[c >> 4];
                *w++ = hex[c & 15];
            }
        }
        b->len += (size_t)(w - start);
    }
    text_put(b, &q, 1);
}

/* Floats always look like floats ("3.0"); infinities are 1e999 (a literal), NaN has none. */
static void py_double(keel_buf *b, double d) {
    char t[64];
    if (isnan(d)) {
        text_puts(b, "float('nan')");
        return;
    }
    if (isinf(d)) {
        text_puts(b, d > 0 ? "1e999" : "-1e999");
        return;
    }
    size_t n = text_double(t, sizeof t - 2, d);
    text_put(b, t, n);
    if (!memchr(t, '.', n) && !memchr(t, 'e', n)) text_puts(b, ".0");
}

/* A verbatim "jsn:" reply (STATS) becomes the equivalent Python literal: outside strings, true,
 * false and null are respelled and line breaks dropped; JSON strings are Python strings. */
static void py_from_json(keel_buf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        if (s[i] == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"')
                j += s[j] == '\\' ? 2 : 1;
            j = j < n ? j + 1 : n;
            text_put(b, s + i, j - i);
            i = j;
        } else if (n - i >= 4 && !memcmp(s + i, "true", 4)) {
            text_puts(b, "True");
            i += 4;
        } else if (n - i >= 5 && !memcmp(s + i, "false", 5)) {
            text_puts(b, "False");
            i += 5;
        } else if (n - i >= 4 && !memcmp(s + i, "null", 4)) {
            text_puts(b, "None");
            i += 4;
        } else {
            text_put(b, s[i] == '\n' || s[i] == '\r' ? " " : s + i, 1);
            i++;
        }
    }
}

static void py_scalar(keel_buf *b, const keel_reply *r) {
    char t[32];
    switch (r->type) {
    case KEEL_REPLY_NIL:
        text_puts(b, "None");
        break;
    case KEEL_REPLY_INT:
        text_put(b, t, text_i64(t, r->v.i));
        break;
    case KEEL_REPLY_UINT:
        text_put(b, t, text_u64(t, r->v.u));
        break;
    case KEEL_REPLY_DOUBLE:
        py_double(b, r->v.d);
        break;
    case KEEL_REPLY_BOOL:
        text_puts(b, r->v.i ? "True" : "False");
        break;
    case KEEL_REPLY_BULK:
    case KEEL_REPLY_SIMPLE:
        py_string(b, r->v.s, r->len);
        break;
    case KEEL_REPLY_ERROR:
        text_puts(b, "{'error': ");
        if (r->len)
            py_string(b, r->v.s, r->len);
        else
            text_puts(b, "'ERR'");
        text_puts(b, "}");
        break;
    case KEEL_REPLY_VERBATIM:
        if (r->len >= 4 && !memcmp(r->v.s, "jsn:", 4))
            py_from_json(b, r->v.s + 4, r->len - 4);
        else if (r->len >= 4 && r->v.s[3] == ':')
            py_string(b, r->v.s + 4, r->len - 4);
        else
            py_string(b, r->v.s, r->len);
        break;
    default:
        text_puts(b, "None");
    }
}

/* Dict keys and set members must be hashable: every scalar is, but an error (a dict) and a
 * "jsn" verbatim (a dict) are not. */
static int py_keyed(keel_buf *b, const keel_reply *r) {
    if (r->type == KEEL_REPLY_ERROR ||
        (r->type == KEEL_REPLY_VERBATIM && r->len >= 4 && !memcmp(r->v.s, "jsn:", 4)))
        return -1;
    py_scalar(b, r);
    return 0;
}

const text_syntax text_python = {
    .scalar = py_scalar,
    .keyed = py_keyed,
    .string = py_string,
    .open = {[TEXT_LIST] = "[", [TEXT_MAP] = "{", [TEXT_SET] = "{"},
    .close = {[TEXT_LIST] = "]", [TEXT_MAP] = "}", [TEXT_SET] = "}"},
    .empty = {[TEXT_LIST] = "[]", [TEXT_MAP] = "{}", [TEXT_SET] = "set()"},
    .comma = ", ",
    .colon = ": ",
    .keyed_members = {[TEXT_MAP] = 1, [TEXT_SET] = 1},
};
