/* add.c -- adding, updating and removing members: ZADD, ZINCRBY, ZREM. */
#include "family.h"
#include "zobj.h"

#include <math.h>

/* ZADD's options. */
enum { F_NX = 1, F_XX = 2, F_GT = 4, F_LT = 8, F_CH = 16, F_INCR = 32 };

/* Which command runs zsets.add (its imm). */
enum { ADD_ZADD = 0, ADD_ZINCRBY = 1 };

/* Reads ZADD's options (argv[2..]); returns the argv index of the first score, or 0 after
 * replying Redis's error.  Checks, in Redis's order, the pairs' count and the options'
 * conflicts (every score is checked by the caller). */
static uint32_t add_options(keel_proc *p, int imm, unsigned *flags) {
    uint32_t i = 2;
    *flags = imm == ADD_ZINCRBY ? F_INCR : 0;
    for (; imm == ADD_ZADD && i < p->argc; i++) {
        const keel_arg *a = &p->argv[i];
        if (keel_arg_is(a, "NX"))
            *flags |= F_NX;
        else if (keel_arg_is(a, "XX"))
            *flags |= F_XX;
        else if (keel_arg_is(a, "CH"))
            *flags |= F_CH;
        else if (keel_arg_is(a, "INCR"))
            *flags |= F_INCR;
        else if (keel_arg_is(a, "GT"))
            *flags |= F_GT;
        else if (keel_arg_is(a, "LT"))
            *flags |= F_LT;
        else
            break;
    }
    uint32_t left = p->argc - i;
    unsigned f = *flags;
    if (left == 0 || left % 2) {
        keel_reply_error(p, "ERR syntax error");
        return 0;
    }
    if ((f & F_NX) && (f & F_XX)) {
        keel_reply_error(p, "ERR XX and NX options at the same time are not compatible");
        return 0;
    }
    if (((f & F_GT) && (f & F_NX)) || ((f & F_LT) && (f & F_NX)) || ((f & F_GT) && (f & F_LT))) {
        keel_reply_error(p, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return 0;
    }
    if ((f & F_INCR) && left > 2) {
        keel_reply_error(p, "ERR INCR option supports a single increment-element pair");
        return 0;
    }
    return i;
}

/* What adding one pair did. */
enum { R_NOP = 0, R_SAME, R_ADDED, R_UPDATED, R_NAN, R_OOM };

/* Redis's zsetAdd: applies score s to member m under the flags; *score gets the new score. */
static int add_one(dk_zset *z, const keel_arg *m, double s, unsigned f, double *score) {
    double cur;
    if (dk_zset_score(z, m->ptr, m->len, &cur)) {
        if (f & F_NX) return R_NOP;
        if (f & F_INCR) {
            s += cur;
            if (isnan(s)) return R_NAN;
        }
        if (((f & F_LT) && s >= cur) || ((f & F_GT) && s <= cur)) return R_NOP;
        *score = s;
        if (s == cur) return R_SAME;
        return dk_zset_set(z, m->ptr, m->len, s) < 0 ? R_OOM : R_UPDATED;
    }
    if (f & F_XX) return R_NOP;
    *score = s;
    return dk_zset_set(z, m->ptr, m->len, s) < 0 ? R_OOM : R_ADDED;
}

/* Replies ZADD's answer: the new score (INCR; nil when nothing was done) or the count. */
static void add_reply(keel_proc *p, unsigned f) {
    if (f & F_INCR) {
        if (p->reg[3].v.i)
            zs_reply_score(p, p->reg[4].v.d);
        else
            keel_reply_nil(p);
        return;
    }
    keel_reply_int(p, p->reg[1].v.i + ((f & F_CH) ? p->reg[2].v.i : 0));
}

/* Opcode: zsets.add
 * ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] (imm 0) and ZINCRBY key
 * increment member (imm 1), as Redis 7.0: every option and score is checked before the key;
 * replies the number added (CH: added or changed), or with INCR the new score (nil when NX/XX/
 * GT/LT left it alone).  Registers: r0 = argv index of the next pair, r1 = added, r2 = changed,
 * r3 = pairs processed, r4 = the last new score.  Reductions ZS_COST_UPDATE per pair.  May
 * yield, hop, block. */
static keel_op_result op_add(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1];
    unsigned f;
    uint32_t first = add_options(p, (int)in->imm, &f);
    if (!first) return KEEL_FAIL;
    if (p->reg[0].type == DK_NULL) {
        for (uint32_t i = first; i < p->argc; i += 2) {
            double s;
            if (!zs_parse_score(&p->argv[i], &s))
                return zs_error(p, "ERR value is not a valid float");
        }
        keel_charge(p, (p->argc - first) / 2);
    }
    dk_zset *z = NULL;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    if (p->reg[0].type == DK_NULL) {
        p->reg[0] = dk_i64(first);
        p->reg[1] = p->reg[2] = p->reg[3] = dk_i64(0);
        p->reg[4] = dk_f64(0);
    }
    if (st == KEEL_NOTFOUND) {
        if (f & F_XX) {
            add_reply(p, f);
            return KEEL_NEXT;
        }
        if (zs_create(p, key->ptr, key->len, &z) != KEEL_OK) return zs_oom(p);
    }
    while ((uint32_t)p->reg[0].v.i < p->argc) {
        uint32_t i = (uint32_t)p->reg[0].v.i;
        double s = 0, score = 0;
        zs_parse_score(&p->argv[i], &s);
        int r = add_one(z, &p->argv[i + 1], s, f, &score);
        if (r == R_NAN || r == R_OOM) {
            zs_settle(p, key->ptr, key->len, z);
            return r == R_NAN ? zs_error(p, "ERR resulting score is not a number (NaN)")
                              : zs_oom(p);
        }
        if (r == R_ADDED) p->reg[1].v.i++;
        if (r == R_UPDATED) p->reg[2].v.i++;
        if (r != R_NOP) p->reg[3].v.i++, p->reg[4] = dk_f64(score);
        p->reg[0].v.i += 2;
        if (keel_charge(p, ZS_COST_UPDATE) && (uint32_t)p->reg[0].v.i < p->argc) return KEEL_YIELD;
    }
    if (p->reg[1].v.i + p->reg[2].v.i > 0) /* added or changed a score: Redis's condition */
        keel_notify(p, KEEL_NOTIFY_ZSET, (f & F_INCR) ? "zincr" : "zadd", key->ptr, key->len);
    st = zs_settle(p, key->ptr, key->len, z);
    KEEL_OP_PROPAGATE(st);
    if (p->reg[1].v.i > 0) keel_key_signal(p, key->ptr, key->len); /* wake BZPOPMIN */
    add_reply(p, f);
    return KEEL_NEXT;
}

/* Opcode: zsets.rem
 * ZREM key member [member ...]: removes the members, deleting the key once empty; replies how
 * many were members.  Registers: r0 = argv index of the next member, r1 = removed.  Reductions
 * ZS_COST_UPDATE per member.  May yield, hop, block. */
static keel_op_result op_rem(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    if (p->reg[0].type == DK_NULL) {
        p->reg[0] = dk_i64(2);
        p->reg[1] = dk_i64(0);
    }
    dk_zset *z = NULL;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        keel_reply_int(p, p->reg[1].v.i);
        return KEEL_NEXT;
    }
    while ((uint32_t)p->reg[0].v.i < p->argc) {
        const keel_arg *m = &p->argv[p->reg[0].v.i++];
        p->reg[1].v.i += dk_zset_del(z, m->ptr, m->len);
        if (keel_charge(p, ZS_COST_UPDATE) && (uint32_t)p->reg[0].v.i < p->argc) return KEEL_YIELD;
    }
    if (p->reg[1].v.i > 0) keel_notify(p, KEEL_NOTIFY_ZSET, "zrem", key->ptr, key->len);
    st = zs_settle(p, key->ptr, key->len, z);
    KEEL_OP_PROPAGATE(st);
    keel_reply_int(p, p->reg[1].v.i);
    return KEEL_NEXT;
}

static const keel_opcode_def add_ops[] = {
    ZS_OP("zsets.add", op_add, "ZADD/ZINCRBY (imm) argv[1]: r0 = next pair, r1..r4 = counts"),
    ZS_OP("zsets.rem", op_rem, "remove argv[2..] from argv[1]'s sorted set: r0 = next, r1 = n"),
};

static const keel_insn_def zadd_prog[] = {{.op = "zsets.add", .imm = ADD_ZADD}, KEEL_END};
static const keel_insn_def zincrby_prog[] = {{.op = "zsets.add", .imm = ADD_ZINCRBY}, KEEL_END};
static const keel_insn_def zrem_prog[] = {{.op = "zsets.rem"}, KEEL_END};

static const keel_cmd_def add_cmds[] = {
    {ZS_KEY1, .name = "ZADD", .arity = -4, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Adds members with scores to a sorted set or updates their scores, creating it; "
                "replies how many were added (CH: changed), or with INCR the new score.",
     .syntax = "ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
     .program = zadd_prog},
    {ZS_KEY1, .name = "ZINCRBY", .arity = 4, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Adds increment to a member's score (adding the member); replies the new score.",
     .syntax = "ZINCRBY key increment member", .program = zincrby_prog},
    {ZS_KEY1, .name = "ZREM", .arity = -3, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Removes members from a sorted set (deleting it once empty); replies how many "
                "were members.",
     .syntax = "ZREM key member [member ...]", .program = zrem_prog},
};

const keel_family zs_add_family = KEEL_FAMILY(add_ops, add_cmds);
