/* text_syntax.h -- what a text reply syntax (JSON, Python) supplies to the tree walk in text.c:
 * how scalars, keys and brackets are spelled.  Internal to the text encoders. */
#ifndef RESP_TEXT_SYNTAX_H
#define RESP_TEXT_SYNTAX_H

#include <stddef.h>
#include <stdint.h>
#include <keel/reply.h>

/* Brackets of an aggregate kind. */
enum text_kind { TEXT_LIST = 0, TEXT_MAP, TEXT_SET, TEXT_KINDS };

typedef struct text_syntax {
    /* Writes a scalar node (every type but the aggregates). */
    void (*scalar)(keel_buf *b, const keel_reply *r);
    /* Writes a scalar where only some types may stand (a JSON object key, a Python set element
     * or dict key); returns 0 when it wrote it, or -1 when the value must be given as a string
     * of its own encoding (written by text.c with `string`). */
    int (*keyed)(keel_buf *b, const keel_reply *r);
    /* Writes bytes as a string value. */
    void (*string)(keel_buf *b, const char *s, size_t n);
    const char *open[TEXT_KINDS], *close[TEXT_KINDS];
    const char *empty[TEXT_KINDS]; /* an empty aggregate of that kind */
    const char *comma, *colon;
    /* Python sets and JSON objects need scalar members: aggregates there go as strings. */
    unsigned char keyed_members[TEXT_KINDS];
} text_syntax;

extern const text_syntax text_json;
extern const text_syntax text_python;

/* Appending to a keel_buf. */
char *text_room(keel_buf *b, size_t n);
void text_put(keel_buf *b, const char *s, size_t n);
void text_puts(keel_buf *b, const char *s);

/* Length of the valid UTF-8 sequence starting s[0] (1..4), or 0 when it is not valid UTF-8
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
size_t text_utf8_len(const unsigned char *s, size_t n);
/* Numbers as text: decimal integers; shortest round-trip reals ("inf", "-inf", "nan" for the
 * ones without digits).  Returns the length written into out (64 bytes are plenty). */
size_t text_i64(char *out, int64_t v);
size_t text_u64(char *out, uint64_t v);
size_t text_double(char *out, size_t cap, double d);

#endif
