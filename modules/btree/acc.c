/* acc.c -- BTAGG's accumulators (see agg.h). */
#include "agg.h"

/* The best string of acc, read again from its row; false when the row is gone. */
static bool best_string(const bt_acc *acc, const bt_aggspec *spec, const dk_map *t, dk_val *out) {
    dk_val k, v;
    bt_row row;
    return t && dk_map_at(t, acc->best_rank, &k, &v) && bt_row_decode(&v, &row) &&
           bt_operand_get(&spec->opnd, &k, &row, out);
}

void bt_acc_add(bt_acc *acc, const bt_aggspec *spec, const dk_map *t, uint64_t rank,
                const dk_val *v, bool present) {
    switch (spec->fn) {
    case AGG_COUNT:
        acc->n++;
        return;
    case AGG_SUM:
    case AGG_AVG:
        if (!present || !dk_is_number(v)) return;
        acc->n++;
        acc->dsum += dk_val_double(v);
        if (v->type != DK_I64 || __builtin_add_overflow(acc->isum, v->v.i, &acc->isum))
            acc->inexact = true;
        return;
    default:
        break;
    }
    if (!present) return;
    if (acc->n++ > 0) {
        dk_val best = acc->best;
        if (best.type == DK_BYTES && v->type == DK_BYTES && !best_string(acc, spec, t, &best))
            return;                   /* cannot happen: the table is locked */
        int c = dk_val_cmp(v, &best); /* a number and a string compare by kind alone */
        if (spec->fn == AGG_MIN ? c >= 0 : c <= 0) return;
    }
    acc->best = *v;
    if (v->type == DK_BYTES) {
        acc->best = dk_bytes(NULL, 0);
        acc->best_rank = rank;
    }
}

void bt_acc_reply(keel_proc *p, const bt_acc *acc, const bt_aggspec *spec, const dk_map *t) {
    dk_val best = acc->best;
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
        if (acc->n == 0 || (best.type == DK_BYTES && !best_string(acc, spec, t, &best)))
            keel_reply_nil(p);
        else
            bt_reply_box(p, &best);
    }
}
