/* range.c -- rows in a range of sort keys: BTRANGE (REV, LIMIT, FILTER) and BTCOUNT (FILTER).
 *
 * The bounds become ranks once the key is found; the rows are then replied (or counted) a slice
 * per time slice with the key locked.  Without a filter, LIMIT's offset is a jump by rank; with
 * one, every row of the range is tested (one reduction per comparison) until LIMIT's count is
 * reached, and the reply's size is known only at its end.
 */
#include <string.h>

#include "bounds.h"
#include "btobj.h"
#include "family.h"
#include "filter.h"

enum { RG_RANGE = 0, RG_COUNT };

typedef struct range_call {
    bt_bound min, max;
    bool rev, opened;
    int64_t offset, count; /* LIMIT (count -1: no limit) */
    int64_t skipped, taken;
    bt_filter *filter;
    bool planned;
    bt_walk w;
} range_call;

/* Reads the options after min and max; false after replying the error. */
static bool parse(keel_proc *p, int imm, range_call *c) {
    memset(c, 0, sizeof *c);
    c->count = -1;
    bt_parse_bound(&p->argv[2], &c->min);
    bt_parse_bound(&p->argv[3], &c->max);
    for (uint32_t j = 4; j < p->argc; j++) {
        const keel_arg *a = &p->argv[j];
        uint32_t left = p->argc - j - 1;
        if (imm == RG_RANGE && keel_arg_is(a, "REV")) {
            c->rev = true;
        } else if (imm == RG_RANGE && keel_arg_is(a, "LIMIT") && left >= 2) {
            if (!bt_arg_int(p, &p->argv[j + 1], &c->offset) ||
                !bt_arg_int(p, &p->argv[j + 2], &c->count))
                return false;
            if (c->offset < 0) {
                keel_reply_error(p, "ERR LIMIT offset must not be negative");
                return false;
            }
            j += 2;
        } else if (keel_arg_is(a, "FILTER") && left >= 1 && !c->filter) {
            if (!bt_filter_parse(p, &p->argv[j + 1], &c->filter)) return false;
            j++;
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* Sets the walk from the table's ranks; without a filter the offset and count are applied to
 * the ranks at once. */
static void plan(range_call *c, const dk_map *t) {
    uint64_t lo, hi;
    bt_range_ranks(t, &c->min, &c->max, &lo, &hi);
    c->planned = true;
    c->w.rev = c->rev;
    if (c->count == 0) { /* LIMIT offset 0: nothing, whatever the filter */
        c->w.lo = c->w.hi = lo;
        return;
    }
    if (c->filter) {
        c->w.lo = lo;
        c->w.hi = hi;
        return;
    }
    uint64_t n = hi - lo, off = (uint64_t)c->offset;
    if (off >= n) {
        c->w.lo = c->w.hi = lo;
        return;
    }
    n -= off;
    if (c->count >= 0 && (uint64_t)c->count < n) n = (uint64_t)c->count;
    c->w.lo = c->rev ? hi - off - n : lo + off;
    c->w.hi = c->w.lo + n;
}

/* Replies (or counts) one row of the walk; false once LIMIT's count is reached. */
static bool visit(keel_proc *p, void *ctx, uint64_t rank, const dk_val *k, const dk_val *v) {
    (void)rank;
    range_call *c = ctx;
    if (c->filter) {
        bt_row row;
        if (!bt_row_decode(v, &row) || !bt_filter_match(c->filter, k, &row)) return true;
        if (c->skipped < c->offset) {
            c->skipped++;
            return true;
        }
    }
    c->taken++;
    if (c->opened || !c->filter) {
        bt_reply_box(p, k);
        keel_charge(p, bt_reply_row(p, v)); /* a record's fields are reply nodes too */
    }
    return c->count < 0 || c->taken < c->count;
}

/* Opcode: btree.range
 * BTRANGE key min max [REV] [LIMIT offset count] [FILTER expr] (imm RG_RANGE): replies
 * [key, value, ...] of the rows in the range, ascending (REV: descending), skipping offset
 * matching rows and taking at most count (negative: all).  BTCOUNT key min max [FILTER expr]
 * (imm RG_COUNT): replies how many rows match.  Registers: r0 = the call's state (arena).
 * Reductions BT_COST_STEP per row, plus one per filter comparison and one per field replied.
 * May yield, hop, block. */
static keel_op_result op_range(keel_proc *p, const keel_insn *in) {
    int imm = (int)in->imm;
    range_call *c = p->reg[0].type == DK_PTR ? (range_call *)p->reg[0].v.ptr : NULL;
    if (!c) {
        c = keel_proc_alloc(p, sizeof *c);
        if (!parse(p, imm, c)) return KEEL_FAIL;
        p->reg[0] = dk_ptr(c);
    }
    const keel_arg *key = &p->argv[1];
    dk_map *t = NULL;
    keel_status st = bt_find(p, key->ptr, key->len, &t);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return bt_wrongtype(p);
    if (!c->planned) {
        if (st == KEEL_OK) plan(c, t);
        c->planned = true; /* absent: an empty walk */
        if (imm == RG_COUNT && !c->filter) {
            keel_reply_int(p, (int64_t)(c->w.hi - c->w.lo));
            return KEEL_NEXT;
        }
        if (imm == RG_RANGE && c->filter) {
            keel_reply_open(p, KEEL_REPLY_ARRAY);
            c->opened = true;
        } else if (imm == RG_RANGE) {
            keel_reply_array(p, 2 * (size_t)(c->w.hi - c->w.lo));
        }
    }
    bool done = st == KEEL_NOTFOUND; /* absent, or expired while this yielded: stop here */
    if (!done) {
        int64_t cost = BT_COST_STEP + (c->filter ? bt_filter_terms(c->filter) : 0);
        done = bt_walk_step(p, t, &c->w, cost, visit, c);
        if (!done) return KEEL_YIELD;
    }
    if (imm == RG_COUNT)
        keel_reply_int(p, c->taken);
    else if (c->opened)
        keel_reply_close(p);
    return KEEL_NEXT; /* a fixed-size reply cut short by an expiry is padded by the core */
}

static const keel_opcode_def range_ops[] = {
    BT_OP("btree.range", op_range, "BTRANGE BTCOUNT (imm) of argv[1]; r0 = state"),
};

static const keel_insn_def range_prog[] = {{.op = "btree.range", .imm = RG_RANGE}, KEEL_END};
static const keel_insn_def count_prog[] = {{.op = "btree.range", .imm = RG_COUNT}, KEEL_END};

static const keel_cmd_def range_cmds[] = {
    {BT_KEY1, .name = "BTRANGE", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies [key, value, ...] of the rows between min and max (REV: descending), "
                "optionally filtered and limited.",
     .syntax = "BTRANGE key min max [REV] [LIMIT offset count] [FILTER expr]",
     .program = range_prog},
    {BT_KEY1, .name = "BTCOUNT", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies how many rows lie between min and max (and pass the filter).",
     .syntax = "BTCOUNT key min max [FILTER expr]", .program = count_prog},
};

const keel_family bt_range_family = KEEL_FAMILY(range_ops, range_cmds);
