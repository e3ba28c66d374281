/* acc.c -- BTAGG's accumulators (see agg.h). */
#include "agg.h"

#include <string.h>

double bt_num_double(const dk_val *v) {
    unsigned __int128 w = ((unsigned __int128)v->v.w.hi << 64) | v->v.w.lo;
    switch (v->type) {
    case DK_I64:
        return (double)v->v.i;
    case DK_U64:
        return (double)v->v.u;
    case DK_I128:
        return (double)(__int128)w;
    case DK_U128:
        return (double)w;
    case DK_F32:
        return (double)v->v.f;
    default:
        return v->v.d;
    }
}

/* Keeps v as the best value so far (copying its bytes); false when out of memory. */
static bool keep(bt_acc *acc, const dk_val *v) {
    uint8_t *own = NULL;
    if (v->type == DK_BYTES) {
        own = keel_alloc(v->len ? v->len : 1);
        if (!own) return false;
        if (v->len) memcpy(own, v->v.ptr, v->len);
    }
    keel_free(acc->own);
    acc->own = own;
    acc->best = *v;
    if (own) acc->best.v.ptr = own;
    return true;
}

bool bt_acc_add(bt_acc *acc, const bt_aggspec *spec, const dk_val *v, bool present) {
    switch (spec->fn) {
    case AGG_COUNT:
        acc->n++;
        return true;
    case AGG_SUM:
    case AGG_AVG:
        if (!present || !dk_is_number(v)) return true;
        acc->n++;
        acc->dsum += bt_num_double(v);
        if (v->type != DK_I64 || __builtin_add_overflow(acc->isum, v->v.i, &acc->isum))
            acc->inexact = true;
        return true;
    default:
        if (!present) return true;
        acc->n++;
        if (acc->n > 1) {
            int c = dk_val_cmp(v, &acc->best);
            if (spec->fn == AGG_MIN ? c >= 0 : c <= 0) return true;
        }
        return keep(acc, v);
    }
}

void bt_acc_reply(keel_proc *p, const bt_acc *acc, const bt_aggspec *spec) {
    switch (spec->fn) {
    case AGG_COUNT:
        keel_reply_int(p, acc->n);
        break;
    case AGG_SUM:
        if (acc->inexact)
            bt_reply_real(p, acc->dsum);
        else
            keel_reply_int(p, acc->isum);
        break;
    case AGG_AVG:
        if (acc->n == 0)
            keel_reply_nil(p);
        else
            bt_reply_real(p, acc->dsum / (double)acc->n);
        break;
    default:
        if (acc->n == 0)
            keel_reply_nil(p);
        else
            bt_reply_box(p, &acc->best);
    }
}

void bt_acc_free(bt_acc *acc) {
    keel_free(acc->own);
    acc->own = NULL;
}
