/* convert.c -- integer tier to general tier in slices, largest member first (see convert.h). */
#include "convert.h"
#include "setobj.h"

/* True when m can live in the integer tier (an integer that fits int64). */
static bool int64_member(const dk_val *m) {
    if (m->type == DK_I64) return true;
    if (!dk_is_int(m)) return false;
    dk_val n = dk_val_normalize(m);
    return n.type == DK_I64;
}

int sets_convert_add(sets_convert *c, dk_set *s, const dk_val *m) {
    if (!dk_set_is_intset(s) || int64_member(m)) return dk_set_add(s, m);
    dk_set *to = dk_set_new();
    if (!to || dk_set_add(to, m) < 0) {
        dk_set_free(to);
        return -1;
    }
    c->to = to;
    c->left = dk_set_count(s);
    return 1;
}

/* Copies ranks left-1, left-2 ... of s into the copy; 1 done, 0 budget spent, -1 no memory. */
static int copy_down(keel_proc *p, sets_convert *c, const dk_set *s) {
    while (c->left > 0) {
        dk_val v;
        if (!dk_set_at(s, c->left - 1, &v)) { /* the source shrank (FLUSHALL): stop here */
            c->left = 0;
            break;
        }
        if (dk_set_add(c->to, &v) < 0) {
            sets_convert_abort(c);
            return -1;
        }
        c->left--;
        if (keel_charge(p, SETS_COST_UPDATE) && c->left > 0) return 0;
    }
    return 1;
}

keel_op_result sets_convert_key(keel_proc *p, sets_convert *c, const keel_arg *key, dk_set **s) {
    int r = copy_down(p, c, *s);
    if (r < 0) return sets_oom(p);
    if (r == 0) return KEEL_YIELD;
    keel_status st =
        keel_key_store_object(p, key->ptr, key->len, sets_type, c->to, KEEL_STORE_KEEPTTL);
    if (st != KEEL_OK) {
        sets_convert_abort(c);
        return sets_oom(p);
    }
    *s = c->to;
    c->to = NULL;
    return KEEL_NEXT;
}

keel_op_result sets_convert_own(keel_proc *p, sets_convert *c, dk_set **s) {
    int r = copy_down(p, c, *s);
    if (r < 0) return sets_oom(p);
    if (r == 0) return KEEL_YIELD;
    dk_set_free(*s);
    *s = c->to;
    c->to = NULL;
    return KEEL_NEXT;
}

void sets_convert_abort(sets_convert *c) {
    dk_set_free(c->to);
    c->to = NULL;
    c->left = 0;
}
