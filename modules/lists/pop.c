/* pop.c -- removing elements from an end: LPOP and RPOP (with a count), LMPOP, and the blocking
 * BLPOP, BRPOP and BLMPOP, which pop from the first non-empty list among several keys on any
 * shards, or park until a push. */
#include "family.h"
#include "listobj.h"
#include "parse.h"

/* ======== shared: popping into the reply ======== */

/* Pops the elements counted down in *left (a register) from l's end, replying each as it goes.
 * Returns false when the budget ran out with elements left (the caller yields), true when done.
 * At least one element is popped per call. */
static bool pop_into_reply(keel_proc *p, dk_list *l, dk_list_end end, dk_val *left) {
    while (left->v.i > 0) {
        dk_val v;
        if (!dk_list_peek(l, end, &v)) {
            left->v.i = 0;
            break;
        }
        lst_reply_elem(p, &v);
        size_t before = dk_list_chunks(l);
        dk_list_pop(l, end);
        left->v.i--;
        bool spent = keel_charge(p, 1); /* the reply node */
        spent |= lst_charge_step(p, l, before);
        if (spent && left->v.i > 0) return false;
    }
    return true;
}

/* ======== LPOP / RPOP ======== */

/* Opcode: lists.pop
 * LPOP/RPOP key [count] (imm: the end, DK_LIST_HEAD or DK_LIST_TAIL): without a count replies the
 * popped element or nil; with one, an array of up to count elements (nil when the key is
 * missing, empty for count 0).  Deletes the key when it empties.  Registers: r0 = elements
 * still to pop (null until the reply is started).  Reductions 2 per element.  May yield, hop,
 * block. */
static keel_op_result op_pop(keel_proc *p, const keel_insn *in) {
    if (p->argc > 3) {
        keel_reply_error(p, "ERR wrong number of arguments for '%s' command", keel_proc_command(p));
        return KEEL_FAIL;
    }
    const keel_arg *key = &p->argv[1];
    bool counted = p->argc == 3;
    int64_t count = 1;
    if (counted &&
        !lst_arg_atleast(p, &p->argv[2], 0, "value is out of range, must be positive", &count))
        return KEEL_FAIL;
    dk_list *l;
    keel_status st = lst_find(p, key->ptr, key->len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
    if (st == KEEL_NOTFOUND) { /* LPOP key count: a null array, as in Redis */
        if (p->reg[0].type == DK_NULL) counted ? keel_reply_nil_array(p) : keel_reply_nil(p);
        return KEEL_NEXT; /* (or the list expired while this pop yielded: the core pads) */
    }
    if (p->reg[0].type == DK_NULL) {
        size_t n = dk_list_len(l);
        if ((uint64_t)count < n) n = (size_t)count;
        if (counted) keel_reply_array(p, n);
        p->reg[0] = dk_i64((int64_t)n);
    }
    if (!pop_into_reply(p, l, (dk_list_end)in->imm, &p->reg[0])) return KEEL_YIELD;
    if (!counted || count > 0)
        keel_notify(p, KEEL_NOTIFY_LIST, in->imm == DK_LIST_TAIL ? "rpop" : "lpop", key->ptr,
                    key->len);
    st = lst_settle(p, key->ptr, key->len, l);
    KEEL_OP_PROPAGATE(st);
    return KEEL_NEXT;
}

/* ======== LMPOP / BLPOP / BRPOP / BLMPOP ======== */

/* Which command runs lists.mpop (its imm). */
enum { MP_BLPOP = 0, MP_BRPOP, MP_LMPOP, MP_BLMPOP };

/* One call's arguments. */
typedef struct mpop_args {
    dk_list_end end;
    bool nested; /* reply [key, [elements]] (LMPOP) rather than [key, element] */
    bool blocking;
    int64_t count;      /* elements to pop at most */
    int64_t timeout_ms; /* blocking: 0 = forever */
} mpop_args;

/* The argv index of numkeys in LMPOP (1) and BLMPOP (2). */
static int numkeys_at(int imm) {
    return imm == MP_LMPOP ? 1 : 2;
}

/* Reads numkeys, the direction and COUNT of LMPOP/BLMPOP the way Redis does.  Replies the
 * error and returns false on bad input. */
static bool mpop_read_counted(keel_proc *p, int imm, mpop_args *a) {
    int at = numkeys_at(imm);
    int64_t numkeys;
    if (!lst_arg_atleast(p, &p->argv[at], 1, "numkeys should be greater than 0", &numkeys))
        return false;
    if (numkeys >= (int64_t)p->argc - at - 1) {
        keel_reply_error(p, "ERR syntax error");
        return false;
    }
    uint32_t where = (uint32_t)(at + numkeys + 1);
    if (!lst_arg_end(p, &p->argv[where], &a->end)) return false;
    a->count = -1;
    for (uint32_t j = where + 1; j < p->argc; j++) {
        if (a->count == -1 && keel_arg_is(&p->argv[j], "COUNT") && j + 1 < p->argc) {
            if (!lst_arg_atleast(p, &p->argv[++j], 1, "count should be greater than 0", &a->count))
                return false;
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    if (a->count == -1) a->count = 1;
    a->nested = true;
    return true;
}

static bool mpop_read(keel_proc *p, int imm, mpop_args *a) {
    a->blocking = imm != MP_LMPOP;
    a->timeout_ms = 0;
    if (imm == MP_BLPOP || imm == MP_BRPOP) {
        a->end = imm == MP_BLPOP ? DK_LIST_HEAD : DK_LIST_TAIL;
        a->nested = false;
        a->count = 1;
        return lst_arg_timeout(p, &p->argv[p->argc - 1], &a->timeout_ms);
    }
    if (!mpop_read_counted(p, imm, a)) return false;
    return imm == MP_LMPOP || lst_arg_timeout(p, &p->argv[1], &a->timeout_ms);
}

/* Key positions of LMPOP (numkeys at argv[1]) and BLMPOP (at argv[2]): numkeys keys after it,
 * or none when numkeys is malformed (the opcode then replies Redis's error). */
static int counted_keys(int at, int argc, const keel_arg *argv, int *pos, int max) {
    int64_t numkeys;
    if (argc <= at || !keel_arg_i64(&argv[at], &numkeys) || numkeys < 1 ||
        numkeys >= (int64_t)argc - at - 1)
        return 0;
    for (int i = 0; i < (int)numkeys && i < max; i++)
        pos[i] = at + 1 + i;
    return (int)numkeys;
}

static int lmpop_keys(int argc, const keel_arg *argv, int *pos, int max) {
    return counted_keys(1, argc, argv, pos, max);
}

static int blmpop_keys(int argc, const keel_arg *argv, int *pos, int max) {
    return counted_keys(2, argc, argv, pos, max);
}

/* Scans every key (in shard order, one hop per shard) for the first, in argument order, that
 * holds a non-empty list or another type.  Registers: r0 = keys scanned, r1 = that key's argv
 * index (null: none yet), r2 = 1 when it holds another type.  KEEL_NEXT when the scan is done;
 * otherwise what the handler returns now. */
static keel_op_result mpop_scan(keel_proc *p) {
    if (p->reg[0].type == DK_NULL) p->reg[0] = dk_i64(0);
    uint32_t n = keel_key_count(p);
    while ((uint32_t)p->reg[0].v.i < n) {
        if (p->budget <= 0) return KEEL_YIELD;
        keel_arg k;
        uint32_t argi;
        keel_status st = keel_key_nth(p, (uint32_t)p->reg[0].v.i, &k, &argi);
        KEEL_OP_PROPAGATE(st);
        dk_list *l;
        st = lst_find(p, k.ptr, k.len, &l);
        KEEL_OP_PROPAGATE(st);
        bool hit = st == KEEL_EWRONGTYPE || (st == KEEL_OK && dk_list_len(l) > 0);
        if (hit && (p->reg[1].type == DK_NULL || argi < (uint32_t)p->reg[1].v.i)) {
            p->reg[1] = dk_i64(argi);
            p->reg[2] = dk_i64(st == KEEL_EWRONGTYPE);
        }
        p->reg[0].v.i++;
        keel_charge(p, 1);
    }
    return KEEL_NEXT;
}

/* Nothing to pop: replies nil (non-blocking) or parks the process on
 * its keys until a push, its deadline or its client's disconnection. */
static keel_op_result mpop_wait(keel_proc *p, const mpop_args *a) {
    if (!a->blocking) {
        keel_reply_nil_array(p); /* *-1, as Redis answers BLPOP's timeout and an empty LMPOP */
        return KEEL_NEXT;
    }
    if (keel_block_keys(p, a->timeout_ms) != KEEL_OK) {
        keel_reply_error(p, "ERR cannot block on these keys");
        return KEEL_FAIL;
    }
    return KEEL_BLOCK;
}

/* Opcode: lists.mpop
 * BLPOP/BRPOP key [key ...] timeout, LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT n] and
 * BLMPOP timeout numkeys ... (imm: MP_*): pops from the first key, in argument order, holding a
 * non-empty list (WRONGTYPE when a key before it holds another type) and replies [key, element]
 * (BLPOP, BRPOP) or [key, [elements]] (LMPOP, BLMPOP).  With nothing to pop LMPOP replies nil;
 * the blocking forms park on every key (keel_block_keys) and run again when one is pushed to,
 * replying nil once their timeout (kept across parks by keel_block_keys) passes or their client
 * goes. Registers: r0 = keys scanned, r1 = argv index of the key to pop, r2 = 1 if it holds another
 * type, r3 = elements still to pop.  Reductions 1 per key, 2 per element.  May yield, hop,
 * block (a lock, or a park). */
static keel_op_result op_mpop(keel_proc *p, const keel_insn *in) {
    mpop_args a;
    if (!mpop_read(p, (int)in->imm, &a)) return KEEL_FAIL;
    if (a.blocking && keel_proc_timed_out(p)) {
        keel_reply_nil_array(p);
        return KEEL_NEXT;
    }
    keel_op_result r;
    if (p->reg[3].type == DK_NULL && (r = mpop_scan(p)) != KEEL_NEXT) return r;
    if (p->reg[1].type == DK_NULL) return mpop_wait(p, &a);
    if (p->reg[2].v.i) return lst_wrongtype(p);
    const keel_arg *key = &p->argv[p->reg[1].v.i];
    dk_list *l;
    keel_status st = lst_find(p, key->ptr, key->len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) { /* it expired since the scan: scan again, or end a started reply */
        if (p->reg[3].type != DK_NULL) return KEEL_NEXT;
        p->reg[0] = p->reg[1] = dk_null();
        return KEEL_YIELD;
    }
    if (p->reg[3].type == DK_NULL) {
        size_t n = dk_list_len(l);
        if ((uint64_t)a.count < n) n = (size_t)a.count;
        keel_reply_array(p, 2);
        keel_reply_bulk(p, key->ptr, key->len);
        if (a.nested) keel_reply_array(p, n);
        p->reg[3] = dk_i64((int64_t)n);
    }
    if (!pop_into_reply(p, l, a.end, &p->reg[3])) return KEEL_YIELD;
    keel_notify(p, KEEL_NOTIFY_LIST, a.end == DK_LIST_TAIL ? "rpop" : "lpop", key->ptr, key->len);
    st = lst_settle(p, key->ptr, key->len, l);
    KEEL_OP_PROPAGATE(st);
    return KEEL_NEXT;
}

/* ======== tables ======== */

#define OP(NAME, FN, SYN)                                                                          \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }
static const keel_opcode_def pop_ops[] = {
    OP("lists.pop", op_pop,
       "pop from argv[1]'s head (imm 0) or tail (imm 1), argv[2] elements; "
       "r0 = left to pop"),
    OP("lists.mpop", op_mpop,
       "pop from the first non-empty key, or park (imm: BLPOP BRPOP LMPOP "
       "BLMPOP); r0..r3 = scan and pop progress"),
};

static const keel_insn_def lpop_prog[] = {{.op = "lists.pop", .imm = DK_LIST_HEAD}, KEEL_END};
static const keel_insn_def rpop_prog[] = {{.op = "lists.pop", .imm = DK_LIST_TAIL}, KEEL_END};
static const keel_insn_def blpop_prog[] = {{.op = "lists.mpop", .imm = MP_BLPOP}, KEEL_END};
static const keel_insn_def brpop_prog[] = {{.op = "lists.mpop", .imm = MP_BRPOP}, KEEL_END};
static const keel_insn_def lmpop_prog[] = {{.op = "lists.mpop", .imm = MP_LMPOP}, KEEL_END};
static const keel_insn_def blmpop_prog[] = {{.op = "lists.mpop", .imm = MP_BLMPOP}, KEEL_END};

#define BLOCKS KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY | KEEL_CMD_BLOCKING
static const keel_cmd_def pop_cmds[] = {
    {LST_KEY1, .name = "LPOP", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Removes and returns the first element of a list, or the first count elements.",
     .syntax = "LPOP key [count]", .program = lpop_prog},
    {LST_KEY1, .name = "RPOP", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Removes and returns the last element of a list, or the last count elements.",
     .syntax = "RPOP key [count]", .program = rpop_prog},
    {LST_CMD, .name = "LMPOP", .arity = -4, .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY,
     .keys = lmpop_keys,
     .summary = "Pops up to count elements from the first non-empty list among the keys; "
                "replies [key, [elements]] or nil.",
     .syntax = "LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]", .program = lmpop_prog},
    {LST_CMD, .name = "BLPOP", .arity = -3, .flags = BLOCKS, .first_key = 1, .last_key = -2,
     .key_step = 1,
     .summary = "Pops the first element of the first non-empty list, or waits (timeout in "
                "seconds, 0 = forever) for a push; replies [key, element] or nil.",
     .syntax = "BLPOP key [key ...] timeout", .program = blpop_prog},
    {LST_CMD, .name = "BRPOP", .arity = -3, .flags = BLOCKS, .first_key = 1, .last_key = -2,
     .key_step = 1,
     .summary = "Pops the last element of the first non-empty list, or waits (timeout in "
                "seconds, 0 = forever) for a push; replies [key, element] or nil.",
     .syntax = "BRPOP key [key ...] timeout", .program = brpop_prog},
    {LST_CMD, .name = "BLMPOP", .arity = -5, .flags = BLOCKS, .keys = blmpop_keys,
     .summary = "LMPOP that waits (timeout in seconds, 0 = forever) while every list is empty.",
     .syntax = "BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]",
     .program = blmpop_prog},
};

const keel_family lst_pop_family = KEEL_FAMILY(pop_ops, pop_cmds);
