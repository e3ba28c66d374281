/* argv.h -- the parser's argument vector: grown on demand, bounded, shrunk between requests. */
#ifndef RESP_ARGV_H
#define RESP_ARGV_H

#include <stdbool.h>
#include <stddef.h>
#include "parse.h"

/* Makes room for at least n entries in ps->argv, growing geometrically (never more than
 * RESP_MAX_MULTIBULK entries).  Existing entries are kept.  Returns false when out of memory
 * (argv unchanged). */
bool resp_argv_reserve(resp_parser *ps, size_t n);

/* Makes room for at least n bytes in ps->scratch; its contents are NOT kept (call it before
 * any argv entry points into scratch).  Returns false when out of memory. */
bool resp_scratch_reserve(resp_parser *ps, size_t n);

#endif
