/* rank.c -- what a sparse bitset makes cheap: SBITRANK SBITSELECT, and SBITSCAN, iteration of
 * the set positions from a cursor that stays valid across changes. */
#include "family.h"
#include "sbobj.h"

#include <stdio.h>

#define ERR_INT "ERR value is not an integer or out of range"

/* SBITSCAN replies at most this many positions a call, whatever COUNT asks. */
#define SCAN_MAX 1000000
#define SCAN_DEFAULT 10

/* Opcode: sbitset.rank
 * SBITRANK key position: replies how many bits are set at positions below `position` (0 for a
 * missing key).  O(log n).  Reductions SBS_COST_BIT. */
static keel_op_result op_rank(keel_proc *p, const keel_insn *in) {
    (void)in;
    uint64_t pos;
    if (!sbs_arg_pos(&p->argv[2], &pos)) return sbs_error(p, ERR_INT);
    dk_sbitset *s;
    keel_status st = sbs_find(p, p->argv[1].ptr, p->argv[1].len, &s);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK && st != KEEL_NOTFOUND) return sbs_fail(p, st);
    keel_charge(p, SBS_COST_BIT);
    keel_reply_uint(p, st == KEEL_OK ? dk_sbitset_rank(s, pos) : 0);
    return KEEL_NEXT;
}

/* Opcode: sbitset.select
 * SBITSELECT key k: replies the position of the k-th set bit (0 the lowest; a negative k counts
 * from the highest, -1 being it), or nil when there is no such bit.  O(log n).  Reductions
 * SBS_COST_BIT. */
static keel_op_result op_select(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t k;
    if (!keel_arg_i64(&p->argv[2], &k)) return sbs_error(p, ERR_INT);
    dk_sbitset *s;
    keel_status st = sbs_find(p, p->argv[1].ptr, p->argv[1].len, &s);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK && st != KEEL_NOTFOUND) return sbs_fail(p, st);
    keel_charge(p, SBS_COST_BIT);
    uint64_t n = st == KEEL_OK ? dk_sbitset_count(s) : 0, idx, at;
    if (k >= 0)
        idx = (uint64_t)k;
    else if ((uint64_t) - (k + 1) < n)
        idx = n - 1 - (uint64_t) - (k + 1);
    else
        idx = n;
    if (idx < n && dk_sbitset_select(s, idx, &at))
        keel_reply_int(p, sbs_to_i(at));
    else
        keel_reply_nil(p);
    return KEEL_NEXT;
}

/* Parses a cursor: an unsigned 64-bit decimal.  false otherwise. */
static bool arg_cursor(const keel_arg *a, uint64_t *out) {
    const char *s = a->ptr;
    uint64_t v = 0;
    if (a->len == 0 || a->len > 20) return false;
    for (size_t i = 0; i < a->len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Parses SBITSCAN's options into *count; false after replying Redis's error. */
static bool scan_options(keel_proc *p, uint64_t *count) {
    *count = SCAN_DEFAULT;
    for (uint32_t i = 3; i < p->argc; i += 2) {
        int64_t n;
        if (!keel_arg_is(&p->argv[i], "COUNT") || i + 1 >= p->argc) {
            sbs_error(p, "ERR syntax error");
            return false;
        }
        if (!keel_arg_i64(&p->argv[i + 1], &n)) {
            sbs_error(p, ERR_INT);
            return false;
        }
        if (n < 1) {
            sbs_error(p, "ERR syntax error");
            return false;
        }
        *count = (uint64_t)n < SCAN_MAX ? (uint64_t)n : SCAN_MAX;
    }
    return true;
}

/* Opcode: sbitset.scan
 * SBITSCAN key cursor [COUNT n]: replies [next cursor, [position ...]]: up to n set positions
 * (default 10, at most 1000000 a call) from the cursor on, in ascending order.  The cursor is
 * where to go on (a position in datakit's unsigned order, as text; 0 starts, and 0 comes back
 * once every position was replied), so it stays correct whatever changes between calls: a
 * position set for the whole scan is replied exactly once, one added or removed meanwhile may
 * be replied or not.  Registers: r0 = 1 + the next position to reply (datakit's order), r1 =
 * positions still to reply; both set once the reply's head is written.  Reductions
 * SBS_COST_POS per position; yields between batches with the key locked. */
static keel_op_result op_scan(keel_proc *p, const keel_insn *in) {
    (void)in;
    uint64_t from = 0, want = 0;
    if (p->reg[0].type == DK_NULL) {
        if (!arg_cursor(&p->argv[2], &from)) return sbs_error(p, "ERR invalid cursor");
        if (!scan_options(p, &want)) return KEEL_FAIL;
    }
    dk_sbitset *s;
    keel_status st = sbs_find(p, p->argv[1].ptr, p->argv[1].len, &s);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK && st != KEEL_NOTFOUND) return sbs_fail(p, st);
    if (p->reg[0].type == DK_NULL) {
        /* the reply's length and the next cursor are known up front: rank and select */
        uint64_t n = st == KEEL_OK ? dk_sbitset_count(s) : 0;
        uint64_t r = st == KEEL_OK ? dk_sbitset_rank(s, from) : 0, end = 0;
        uint64_t m = n - r < want ? n - r : want;
        if (r + m < n) dk_sbitset_select(s, r + m, &end);
        char text[24];
        int len = snprintf(text, sizeof text, "%llu", (unsigned long long)end);
        keel_reply_array(p, 2);
        keel_reply_bulk(p, text, (size_t)len);
        keel_reply_array(p, (size_t)m);
        p->reg[0] = dk_u64(from + 1);
        p->reg[1] = dk_u64(m);
    }
    uint64_t batch[256];
    while (p->reg[1].v.u > 0) {
        size_t max = p->reg[1].v.u < 256 ? (size_t)p->reg[1].v.u : 256;
        size_t n = dk_sbitset_next_many(s, p->reg[0].v.u - 1, batch, max);
        for (size_t i = 0; i < n; i++)
            keel_reply_int(p, sbs_to_i(batch[i]));
        p->reg[1].v.u -= n;
        if (n < max) break; /* (cannot happen: the key is locked; defensive) */
        p->reg[0].v.u = batch[n - 1] + 2;
        if (keel_charge(p, (int64_t)n * SBS_COST_POS) && p->reg[1].v.u > 0) return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

static const keel_opcode_def rank_ops[] = {
    SBS_OP("sbitset.rank", op_rank, "reply the set bits of argv[1] below position argv[2]"),
    SBS_OP("sbitset.select", op_select, "reply the position of the argv[2]-th set bit"),
    SBS_OP("sbitset.scan", op_scan,
           "reply [cursor, positions] of argv[1] from cursor argv[2] (r0 = next, r1 = left)"),
};

static const keel_insn_def rank_prog[] = {{.op = "sbitset.rank"}, KEEL_END};
static const keel_insn_def select_prog[] = {{.op = "sbitset.select"}, KEEL_END};
static const keel_insn_def scan_prog[] = {{.op = "sbitset.scan"}, KEEL_END};

static const keel_cmd_def rank_cmds[] = {
    {SBS_KEY1, .name = "SBITRANK", .arity = 3, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Replies the number of set bits at positions below the given one.",
     .syntax = "SBITRANK key position", .program = rank_prog},
    {SBS_KEY1, .name = "SBITSELECT", .arity = 3, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Replies the position of the k-th set bit (0 the lowest, -1 the highest), or "
                "nil.",
     .syntax = "SBITSELECT key k", .program = select_prog},
    {SBS_KEY1, .name = "SBITSCAN", .arity = -3, .flags = KEEL_CMD_READONLY,
     .summary = "Iterates the set positions in ascending order: replies the next cursor (0 when "
                "done) and up to COUNT positions; the cursor stays valid across changes.",
     .syntax = "SBITSCAN key cursor [COUNT count]", .program = scan_prog},
};

const keel_family sbs_rank_family = KEEL_FAMILY(rank_ops, rank_cmds);
