/* names.c -- the errors a client sees for a name that cannot name a namespace, and for a path
 * that would nest too deep. */
#include "names.h"

keel_op_result map_name_error(keel_proc *p, const keel_arg *name, const char *what) {
    if (name->len == 0)
        keel_reply_error(p, "ERR invalid %s name: names cannot be empty", what);
    else
        keel_reply_error(p, "ERR invalid %s name: names are at most %d bytes", what, MAP_NAME_MAX);
    return KEEL_FAIL;
}

keel_op_result map_depth_error(keel_proc *p) {
    keel_reply_error(p, "ERR namespace nesting is limited to %d levels", KEEL_NS_DEPTH_MAX);
    return KEEL_FAIL;
}
