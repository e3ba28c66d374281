/* expiry.c -- parsing the expiry options of SET, SETEX, PSETEX and GETEX. */
#include "expiry.h"

str_exp_kind str_exp_word(const keel_arg *a) {
    if (keel_arg_is(a, "EX")) return STR_EXP_EX;
    if (keel_arg_is(a, "PX")) return STR_EXP_PX;
    if (keel_arg_is(a, "EXAT")) return STR_EXP_EXAT;
    if (keel_arg_is(a, "PXAT")) return STR_EXP_PXAT;
    return STR_EXP_NONE;
}

bool str_exp_at(keel_proc *p, str_exp_kind kind, const keel_arg *t, const char *cmd,
                int64_t *at_ms) {
    int64_t v;
    if (!keel_arg_i64(t, &v)) {
        keel_reply_error(p, "ERR value is not an integer or out of range");
        return false;
    }
    bool seconds = kind == STR_EXP_EX || kind == STR_EXP_EXAT;
    bool relative = kind == STR_EXP_EX || kind == STR_EXP_PX;
    bool bad = v <= 0 || (seconds && v > INT64_MAX / 1000);
    if (!bad && seconds) v *= 1000;
    if (!bad && relative) bad = __builtin_add_overflow(v, keel_now_ms(p), &v);
    if (bad) {
        keel_reply_error(p, "ERR invalid expire time in '%s' command", cmd);
        return false;
    }
    *at_ms = v;
    return true;
}
