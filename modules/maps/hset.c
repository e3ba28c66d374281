/* hset.c -- writing fields: HSET, HMSET, HSETNX.  Each field is a key inside the map's
 * namespace; writing one clears that field's own TTL (as Redis 7.4 does). */
#include "family.h"
#include "map.h"

/* Which command runs maps.hset (its imm). */
enum { HSET_SET = 0, HSET_MSET, HSET_NX };

/* Opcode: maps.hset
 * HSET / HMSET key field value [field value ...] and HSETNX key field value (imm HSET_*) on the
 * map argv[1], created when missing.  Registers: r0 = index of the next pair, r1 = fields
 * added.  Reductions: 1 per pair; yields between pairs when the slice is spent (the map's key
 * stays locked, so no one sees half the fields).  May hop and block before its first write. */
static keel_op_result op_hset(keel_proc *p, const keel_insn *in) {
    if (p->argc % 2 != 0) return map_arity_error(p);
    if (p->reg[0].type == DK_NULL) {
        p->reg[0] = dk_i64(2);
        p->reg[1] = dk_i64(0);
    }
    bool exists;
    keel_op_result r = map_open(p, &exists);
    if (r != KEEL_NEXT) return r;
    keel_status st = KEEL_OK;
    while ((uint32_t)p->reg[0].v.i < p->argc) {
        if (p->budget <= 0) {
            r = KEEL_YIELD;
            break;
        }
        const keel_arg *f = &p->argv[p->reg[0].v.i], *v = f + 1;
        keel_value old = {.size = sizeof old};
        st = exists ? keel_key_lookup(p, f->ptr, f->len, &old) : KEEL_NOTFOUND;
        if (st == KEEL_MOVED || st == KEEL_WAIT) break;
        bool added = st == KEEL_NOTFOUND;
        if (in->imm == HSET_NX && !added) {
            p->reg[0].v.i += 2;
            continue;
        }
        st = map_store_text(p, f, v->ptr, v->len, 0);
        if (st != KEEL_OK) break;
        exists = true;
        p->reg[1].v.i += added;
        p->reg[0].v.i += 2;
        keel_charge(p, 1);
    }
    map_close(p);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK && st != KEEL_NOTFOUND) return map_store_failed(p);
    if (r != KEEL_NEXT) return r;
    if (in->imm != HSET_NX || p->reg[1].v.i > 0)
        keel_notify(p, KEEL_NOTIFY_HASH, "hset", p->argv[1].ptr, p->argv[1].len);
    if (in->imm == HSET_MSET)
        keel_reply_ok(p);
    else
        keel_reply_int(p, p->reg[1].v.i);
    return KEEL_NEXT;
}

static const keel_opcode_def hset_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "maps.hset",
     .fn = op_hset,
     .synopsis = "store field/value pairs in map argv[1] (imm 1: reply OK, 2: only new fields)",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_YIELD},
};

#define PROG(NAME, IMM)                                                                            \
    static const keel_insn_def NAME[] = {{.op = "maps.hset", .imm = IMM}, KEEL_END}
PROG(hset_prog, HSET_SET);
PROG(hmset_prog, HSET_MSET);
PROG(hsetnx_prog, HSET_NX);

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "hash",   \
    .since = "0.1.0"
static const keel_cmd_def hset_cmds[] = {
    {KEY1, .name = "HSET", .arity = -4, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Sets fields of a map (keys of the namespace one level below); replies how many "
                "fields were added.",
     .syntax = "HSET key field value [field value ...]", .program = hset_prog},
    {KEY1, .name = "HMSET", .arity = -4, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Sets fields of a map; replies OK.",
     .syntax = "HMSET key field value [field value ...]", .program = hmset_prog},
    {KEY1, .name = "HSETNX", .arity = 4, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Sets a field of a map only if it does not exist; replies 1 if set, else 0.",
     .syntax = "HSETNX key field value", .program = hsetnx_prog},
};

const keel_family map_hset_family = KEEL_FAMILY(hset_ops, hset_cmds);
