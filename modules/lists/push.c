/* push.c -- adding elements at either end: LPUSH, RPUSH, LPUSHX, RPUSHX. */
#include "family.h"
#include "listobj.h"

/* Which command runs lists.push: bit 0 = the tail (RPUSH), bit 1 = only onto an existing list
 * (the X forms). */
enum { PUSH_TAIL = 1, PUSH_EXISTING = 2 };

/* Bytes of an element that cost one more reduction. */
#define BYTES_PER_REDUCTION 1024

/* Opcode: lists.push
 * LPUSH/RPUSH/LPUSHX/RPUSHX key element [element ...] (imm: PUSH_* bits): pushes the elements
 * one by one at the head or the tail, creating the list unless PUSH_EXISTING, then wakes the
 * processes blocked on the key; replies the new length (0 for an X form on a missing key).
 * Registers: r0 = the next argument to push (from 2).  Reductions 1 per element plus 1 per KiB,
 * plus the chunk index's work when a chunk is added at the head.
 * May yield (between elements; the key stays locked), hop and block. */
static keel_op_result op_push(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1];
    dk_list_end end = (in->imm & PUSH_TAIL) ? DK_LIST_TAIL : DK_LIST_HEAD;
    dk_list *l;
    keel_status st = lst_find(p, key->ptr, key->len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
    if (p->reg[0].type == DK_NULL) p->reg[0] = dk_i64(2);
    if (st == KEEL_NOTFOUND) {
        if ((in->imm & PUSH_EXISTING) && p->reg[0].v.i == 2) {
            keel_reply_int(p, 0);
            return KEEL_NEXT;
        }
        st = lst_create(p, key->ptr, key->len, &l);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return lst_oom(p);
    }
    for (uint32_t i = (uint32_t)p->reg[0].v.i; i < p->argc;) {
        dk_val v = lst_box(&p->argv[i]);
        size_t before = dk_list_chunks(l);
        if (!dk_list_push(l, end, &v)) {
            lst_settle(p, key->ptr, key->len, l);
            return lst_oom(p);
        }
        p->reg[0].v.i = ++i;
        /* a chunk added at the tail costs the chunk index nothing now (no move, no rebuild) */
        bool spent = end == DK_LIST_TAIL ? keel_charge(p, 1) : lst_charge_step(p, l, before);
        spent |= keel_charge(p, (int64_t)(p->argv[i - 1].len / BYTES_PER_REDUCTION));
        if (spent && i < p->argc) return KEEL_YIELD;
    }
    st = keel_key_signal(p, key->ptr, key->len);
    KEEL_OP_PROPAGATE(st);
    keel_notify(p, KEEL_NOTIFY_LIST, end == DK_LIST_TAIL ? "rpush" : "lpush", key->ptr, key->len);
    keel_reply_int(p, (int64_t)dk_list_len(l));
    return KEEL_NEXT;
}

static const keel_opcode_def push_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "lists.push",
     .fn = op_push,
     .synopsis = "push argv[2..] onto argv[1] (imm 1: at the tail, 2: only if it exists); "
                 "r0 = next argument",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

#define PROG(NAME, IMM)                                                                            \
    static const keel_insn_def NAME[] = {{.op = "lists.push", .imm = IMM}, KEEL_END}
PROG(lpush_prog, 0);
PROG(rpush_prog, PUSH_TAIL);
PROG(lpushx_prog, PUSH_EXISTING);
PROG(rpushx_prog, PUSH_TAIL | PUSH_EXISTING);

static const keel_cmd_def push_cmds[] = {
    {LST_KEY1, .name = "LPUSH", .arity = -3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Prepends elements to a list (the last one given ends first), creating it; "
                "replies the new length.",
     .syntax = "LPUSH key element [element ...]", .program = lpush_prog},
    {LST_KEY1, .name = "RPUSH", .arity = -3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Appends elements to a list, creating it; replies the new length.",
     .syntax = "RPUSH key element [element ...]", .program = rpush_prog},
    {LST_KEY1, .name = "LPUSHX", .arity = -3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Prepends elements only if the list exists; replies the new length, or 0.",
     .syntax = "LPUSHX key element [element ...]", .program = lpushx_prog},
    {LST_KEY1, .name = "RPUSHX", .arity = -3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Appends elements only if the list exists; replies the new length, or 0.",
     .syntax = "RPUSHX key element [element ...]", .program = rpushx_prog},
};

const keel_family lst_push_family = KEEL_FAMILY(push_ops, push_cmds);
