/* names.c -- the error a client sees for a name that cannot name a namespace. */
#include "names.h"

keel_op_result map_name_error(keel_proc *p, const keel_arg *name, const char *what) {
    if (name->len == 0)
        keel_reply_error(p, "ERR invalid %s name: names cannot be empty", what);
    else
        keel_reply_error(p, "ERR invalid %s name: names are at most %d bytes", what, MAP_NAME_MAX);
    return KEEL_FAIL;
}
