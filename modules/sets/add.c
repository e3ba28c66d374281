/* add.c -- adding and removing members: SADD, SREM. */
#include "convert.h"
#include "family.h"
#include "setobj.h"

/* Which command runs sets.add (its imm). */
enum { ADD_SADD = 0, ADD_SREM = 1 };

/* Opcode: sets.add
 * SADD (imm 0) key member [member ...]: adds the members, creating the set when absent; SREM
 * (imm 1): removes them, deleting the set once it is empty.  Replies how many were added or
 * removed.  The first non-integer member added to a set of integers moves it to datakit's
 * general tier in slices (convert.h).  Registers: r0 = next argument index, r1 = count so far,
 * r2 = the conversion under way (arena).  Reductions sets_cost() per member: a million
 * members yield about 600 times.  May yield, hop and block. */
static keel_op_result op_add(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1];
    if (p->reg[0].type == DK_NULL) {
        sets_convert *c = keel_proc_alloc(p, sizeof *c);
        c->to = NULL;
        c->left = 0;
        p->reg[0] = dk_i64(2);
        p->reg[1] = dk_i64(0);
        p->reg[2] = dk_ptr(c);
    }
    sets_convert *c = (sets_convert *)p->reg[2].v.ptr;
    dk_set *s = NULL;
    keel_status st = sets_find(p, key->ptr, key->len, &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return sets_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        sets_convert_abort(c);
        if (in->imm == ADD_SREM) {
            keel_reply_int(p, p->reg[1].v.i);
            return KEEL_NEXT;
        }
        if (sets_create(p, key->ptr, key->len, &s) != KEEL_OK) return sets_oom(p);
    }
    for (;;) {
        if (sets_convert_busy(c)) {
            keel_op_result r = sets_convert_key(p, c, key, &s);
            if (r != KEEL_NEXT) return r;
        }
        if ((uint32_t)p->reg[0].v.i >= p->argc) break;
        const keel_arg *a = &p->argv[p->reg[0].v.i];
        dk_val m = sets_box(a->ptr, a->len);
        int64_t cost = sets_cost(s, &m);
        if (in->imm == ADD_SADD) {
            int r = sets_convert_add(c, s, &m);
            if (r < 0) {
                sets_settle(p, key->ptr, key->len, s);
                return sets_oom(p);
            }
            p->reg[1].v.i += r;
        } else {
            p->reg[1].v.i += dk_set_remove(s, &m);
        }
        p->reg[0].v.i++;
        if (keel_charge(p, cost) && (uint32_t)p->reg[0].v.i < p->argc) return KEEL_YIELD;
    }
    if (p->reg[1].v.i > 0)
        keel_notify(p, KEEL_NOTIFY_SET, in->imm == ADD_SREM ? "srem" : "sadd", key->ptr, key->len);
    if (in->imm == ADD_SREM) {
        st = sets_settle(p, key->ptr, key->len, s);
        KEEL_OP_PROPAGATE(st);
    }
    keel_reply_int(p, p->reg[1].v.i);
    return KEEL_NEXT;
}

static const keel_opcode_def add_ops[] = {
    SETS_OP("sets.add", op_add, "add argv[2..] to argv[1]'s set; imm 1: remove them"),
};

static const keel_insn_def sadd_prog[] = {{.op = "sets.add", .imm = ADD_SADD}, KEEL_END};
static const keel_insn_def srem_prog[] = {{.op = "sets.add", .imm = ADD_SREM}, KEEL_END};

static const keel_cmd_def add_cmds[] = {
    {SETS_KEY1, .name = "SADD", .arity = -3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Adds members to a set, creating it; replies how many were not members yet.",
     .syntax = "SADD key member [member ...]", .program = sadd_prog},
    {SETS_KEY1, .name = "SREM", .arity = -3, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Removes members from a set (deleting it once empty); replies how many were "
                "members.",
     .syntax = "SREM key member [member ...]", .program = srem_prog},
};

const keel_family sets_add_family = KEEL_FAMILY(add_ops, add_cmds);
