/* args.c -- SORT's options (see args.h).  Errors as Redis words them: "syntax error" for an
 * unknown or incomplete option, the integer error for a bad LIMIT. */
#include "args.h"

#include <string.h>

static bool syntax_error(keel_proc *p) {
    keel_reply_error(p, "ERR syntax error");
    return false;
}

bool sort_parse(keel_proc *p, bool read_only, sort_args *a) {
    memset(a, 0, sizeof *a);
    a->store = -1;
    a->count = -1;
    for (uint32_t i = 2; i < p->argc; i++) {
        const keel_arg *o = &p->argv[i];
        uint32_t left = p->argc - i - 1;
        if (keel_arg_is(o, "ASC")) {
            a->desc = false;
        } else if (keel_arg_is(o, "DESC")) {
            a->desc = true;
        } else if (keel_arg_is(o, "ALPHA")) {
            a->alpha = true;
        } else if (keel_arg_is(o, "LIMIT") && left >= 2) {
            if (!keel_arg_i64(&p->argv[i + 1], &a->offset) ||
                !keel_arg_i64(&p->argv[i + 2], &a->count)) {
                keel_reply_error(p, "ERR value is not an integer or out of range");
                return false;
            }
            a->limit = true;
            i += 2;
        } else if (keel_arg_is(o, "STORE") && left >= 1 && !read_only) {
            a->store = (int32_t)++i;
        } else if (keel_arg_is(o, "BY") && left >= 1) {
            a->by = &p->argv[++i];
            a->nosort = memchr(a->by->ptr, '*', a->by->len) == NULL;
        } else if (keel_arg_is(o, "GET") && left >= 1) {
            if (a->ngets == SORT_MAX_GETS) {
                keel_reply_error(p, "ERR too many GET patterns (at most %d)", SORT_MAX_GETS);
                return false;
            }
            a->gets[a->ngets++] = ++i;
        } else {
            return syntax_error(p);
        }
    }
    return true;
}

int sort_keys(int argc, const keel_arg *argv, int *pos, int max) {
    if (argc < 2 || max < 1) return 0;
    int n = 0;
    pos[n++] = 1;
    for (int i = 2; i < argc; i++) {
        if (keel_arg_is(&argv[i], "LIMIT"))
            i += 2;
        else if (keel_arg_is(&argv[i], "BY") || keel_arg_is(&argv[i], "GET"))
            i++;
        else if (keel_arg_is(&argv[i], "STORE") && i + 1 < argc && n < max)
            pos[n++] = ++i;
    }
    return n;
}
