/* range.c -- reading entries by ID range: XRANGE and XREVRANGE. */
#include "family.h"
#include "sobj.h"

/* A range bound as Redis's streamParseIntervalIDOrReply reads it: "(" makes it exclusive (the
 * rest strict), else "-", "+", "ms" (seq = missing_seq) or "ms-seq". */
static bool parse_bound(keel_proc *p, const keel_arg *a, uint64_t missing_seq, dk_sid *id,
                        bool *exclusive) {
    *exclusive = a->len > 1 && a->ptr[0] == '(';
    if (*exclusive) {
        keel_arg rest = {a->ptr + 1, a->len - 1};
        return xs_parse_id(p, &rest, true, missing_seq, id, NULL);
    }
    return xs_parse_id(p, a, false, missing_seq, id, NULL);
}

/* XRANGE's and XREVRANGE's arguments: the low and high bounds (inclusive) and COUNT (-1: none,
 * 0: reply a null array). */
static bool range_args(keel_proc *p, bool rev, dk_sid *lo, dk_sid *hi, int64_t *count) {
    const keel_arg *starg = &p->argv[rev ? 3 : 2], *endarg = &p->argv[rev ? 2 : 3];
    bool ex;
    if (!parse_bound(p, starg, 0, lo, &ex)) return false;
    if (ex && !xs_id_incr(lo)) {
        xs_error(p, "ERR invalid start ID for the interval");
        return false;
    }
    if (!parse_bound(p, endarg, UINT64_MAX, hi, &ex)) return false;
    if (ex && !xs_id_decr(hi)) {
        xs_error(p, "ERR invalid end ID for the interval");
        return false;
    }
    *count = -1;
    for (uint32_t j = 4; j < p->argc; j++) {
        if (keel_arg_is(&p->argv[j], "COUNT") && j + 1 < p->argc) {
            if (!xs_arg_int(p, &p->argv[++j], count)) return false;
            if (*count < 0) *count = 0;
        } else {
            xs_syntax(p);
            return false;
        }
    }
    return true;
}

/* Opcode: streams.range
 * XRANGE key start end [COUNT n] (imm 0) and XREVRANGE key end start [COUNT n] (imm 1): the
 * entries between the bounds, oldest first (XREVRANGE: newest first); "(" excludes a bound;
 * COUNT 0 replies a null array.  Registers: r0 = started, r1/r2 = the next ID to read (ms, seq),
 * r3 = entries still allowed (-1: no COUNT).  Reductions XS_COST_ENTRY per entry.  May yield,
 * hop, block. */
static keel_op_result op_range(keel_proc *p, const keel_insn *in) {
    bool rev = in->imm == 1;
    dk_sid lo, hi;
    int64_t count;
    if (!range_args(p, rev, &lo, &hi, &count)) return KEEL_FAIL;
    xs_stream *s = NULL;
    keel_status st = xs_find(p, &p->argv[1], &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return xs_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        keel_reply_array(p, 0);
        return KEEL_NEXT;
    }
    if (count == 0) {
        keel_reply_nil_array(p);
        return KEEL_NEXT;
    }
    if (p->reg[0].type == DK_NULL) {
        dk_sid from = rev ? hi : lo;
        p->reg[0] = dk_i64(1);
        p->reg[1] = dk_u64(from.ms);
        p->reg[2] = dk_u64(from.seq);
        p->reg[3] = dk_i64(count);
        keel_reply_open(p, KEEL_REPLY_ARRAY);
    }
    dk_sid from = {p->reg[1].v.u, p->reg[2].v.u};
    bool done = xs_walk(p, s, &from, rev ? lo : hi, rev, &p->reg[3].v.i, xs_each_reply, NULL);
    p->reg[1] = dk_u64(from.ms);
    p->reg[2] = dk_u64(from.seq);
    if (!done) return KEEL_YIELD;
    keel_reply_close(p);
    return KEEL_NEXT;
}

static const keel_opcode_def range_ops[] = {
    XS_OP("streams.range", op_range,
          "entries of argv[1] in an ID range (imm 1: newest first); r1/r2 = next ID"),
};

static const keel_insn_def xrange_prog[] = {{.op = "streams.range", .imm = 0}, KEEL_END};
static const keel_insn_def xrevrange_prog[] = {{.op = "streams.range", .imm = 1}, KEEL_END};

static const keel_cmd_def range_cmds[] = {
    {XS_KEY1, .name = "XRANGE", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the entries between two IDs, oldest first (\"(\" excludes a bound).",
     .syntax = "XRANGE key start end [COUNT count]", .program = xrange_prog},
    {XS_KEY1, .name = "XREVRANGE", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the entries between two IDs, newest first (\"(\" excludes a bound).",
     .syntax = "XREVRANGE key end start [COUNT count]", .program = xrevrange_prog},
};

const keel_family xs_range_family = KEEL_FAMILY(range_ops, range_cmds);
