/* trim.h -- XADD's and XTRIM's options (MAXLEN/MINID with = or ~, LIMIT; XADD's NOMKSTREAM and
 * ID) and trimming a stream from its oldest end, a slice at a time. */
#ifndef KEEL_STREAMS_TRIM_H
#define KEEL_STREAMS_TRIM_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/sdk.h>

#include "sobj.h"

enum { XS_TRIM_NONE = 0, XS_TRIM_MAXLEN, XS_TRIM_MINID };

typedef struct xs_trim_args {
    int strategy;
    bool approx; /* ~: only whole chunks go */
    int64_t maxlen;
    dk_sid minid;
    int64_t limit;   /* entries removed at most (0: no limit) */
    bool nomkstream; /* XADD only */
    bool id_given, seq_given;
    dk_sid id;
} xs_trim_args;

/* Parses argv[2..] as Redis's streamParseAddOrTrimArgsOrReply (xadd: XADD's form, which stops at
 * the ID); returns the argv index where it stopped (XADD: the ID's), or -1 after replying the
 * error. */
int xs_trim_parse(keel_proc *p, bool xadd, xs_trim_args *a);

/* Trims s as Redis's streamTrim, adding the entries removed to *deleted (a register's count,
 * kept across calls); true when done, false when the budget ran out first (yield, call again).
 * Updates the recorded first ID when done. */
bool xs_trim_run(keel_proc *p, xs_stream *s, const xs_trim_args *a, int64_t *deleted);

#endif
