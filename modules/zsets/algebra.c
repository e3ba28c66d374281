/* algebra.c -- sorted set algebra over keys on any shard: ZUNION ZINTER ZDIFF, their STORE
 * forms, and ZINTERCARD.  As in Redis, a source may be a plain set: its members count with
 * score 1 (read through keel_value_members, so sets.so need only be loaded).
 *
 * One opcode runs them all, in phases kept in an arena state (r0): check every key's type (on
 * each key's thread, in shard order), then build the result in an accumulator the process
 * carries from thread to thread (a dk_zset in module memory), one pass per source key in
 * argument order on that key's thread, then reply it, count it, or store it at the destination.
 * Every key stays locked throughout, so a STORE is atomic across shards.  Every pass charges
 * reductions per element and yields with its position in the state.
 */
#include "family.h"
#include "zobj.h"

#include <math.h>
#include <string.h>
#include <strings.h>

enum { OP_UNION = 0, OP_INTER, OP_DIFF };
enum { M_REPLY = 0, M_STORE, M_CARD };
enum { AGG_SUM = 0, AGG_MIN, AGG_MAX };
enum { PH_VALIDATE = 0, PH_PASS, PH_EMIT };

/* imm = op + 4 * mode */
#define IMM(OP, MODE) ((OP) + 4 * (MODE))

typedef struct zalg {
    uint8_t op, mode, agg, phase;
    bool withscores;
    bool empty;            /* the result is known to be empty */
    bool pass_started;     /* PH_PASS: the pass of source ki is under way */
    uint32_t first, nkeys; /* argv index of the first source, number of sources */
    double *weights;
    int64_t limit;         /* ZINTERCARD: 0 = none */
    const char *opt_error; /* an option error, replied once the keys' types are checked */
    uint32_t vi;           /* PH_VALIDATE: keys checked */
    uint32_t ki;           /* PH_PASS: the source */
    uint64_t pos;          /* PH_PASS and PH_EMIT: rank reached */
    dk_zset *acc, *next;   /* the result so far; ZINTER: the next pass's result */
    uint64_t n;            /* PH_EMIT: elements to reply */
} zalg;

static void free_sets(void *ptr) {
    zalg *a = ptr;
    dk_zset_free(a->acc);
    dk_zset_free(a->next);
    a->acc = a->next = NULL;
}

/* ======== arguments ======== */

/* The argv index of numkeys: 2 for the STORE forms (after dst), else 1. */
static int numkeys_at(const keel_arg *argv) {
    const keel_arg *name = &argv[0];
    return name->len > 5 && strncasecmp(name->ptr + name->len - 5, "STORE", 5) == 0 ? 2 : 1;
}

/* Keys: dst (STORE forms), then numkeys sources.  Only dst when numkeys is malformed (the
 * opcode then replies Redis's error). */
static int alg_keys(int argc, const keel_arg *argv, int *pos, int max) {
    int at = numkeys_at(argv), k = 0;
    if (at == 2 && k < max) pos[k] = 1;
    if (at == 2) k++;
    int64_t n;
    if (argc <= at || !keel_arg_i64(&argv[at], &n) || n < 1 || n > argc - at - 1) return k;
    for (int i = 0; i < n; i++, k++)
        if (k < max) pos[k] = at + 1 + i;
    return k;
}

/* Parses a weight as Redis does (a score's syntax). */
static bool parse_weight(const keel_arg *a, double *w) {
    return zs_parse_score(a, w);
}

/* Reads the options after the keys; records the first error in a->opt_error (replied after the
 * type checks, as Redis reads its keys first). */
static void read_options(keel_proc *p, zalg *a) {
    uint32_t j = a->first + a->nkeys;
    while (j < p->argc && !a->opt_error) {
        uint32_t left = p->argc - j;
        const keel_arg *o = &p->argv[j];
        bool full = a->mode != M_CARD;
        if (a->op != OP_DIFF && full && left >= a->nkeys + 1 && keel_arg_is(o, "WEIGHTS")) {
            j++;
            for (uint32_t i = 0; i < a->nkeys; i++, j++)
                if (!parse_weight(&p->argv[j], &a->weights[i]))
                    a->opt_error = "ERR weight value is not a float";
        } else if (a->op != OP_DIFF && full && left >= 2 && keel_arg_is(o, "AGGREGATE")) {
            const keel_arg *v = &p->argv[j + 1];
            if (keel_arg_is(v, "SUM"))
                a->agg = AGG_SUM;
            else if (keel_arg_is(v, "MIN"))
                a->agg = AGG_MIN;
            else if (keel_arg_is(v, "MAX"))
                a->agg = AGG_MAX;
            else
                a->opt_error = "ERR syntax error";
            j += 2;
        } else if (left >= 1 && a->mode == M_REPLY && keel_arg_is(o, "WITHSCORES")) {
            a->withscores = true;
            j++;
        } else if (a->mode == M_CARD && left >= 2 && keel_arg_is(o, "LIMIT")) {
            if (!keel_arg_i64(&p->argv[j + 1], &a->limit) || a->limit < 0)
                a->opt_error = "ERR LIMIT can't be negative";
            j += 2;
        } else {
            a->opt_error = "ERR syntax error";
        }
    }
}

/* Parses numkeys and the options; false after replying a numkeys error. */
static bool parse(keel_proc *p, int imm, zalg *a) {
    memset(a, 0, sizeof *a);
    a->op = (uint8_t)(imm % 4);
    a->mode = (uint8_t)(imm / 4);
    int at = numkeys_at(p->argv);
    int64_t n;
    if (!zs_arg_int(p, &p->argv[at], &n)) return false;
    if (n < 1) {
        keel_reply_error(p, "ERR at least 1 input key is needed for '%s' command",
                         keel_proc_command(p));
        return false;
    }
    if (n > (int64_t)p->argc - at - 1) {
        keel_reply_error(p, "ERR syntax error");
        return false;
    }
    a->first = (uint32_t)at + 1;
    a->nkeys = (uint32_t)n;
    a->weights = keel_proc_alloc(p, sizeof(double) * a->nkeys);
    for (uint32_t i = 0; i < a->nkeys; i++)
        a->weights[i] = 1;
    read_options(p, a);
    return true;
}

/* ======== sources ======== */

/* Members a set source hands over per call of keel_value_members. */
#define SET_SLICE 64

/* A source: a sorted set (z), or a plain set (v; Redis reads its members with score 1). */
typedef struct zsrc {
    dk_zset *z;
    keel_value v;
} zsrc;

/* Looks up a source as zs_find does, accepting a plain set too (through the SDK's members
 * view of its type, so this module needs nothing of sets.so's own). */
static keel_status find_source(keel_proc *p, const keel_arg *k, zsrc *s) {
    s->z = NULL;
    memset(&s->v, 0, sizeof s->v);
    s->v.size = sizeof s->v;
    keel_status st = keel_key_lookup(p, k->ptr, k->len, &s->v);
    if (st != KEEL_OK) return st;
    if (s->v.type == zs_type) {
        s->z = s->v.obj;
        return KEEL_OK;
    }
    const char *name = s->v.type == KEEL_TYPE_BOX ? NULL : keel_type_name(s->v.type);
    return name && strcmp(name, "set") == 0 ? KEEL_OK : KEEL_EWRONGTYPE;
}

/* ======== phases ======== */

/* Checks every source key's type, one thread at a time. */
static keel_op_result validate(keel_proc *p, zalg *a) {
    uint32_t n = keel_key_count(p);
    while (a->vi < n) {
        keel_arg k;
        uint32_t argi;
        keel_status st = keel_key_nth(p, a->vi, &k, &argi);
        KEEL_OP_PROPAGATE(st);
        if (argi >= a->first) {
            zsrc src;
            st = find_source(p, &k, &src);
            KEEL_OP_PROPAGATE(st);
            if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
            /* Redis reads a STORE's sources as a read command does (the core announces the
             * misses of read commands itself) */
            if (st == KEEL_NOTFOUND && a->mode == M_STORE)
                keel_notify(p, KEEL_NOTIFY_KEYMISS, "keymiss", k.ptr, k.len);
        }
        a->vi++;
        keel_charge(p, 1);
    }
    if (a->opt_error) return zs_error(p, a->opt_error);
    a->acc = dk_zset_new();
    if (!a->acc || keel_proc_defer_free(p, free_sets, a) != KEEL_OK) {
        dk_zset_free(a->acc);
        a->acc = NULL;
        return zs_oom(p);
    }
    a->phase = PH_PASS;
    return KEEL_NEXT;
}

static double aggregate(int agg, double cur, double s) {
    double r = agg == AGG_SUM   ? cur + s
               : agg == AGG_MIN ? (s < cur ? s : cur)
                                : (s > cur ? s : cur);
    return isnan(r) ? 0 : r;
}

static double weighted(double w, double s) {
    double r = w * s;
    return isnan(r) ? 0 : r;
}

/* One element e of source ki (weight w) into the result; false when out of memory. */
static bool take(zalg *a, const dk_zset *src, const dk_zentry *e, double w) {
    double cur, s = weighted(w, e->score);
    bool first = a->ki == 0;
    switch (a->op) {
    case OP_UNION:
        if (dk_zset_score(a->acc, e->member, e->len, &cur)) s = aggregate(a->agg, cur, s);
        return dk_zset_set(a->acc, e->member, e->len, s) >= 0;
    case OP_INTER:
        if (first) return dk_zset_set(a->acc, e->member, e->len, s) >= 0;
        /* e is an element of acc: keep it when src has it */
        if (!dk_zset_score(src, e->member, e->len, &cur)) return true;
        return dk_zset_set(a->next, e->member, e->len,
                           aggregate(a->agg, e->score, weighted(w, cur))) >= 0;
    default:
        if (first) return dk_zset_set(a->acc, e->member, e->len, e->score) >= 0;
        dk_zset_del(a->acc, e->member, e->len);
        return true;
    }
}

/* Ends source ki's pass. */
static void end_pass(zalg *a) {
    if (a->op == OP_INTER && a->ki > 0) {
        dk_zset_free(a->acc);
        a->acc = a->next;
        a->next = NULL;
    }
    if ((a->op != OP_UNION) && dk_zset_count(a->acc) == 0) a->empty = true;
    a->ki++;
    a->pos = 0;
    a->pass_started = false;
}

/* What a set source's members go through (keel_member_fn's context). */
typedef struct set_visit {
    zalg *a;
    double w;
    bool oom;
} set_visit;

/* One member of a set source (score 1): into the result as take() does; ZINTER's later passes
 * keep it when the result has it (a set cannot be probed, so the set is walked instead). */
static bool visit_member(void *ctx, const void *m, size_t len, double score) {
    set_visit *sv = ctx;
    zalg *a = sv->a;
    double cur;
    bool ok;
    if (a->op == OP_INTER && a->ki > 0) {
        ok = !dk_zset_score(a->acc, m, len, &cur) ||
             dk_zset_set(a->next, m, len, aggregate(a->agg, cur, weighted(sv->w, score))) >= 0;
    } else {
        dk_zentry e = {score, m, len};
        ok = take(a, NULL, &e, sv->w);
    }
    sv->oom |= !ok;
    return ok;
}

/* The pass of a set source, SET_SLICE members at a time: KEEL_NEXT when it is over. */
static keel_op_result set_pass(keel_proc *p, zalg *a, const keel_value *v) {
    for (;;) {
        set_visit sv = {a, a->weights[a->ki], false};
        uint64_t cursor = a->pos;
        bool done = false;
        if (keel_value_members(v, &cursor, SET_SLICE, visit_member, &sv, &done) != KEEL_OK)
            return zs_wrongtype(p);
        if (sv.oom) return zs_oom(p);
        bool spent = keel_charge(p, (int64_t)(cursor - a->pos) * ZS_COST_UPDATE);
        a->pos = cursor;
        if (done) break;
        if (spent) return KEEL_YIELD;
    }
    end_pass(a);
    return KEEL_NEXT;
}

/* Runs the pass of each source in turn (on its thread), a slice at a time. */
static keel_op_result pass(keel_proc *p, zalg *a) {
    while (a->ki < a->nkeys && !a->empty) {
        const keel_arg *key = &p->argv[a->first + a->ki];
        zsrc found;
        keel_status st = find_source(p, key, &found);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) { /* missing: an empty set */
            if (a->op == OP_INTER || (a->op == OP_DIFF && a->ki == 0)) a->empty = true;
            a->ki++;
            continue;
        }
        if (!a->pass_started) {
            a->pass_started = true;
            if (a->op == OP_INTER && a->ki > 0 && !(a->next = dk_zset_new())) return zs_oom(p);
        }
        if (!found.z) {
            keel_op_result r = set_pass(p, a, &found.v);
            if (r != KEEL_NEXT) return r;
            continue;
        }
        const dk_zset *src = found.z;
        /* ZINTER's later passes walk the result and probe the source; the others walk it */
        const dk_zset *walk = a->op == OP_INTER && a->ki > 0 ? a->acc : src;
        dk_iter it = dk_iter_at(a->pos);
        dk_zentry e;
        while (dk_zset_next(walk, &it, &e)) {
            if (!take(a, src, &e, a->weights[a->ki])) return zs_oom(p);
            a->pos++;
            if (keel_charge(p, ZS_COST_UPDATE) && a->pos < dk_zset_count(walk)) return KEEL_YIELD;
        }
        end_pass(a);
    }
    if (a->empty) {
        dk_zset_free(a->acc);
        a->acc = dk_zset_new();
        if (!a->acc) return zs_oom(p);
    }
    a->phase = PH_EMIT;
    a->pos = 0;
    a->n = dk_zset_count(a->acc);
    return KEEL_NEXT;
}

/* Replies the result, its count, or stores it. */
static keel_op_result emit(keel_proc *p, zalg *a) {
    if (a->mode == M_CARD) {
        keel_reply_int(
            p, (int64_t)(a->limit && (uint64_t)a->limit < a->n ? (uint64_t)a->limit : a->n));
        return KEEL_NEXT;
    }
    if (a->mode == M_STORE) {
        static const char *const store_events[] = {
            [OP_UNION] = "zunionstore", [OP_INTER] = "zinterstore", [OP_DIFF] = "zdiffstore"};
        keel_status st = zs_replace(p, &p->argv[1], a->acc, store_events[a->op]);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return zs_oom(p);
        if (a->n > 0) a->acc = NULL; /* the destination has it */
        keel_reply_int(p, (int64_t)a->n);
        return KEEL_NEXT;
    }
    if (a->pos == 0) zs_reply_list(p, a->n, a->withscores);
    dk_iter it = dk_iter_at(a->pos);
    dk_zentry e;
    while (dk_zset_next(a->acc, &it, &e)) {
        zs_reply_entry(p, &e, a->withscores);
        a->pos++;
        if (keel_charge(p, ZS_COST_STEP) && a->pos < a->n) return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

/* Opcode: zsets.algebra
 * ZUNION/ZINTER/ZDIFF numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX]
 * [WITHSCORES], their STORE forms (dst first: the result replaces dst, deleted when empty;
 * replies its size) and ZINTERCARD numkeys key [key ...] [LIMIT limit] (imm: IMM(op, mode)), as
 * Redis 7.0: numkeys checked first, then every key's type, then the options.  Weighted scores
 * and sums that are NaN count as 0.  Registers: r0 = the state (arena).  Reductions 1 per key
 * checked, ZS_COST_UPDATE per element of a pass, ZS_COST_STEP per element replied.  May yield,
 * hop, block. */
static keel_op_result op_algebra(keel_proc *p, const keel_insn *in) {
    zalg *a = p->reg[0].type == DK_PTR ? (zalg *)p->reg[0].v.ptr : NULL;
    if (!a) {
        a = keel_proc_alloc(p, sizeof *a);
        if (!parse(p, (int)in->imm, a)) return KEEL_FAIL;
        p->reg[0] = dk_ptr(a);
    }
    keel_op_result r;
    if (a->phase == PH_VALIDATE && (r = validate(p, a)) != KEEL_NEXT) return r;
    if (a->phase == PH_PASS && (r = pass(p, a)) != KEEL_NEXT) return r;
    return emit(p, a);
}

/* ======== tables ======== */

static const keel_opcode_def algebra_ops[] = {
    ZS_OP("zsets.algebra", op_algebra,
          "ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD (imm: op + 4 * "
          "mode); r0 = state"),
};

#define PROG(NAME, IMMV)                                                                           \
    static const keel_insn_def NAME[] = {{.op = "zsets.algebra", .imm = IMMV}, KEEL_END}
PROG(zunion_prog, IMM(OP_UNION, M_REPLY));
PROG(zinter_prog, IMM(OP_INTER, M_REPLY));
PROG(zdiff_prog, IMM(OP_DIFF, M_REPLY));
PROG(zunionstore_prog, IMM(OP_UNION, M_STORE));
PROG(zinterstore_prog, IMM(OP_INTER, M_STORE));
PROG(zdiffstore_prog, IMM(OP_DIFF, M_STORE));
PROG(zintercard_prog, IMM(OP_INTER, M_CARD));

#define READ KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY
#define WRITE KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY
static const keel_cmd_def algebra_cmds[] = {
    {ZS_CMD, .name = "ZUNION", .arity = -3, .flags = READ, .keys = alg_keys,
     .summary = "Replies the union of sorted sets (scores weighted and aggregated).",
     .syntax = "ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] "
               "[AGGREGATE SUM | MIN | MAX] [WITHSCORES]",
     .program = zunion_prog},
    {ZS_CMD, .name = "ZINTER", .arity = -3, .flags = READ, .keys = alg_keys,
     .summary = "Replies the intersection of sorted sets (scores weighted and aggregated).",
     .syntax = "ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] "
               "[AGGREGATE SUM | MIN | MAX] [WITHSCORES]",
     .program = zinter_prog},
    {ZS_CMD, .name = "ZDIFF", .arity = -3, .flags = READ, .keys = alg_keys,
     .summary = "Replies the members of the first sorted set that are in none of the others.",
     .syntax = "ZDIFF numkeys key [key ...] [WITHSCORES]", .program = zdiff_prog},
    {ZS_CMD, .name = "ZUNIONSTORE", .arity = -4, .flags = WRITE, .keys = alg_keys,
     .summary = "Stores the union of sorted sets at destination; replies its size.",
     .syntax = "ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] "
               "[AGGREGATE SUM | MIN | MAX]",
     .program = zunionstore_prog},
    {ZS_CMD, .name = "ZINTERSTORE", .arity = -4, .flags = WRITE, .keys = alg_keys,
     .summary = "Stores the intersection of sorted sets at destination; replies its size.",
     .syntax = "ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] "
               "[AGGREGATE SUM | MIN | MAX]",
     .program = zinterstore_prog},
    {ZS_CMD, .name = "ZDIFFSTORE", .arity = -4, .flags = WRITE, .keys = alg_keys,
     .summary = "Stores the difference of sorted sets at destination; replies its size.",
     .syntax = "ZDIFFSTORE destination numkeys key [key ...]", .program = zdiffstore_prog},
    {ZS_CMD, .name = "ZINTERCARD", .arity = -3, .flags = READ, .keys = alg_keys,
     .summary = "Replies the size of the intersection of sorted sets (at most limit, 0 = all).",
     .syntax = "ZINTERCARD numkeys key [key ...] [LIMIT limit]", .program = zintercard_prog},
};

const keel_family zs_algebra_family = KEEL_FAMILY(algebra_ops, algebra_cmds);
