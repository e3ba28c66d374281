/* read.c -- questions about one sorted set: ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT
 * ZLEXCOUNT. */
#include "bounds.h"
#include "family.h"
#include "zobj.h"

/* Which command runs zsets.read (its imm). */
enum { RD_CARD = 0, RD_SCORE, RD_MSCORE, RD_RANK, RD_REVRANK, RD_COUNT, RD_LEXCOUNT };

/* Replies the answer for a missing key. */
static void reply_missing(keel_proc *p, int imm) {
    switch (imm) {
    case RD_SCORE:
    case RD_RANK:
    case RD_REVRANK:
        keel_reply_nil(p);
        break;
    case RD_MSCORE:
        keel_reply_array(p, p->argc - 2);
        for (uint32_t i = 2; i < p->argc; i++)
            keel_reply_nil(p);
        break;
    default:
        keel_reply_int(p, 0);
    }
}

static void reply_rank(keel_proc *p, const dk_zset *z, bool rev) {
    uint64_t r;
    if (!dk_zset_rank(z, p->argv[2].ptr, p->argv[2].len, &r)) {
        keel_reply_nil(p);
        return;
    }
    keel_reply_int(p, (int64_t)(rev ? dk_zset_count(z) - 1 - r : r));
}

static void reply_score(keel_proc *p, const dk_zset *z, const keel_arg *m) {
    double s;
    if (dk_zset_score(z, m->ptr, m->len, &s))
        zs_reply_score(p, s);
    else
        keel_reply_nil(p);
}

/* Opcode: zsets.read
 * The read-only questions, by imm: ZCARD key, ZSCORE key member, ZMSCORE key member [member
 * ...], ZRANK/ZREVRANK key member, ZCOUNT key min max, ZLEXCOUNT key min max.  Ranges are
 * checked before the key, as Redis.  No registers.  Reductions ZS_COST_UPDATE per member asked
 * (ZMSCORE's members: a few thousand per slice, never yielding: the reply is built at once).
 * May hop and block (a lock). */
static keel_op_result op_read(keel_proc *p, const keel_insn *in) {
    int imm = (int)in->imm;
    zs_srange sr;
    zs_lex lmin, lmax;
    if (imm == RD_COUNT && !zs_parse_srange(&p->argv[2], &p->argv[3], &sr))
        return zs_error(p, "ERR min or max is not a float");
    if (imm == RD_LEXCOUNT && !zs_parse_lrange(&p->argv[2], &p->argv[3], &lmin, &lmax))
        return zs_error(p, "ERR min or max not valid string range item");
    const keel_arg *key = &p->argv[1];
    dk_zset *z = NULL;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        reply_missing(p, imm);
        return KEEL_NEXT;
    }
    uint64_t lo, hi;
    switch (imm) {
    case RD_CARD:
        keel_reply_int(p, (int64_t)dk_zset_count(z));
        break;
    case RD_SCORE:
        reply_score(p, z, &p->argv[2]);
        break;
    case RD_MSCORE:
        keel_reply_array(p, p->argc - 2);
        for (uint32_t i = 2; i < p->argc; i++)
            reply_score(p, z, &p->argv[i]);
        keel_charge(p, (int64_t)(p->argc - 2) * ZS_COST_UPDATE);
        break;
    case RD_RANK:
    case RD_REVRANK:
        reply_rank(p, z, imm == RD_REVRANK);
        break;
    case RD_COUNT:
        zs_srange_ranks(z, &sr, &lo, &hi);
        keel_reply_int(p, hi > lo ? (int64_t)(hi - lo) : 0);
        break;
    default:
        zs_lrange_ranks(z, &lmin, &lmax, &lo, &hi);
        keel_reply_int(p, hi > lo ? (int64_t)(hi - lo) : 0);
    }
    return KEEL_NEXT;
}

static const keel_opcode_def read_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "zsets.read",
     .fn = op_read,
     .synopsis = "ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT (imm) of argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def card_prog[] = {{.op = "zsets.read", .imm = RD_CARD}, KEEL_END};
static const keel_insn_def score_prog[] = {{.op = "zsets.read", .imm = RD_SCORE}, KEEL_END};
static const keel_insn_def mscore_prog[] = {{.op = "zsets.read", .imm = RD_MSCORE}, KEEL_END};
static const keel_insn_def rank_prog[] = {{.op = "zsets.read", .imm = RD_RANK}, KEEL_END};
static const keel_insn_def revrank_prog[] = {{.op = "zsets.read", .imm = RD_REVRANK}, KEEL_END};
static const keel_insn_def count_prog[] = {{.op = "zsets.read", .imm = RD_COUNT}, KEEL_END};
static const keel_insn_def lexcount_prog[] = {{.op = "zsets.read", .imm = RD_LEXCOUNT}, KEEL_END};

#define READS KEEL_CMD_READONLY | KEEL_CMD_FAST
static const keel_cmd_def read_cmds[] = {
    {ZS_KEY1, .name = "ZCARD", .arity = 2, .flags = READS,
     .summary = "Replies the number of members of a sorted set (0 when absent).",
     .syntax = "ZCARD key", .program = card_prog},
    {ZS_KEY1, .name = "ZSCORE", .arity = 3, .flags = READS,
     .summary = "Replies a member's score, or nil.", .syntax = "ZSCORE key member",
     .program = score_prog},
    {ZS_KEY1, .name = "ZMSCORE", .arity = -3, .flags = READS,
     .summary = "Replies the scores of the members (nil for those absent).",
     .syntax = "ZMSCORE key member [member ...]", .program = mscore_prog},
    {ZS_KEY1, .name = "ZRANK", .arity = 3, .flags = READS,
     .summary = "Replies a member's rank by ascending score (0 = lowest), or nil.",
     .syntax = "ZRANK key member", .program = rank_prog},
    {ZS_KEY1, .name = "ZREVRANK", .arity = 3, .flags = READS,
     .summary = "Replies a member's rank by descending score (0 = highest), or nil.",
     .syntax = "ZREVRANK key member", .program = revrank_prog},
    {ZS_KEY1, .name = "ZCOUNT", .arity = 4, .flags = READS,
     .summary = "Replies how many members have a score within min and max.",
     .syntax = "ZCOUNT key min max", .program = count_prog},
    {ZS_KEY1, .name = "ZLEXCOUNT", .arity = 4, .flags = READS,
     .summary = "Replies how many members lie between min and max by member order.",
     .syntax = "ZLEXCOUNT key min max", .program = lexcount_prog},
};

const keel_family zs_read_family = KEEL_FAMILY(read_ops, read_cmds);
