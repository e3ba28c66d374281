/* hget.c -- reading single fields: HGET, HMGET, HEXISTS, HSTRLEN.  A field holding a value that
 * is not a string (a nested map, a list, ...) is replied through its type's to-reply op by HGET
 * and HMGET, as GET shows any value; HSTRLEN refuses it with WRONGTYPE. */
#include "family.h"
#include "map.h"

/* Which command runs maps.hget (its imm). */
enum { HGET_GET = 0, HGET_EXISTS, HGET_STRLEN };

/* Opcode: maps.hget
 * HGET (imm HGET_GET), HEXISTS (HGET_EXISTS) or HSTRLEN (HGET_STRLEN) of field argv[2] of map
 * argv[1].  Reductions 1.  May hop and block. */
static keel_op_result op_hget(keel_proc *p, const keel_insn *in) {
    bool exists;
    keel_op_result r = map_open(p, &exists);
    if (r != KEEL_NEXT) return r;
    const keel_arg *f = &p->argv[2];
    keel_value v = {.size = sizeof v};
    keel_status st = exists ? keel_key_lookup(p, f->ptr, f->len, &v) : KEEL_NOTFOUND;
    map_close(p);
    KEEL_OP_PROPAGATE(st);
    bool found = st == KEEL_OK;
    switch (in->imm) {
    case HGET_EXISTS:
        keel_reply_int(p, found);
        break;
    case HGET_STRLEN:
        if (found && v.type != KEEL_TYPE_BOX) return map_wrongtype(p);
        if (found) {
            char buf[DK_BOX_TEXT_MAX];
            const char *s;
            keel_reply_int(p, (int64_t)dk_box_text(&v.box, buf, &s));
        } else {
            keel_reply_int(p, 0);
        }
        break;
    default:
        if (found)
            keel_reply_stored(p, &v);
        else
            keel_reply_nil(p);
    }
    return KEEL_NEXT;
}

/* Opcode: maps.hmget
 * HMGET key field [field ...]: an array with each field's value or nil.  Registers: r0 = index
 * of the next field (the array is opened when r0 is null).  Reductions: 1 per field; yields
 * between fields.  May hop and block. */
static keel_op_result op_hmget(keel_proc *p, const keel_insn *in) {
    (void)in;
    bool exists;
    keel_op_result r = map_open(p, &exists);
    if (r != KEEL_NEXT) return r;
    if (p->reg[0].type == DK_NULL) {
        keel_reply_array(p, p->argc - 2);
        p->reg[0] = dk_i64(2);
    }
    keel_status st = KEEL_OK;
    while ((uint32_t)p->reg[0].v.i < p->argc) {
        if (p->budget <= 0) {
            r = KEEL_YIELD;
            break;
        }
        const keel_arg *f = &p->argv[p->reg[0].v.i];
        keel_value v = {.size = sizeof v};
        st = exists ? keel_key_lookup(p, f->ptr, f->len, &v) : KEEL_NOTFOUND;
        if (st == KEEL_MOVED || st == KEEL_WAIT) break;
        if (st == KEEL_OK)
            keel_reply_stored(p, &v);
        else
            keel_reply_nil(p);
        p->reg[0].v.i++;
        keel_charge(p, 1);
    }
    map_close(p);
    KEEL_OP_PROPAGATE(st);
    return r;
}

static const keel_opcode_def hget_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "maps.hget",
     .fn = op_hget,
     .synopsis = "reply field argv[2] of map argv[1] (imm 1: whether it exists, 2: its length)",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
    {.size = sizeof(keel_opcode_def),
     .name = "maps.hmget",
     .fn = op_hmget,
     .synopsis = "reply fields argv[2..] of map argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_YIELD},
};

static const keel_insn_def hget_prog[] = {{.op = "maps.hget", .imm = HGET_GET}, KEEL_END};
static const keel_insn_def hexists_prog[] = {{.op = "maps.hget", .imm = HGET_EXISTS}, KEEL_END};
static const keel_insn_def hstrlen_prog[] = {{.op = "maps.hget", .imm = HGET_STRLEN}, KEEL_END};
static const keel_insn_def hmget_prog[] = {{.op = "maps.hmget"}, KEEL_END};

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "hash",   \
    .since = "0.1.0"
static const keel_cmd_def hget_cmds[] = {
    {KEY1, .name = "HGET", .arity = 3, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Returns a field's value (any type, as GET shows it), or nil.",
     .syntax = "HGET key field", .program = hget_prog},
    {KEY1, .name = "HMGET", .arity = -3, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Returns the values of fields, nil for missing ones.",
     .syntax = "HMGET key field [field ...]", .program = hmget_prog},
    {KEY1, .name = "HEXISTS", .arity = 3, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Returns 1 if the map has the field, else 0.", .syntax = "HEXISTS key field",
     .program = hexists_prog},
    {KEY1, .name = "HSTRLEN", .arity = 3, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Returns the length of a field's string value (0 when missing).",
     .syntax = "HSTRLEN key field", .program = hstrlen_prog},
};

const keel_family map_hget_family = KEEL_FAMILY(hget_ops, hget_cmds);
