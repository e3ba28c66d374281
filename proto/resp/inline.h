/* inline.h -- inline requests: one line of words with Redis's quoting rules. */
#ifndef RESP_INLINE_H
#define RESP_INLINE_H

#include <stddef.h>
#include <keel/proto.h>
#include "parse.h"

/* Parses the inline request at the start of buf (resp_parse's contract).  Resumes the newline
 * search at ps->scan.  A line longer than RESP_MAX_INLINE is an error; an empty line is
 * KEEL_PARSE_OK with argc 0. */
keel_parse_result resp_parse_inline(resp_parser *ps, const char *buf, size_t len,
                                    keel_request *req);

/* Splits one line (no newline) into words the way Redis's sdssplitargs does, appending them to
 * ps->argv from index 0.  Plain words point into line; quoted words are unescaped into
 * ps->scratch.  Returns the word count, or -1 with req->error set. */
long resp_split_inline(resp_parser *ps, const char *line, size_t n, keel_request *req);

#endif
