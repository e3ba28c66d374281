/* union.c -- the union of many keys' sketches, walked shard by shard (see union.h). */
#include "union.h"
#include "hllobj.h"

#include <string.h>

pf_union *pf_union_new(keel_proc *p) {
    pf_union *u = keel_proc_alloc(p, sizeof *u);
    memset(u, 0, sizeof *u);
    u->missing = keel_proc_alloc(p, p->argc);
    memset(u->missing, 0, p->argc);
    return u;
}

keel_op_result pf_union_walk(keel_proc *p, pf_union *u) {
    uint32_t n = keel_key_count(p);
    if (!u->acc && !(u->acc = dk_hll_new())) return pf_fail(p, KEEL_ENOMEM);
    while (u->next < n) {
        keel_arg k;
        uint32_t argi;
        keel_status st = keel_key_nth(p, u->next, &k, &argi);
        KEEL_OP_PROPAGATE(st);
        if (argi == 1) u->dest = u->next;
        dk_hll *h;
        bool borrowed;
        st = pf_find(p, k.ptr, k.len, &h, &borrowed);
        KEEL_OP_PROPAGATE(st);
        u->missing[argi] = st == KEEL_NOTFOUND;
        if (st == KEEL_OK) {
            bool ok = dk_hll_merge(u->acc, (const dk_hll *const *)&h, 1);
            if (!borrowed) dk_hll_free(h);
            if (!ok) return pf_fail(p, KEEL_ENOMEM);
        } else if (st != KEEL_NOTFOUND && (u->err_argi == 0 || argi < u->err_argi)) {
            u->err_argi = argi;
            u->err = st;
        }
        u->next++;
        if (keel_charge(p, PF_COST_SKETCH) && u->next < n) return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

void pf_union_free(pf_union *u) {
    if (!u) return;
    dk_hll_free(u->acc);
    u->acc = NULL;
}
