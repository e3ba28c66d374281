/* algebra.c -- set algebra over keys on any shard: SINTER SINTERCARD SINTERSTORE SUNION
 * SUNIONSTORE SDIFF SDIFFSTORE.
 *
 * One opcode runs them all, in phases kept in an arena state (r0): validate every key (WRONGTYPE
 * first, as Redis), then either stream datakit's resumable set algebra over the live sets when
 * they all live on the final thread, or build the answer in the walk's working set, pass by pass
 * on each set's thread (walk.h); then reply it, count it, or store it at the destination.  Every
 * key stays locked throughout, so a STORE is atomic across shards: nobody sees the destination
 * half-written or a source changed under the computation.
 */
#include "family.h"
#include "setobj.h"
#include "walk.h"

#include <datakit/setop.h>
#include <string.h>

/* What the command does with the result (the opcode's imm carries kind + 4 * mode). */
enum { MODE_REPLY = 0, MODE_STORE = 1, MODE_CARD = 2 };
#define IMM(KIND, MODE) ((KIND) + 4 * (MODE))

enum {
    PH_VALIDATE = 0, /* sets_walk_validate */
    PH_PLAN,         /* choose how to compute */
    PH_SETOP,        /* stream dk_setop over the live sets (all on the final thread) */
    PH_FIRST,        /* build acc: its first pass (a copy, or the union's first set) */
    PH_REST,         /* build acc: the passes of the other keys */
    PH_EMIT,         /* reply / count / hand over acc */
    PH_STORE,        /* store the result at the destination */
};

/* What a phase returns to have the next one run at once (never returned by the opcode). */
#define NEXT_PHASE KEEL_JUMP

typedef struct alg {
    sets_walk *w;
    uint8_t kind;         /* dk_setop_kind */
    uint8_t mode;         /* MODE_* */
    uint8_t phase;        /* PH_* */
    uint8_t pass;         /* PH_REST: the pass under way (sets_pass) */
    bool started;         /* PH_REST: a pass of key j is under way */
    bool empty;           /* the result is known to be empty */
    bool reply_open;      /* PH_SETOP, MODE_REPLY: the set reply is open */
    uint32_t first, last; /* argv indexes of the first and last source keys */
    uint64_t limit;       /* MODE_CARD: stop counting there (0 = no limit) */
    uint32_t lead;        /* key index acc starts from */
    uint32_t j;           /* PH_REST: next key index */
    uint32_t nsets;       /* PH_SETOP: the sets the operation reads */
    const dk_set **live;  /* ... as looked up, checked again after every yield */
    uint32_t *live_key;   /* ... and their key indexes */
    dk_setop *op;
    dk_set *out;       /* PH_SETOP, MODE_STORE: the result being built */
    sets_convert conv; /* ... and its move to the general tier, if under way */
    uint64_t produced; /* members produced so far */
} alg;

/* ======== SINTERCARD's arguments ======== */

/* numkeys, or 0 when it is not a positive integer. */
static int64_t card_numkeys(int argc, const keel_arg *argv) {
    int64_t n;
    if (argc < 3 || !keel_arg_i64(&argv[1], &n) || n <= 0) return 0;
    return n;
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit]: the keys are argv[2 .. 2 + numkeys).  No key
 * when numkeys is malformed: the opcode then replies Redis's exact error. */
static int card_keys(int argc, const keel_arg *argv, int *pos, int max) {
    int64_t n = card_numkeys(argc, argv);
    if (n <= 0 || n > argc - 2) return 0;
    for (int i = 0; i < max && i < n; i++)
        pos[i] = 2 + i;
    return (int)n;
}

/* Checks SINTERCARD's numkeys and options; replies Redis's error and returns false when they
 * are malformed. */
static bool card_options(keel_proc *p, alg *a) {
    int64_t n = card_numkeys((int)p->argc, p->argv);
    if (n <= 0) {
        keel_reply_error(p, "ERR numkeys should be greater than 0");
        return false;
    }
    if (n > (int64_t)p->argc - 2) {
        keel_reply_error(p, "ERR Number of keys can't be greater than number of args");
        return false;
    }
    a->first = 2;
    a->last = 2 + (uint32_t)n - 1;
    for (uint32_t i = a->last + 1; i < p->argc; i += 2) {
        int64_t l;
        if (!keel_arg_is(&p->argv[i], "LIMIT") || i + 1 >= p->argc) {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
        if (!keel_arg_i64(&p->argv[i + 1], &l) || l < 0) {
            keel_reply_error(p, "ERR LIMIT can't be negative");
            return false;
        }
        a->limit = (uint64_t)l;
    }
    return true;
}

/* ======== the result's sinks ======== */

/* Takes one member of the result (SETOP streaming): replies, stores or counts it.  False when
 * the work is over (a CARD limit reached) or memory ran out (*oom). */
static bool sink(keel_proc *p, alg *a, const dk_val *m, bool *oom) {
    a->produced++;
    if (a->mode == MODE_REPLY) {
        sets_reply_member(p, m);
        keel_charge(p, SETS_COST_STEP);
    } else if (a->mode == MODE_STORE) {
        int64_t cost = sets_cost(a->out, m);
        if (sets_convert_add(&a->conv, a->out, m) < 0) {
            *oom = true;
            return false;
        }
        keel_charge(p, cost);
    }
    return !(a->mode == MODE_CARD && a->limit && a->produced >= a->limit);
}

/* Replies the count of a CARD, or of a STORE's result. */
static void reply_count(keel_proc *p, const alg *a, uint64_t n) {
    if (a->mode == MODE_CARD && a->limit && n > a->limit) n = a->limit;
    keel_reply_int(p, (int64_t)n);
}

/* ======== planning ======== */

/* Is key i one of the sources? */
static bool is_source(const alg *a, uint32_t i) {
    return a->w->argi[i] >= a->first && a->w->argi[i] <= a->last;
}

/* Chooses how to compute: sets a->empty, a->lead and the next phase. */
static void plan(alg *a) {
    sets_walk *w = a->w;
    a->lead = w->n;
    for (uint32_t i = 0; i < w->n; i++) {
        if (!is_source(a, i)) continue;
        if (a->kind == DK_SETOP_INTER && !w->present[i]) a->empty = true;
        if (a->kind == DK_SETOP_DIFF && w->argi[i] == a->first) a->lead = i;
        if (a->kind == DK_SETOP_INTER && (a->lead == w->n || w->count[i] < w->count[a->lead]))
            a->lead = i;
    }
    if (a->kind == DK_SETOP_DIFF && !w->present[a->lead]) a->empty = true;
    if (a->empty)
        a->phase = PH_EMIT;
    else if (sets_walk_all_local(w))
        a->phase = PH_SETOP;
    else
        a->phase = a->kind == DK_SETOP_UNION ? PH_REST : PH_FIRST;
}

/* ======== streaming over the live sets ======== */

/* Looks every source set up (on the final thread).  On the first call records them (argv order,
 * absent ones left out) and opens the operation; later, checks they are the same objects.
 * Returns KEEL_NEXT, KEEL_FAIL after replying, or a hop/wait to pass on. */
static keel_op_result setop_sets(keel_proc *p, alg *a) {
    sets_walk *w = a->w;
    bool opening = a->live == NULL;
    if (opening) {
        a->live = keel_proc_alloc(p, sizeof *a->live * (w->n ? w->n : 1));
        a->live_key = keel_proc_alloc(p, sizeof *a->live_key * (w->n ? w->n : 1));
        for (uint32_t arg = a->first; arg <= a->last; arg++) {
            uint32_t i = sets_walk_index(w, arg);
            if (i < w->n && w->present[i]) a->live_key[a->nsets++] = i;
        }
    }
    for (uint32_t j = 0; j < a->nsets; j++) {
        dk_set *s;
        keel_status st = sets_walk_find(p, w, a->live_key[j], &s);
        KEEL_OP_PROPAGATE(st);
        if (!opening && s != a->live[j]) {
            keel_reply_reset(p);
            keel_reply_error(p, "ERR a key of this command was removed while it ran");
            return KEEL_FAIL;
        }
        a->live[j] = s;
    }
    if (!opening) return KEEL_NEXT;
    a->op = dk_setop_new((dk_setop_kind)a->kind, a->live, a->nsets);
    if (!a->op) return sets_oom(p);
    if (a->mode == MODE_STORE && !(a->out = dk_set_new())) return sets_oom(p);
    if (a->mode == MODE_REPLY) {
        keel_reply_open(p, KEEL_REPLY_SET);
        a->reply_open = true;
    }
    return KEEL_NEXT;
}

/* PH_SETOP: produces the result a slice at a time. */
static keel_op_result run_setop(keel_proc *p, alg *a) {
    keel_op_result r = setop_sets(p, a);
    if (r != KEEL_NEXT) return r;
    /* reductions per input member examined: a union advances cursors, the others probe every
     * other set (each at its own tier's price) */
    int64_t cost = SETS_COST_STEP;
    for (uint32_t j = 0; a->kind != DK_SETOP_UNION && j < a->nsets; j++)
        cost += sets_cost(a->live[j], NULL);
    for (;;) {
        if (sets_convert_busy(&a->conv)) {
            r = sets_convert_own(p, &a->conv, &a->out);
            if (r != KEEL_NEXT) return r;
        }
        size_t budget = 64;
        dk_val m;
        dk_setop_status st = dk_setop_next(a->op, &m, &budget);
        keel_charge(p, (int64_t)(64 - budget) * cost);
        if (st == DK_SETOP_DONE && !sets_convert_busy(&a->conv)) break;
        if (st == DK_SETOP_DONE) continue;
        bool oom = false;
        if (st == DK_SETOP_MEMBER && !sink(p, a, &m, &oom)) {
            if (oom) return sets_oom(p);
            break;
        }
        if (p->budget <= 0) return KEEL_YIELD;
    }
    dk_setop_free(a->op);
    a->op = NULL;
    if (a->mode == MODE_REPLY) {
        keel_reply_close(p);
        a->reply_open = false;
        return KEEL_NEXT;
    }
    if (a->mode == MODE_CARD) {
        reply_count(p, a, a->produced);
        return KEEL_NEXT;
    }
    a->w->acc = a->out; /* the walk owns the result from here */
    a->out = NULL;
    a->phase = PH_STORE;
    return NEXT_PHASE;
}

/* ======== building the working set ======== */

/* PH_REST: the pass of every source key but the lead, in shard order. */
static keel_op_result run_rest(keel_proc *p, alg *a) {
    sets_walk *w = a->w;
    for (; a->j < w->n; a->j++) {
        uint32_t j = a->j;
        if (!is_source(a, j) || (a->kind != DK_SETOP_UNION && j == a->lead)) continue;
        if (!a->started) {
            if (a->kind == DK_SETOP_UNION)
                a->pass = SETS_ADD;
            else if (a->kind == DK_SETOP_INTER)
                a->pass = SETS_KEEP_IN;
            else if (!w->present[j])
                continue;
            else
                a->pass = w->count[j] < dk_set_count(w->acc) ? SETS_SUBTRACT : SETS_KEEP_OUT;
            a->started = true;
        }
        keel_op_result r = sets_walk_pass(p, w, j, (sets_pass)a->pass);
        if (r != KEEL_NEXT) return r;
        a->started = false;
        if (a->kind != DK_SETOP_UNION && dk_set_count(w->acc) == 0) break;
        if (p->budget <= 0 && a->j + 1 < w->n) {
            a->j++;
            return KEEL_YIELD;
        }
    }
    a->phase = PH_EMIT;
    return NEXT_PHASE;
}

/* PH_EMIT: replies, counts or hands over acc (NULL or empty: an empty result). */
static keel_op_result run_emit(keel_proc *p, alg *a) {
    sets_walk *w = a->w;
    uint64_t n = w->acc ? dk_set_count(w->acc) : 0;
    if (a->mode == MODE_CARD) {
        reply_count(p, a, n);
        return KEEL_NEXT;
    }
    if (a->mode == MODE_STORE) {
        a->phase = PH_STORE;
        return NEXT_PHASE;
    }
    if (!a->reply_open) {
        keel_reply_set(p, (size_t)n);
        a->reply_open = true;
        w->it = dk_iter_at(0);
    }
    dk_val m;
    while (n && dk_set_next(w->acc, &w->it, &m)) {
        sets_reply_member(p, &m);
        if (keel_charge(p, SETS_COST_STEP) && w->it.pos < n) return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

/* The STORE forms' events on the destination, by dk_setop_kind. */
static const char *const store_events[] = {"sunionstore", "sinterstore", "sdiffstore"};

/* Redis reads a STORE's sources as a read command does: each one missing is a keymiss. */
static void notify_sources_missed(keel_proc *p, const alg *a) {
    const sets_walk *w = a->w;
    for (uint32_t argi = a->first; argi <= a->last; argi++) {
        uint32_t i = sets_walk_index(w, argi);
        if (i < w->n && !w->present[i])
            keel_notify(p, KEEL_NOTIFY_KEYMISS, "keymiss", p->argv[argi].ptr, p->argv[argi].len);
    }
}

/* PH_STORE: on the destination's thread, replaces it with acc (or deletes it when the result
 * is empty, as Redis does) and replies the result's size. */
static keel_op_result run_store(keel_proc *p, alg *a) {
    sets_walk *w = a->w;
    uint32_t d = sets_walk_index(w, 1);
    keel_arg k;
    keel_status st = keel_key_nth(p, d, &k, NULL);
    KEEL_OP_PROPAGATE(st);
    uint64_t n = w->acc ? dk_set_count(w->acc) : 0;
    notify_sources_missed(p, a); /* (the key is this thread's and held: no re-run follows) */
    if (n == 0) {
        st = keel_key_delete(p, k.ptr, k.len);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_OK) keel_notify(p, KEEL_NOTIFY_GENERIC, "del", k.ptr, k.len);
    } else {
        st = keel_key_store_object(p, k.ptr, k.len, sets_type, w->acc, 0);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return sets_oom(p);
        sets_walk_take(w);
        keel_notify(p, KEEL_NOTIFY_SET, store_events[a->kind], k.ptr, k.len);
    }
    keel_reply_int(p, (int64_t)n);
    return KEEL_NEXT;
}

/* ======== the opcode ======== */

/* The first run: the state, its walk and the sources' span. */
static alg *alg_start(keel_proc *p, const keel_insn *in) {
    alg *a = keel_proc_alloc(p, sizeof *a);
    memset(a, 0, sizeof *a);
    a->kind = (uint8_t)(in->imm % 4);
    a->mode = (uint8_t)(in->imm / 4);
    a->first = a->mode == MODE_STORE ? 2 : 1;
    a->last = p->argc - 1;
    a->w = sets_walk_new(p, a->mode == MODE_STORE ? 1 : 0);
    p->reg[0] = dk_ptr(a);
    return a;
}

/* Runs phases until one finishes the command, fails, or must hop, wait or yield. */
static keel_op_result alg_step(keel_proc *p, alg *a) {
    keel_op_result r = NEXT_PHASE;
    while (r == NEXT_PHASE) {
        switch (a->phase) {
        case PH_VALIDATE:
            r = sets_walk_validate(p, a->w);
            if (r != KEEL_NEXT) return r;
            a->phase = PH_PLAN;
            /* fall through */
        case PH_PLAN:
            plan(a);
            r = NEXT_PHASE;
            break;
        case PH_SETOP:
            r = run_setop(p, a);
            break;
        case PH_FIRST:
            r = sets_walk_pass(p, a->w, a->lead, SETS_ADD);
            if (r != KEEL_NEXT) return r;
            a->phase = PH_REST;
            r = NEXT_PHASE;
            break;
        case PH_REST:
            r = run_rest(p, a);
            break;
        case PH_EMIT:
            r = run_emit(p, a);
            break;
        default:
            r = run_store(p, a);
        }
    }
    return r;
}

/* Opcode: sets.algebra
 * imm = kind + 4 * mode: kind 0 union, 1 intersection, 2 difference (the first source minus the
 * others); mode 0 reply the members (sorted, a RESP3 set), 1 store them at argv[1] (deleting it
 * when the result is empty) and reply their number, 2 SINTERCARD's count (with LIMIT).  Missing
 * keys are empty sets; a key of another type fails the command with WRONGTYPE before any work.
 * Registers: r0 = the state (arena); the working set and the datakit operation are malloc'd and
 * freed before the opcode finishes.  Reductions: SETS_COST_* per member examined, produced or
 * stored.  May yield, hop (one hop per shard per pass) and block. */
static keel_op_result op_algebra(keel_proc *p, const keel_insn *in) {
    alg *a = p->reg[0].type == DK_PTR ? (alg *)p->reg[0].v.ptr : NULL;
    if (!a) {
        alg probe = {0};
        if (in->imm / 4 == MODE_CARD && !card_options(p, &probe)) return KEEL_FAIL;
        a = alg_start(p, in);
        if (a->mode == MODE_CARD) {
            a->first = probe.first;
            a->last = probe.last;
            a->limit = probe.limit;
        }
    }
    keel_op_result r = alg_step(p, a);
    if (r == KEEL_NEXT || r == KEEL_FAIL || r == KEEL_DONE) {
        dk_setop_free(a->op);
        a->op = NULL;
        sets_convert_abort(&a->conv);
        dk_set_free(a->out);
        a->out = NULL;
        sets_walk_free(a->w);
    }
    return r;
}

static const keel_opcode_def algebra_ops[] = {
    SETS_OP("sets.algebra", op_algebra,
            "union/inter/diff of the source keys: reply, store at argv[1] or count (r0 = state)"),
};

#define PROG(NAME, KIND, MODE)                                                                     \
    static const keel_insn_def NAME[] = {{.op = "sets.algebra", .imm = IMM(KIND, MODE)}, KEEL_END}
PROG(sunion_prog, DK_SETOP_UNION, MODE_REPLY);
PROG(sinter_prog, DK_SETOP_INTER, MODE_REPLY);
PROG(sdiff_prog, DK_SETOP_DIFF, MODE_REPLY);
PROG(sunionstore_prog, DK_SETOP_UNION, MODE_STORE);
PROG(sinterstore_prog, DK_SETOP_INTER, MODE_STORE);
PROG(sdiffstore_prog, DK_SETOP_DIFF, MODE_STORE);
PROG(sintercard_prog, DK_SETOP_INTER, MODE_CARD);

#define READ (KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY)
#define WRITE (KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY)
static const keel_cmd_def algebra_cmds[] = {
    {SETS_KEYS, .name = "SINTER", .arity = -2, .flags = READ,
     .summary = "Replies the members of every given set (sorted); keys on any shard.",
     .syntax = "SINTER key [key ...]", .program = sinter_prog},
    {SETS_CMD, .name = "SINTERCARD", .arity = -3, .flags = READ, .keys = card_keys,
     .summary = "Replies the size of the intersection, counting no further than LIMIT.",
     .syntax = "SINTERCARD numkeys key [key ...] [LIMIT limit]", .program = sintercard_prog},
    {SETS_KEYS, .name = "SINTERSTORE", .arity = -3, .flags = WRITE | KEEL_CMD_DENYOOM,
     .summary = "Stores the intersection at destination, atomically across shards; replies its "
                "size.",
     .syntax = "SINTERSTORE destination key [key ...]", .program = sinterstore_prog},
    {SETS_KEYS, .name = "SUNION", .arity = -2, .flags = READ,
     .summary = "Replies the members of any given set (sorted); keys on any shard.",
     .syntax = "SUNION key [key ...]", .program = sunion_prog},
    {SETS_KEYS, .name = "SUNIONSTORE", .arity = -3, .flags = WRITE | KEEL_CMD_DENYOOM,
     .summary = "Stores the union at destination, atomically across shards; replies its size.",
     .syntax = "SUNIONSTORE destination key [key ...]", .program = sunionstore_prog},
    {SETS_KEYS, .name = "SDIFF", .arity = -2, .flags = READ,
     .summary = "Replies the members of the first set that are in no other (sorted).",
     .syntax = "SDIFF key [key ...]", .program = sdiff_prog},
    {SETS_KEYS, .name = "SDIFFSTORE", .arity = -3, .flags = WRITE | KEEL_CMD_DENYOOM,
     .summary = "Stores the difference at destination, atomically across shards; replies its "
                "size.",
     .syntax = "SDIFFSTORE destination key [key ...]", .program = sdiffstore_prog},
};

const keel_family sets_algebra_family = KEEL_FAMILY(algebra_ops, algebra_cmds);
