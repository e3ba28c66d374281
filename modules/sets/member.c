/* member.c -- reading one set: SISMEMBER, SMISMEMBER, SCARD, SMEMBERS. */
#include "family.h"
#include "setobj.h"

/* Looks argv[1] up for a read: KEEL_OK with *s, KEEL_NOTFOUND (s NULL), or a status to pass
 * on; KEEL_EWRONGTYPE after replying the error. */
static keel_status find_arg1(keel_proc *p, dk_set **s) {
    *s = NULL;
    keel_status st = sets_find(p, p->argv[1].ptr, p->argv[1].len, s);
    if (st == KEEL_EWRONGTYPE) sets_wrongtype(p);
    return st;
}

/* Opcode: sets.ismember
 * SISMEMBER key member: 1 when member is in the set, else 0.  SCARD key (imm 1): the number
 * of members (0 when absent).  Reductions sets_cost().  May hop and block. */
static keel_op_result op_ismember(keel_proc *p, const keel_insn *in) {
    dk_set *s;
    keel_status st = find_arg1(p, &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    if (in->imm == 1) {
        keel_reply_int(p, s ? (int64_t)dk_set_count(s) : 0);
        return KEEL_NEXT;
    }
    dk_val m = sets_box(p->argv[2].ptr, p->argv[2].len);
    if (s) keel_charge(p, sets_cost(s, &m));
    keel_reply_int(p, s && dk_set_contains(s, &m));
    return KEEL_NEXT;
}

/* Opcode: sets.mismember
 * SMISMEMBER key member [member ...]: an array with 1 or 0 for each member, in argument order.
 * Registers: r0 = next argument index (the array is opened on the first run).  Reductions
 * sets_cost() per member.  May yield, hop and block. */
static keel_op_result op_mismember(keel_proc *p, const keel_insn *in) {
    (void)in;
    dk_set *s;
    keel_status st = find_arg1(p, &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    if (p->reg[0].type == DK_NULL) {
        keel_reply_array(p, p->argc - 2);
        p->reg[0] = dk_i64(2);
    }
    while ((uint32_t)p->reg[0].v.i < p->argc) {
        const keel_arg *a = &p->argv[p->reg[0].v.i++];
        dk_val m = sets_box(a->ptr, a->len);
        keel_reply_int(p, s && dk_set_contains(s, &m));
        if (keel_charge(p, s ? sets_cost(s, &m) : 1) && (uint32_t)p->reg[0].v.i < p->argc)
            return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

/* Opcode: sets.members
 * SMEMBERS key: every member, sorted (a RESP3 set).  Registers: r0 = the cursor (arena), r1 =
 * the count replied.  Reductions SETS_COST_STEP per member: a set of a million members yields
 * about 50 times, its reply is encoded a slice per loop turn.  A set that disappeared between
 * two slices (FLUSHALL) ends the reply early (the core pads it).  May yield, hop and block. */
static keel_op_result op_members(keel_proc *p, const keel_insn *in) {
    (void)in;
    dk_set *s;
    keel_status st = find_arg1(p, &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    if (p->reg[0].type == DK_NULL) {
        size_t n = s ? dk_set_count(s) : 0;
        keel_reply_set(p, n);
        if (n == 0) return KEEL_NEXT;
        dk_iter *it = keel_proc_alloc(p, sizeof *it);
        *it = dk_iter_at(0);
        p->reg[0] = dk_ptr(it);
        p->reg[1] = dk_i64((int64_t)n);
    }
    if (!s || dk_set_count(s) != (size_t)p->reg[1].v.i) return KEEL_NEXT;
    dk_iter *it = (dk_iter *)p->reg[0].v.ptr;
    dk_val m;
    while (dk_set_next(s, it, &m)) {
        sets_reply_member(p, &m);
        if (keel_charge(p, SETS_COST_STEP) && it->pos < dk_set_count(s)) return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

static const keel_opcode_def member_ops[] = {
    SETS_OP("sets.ismember", op_ismember, "is argv[2] in argv[1]'s set; imm 1: its size"),
    SETS_OP("sets.mismember", op_mismember, "1/0 for each of argv[2..] (r0 = next argument)"),
    SETS_OP("sets.members", op_members, "reply every member, sorted (r0 = cursor)"),
};

static const keel_insn_def sismember_prog[] = {{.op = "sets.ismember", .imm = 0}, KEEL_END};
static const keel_insn_def scard_prog[] = {{.op = "sets.ismember", .imm = 1}, KEEL_END};
static const keel_insn_def smismember_prog[] = {{.op = "sets.mismember"}, KEEL_END};
static const keel_insn_def smembers_prog[] = {{.op = "sets.members"}, KEEL_END};

static const keel_cmd_def member_cmds[] = {
    {SETS_KEY1, .name = "SISMEMBER", .arity = 3, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Replies 1 when the member is in the set, else 0.",
     .syntax = "SISMEMBER key member", .program = sismember_prog},
    {SETS_KEY1, .name = "SMISMEMBER", .arity = -3, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Replies 1 or 0 for each member: whether it is in the set.",
     .syntax = "SMISMEMBER key member [member ...]", .program = smismember_prog},
    {SETS_KEY1, .name = "SCARD", .arity = 2, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Replies the number of members of a set (0 when the key does not exist).",
     .syntax = "SCARD key", .program = scard_prog},
    {SETS_KEY1, .name = "SMEMBERS", .arity = 2, .flags = KEEL_CMD_READONLY,
     .summary = "Replies every member of a set, sorted (integers by value, then bytewise).",
     .syntax = "SMEMBERS key", .program = smembers_prog},
};

const keel_family sets_member_family = KEEL_FAMILY(member_ops, member_cmds);
