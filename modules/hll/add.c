/* add.c -- PFADD (alias HLLADD): adding elements to a sketch. */
#include "family.h"
#include "hllobj.h"

/* Opcode: hll.add
 * PFADD key [element ...]: adds the elements to the sketch at key, creating it (a string that
 * holds a Redis HyperLogLog becomes an hll, keeping its TTL).  Replies 1 when the key was
 * created or a register changed, else 0.  Registers: r0 = next element's argument index, r1 = 1
 * once something changed.  Reductions PF_COST_ADD per element: a million elements yield about
 * 100 times.  May yield, hop and block. */
static keel_op_result op_add(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    if (p->reg[0].type == DK_NULL) {
        p->reg[0] = dk_i64(2);
        p->reg[1] = dk_i64(0);
    }
    dk_hll *h;
    bool borrowed;
    keel_status st = pf_find(p, key->ptr, key->len, &h, &borrowed);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_NOTFOUND) {
        if (!(h = dk_hll_new())) return pf_fail(p, KEEL_ENOMEM);
        st = pf_store(p, key->ptr, key->len, h, false);
        if (st != KEEL_OK) return pf_fail(p, KEEL_ENOMEM);
        p->reg[1].v.i = 1;
    } else if (st != KEEL_OK) {
        return pf_fail(p, st);
    } else if (!borrowed) {
        st = pf_store(p, key->ptr, key->len, h, true);
        if (st != KEEL_OK) return pf_fail(p, KEEL_ENOMEM);
    }
    while ((uint32_t)p->reg[0].v.i < p->argc) {
        const keel_arg *e = &p->argv[p->reg[0].v.i++];
        int r = dk_hll_add(h, e->ptr, e->len);
        if (r < 0) return pf_fail(p, KEEL_ENOMEM);
        if (r > 0) p->reg[1].v.i = 1;
        if (keel_charge(p, PF_COST_ADD) && (uint32_t)p->reg[0].v.i < p->argc) return KEEL_YIELD;
    }
    if (p->reg[1].v.i) keel_notify(p, KEEL_NOTIFY_STRING, "pfadd", key->ptr, key->len);
    keel_reply_int(p, p->reg[1].v.i);
    return KEEL_NEXT;
}

static const keel_opcode_def add_ops[] = {
    PF_OP("hll.add", op_add, "add argv[2..] to the sketch at argv[1] (r0 = next, r1 = changed)"),
};

static const keel_insn_def pfadd_prog[] = {{.op = "hll.add"}, KEEL_END};
static const char *const pfadd_aliases[] = {"HLLADD", NULL};

static const keel_cmd_def add_cmds[] = {
    {PF_CMD, .name = "PFADD", .aliases = pfadd_aliases, .arity = -2,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1,
     .summary = "Adds elements to a HyperLogLog, creating it; replies 1 when its estimate may "
                "have changed, else 0.",
     .syntax = "PFADD key [element ...]", .program = pfadd_prog},
};

const keel_family pf_add_family = KEEL_FAMILY(add_ops, add_cmds);
