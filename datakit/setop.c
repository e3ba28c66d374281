/* setop.c -- resumable union / intersection / difference of dk_sets (see setop.h). */
#include <datakit/setop.h>

#include <datakit/iter.h>
#include <datakit/mem.h>

struct dk_setop {
    dk_setop_kind kind;
    size_t n;
    const dk_set **sets; /* INTER: smallest first */
    dk_iter *it;         /* UNION: one cursor per set at its next unconsumed member;
                            INTER/DIFF: it[0] walks the lead set */
};

dk_setop *dk_setop_new(dk_setop_kind kind, const dk_set *const *sets, size_t n) {
    dk_setop *op = dk_calloc(1, sizeof *op);
    if (!op) return NULL;
    op->kind = kind;
    op->n = n;
    op->sets = dk_malloc((n ? n : 1) * sizeof *op->sets);
    op->it = dk_calloc(n ? n : 1, sizeof *op->it);
    if (!op->sets || !op->it) {
        dk_setop_free(op);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        op->sets[i] = sets[i];
    if (kind == DK_SETOP_INTER) {
        for (size_t i = 1; i < n; i++) {
            if (dk_set_count(op->sets[i]) < dk_set_count(op->sets[0])) {
                const dk_set *t = op->sets[0];
                op->sets[0] = op->sets[i];
                op->sets[i] = t;
            }
        }
    }
    return op;
}

void dk_setop_free(dk_setop *op) {
    if (!op) return;
    dk_free(op->sets);
    dk_free(op->it);
    dk_free(op);
}

/* The member under set i's cursor without consuming it. */
static bool peek(const dk_setop *op, size_t i, dk_val *out) {
    dk_iter t = op->it[i];
    return dk_set_next(op->sets[i], &t, out);
}

static dk_setop_status union_next(dk_setop *op, dk_val *out, size_t *budget) {
    dk_val min, x;
    bool any = false;
    for (size_t i = 0; i < op->n; i++) {
        if (peek(op, i, &x) && (!any || dk_val_cmp(&x, &min) < 0)) {
            min = x;
            any = true;
        }
    }
    if (!any) return DK_SETOP_DONE;
    for (size_t i = 0; i < op->n; i++) {
        dk_iter t = op->it[i];
        if (dk_set_next(op->sets[i], &t, &x) && dk_val_cmp(&x, &min) == 0) {
            op->it[i] = t;
            if (*budget) (*budget)--;
        }
    }
    *out = min;
    return DK_SETOP_MEMBER;
}

/* INTER: members of the lead set in every other set; DIFF: in none of them. */
static dk_setop_status probe_next(dk_setop *op, dk_val *out, size_t *budget) {
    dk_val x;
    bool want = op->kind == DK_SETOP_INTER;
    while (*budget > 0) {
        if (!dk_set_next(op->sets[0], &op->it[0], &x)) return DK_SETOP_DONE;
        (*budget)--;
        bool keep = true;
        for (size_t i = 1; i < op->n && keep; i++)
            keep = dk_set_contains(op->sets[i], &x) == want;
        if (keep) {
            *out = x;
            return DK_SETOP_MEMBER;
        }
    }
    return DK_SETOP_AGAIN;
}

dk_setop_status dk_setop_next(dk_setop *op, dk_val *out, size_t *budget) {
    if (op->n == 0) return DK_SETOP_DONE;
    if (op->kind == DK_SETOP_UNION) return *budget ? union_next(op, out, budget) : DK_SETOP_AGAIN;
    if (op->kind == DK_SETOP_INTER && dk_set_count(op->sets[0]) == 0) return DK_SETOP_DONE;
    return probe_next(op, out, budget);
}
