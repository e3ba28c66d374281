/* scan.c -- walking and sampling a sorted set: ZSCAN and ZRANDMEMBER.
 *
 * ZSCAN: a set still in its small tier (DK_ZSET_SMALL members or fewer) comes whole with cursor
 * 0, as Redis returns a listpack; a bigger one COUNT members a page.  The cursor names the next
 * member to return: its rank (high 40 bits) and a 24-bit tag hashed from its bytes (low bits).
 * The next call resumes at that rank if the member there has the tag, else at the nearest
 * member with the tag below it (members before it were removed: draining a set with ZSCAN and
 * ZREM of what it returned), else above it (members were added before it), looking at most
 * RELOCATE_MAX members each way; failing that (the member itself went), RELOCATE_MAX members
 * before the rank.  So a member present throughout a walk is returned unless more than
 * RELOCATE_MAX members were added or removed before the cursor between two calls, or a tag
 * matched by chance (1 in 16M a member looked at); members may be returned twice.
 */
#include "family.h"
#include "rand.h"
#include "zobj.h"

#include <datakit/glob.h>
#include <datakit/table.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======== ZSCAN ======== */

/* Redis's cursor syntax: strtoul's, without leading spaces or trailing bytes. */
static bool parse_cursor(const keel_arg *a, uint64_t *out) {
    char *end;
    errno = 0;
    if (a->len > 0 && (a->ptr[0] == ' ' || (a->ptr[0] >= '\t' && a->ptr[0] <= '\r'))) return false;
    unsigned long long v = strtoull(a->ptr, &end, 10);
    if (*end != '\0' || errno == ERANGE) return false;
    *out = v;
    return true;
}

/* COUNT and MATCH (argv[3..]); replies Redis's error and returns false when malformed. */
static bool scan_options(keel_proc *p, uint64_t *count, const keel_arg **match) {
    *count = 10;
    *match = NULL;
    for (uint32_t i = 3; i < p->argc; i += 2) {
        const keel_arg *a = &p->argv[i];
        if (i + 1 >= p->argc) goto syntax;
        if (keel_arg_is(a, "COUNT")) {
            int64_t c;
            if (!zs_arg_int(p, &p->argv[i + 1], &c)) return false;
            if (c < 1) goto syntax;
            *count = (uint64_t)c;
        } else if (keel_arg_is(a, "MATCH")) {
            *match = &p->argv[i + 1];
        } else {
            goto syntax;
        }
    }
    return true;
syntax:
    keel_reply_error(p, "ERR syntax error");
    return false;
}

#define TAG_BITS 24
#define TAG_MASK ((1ull << TAG_BITS) - 1)
#define RANK_MAX ((1ull << (64 - TAG_BITS)) - 1)
#define RELOCATE_MAX 1024

/* A member's tag: 24 bits of its hash, never 0. */
static uint64_t tag_of(const dk_zentry *e) {
    uint64_t t = dk_table_default_hash(e->member, e->len) & TAG_MASK;
    return t ? t : 1;
}

/* The cursor naming the member of rank r (0 when there is none: the walk is over). */
static uint64_t cursor_at(const dk_zset *z, uint64_t r) {
    dk_zentry e;
    if (r > RANK_MAX || !dk_zset_at(z, r, &e)) return 0;
    return r << TAG_BITS | tag_of(&e);
}

/* The rank a cursor resumes at (see the file comment).  Charges a step per member looked at. */
static uint64_t resume_rank(keel_proc *p, const dk_zset *z, uint64_t cursor) {
    uint64_t r = cursor >> TAG_BITS, tag = cursor & TAG_MASK, n = dk_zset_count(z);
    if (cursor == 0) return 0;
    if (cursor_at(z, r) == cursor) return r;
    uint64_t lo = r > RELOCATE_MAX ? r - RELOCATE_MAX : 0, hi = r + RELOCATE_MAX;
    uint64_t found = UINT64_MAX;
    dk_iter it = dk_iter_at(lo);
    dk_zentry e;
    for (uint64_t i = lo; i < hi && dk_zset_next(z, &it, &e); i++) {
        if (i > r && found != UINT64_MAX) break; /* the nearest match below r, else above */
        if (i != r && tag_of(&e) == tag) found = i;
    }
    keel_charge(p, (int64_t)(hi - lo) * ZS_COST_STEP);
    if (found != UINT64_MAX) return found;
    return lo < n ? lo : n;
}

/* Scores in ZSCAN are always text (Redis formats them into the key list). */
static void reply_score_text(keel_proc *p, double s) {
    char text[40];
    int n = isinf(s) ? snprintf(text, sizeof text, "%s", s > 0 ? "inf" : "-inf")
                     : snprintf(text, sizeof text, "%.17g", s);
    keel_reply_bulk(p, text, (size_t)n);
}

/* Opcode: zsets.scan
 * ZSCAN key cursor [MATCH pattern] [COUNT count]: replies [next cursor, [member, score ...]]
 * (see the file comment).  Checks the cursor, then the key, then the options, as Redis.  No
 * registers: a page is built at once, examining at most COUNT members (a small set: all).
 * Reductions ZS_COST_STEP per member examined.  May hop, block. */
static keel_op_result op_scan(keel_proc *p, const keel_insn *in) {
    (void)in;
    uint64_t cursor;
    if (!parse_cursor(&p->argv[2], &cursor)) return zs_error(p, "ERR invalid cursor");
    dk_zset *z = NULL;
    keel_status st = zs_find(p, p->argv[1].ptr, p->argv[1].len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    uint64_t count = 10;
    const keel_arg *match = NULL;
    if (st == KEEL_OK && !scan_options(p, &count, &match)) return KEEL_FAIL;
    uint64_t n = st == KEEL_OK ? dk_zset_count(z) : 0;
    uint64_t from = 0, to = n;
    if (n > DK_ZSET_SMALL) {
        from = resume_rank(p, z, cursor);
        if (n - from > count) to = from + count;
    }
    uint64_t next = to < n ? cursor_at(z, to) : 0;
    keel_reply_open(p, KEEL_REPLY_ARRAY);
    char text[24];
    keel_reply_bulk(p, text, (size_t)snprintf(text, sizeof text, "%llu", (unsigned long long)next));
    keel_reply_open(p, KEEL_REPLY_ARRAY);
    dk_iter it = dk_iter_at(from);
    dk_zentry e;
    for (uint64_t r = from; r < to && dk_zset_next(z, &it, &e); r++) {
        if (!match || dk_glob_match(match->ptr, match->len, e.member, e.len, false)) {
            keel_reply_bulk(p, e.len ? e.member : "", e.len);
            reply_score_text(p, e.score);
        }
    }
    keel_charge(p, (int64_t)(to - from) * ZS_COST_STEP);
    keel_reply_close(p);
    keel_reply_close(p);
    return KEEL_NEXT;
}

/* ======== ZRANDMEMBER ======== */

/* Ranks already picked (an arena open-addressing set of rank + 1). */
typedef struct picks {
    uint64_t *slot;
    uint64_t cap;
} picks;

static bool picks_add(picks *s, uint64_t rank) {
    uint64_t i = (rank * 0x9e3779b97f4a7c15ull) % s->cap;
    while (s->slot[i]) {
        if (s->slot[i] == rank + 1) return false;
        i = i + 1 == s->cap ? 0 : i + 1;
    }
    s->slot[i] = rank + 1;
    return true;
}

/* count distinct ranks of n (count < n): random picks while count <= n / 2, else Knuth's
 * selection sampling (in order).  Arena memory. */
static uint64_t *distinct_ranks(keel_proc *p, uint64_t n, uint64_t count) {
    uint64_t *out = keel_proc_alloc(p, sizeof *out * (count ? count : 1));
    if (count <= n / 2) {
        picks s = {.cap = count * 2 + 1};
        s.slot = keel_proc_alloc(p, sizeof *s.slot * s.cap);
        memset(s.slot, 0, sizeof *s.slot * s.cap);
        for (uint64_t k = 0; k < count;) {
            uint64_t r = zs_rand_below(n);
            if (picks_add(&s, r)) out[k++] = r;
        }
        return out;
    }
    uint64_t k = 0;
    for (uint64_t r = 0; r < n && k < count; r++)
        if (zs_rand_below(n - r) < count - k) out[k++] = r;
    return out;
}

/* Opcode: zsets.randmember
 * ZRANDMEMBER key [count [WITHSCORES]]: without count a random member (nil when absent); with
 * a positive count up to count distinct members, with a negative one -count members that may
 * repeat (WITHSCORES: with scores; RESP3 as pairs); an empty array when absent.  Registers: r0
 * = elements replied, r1 = the distinct ranks (arena) or null.  Reductions ZS_COST_UPDATE per
 * element.  May yield, hop, block. */
static keel_op_result op_randmember(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t count = 1;
    bool counted = p->argc >= 3, withscores = false;
    if (p->argc > 4 || (p->argc == 4 && !keel_arg_is(&p->argv[3], "WITHSCORES")))
        return zs_error(p, "ERR syntax error");
    withscores = p->argc == 4;
    if (counted && !zs_arg_int(p, &p->argv[2], &count)) return KEEL_FAIL;
    if (counted && (count < -(INT64_MAX / 2) || count > INT64_MAX / 2))
        return zs_error(p, "ERR value is out of range");
    dk_zset *z;
    keel_status st = zs_find(p, p->argv[1].ptr, p->argv[1].len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    uint64_t n = st == KEEL_OK ? dk_zset_count(z) : 0;
    if (!counted) {
        dk_zentry e;
        if (n && dk_zset_at(z, zs_rand_below(n), &e))
            keel_reply_bulk(p, e.member, e.len);
        else
            keel_reply_nil(p);
        return KEEL_NEXT;
    }
    bool repeat = count < 0;
    uint64_t want = repeat ? (uint64_t)(-count) : (uint64_t)count;
    if (!repeat && want > n) want = n;
    if (n == 0) want = 0;
    if (p->reg[0].type == DK_NULL) {
        zs_reply_list(p, want, withscores);
        p->reg[0] = dk_i64(0);
        if (!repeat && want < n) p->reg[1] = dk_ptr(distinct_ranks(p, n, want));
    }
    const uint64_t *ranks = p->reg[1].type == DK_PTR ? p->reg[1].v.ptr : NULL;
    while ((uint64_t)p->reg[0].v.i < want) {
        uint64_t i = (uint64_t)p->reg[0].v.i;
        uint64_t r = repeat ? zs_rand_below(n) : ranks ? ranks[i] : i;
        dk_zentry e;
        if (!dk_zset_at(z, r, &e)) break;
        zs_reply_entry(p, &e, withscores);
        p->reg[0].v.i++;
        if (keel_charge(p, ZS_COST_UPDATE) && (uint64_t)p->reg[0].v.i < want) return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

/* ======== tables ======== */

static const keel_opcode_def scan_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "zsets.scan",
     .fn = op_scan,
     .synopsis = "a page of argv[1]'s members and scores from cursor argv[2]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
    ZS_OP("zsets.randmember", op_randmember, "random members of argv[1]; r0 = replied, r1 = ranks"),
};

static const keel_insn_def zscan_prog[] = {{.op = "zsets.scan"}, KEEL_END};
static const keel_insn_def zrandmember_prog[] = {{.op = "zsets.randmember"}, KEEL_END};

static const keel_cmd_def scan_cmds[] = {
    {ZS_KEY1, .name = "ZSCAN", .arity = -3, .flags = KEEL_CMD_READONLY,
     .summary = "Replies a page of a sorted set's members and scores and the next cursor (0: "
                "done).",
     .syntax = "ZSCAN key cursor [MATCH pattern] [COUNT count]", .program = zscan_prog},
    {ZS_KEY1, .name = "ZRANDMEMBER", .arity = -2, .flags = KEEL_CMD_READONLY,
     .summary = "Replies random members: one, count distinct ones, or -count that may repeat.",
     .syntax = "ZRANDMEMBER key [count [WITHSCORES]]", .program = zrandmember_prog},
};

const keel_family zs_scan_family = KEEL_FAMILY(scan_ops, scan_cmds);
