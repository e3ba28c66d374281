/* access.c -- one element or the length: LLEN, LINDEX, LSET. */
#include "family.h"
#include "listobj.h"
#include "parse.h"

/* Opcode: lists.llen
 * LLEN key: replies the number of elements (0 when missing).  Reductions 1.  May hop, block. */
static keel_op_result op_llen(keel_proc *p, const keel_insn *in) {
    (void)in;
    dk_list *l;
    keel_status st = lst_find(p, p->argv[1].ptr, p->argv[1].len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
    keel_reply_int(p, st == KEEL_OK ? (int64_t)dk_list_len(l) : 0);
    return KEEL_NEXT;
}

/* Opcode: lists.lindex
 * LINDEX key index: replies the element at index (negative counts from the end), nil when
 * outside the list or missing.  As in Redis the key is checked before the index is parsed.
 * Reductions 1 (O(log chunks) plus one chunk's walk).  May hop, block. */
static keel_op_result op_lindex(keel_proc *p, const keel_insn *in) {
    (void)in;
    dk_list *l;
    keel_status st = lst_find(p, p->argv[1].ptr, p->argv[1].len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        keel_reply_nil(p);
        return KEEL_NEXT;
    }
    int64_t index;
    if (!lst_arg_long(p, &p->argv[2], &index)) return KEEL_FAIL;
    size_t i;
    dk_val v;
    if (lst_index(index, dk_list_len(l), &i) && dk_list_index(l, i, &v))
        lst_reply_elem(p, &v);
    else
        keel_reply_nil(p);
    return KEEL_NEXT;
}

/* Opcode: lists.lset
 * LSET key index element: replaces the element at index; replies OK.  Errors, in Redis's
 * order: "ERR no such key", WRONGTYPE, a bad index, "ERR index out of range".  Reductions 1.
 * May hop, block. */
static keel_op_result op_lset(keel_proc *p, const keel_insn *in) {
    (void)in;
    dk_list *l;
    keel_status st = lst_find(p, p->argv[1].ptr, p->argv[1].len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        keel_reply_error(p, "ERR no such key");
        return KEEL_FAIL;
    }
    int64_t index;
    if (!lst_arg_long(p, &p->argv[2], &index)) return KEEL_FAIL;
    size_t i;
    if (!lst_index(index, dk_list_len(l), &i)) {
        keel_reply_error(p, "ERR index out of range");
        return KEEL_FAIL;
    }
    dk_val v = lst_box(&p->argv[3]);
    size_t before = dk_list_chunks(l);
    if (!dk_list_set(l, i, &v)) return lst_oom(p);
    lst_charge_step(p, l, before);
    keel_notify(p, KEEL_NOTIFY_LIST, "lset", p->argv[1].ptr, p->argv[1].len);
    keel_reply_ok(p);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN)                                                                          \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                                               \
    }
static const keel_opcode_def access_ops[] = {
    OP("lists.llen", op_llen, "reply argv[1]'s length"),
    OP("lists.lindex", op_lindex, "reply argv[1]'s element at index argv[2]"),
    OP("lists.lset", op_lset, "set argv[1]'s element at index argv[2] to argv[3]"),
};

static const keel_insn_def llen_prog[] = {{.op = "lists.llen"}, KEEL_END};
static const keel_insn_def lindex_prog[] = {{.op = "lists.lindex"}, KEEL_END};
static const keel_insn_def lset_prog[] = {{.op = "lists.lset"}, KEEL_END};

static const keel_cmd_def access_cmds[] = {
    {LST_KEY1, .name = "LLEN", .arity = 2, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Returns the length of a list (0 when the key does not exist).",
     .syntax = "LLEN key", .program = llen_prog},
    {LST_KEY1, .name = "LINDEX", .arity = 3, .flags = KEEL_CMD_READONLY,
     .summary = "Returns the element at an index (negative counts from the end), or nil.",
     .syntax = "LINDEX key index", .program = lindex_prog},
    {LST_KEY1, .name = "LSET", .arity = 4, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .summary = "Replaces the element at an index (negative counts from the end).",
     .syntax = "LSET key index element", .program = lset_prog},
};

const keel_family lst_access_family = KEEL_FAMILY(access_ops, access_cmds);
