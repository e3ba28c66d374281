/* bounds.c -- sort key bounds, their ranks, and the resumable walk over a range of ranks. */
#include "bounds.h"

#include "btobj.h"

#define REV_BLOCK 64

void bt_parse_bound(const keel_arg *a, bt_bound *b) {
    b->excl = false;
    b->kind = BT_BOUND_AT;
    if (keel_arg_is(a, "-inf")) {
        b->kind = BT_BOUND_NEG;
        return;
    }
    if (keel_arg_is(a, "+inf") || keel_arg_is(a, "inf")) {
        b->kind = BT_BOUND_POS;
        return;
    }
    const char *s = a->ptr;
    size_t n = a->len;
    if (n > 0 && (s[0] == '(' || s[0] == '[')) {
        b->excl = s[0] == '(';
        s++;
        n--;
    }
    b->key = bt_parse_box(s, n);
}

/* The rank where rows at or after b begin (after: strictly after b's key). */
static uint64_t rank_of(const dk_map *t, const bt_bound *b, bool after) {
    if (b->kind == BT_BOUND_NEG) return 0;
    if (b->kind == BT_BOUND_POS) return dk_map_count(t);
    bool found = false;
    uint64_t r = dk_map_rank(t, &b->key, &found);
    return found && after ? r + 1 : r;
}

void bt_range_ranks(const dk_map *t, const bt_bound *min, const bt_bound *max, uint64_t *lo,
                    uint64_t *hi) {
    *lo = rank_of(t, min, min->excl);
    *hi = rank_of(t, max, !max->excl);
    if (*hi < *lo) *hi = *lo;
}

bool bt_walk_step(keel_proc *p, const dk_map *t, bt_walk *w, int64_t cost, bt_visit_fn visit,
                  void *ctx) {
    uint64_t n = w->hi - w->lo;
    while (w->done < n) {
        uint64_t b = n - w->done;
        if (b > REV_BLOCK) b = REV_BLOCK;
        uint64_t first = w->rev ? w->hi - w->done - b : w->lo + w->done;
        dk_val ks[REV_BLOCK], vs[REV_BLOCK];
        dk_iter it = dk_iter_at(first);
        for (uint64_t i = 0; i < b; i++)
            if (!dk_map_next(t, &it, &ks[i], &vs[i])) return true; /* cannot happen: locked */
        for (uint64_t i = 0; i < b; i++) {
            uint64_t j = w->rev ? b - 1 - i : i;
            w->done++;
            if (!visit(p, ctx, first + j, &ks[j], &vs[j])) return true;
        }
        keel_charge(p, (int64_t)b * cost); /* visit may have charged more itself */
        if (p->budget <= 0 && w->done < n) return false;
    }
    return true;
}
