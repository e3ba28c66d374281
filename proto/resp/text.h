/* text.h -- reply trees as text values, one per line: JSON, or Python literals.  These are the
 * "json" and "python" reply syntaxes a RESP network or connection may choose instead of RESP.
 *
 * Every top-level reply is written as one value followed by "\n"; no value contains a raw
 * newline (strings escape theirs), so a client reads replies line by line.  Arrays, pushes and
 * (JSON) sets are lists; maps are objects / dicts; (Python) sets are set literals; nil is
 * null / None; errors are {"error": "ERR ..."}; bulk strings that are not valid UTF-8 are
 * written byte by byte (JSON: \u00XX per byte; Python: a bytes literal). */
#ifndef RESP_TEXT_H
#define RESP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <keel/reply.h>

typedef enum text_dialect { TEXT_JSON = 0, TEXT_PYTHON } text_dialect;

/* Appends reply tree r (NULL = nil) as one line.  Iterative: any depth or width is fine.  The
 * tree is only read; the output is always a well-formed value (an aggregate announcing more
 * children than it has gets nils, extra children are dropped). */
void text_encode(const keel_reply *r, text_dialect d, keel_buf *out);

/* The same in steps of about budget nodes: *walk starts NULL and holds the walk between calls;
 * true when the line is complete (the walk is freed).  text_encode_abort frees an unfinished
 * walk. */
typedef struct text_walk text_walk;
bool text_encode_step(const keel_reply *r, text_dialect d, keel_buf *out, text_walk **walk,
                      size_t budget);
void text_encode_abort(text_walk *walk);

#endif
