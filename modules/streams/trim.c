/* trim.c -- trimming options and trimming streams from the oldest entries (as Redis's
 * streamTrim: whole chunks while they fit the rule, then, unless approximate, single entries). */
#include "trim.h"

#include <string.h>

/* Redis's default LIMIT for ~: 100 * stream-node-max-entries. */
#define APPROX_LIMIT (100 * DK_STREAM_CHUNK_ENTRIES)

static bool is_word(const keel_arg *a, char c) {
    return a->len == 1 && a->ptr[0] == c;
}

/* MAXLEN|MINID [=|~] threshold at argv[i]; returns the index of the threshold or -1. */
static int parse_strategy(keel_proc *p, int i, int strategy, xs_trim_args *a) {
    int moreargs = (int)p->argc - 1 - i;
    if (a->strategy != XS_TRIM_NONE) {
        xs_error(p, "ERR syntax error, MAXLEN and MINID options at the same time are not "
                    "compatible");
        return -1;
    }
    a->approx = false;
    const keel_arg *next = &p->argv[i + 1];
    if (moreargs >= 2 && is_word(next, '~')) {
        a->approx = true;
        i++;
    } else if (moreargs >= 2 && is_word(next, '=')) {
        i++;
    }
    if (strategy == XS_TRIM_MAXLEN) {
        if (!xs_arg_int(p, &p->argv[i + 1], &a->maxlen)) return -1;
        if (a->maxlen < 0) {
            xs_error(p, "ERR The MAXLEN argument must be >= 0.");
            return -1;
        }
    } else if (!xs_parse_id(p, &p->argv[i + 1], true, 0, &a->minid, NULL)) {
        return -1;
    }
    a->strategy = strategy;
    return i + 1;
}

int xs_trim_parse(keel_proc *p, bool xadd, xs_trim_args *a) {
    memset(a, 0, sizeof *a);
    bool limit_given = false;
    int i = 2;
    for (; i < (int)p->argc; i++) {
        int moreargs = (int)p->argc - 1 - i;
        const keel_arg *opt = &p->argv[i];
        if (xadd && is_word(opt, '*')) {
            break;
        } else if (keel_arg_is(opt, "MAXLEN") && moreargs) {
            if ((i = parse_strategy(p, i, XS_TRIM_MAXLEN, a)) < 0) return -1;
        } else if (keel_arg_is(opt, "MINID") && moreargs) {
            if ((i = parse_strategy(p, i, XS_TRIM_MINID, a)) < 0) return -1;
        } else if (keel_arg_is(opt, "LIMIT") && moreargs) {
            if (!xs_arg_int(p, &p->argv[i + 1], &a->limit)) return -1;
            if (a->limit < 0) {
                xs_error(p, "ERR The LIMIT argument must be >= 0.");
                return -1;
            }
            limit_given = true;
            i++;
        } else if (xadd && keel_arg_is(opt, "NOMKSTREAM")) {
            a->nomkstream = true;
        } else if (xadd) {
            if (!xs_parse_id(p, opt, true, 0, &a->id, &a->seq_given)) return -1;
            a->id_given = true;
            break;
        } else {
            xs_syntax(p);
            return -1;
        }
    }
    if (a->limit && a->strategy == XS_TRIM_NONE) {
        xs_error(p, "ERR syntax error, LIMIT cannot be used without specifying a trimming "
                    "strategy");
        return -1;
    }
    if (!xadd && a->strategy == XS_TRIM_NONE) {
        xs_error(p, "ERR syntax error, XTRIM must be called with a trimming strategy");
        return -1;
    }
    if (limit_given) {
        if (!a->approx) {
            xs_error(p, "ERR syntax error, LIMIT cannot be used without the special ~ option");
            return -1;
        }
    } else {
        a->limit = a->approx ? APPROX_LIMIT : 0;
    }
    return i;
}

/* Whether the rule keeps the first live entry (id) and everything after it. */
static bool entry_stays(const xs_stream *s, const xs_trim_args *a, dk_sid id) {
    if (a->strategy == XS_TRIM_MAXLEN) return dk_stream_len(s->log) <= (uint64_t)a->maxlen;
    return dk_sid_cmp(id, a->minid) >= 0;
}

bool xs_trim_run(keel_proc *p, xs_stream *s, const xs_trim_args *a, int64_t *deleted) {
    uint64_t live;
    dk_sid last, id;
    while (dk_stream_front(s->log, &live, &last)) {
        uint64_t len = dk_stream_len(s->log);
        if (a->strategy == XS_TRIM_MAXLEN && len <= (uint64_t)a->maxlen) break;
        if (a->limit && (uint64_t)*deleted + live > (uint64_t)a->limit) break;
        bool whole = a->strategy == XS_TRIM_MAXLEN ? len - live >= (uint64_t)a->maxlen
                                                   : dk_sid_cmp(last, a->minid) < 0;
        if (whole) {
            *deleted += (int64_t)dk_stream_drop_front(s->log);
            if (keel_charge(p, XS_COST_CHUNK)) return false;
            continue;
        }
        if (a->approx) break;
        /* the rule ends inside this chunk: single entries, then stop */
        while (dk_stream_first(s->log, &id) && !entry_stays(s, a, id)) {
            dk_stream_del_first(s->log, &id);
            (*deleted)++;
            if (keel_charge(p, XS_COST_ENTRY)) return false;
        }
        break;
    }
    s->first_id = xs_first_live(s);
    return true;
}
