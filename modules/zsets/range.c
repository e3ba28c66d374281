/* range.c -- ranges of a sorted set by rank, score or member: ZRANGE (BYSCORE BYLEX REV LIMIT
 * WITHSCORES), ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, ZREVRANGE,
 * ZRANGESTORE, and their removal: ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX.
 *
 * A range is parsed as Redis 7.0's zrangeGenericCommand does (same checks, same order, same
 * errors), turned into ranks once the key is found, then replied (or copied) a slice per time
 * slice with the key locked.  Reverse ranges are read forward in blocks of up to REV_BLOCK and
 * replied backwards, so every element costs O(1).
 */
#include "bounds.h"
#include "family.h"
#include "zobj.h"

#include <string.h>

#define REV_BLOCK 64

enum { BY_RANK = 0, BY_SCORE, BY_LEX };

/* A command's preset (imm = by + 4 * rev + 8 * store + 16 * any: ZRANGE's options allowed). */
#define IMM(BY, REV, STORE, ANY) ((BY) + 4 * (REV) + 8 * (STORE) + 16 * (ANY))

typedef struct zrange {
    uint8_t by;
    bool rev, withscores, store;
    int64_t offset, limit; /* LIMIT (limit -1: no limit) */
    uint32_t src;          /* argv index of the source key */
    zs_srange sr;
    zs_lex lmin, lmax;
    int64_t start, stop;     /* BY_RANK */
    bool planned;            /* first, n are set */
    uint64_t first, n, done; /* elements first, first±1, ... (n of them), done so far */
    dk_zset *out;            /* ZRANGESTORE: the result, until stored */
} zrange;

static void free_out(void *ptr) {
    zrange *r = ptr;
    dk_zset_free(r->out);
    r->out = NULL;
}

/* ======== parsing ======== */

/* Reads the options after the range (Redis's step 1); false after replying the error. */
static bool read_options(keel_proc *p, zrange *r, bool any) {
    bool rev_set = r->rev, by_set = r->by != BY_RANK || !any;
    for (uint32_t j = r->src + 3; j < p->argc; j++) {
        const keel_arg *a = &p->argv[j];
        uint32_t left = p->argc - j - 1;
        if (!r->store && keel_arg_is(a, "WITHSCORES")) {
            r->withscores = true;
        } else if (keel_arg_is(a, "LIMIT") && left >= 2) {
            if (!zs_arg_int(p, &p->argv[j + 1], &r->offset) ||
                !zs_arg_int(p, &p->argv[j + 2], &r->limit))
                return false;
            j += 2;
        } else if (any && !rev_set && keel_arg_is(a, "REV")) {
            r->rev = rev_set = true;
        } else if (any && !by_set && keel_arg_is(a, "BYLEX")) {
            r->by = BY_LEX;
            by_set = true;
        } else if (any && !by_set && keel_arg_is(a, "BYSCORE")) {
            r->by = BY_SCORE;
            by_set = true;
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* Parses the whole call (Redis's steps 1 and 2); false after replying the error. */
static bool parse(keel_proc *p, int imm, zrange *r) {
    memset(r, 0, sizeof *r);
    r->by = imm & 3;
    r->rev = imm & 4;
    r->store = imm & 8;
    r->src = r->store ? 2 : 1;
    r->limit = -1;
    if (!read_options(p, r, imm & 16)) return false;
    if (r->limit != -1 && r->by == BY_RANK) {
        keel_reply_error(p, "ERR syntax error, LIMIT is only supported in combination with "
                            "either BYSCORE or BYLEX");
        return false;
    }
    if (r->withscores && r->by == BY_LEX) {
        keel_reply_error(p, "ERR syntax error, WITHSCORES not supported in combination with "
                            "BYLEX");
        return false;
    }
    const keel_arg *min = &p->argv[r->src + 1], *max = &p->argv[r->src + 2];
    if (r->rev && r->by != BY_RANK) {
        const keel_arg *t = min;
        min = max;
        max = t;
    }
    if (r->by == BY_RANK) return zs_arg_int(p, min, &r->start) && zs_arg_int(p, max, &r->stop);
    if (r->by == BY_SCORE && !zs_parse_srange(min, max, &r->sr)) {
        keel_reply_error(p, "ERR min or max is not a float");
        return false;
    }
    if (r->by == BY_LEX && !zs_parse_lrange(min, max, &r->lmin, &r->lmax)) {
        keel_reply_error(p, "ERR min or max not valid string range item");
        return false;
    }
    return true;
}

/* Sets first and n from the set's ranks (Redis's offset and limit rules: a negative offset
 * selects nothing, a negative limit everything). */
static void plan(zrange *r, const dk_zset *z) {
    uint64_t lo = 0, hi = 0, count = dk_zset_count(z);
    r->planned = true;
    r->n = 0;
    if (r->by == BY_RANK) {
        if (!zs_rank_range(r->start, r->stop, count, &lo, &hi)) return;
        r->n = hi - lo;
        r->first = r->rev ? count - 1 - lo : lo;
        return;
    }
    if (r->by == BY_SCORE)
        zs_srange_ranks(z, &r->sr, &lo, &hi);
    else
        zs_lrange_ranks(z, &r->lmin, &r->lmax, &lo, &hi);
    if (hi <= lo || r->offset < 0 || (uint64_t)r->offset >= hi - lo) return;
    r->n = hi - lo - (uint64_t)r->offset;
    if (r->limit >= 0 && (uint64_t)r->limit < r->n) r->n = (uint64_t)r->limit;
    r->first = r->rev ? hi - 1 - (uint64_t)r->offset : lo + (uint64_t)r->offset;
}

/* ======== emission ======== */

/* Takes one element: replies it or adds it to the result.  False when out of memory. */
static bool take(keel_proc *p, zrange *r, const dk_zentry *e) {
    if (!r->store) {
        zs_reply_entry(p, e, r->withscores);
        return true;
    }
    return dk_zset_set(r->out, e->member, e->len, e->score) >= 0;
}

/* Takes elements until done or the budget runs out; false when out of memory. */
static bool emit(keel_proc *p, zrange *r, const dk_zset *z) {
    while (r->done < r->n) {
        uint64_t b = r->n - r->done;
        if (b > REV_BLOCK) b = REV_BLOCK;
        dk_zentry blk[REV_BLOCK];
        dk_iter it = dk_iter_at(r->rev ? r->first - r->done - (b - 1) : r->first + r->done);
        for (uint64_t i = 0; i < b; i++)
            dk_zset_next(z, &it, &blk[i]);
        for (uint64_t i = 0; i < b; i++)
            if (!take(p, r, &blk[r->rev ? b - 1 - i : i])) return false;
        r->done += b;
        if (keel_charge(p, (int64_t)b * (r->store ? ZS_COST_UPDATE : ZS_COST_STEP))) break;
    }
    return true;
}

/* ZRANGESTORE's last step: the result replaces the destination (deleted when empty). */
static keel_op_result store(keel_proc *p, zrange *r) {
    size_t n = dk_zset_count(r->out);
    keel_status st = zs_replace(p, &p->argv[1], r->out, "zrangestore");
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return zs_oom(p);
    if (n > 0) r->out = NULL; /* the destination has it */
    keel_reply_int(p, (int64_t)n);
    return KEEL_NEXT;
}

/* Opcode: zsets.range
 * ZRANGE and its relatives (imm: IMM(by, rev, store, any)), as Redis 7.0: replies the
 * elements (WITHSCORES: and their scores; RESP3: [member, score] pairs), or (ZRANGESTORE dst
 * src ...) stores them at dst and replies their count.  Registers: r0 = the call's state
 * (arena, zrange).  Reductions ZS_COST_STEP per element replied, ZS_COST_UPDATE per element
 * stored.  May yield, hop, block. */
static keel_op_result op_range(keel_proc *p, const keel_insn *in) {
    zrange *r = p->reg[0].type == DK_PTR ? (zrange *)p->reg[0].v.ptr : NULL;
    if (!r) {
        r = keel_proc_alloc(p, sizeof *r);
        if (!parse(p, (int)in->imm, r)) return KEEL_FAIL;
        p->reg[0] = dk_ptr(r);
    }
    if (r->store && r->planned && r->done >= r->n) return store(p, r);
    const keel_arg *key = &p->argv[r->src];
    dk_zset *z = NULL;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    if (!r->planned) {
        if (st == KEEL_OK)
            plan(r, z);
        else
            r->planned = true;               /* absent: n = 0 */
        if (st == KEEL_NOTFOUND && r->store) /* ZRANGESTORE reads its source as a read does */
            keel_notify(p, KEEL_NOTIFY_KEYMISS, "keymiss", key->ptr, key->len);
        if (r->store) {
            r->out = dk_zset_new();
            if (!r->out || keel_proc_defer_free(p, free_out, r) != KEEL_OK) {
                dk_zset_free(r->out);
                r->out = NULL;
                return zs_oom(p);
            }
        } else {
            zs_reply_list(p, r->n, r->withscores);
        }
    }
    if (st == KEEL_NOTFOUND && r->done < r->n) { /* it expired while this yielded */
        r->n = r->done; /* (a STORE then goes straight to dst on every later run) */
        if (r->store) return store(p, r); /* what was copied so far */
        return KEEL_NEXT;                 /* the core pads the reply */
    }
    if (!emit(p, r, z)) return zs_oom(p);
    if (r->done < r->n) return KEEL_YIELD;
    return r->store ? store(p, r) : KEEL_NEXT;
}

/* ======== ZREMRANGEBY* ======== */

/* Opcode: zsets.remrange
 * ZREMRANGEBYRANK key start stop (imm BY_RANK), ZREMRANGEBYSCORE key min max (BY_SCORE),
 * ZREMRANGEBYLEX key min max (BY_LEX): removes the range, deleting the key once empty; replies
 * how many were removed.  Registers: r0 = the range's first rank, r1 = elements left to remove,
 * r2 = removed.  Reductions ZS_COST_UPDATE per element.  May yield, hop, block. */
static keel_op_result op_remrange(keel_proc *p, const keel_insn *in) {
    zs_srange sr;
    zs_lex lmin, lmax;
    int64_t start = 0, stop = 0;
    if (in->imm == BY_RANK &&
        (!zs_arg_int(p, &p->argv[2], &start) || !zs_arg_int(p, &p->argv[3], &stop)))
        return KEEL_FAIL;
    if (in->imm == BY_SCORE && !zs_parse_srange(&p->argv[2], &p->argv[3], &sr))
        return zs_error(p, "ERR min or max is not a float");
    if (in->imm == BY_LEX && !zs_parse_lrange(&p->argv[2], &p->argv[3], &lmin, &lmax))
        return zs_error(p, "ERR min or max not valid string range item");
    const keel_arg *key = &p->argv[1];
    dk_zset *z = NULL;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        keel_reply_int(p, p->reg[2].type == DK_NULL ? 0 : p->reg[2].v.i);
        return KEEL_NEXT;
    }
    if (p->reg[0].type == DK_NULL) {
        uint64_t lo = 0, hi = 0;
        if (in->imm == BY_RANK && !zs_rank_range(start, stop, dk_zset_count(z), &lo, &hi))
            lo = hi = 0;
        else if (in->imm == BY_SCORE)
            zs_srange_ranks(z, &sr, &lo, &hi);
        else if (in->imm == BY_LEX)
            zs_lrange_ranks(z, &lmin, &lmax, &lo, &hi);
        p->reg[0] = dk_i64((int64_t)lo);
        p->reg[1] = dk_i64(hi > lo ? (int64_t)(hi - lo) : 0);
        p->reg[2] = dk_i64(0);
    }
    while (p->reg[1].v.i > 0) {
        dk_zentry e;
        if (!dk_zset_at(z, (uint64_t)p->reg[0].v.i, &e)) break;
        dk_zentry k = zs_keep(p, &e);
        dk_zset_del(z, k.member, k.len);
        p->reg[1].v.i--;
        p->reg[2].v.i++;
        if (keel_charge(p, ZS_COST_UPDATE) && p->reg[1].v.i > 0) return KEEL_YIELD;
    }
    static const char *const rem_events[] = {[BY_RANK] = "zremrangebyrank",
                                             [BY_SCORE] = "zremrangebyscore",
                                             [BY_LEX] = "zremrangebylex"};
    if (p->reg[2].v.i > 0)
        keel_notify(p, KEEL_NOTIFY_ZSET, rem_events[in->imm], key->ptr, key->len);
    st = zs_settle(p, key->ptr, key->len, z);
    KEEL_OP_PROPAGATE(st);
    keel_reply_int(p, p->reg[2].v.i);
    return KEEL_NEXT;
}

/* ======== tables ======== */

static const keel_opcode_def range_ops[] = {
    ZS_OP("zsets.range", op_range,
          "ZRANGE and relatives (imm: by, rev, store) of argv[1|2]; "
          "r0 = state"),
    ZS_OP("zsets.remrange", op_remrange,
          "remove a range (imm: rank, score, lex) of argv[1]; "
          "r0..r2 = progress"),
};

#define PROG(NAME, OP, IMMV) static const keel_insn_def NAME[] = {{.op = OP, .imm = IMMV}, KEEL_END}
PROG(zrange_prog, "zsets.range", IMM(BY_RANK, 0, 0, 1));
PROG(zrangestore_prog, "zsets.range", IMM(BY_RANK, 0, 1, 1));
PROG(zrevrange_prog, "zsets.range", IMM(BY_RANK, 1, 0, 0));
PROG(zrangebyscore_prog, "zsets.range", IMM(BY_SCORE, 0, 0, 0));
PROG(zrevrangebyscore_prog, "zsets.range", IMM(BY_SCORE, 1, 0, 0));
PROG(zrangebylex_prog, "zsets.range", IMM(BY_LEX, 0, 0, 0));
PROG(zrevrangebylex_prog, "zsets.range", IMM(BY_LEX, 1, 0, 0));
PROG(zremrank_prog, "zsets.remrange", BY_RANK);
PROG(zremscore_prog, "zsets.remrange", BY_SCORE);
PROG(zremlex_prog, "zsets.remrange", BY_LEX);

static const keel_cmd_def range_cmds[] = {
    {ZS_KEY1, .name = "ZRANGE", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the members in a range of ranks, scores (BYSCORE) or members (BYLEX), "
                "optionally reversed, limited and with scores.",
     .syntax = "ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
     .program = zrange_prog},
    {ZS_CMD, .name = "ZRANGESTORE", .arity = -5, .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY,
     .first_key = 1, .last_key = 2, .key_step = 1,
     .summary = "Stores a ZRANGE's result at dst (deleting dst when empty); replies its size.",
     .syntax = "ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
     .program = zrangestore_prog},
    {ZS_KEY1, .name = "ZREVRANGE", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the members in a range of ranks, highest score first.",
     .syntax = "ZREVRANGE key start stop [WITHSCORES]", .program = zrevrange_prog},
    {ZS_KEY1, .name = "ZRANGEBYSCORE", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the members with scores within min and max, lowest first.",
     .syntax = "ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]",
     .program = zrangebyscore_prog},
    {ZS_KEY1, .name = "ZREVRANGEBYSCORE", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the members with scores within max and min, highest first.",
     .syntax = "ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]",
     .program = zrevrangebyscore_prog},
    {ZS_KEY1, .name = "ZRANGEBYLEX", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the members between min and max by member order (one score).",
     .syntax = "ZRANGEBYLEX key min max [LIMIT offset count]", .program = zrangebylex_prog},
    {ZS_KEY1, .name = "ZREVRANGEBYLEX", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the members between max and min by member order, reversed.",
     .syntax = "ZREVRANGEBYLEX key max min [LIMIT offset count]", .program = zrevrangebylex_prog},
    {ZS_KEY1, .name = "ZREMRANGEBYRANK", .arity = 4, .flags = KEEL_CMD_WRITE,
     .summary = "Removes the members in a range of ranks; replies how many.",
     .syntax = "ZREMRANGEBYRANK key start stop", .program = zremrank_prog},
    {ZS_KEY1, .name = "ZREMRANGEBYSCORE", .arity = 4, .flags = KEEL_CMD_WRITE,
     .summary = "Removes the members with scores within min and max; replies how many.",
     .syntax = "ZREMRANGEBYSCORE key min max", .program = zremscore_prog},
    {ZS_KEY1, .name = "ZREMRANGEBYLEX", .arity = 4, .flags = KEEL_CMD_WRITE,
     .summary = "Removes the members between min and max by member order; replies how many.",
     .syntax = "ZREMRANGEBYLEX key min max", .program = zremlex_prog},
};

const keel_family zs_range_family = KEEL_FAMILY(range_ops, range_cmds);
