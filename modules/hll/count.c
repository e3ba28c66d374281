/* count.c -- PFCOUNT (alias HLLCOUNT): the estimated count of one sketch, or of the union of
 * several, with keys on any shard. */
#include "family.h"
#include "hllobj.h"
#include "union.h"

/* PFCOUNT key: the sketch's count (its cached value when still valid). */
static keel_op_result count_one(keel_proc *p) {
    dk_hll *h;
    bool borrowed;
    keel_status st = pf_find(p, p->argv[1].ptr, p->argv[1].len, &h, &borrowed);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_NOTFOUND) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    if (st != KEEL_OK) return pf_fail(p, st);
    keel_charge(p, PF_COST_SKETCH);
    keel_reply_int(p, (int64_t)dk_hll_count(h));
    if (!borrowed) dk_hll_free(h);
    return KEEL_NEXT;
}

/* Opcode: hll.count
 * PFCOUNT key [key ...]: one key, its count (0 when absent); several, the count of their
 * union, computed in a sketch the process owns and carries from shard to shard.  A key that is
 * not a HyperLogLog fails the command with WRONGTYPE (the first in argument order, as Redis).
 * Registers: r0 = the union walk (arena; its sketch is malloc'd and freed before the opcode
 * finishes).  Reductions PF_COST_SKETCH per key.  May yield, hop and block. */
static keel_op_result op_count(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->argc == 2) return count_one(p);
    if (p->reg[0].type == DK_NULL) p->reg[0] = dk_ptr(pf_union_new(p));
    pf_union *u = (pf_union *)p->reg[0].v.ptr;
    keel_op_result r = pf_union_walk(p, u);
    if (r == KEEL_NEXT) {
        if (u->err_argi)
            r = pf_fail(p, u->err);
        else
            keel_reply_int(p, (int64_t)dk_hll_count(u->acc));
    }
    if (r == KEEL_NEXT || r == KEEL_FAIL) pf_union_free(u);
    return r;
}

static const keel_opcode_def count_ops[] = {
    PF_OP("hll.count", op_count, "count of argv[1]'s sketch, or of the union of all keys'"),
};

static const keel_insn_def pfcount_prog[] = {{.op = "hll.count"}, KEEL_END};
static const char *const pfcount_aliases[] = {"HLLCOUNT", NULL};

static const keel_cmd_def count_cmds[] = {
    {PF_CMD, .name = "PFCOUNT", .aliases = pfcount_aliases, .arity = -2,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY, .first_key = 1, .last_key = -1, .key_step = 1,
     .summary = "Replies the estimated number of distinct elements added to a HyperLogLog, or "
                "to any of several (their union); keys on any shard.",
     .syntax = "PFCOUNT key [key ...]", .program = pfcount_prog},
};

const keel_family pf_count_family = KEEL_FAMILY(count_ops, count_cmds);
