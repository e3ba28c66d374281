/* edit.c -- changes in the middle of a list: LINSERT and LREM, walking with a cursor that
 * survives yields. */
#include "family.h"
#include "listobj.h"
#include "parse.h"

/* ======== LINSERT ======== */

/* Opcode: lists.linsert
 * LINSERT key BEFORE|AFTER pivot element: inserts element next to the first occurrence of pivot
 * (from the head); replies the new length, -1 when pivot is absent, 0 when the key is missing.
 * Registers: r0 = the search cursor (a dk_iter in the arena).  Reductions 1 per element
 * compared.  May yield (during the search), hop, block. */
static keel_op_result op_linsert(keel_proc *p, const keel_insn *in) {
    (void)in;
    bool after;
    if (keel_arg_is(&p->argv[2], "AFTER"))
        after = true;
    else if (keel_arg_is(&p->argv[2], "BEFORE"))
        after = false;
    else {
        keel_reply_error(p, "ERR syntax error");
        return KEEL_FAIL;
    }
    dk_list *l;
    keel_status st = lst_find(p, p->argv[1].ptr, p->argv[1].len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    if (p->reg[0].type == DK_NULL) {
        dk_iter *it = keel_proc_alloc(p, sizeof *it);
        *it = dk_iter_at(0);
        p->reg[0] = dk_ptr(it);
    }
    dk_iter *it = (dk_iter *)p->reg[0].v.ptr;
    dk_val pivot = lst_box(&p->argv[3]), v;
    while (dk_list_next(l, it, &v)) {
        if (dk_val_eq(&v, &pivot)) {
            dk_val elem = lst_box(&p->argv[4]);
            size_t at = (size_t)it->pos - (after ? 0 : 1), before = dk_list_chunks(l);
            if (!dk_list_insert(l, at, &elem)) return lst_oom(p);
            lst_charge_step(p, l, before);
            keel_notify(p, KEEL_NOTIFY_LIST, "linsert", p->argv[1].ptr, p->argv[1].len);
            keel_reply_int(p, (int64_t)dk_list_len(l));
            return KEEL_NEXT;
        }
        if (keel_charge(p, 1)) return KEEL_YIELD;
    }
    keel_reply_int(p, -1);
    return KEEL_NEXT;
}

/* ======== LREM ======== */

/* Opcode: lists.lrem
 * LREM key count element: removes the first count occurrences of element from the head
 * (count > 0), the last -count from the tail (count < 0) or all of them (0); deletes the key
 * when it empties; replies how many went (0 when missing).  Registers: r0 = the cursor (a
 * dk_iter in the arena), r1 = removed so far, r2 = 1 once the lrem event is sent.  Reductions 1 per
 * element compared, plus each removal's chunk work.  May yield, hop, block. */
static keel_op_result op_lrem(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t count;
    if (!lst_arg_long(p, &p->argv[2], &count)) return KEEL_FAIL;
    const keel_arg *key = &p->argv[1];
    dk_list *l;
    keel_status st = lst_find(p, key->ptr, key->len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
    if (st == KEEL_NOTFOUND) { /* (or it expired while the walk yielded) */
        keel_reply_int(p, p->reg[1].type == DK_NULL ? 0 : p->reg[1].v.i);
        return KEEL_NEXT;
    }
    bool back = count < 0;
    uint64_t limit = back ? (uint64_t)0 - (uint64_t)count : (uint64_t)count;
    if (p->reg[0].type == DK_NULL) {
        dk_iter *it = keel_proc_alloc(p, sizeof *it);
        *it = dk_iter_at(back ? dk_list_len(l) - 1 : 0);
        p->reg[0] = dk_ptr(it);
        p->reg[1] = dk_i64(0);
    }
    dk_iter *it = (dk_iter *)p->reg[0].v.ptr;
    dk_val target = lst_box(&p->argv[3]), v;
    while (limit == 0 || (uint64_t)p->reg[1].v.i < limit) {
        if (!(back ? dk_list_prev(l, it, &v) : dk_list_next(l, it, &v))) break;
        bool spent;
        if (dk_val_eq(&v, &target)) {
            /* the element just read is at pos + 1 walking back, pos - 1 walking forward; the
             * cursor then names the same next element (forward: one position lower) */
            size_t at = back ? (size_t)(it->pos + 1) : (size_t)(it->pos - 1);
            size_t before = dk_list_chunks(l);
            dk_list_delete(l, at, 1);
            if (!back) it->pos--;
            p->reg[1].v.i++;
            spent = lst_charge_step(p, l, before);
        } else {
            spent = keel_charge(p, 1);
        }
        if (spent) return KEEL_YIELD;
    }
    if (p->reg[1].v.i > 0 && (p->reg[2].type == DK_NULL)) { /* once, even if settling hops */
        keel_notify(p, KEEL_NOTIFY_LIST, "lrem", key->ptr, key->len);
        p->reg[2] = dk_i64(1);
    }
    st = lst_settle(p, key->ptr, key->len, l);
    KEEL_OP_PROPAGATE(st);
    keel_reply_int(p, p->reg[1].v.i);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN)                                                                          \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }
static const keel_opcode_def edit_ops[] = {
    OP("lists.linsert", op_linsert,
       "insert argv[4] before/after (argv[2]) the first argv[3] in "
       "argv[1]; r0 = cursor"),
    OP("lists.lrem", op_lrem,
       "remove argv[2] occurrences of argv[3] from argv[1]; r0 = cursor, "
       "r1 = removed"),
};

static const keel_insn_def linsert_prog[] = {{.op = "lists.linsert"}, KEEL_END};
static const keel_insn_def lrem_prog[] = {{.op = "lists.lrem"}, KEEL_END};

static const keel_cmd_def edit_cmds[] = {
    {LST_KEY1, .name = "LINSERT", .arity = 5, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .summary = "Inserts an element before or after the first occurrence of a pivot; replies "
                "the new length, -1 without the pivot, 0 without the key.",
     .syntax = "LINSERT key BEFORE | AFTER pivot element", .program = linsert_prog},
    {LST_KEY1, .name = "LREM", .arity = 4, .flags = KEEL_CMD_WRITE,
     .summary = "Removes occurrences of an element (count > 0 from the head, < 0 from the tail, "
                "0 all); replies how many.",
     .syntax = "LREM key count element", .program = lrem_prog},
};

const keel_family lst_edit_family = KEEL_FAMILY(edit_ops, edit_cmds);
