/* pos.c -- finding elements: LPOS (RANK, COUNT, MAXLEN), walking with a cursor that survives
 * yields. */
#include "family.h"
#include "listobj.h"
#include "parse.h"

/* LPOS's options. */
typedef struct pos_args {
    int64_t rank;   /* 1 = the first match; negative: from the tail */
    int64_t count;  /* -1 = not given (reply one index); 0 = every match */
    int64_t maxlen; /* elements compared at most, 0 = all */
} pos_args;

/* Reads the options (argv[3..]) with Redis's rules and error texts. */
static bool pos_read(keel_proc *p, pos_args *a) {
    a->rank = 1;
    a->count = -1;
    a->maxlen = 0;
    for (uint32_t j = 3; j < p->argc; j++) {
        const keel_arg *opt = &p->argv[j];
        bool more = j + 1 < p->argc;
        if (keel_arg_is(opt, "RANK") && more) {
            if (!lst_arg_long(p, &p->argv[++j], &a->rank)) return false;
            if (a->rank == INT64_MIN) {
                keel_reply_error(p, "ERR value is out of range, value must between "
                                    "-9223372036854775807 and 9223372036854775807");
                return false;
            }
            if (a->rank == 0) {
                keel_reply_error(p, "ERR RANK can't be zero: use 1 to start from the first match, "
                                    "2 from the second ... or use negative to start from the end "
                                    "of the list");
                return false;
            }
        } else if (keel_arg_is(opt, "COUNT") && more) {
            if (!lst_arg_atleast(p, &p->argv[++j], 0, "COUNT can't be negative", &a->count))
                return false;
        } else if (keel_arg_is(opt, "MAXLEN") && more) {
            if (!lst_arg_atleast(p, &p->argv[++j], 0, "MAXLEN can't be negative", &a->maxlen))
                return false;
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* Opcode: lists.lpos
 * LPOS key element [RANK rank] [COUNT n] [MAXLEN len]: replies the index of the rank-th match of
 * element (from the tail for a negative rank) or nil; with COUNT, an array of the indexes of up
 * to n matches from there (every match for 0; empty when none or when the key is missing).
 * MAXLEN bounds how many elements are compared.  Registers: r0 = the cursor (a dk_iter in the
 * arena), r1 = elements compared, r2 = matches seen, r3 = indexes replied (COUNT).  Reductions
 * 1 per element compared.  May yield, hop, block. */
static keel_op_result op_lpos(keel_proc *p, const keel_insn *in) {
    (void)in;
    pos_args a;
    if (!pos_read(p, &a)) return KEEL_FAIL;
    bool back = a.rank < 0;
    uint64_t rank = back ? (uint64_t)-a.rank : (uint64_t)a.rank;
    dk_list *l;
    keel_status st = lst_find(p, p->argv[1].ptr, p->argv[1].len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
    if (st == KEEL_NOTFOUND) { /* (or it expired while the walk yielded: the core closes) */
        if (p->reg[0].type != DK_NULL) return KEEL_NEXT;
        if (a.count != -1)
            keel_reply_array(p, 0);
        else
            keel_reply_nil(p);
        return KEEL_NEXT;
    }
    size_t len = dk_list_len(l);
    if (p->reg[0].type == DK_NULL) {
        dk_iter *it = keel_proc_alloc(p, sizeof *it);
        *it = dk_iter_at(back ? len - 1 : 0);
        p->reg[0] = dk_ptr(it);
        p->reg[1] = p->reg[2] = p->reg[3] = dk_i64(0);
        if (a.count != -1) keel_reply_open(p, KEEL_REPLY_ARRAY);
    }
    dk_iter *it = (dk_iter *)p->reg[0].v.ptr;
    dk_val target = lst_box(&p->argv[2]), v;
    while (a.maxlen == 0 || p->reg[1].v.i < a.maxlen) {
        if (!(back ? dk_list_prev(l, it, &v) : dk_list_next(l, it, &v))) break;
        int64_t index = p->reg[1].v.i++;
        if (dk_val_eq(&v, &target) && (uint64_t)++p->reg[2].v.i >= rank) {
            int64_t at = back ? (int64_t)len - index - 1 : index;
            if (a.count == -1) {
                keel_reply_int(p, at);
                return KEEL_NEXT;
            }
            keel_reply_int(p, at);
            if (a.count && ++p->reg[3].v.i >= a.count) break;
        }
        if (keel_charge(p, 1)) return KEEL_YIELD;
    }
    if (a.count != -1)
        keel_reply_close(p);
    else
        keel_reply_nil(p);
    return KEEL_NEXT;
}

static const keel_opcode_def pos_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "lists.lpos",
     .fn = op_lpos,
     .synopsis = "reply the index(es) of argv[2] in argv[1]; r0 = cursor, r1 = compared, "
                 "r2 = matches, r3 = replied",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def lpos_prog[] = {{.op = "lists.lpos"}, KEEL_END};

static const keel_cmd_def pos_cmds[] = {
    {LST_KEY1, .name = "LPOS", .arity = -3, .flags = KEEL_CMD_READONLY,
     .summary = "Returns the index of a matching element (RANK: which match, negative from the "
                "tail; COUNT: several, as an array; MAXLEN: compare at most that many).",
     .syntax = "LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
     .program = lpos_prog},
};

const keel_family lst_pos_family = KEEL_FAMILY(pos_ops, pos_cmds);
