/* compare.c -- comparing sets on any shard: SSUBSET a b (is a a subset of b?), SEQUAL a b ...
 * (are they all equal?).  Missing keys are empty sets. */
#include "family.h"
#include "setobj.h"
#include "walk.h"

#include <string.h>

/* Which command runs sets.compare (its imm). */
enum { CMP_SUBSET = 0, CMP_EQUAL = 1 };

enum { PH_VALIDATE = 0, PH_COPY, PH_TEST };

typedef struct cmp {
    sets_walk *w;
    uint8_t phase;
    bool copied;  /* the reference set is the walk's copy (acc), not the live one */
    uint32_t ref; /* key index of the reference set (SSUBSET: a; SEQUAL: the first key
                     in shard order) */
    uint32_t j;   /* PH_TEST: the key tested now */
    dk_iter it;   /* ... and the cursor in the reference set */
} cmp;

/* After the validate pass: replies when the counts alone decide (returns true), else picks
 * the reference and the first key to test. */
static bool decide(keel_proc *p, cmp *c, bool subset) {
    sets_walk *w = c->w;
    if (subset) {
        uint32_t a = sets_walk_index(w, 1), b = sets_walk_index(w, 2);
        c->ref = a;
        c->j = b;
        if (w->count[a] > w->count[b]) {
            keel_reply_int(p, 0);
            return true;
        }
        if (w->count[a] == 0) {
            keel_reply_int(p, 1);
            return true;
        }
    } else {
        c->ref = 0;
        c->j = 1;
        for (uint32_t i = 1; i < w->n; i++) {
            if (w->count[i] != w->count[0]) {
                keel_reply_int(p, 0);
                return true;
            }
        }
        if (w->n < 2 || w->count[0] == 0) {
            keel_reply_int(p, 1);
            return true;
        }
    }
    c->phase = sets_walk_all_local(w) ? PH_TEST : PH_COPY;
    c->it = dk_iter_at(0);
    return false;
}

/* PH_TEST: for each key tested (key j on its thread), is the reference a subset of it (the
 * counts, checked before, make that equality for SEQUAL)?  Replies 1 or 0. */
static keel_op_result test(keel_proc *p, cmp *c, bool subset) {
    sets_walk *w = c->w;
    while (c->j < w->n) {
        const dk_set *ref = w->acc;
        dk_set *s;
        keel_status st;
        if (!c->copied) {
            st = sets_walk_find(p, w, c->ref, &s);
            KEEL_OP_PROPAGATE(st);
            ref = s;
        }
        st = sets_walk_find(p, w, c->j, &s);
        KEEL_OP_PROPAGATE(st);
        if (!ref || !s) { /* gone while locked (FLUSHALL): compare what is left */
            keel_reply_int(p, !ref || dk_set_count(ref) == 0);
            return KEEL_NEXT;
        }
        size_t budget = 128;
        int r = dk_set_subset_step(ref, s, &c->it, &budget);
        keel_charge(p, (int64_t)(128 - budget) * sets_cost(s, NULL));
        if (r == 0) {
            keel_reply_int(p, 0);
            return KEEL_NEXT;
        }
        if (r > 0) {
            c->it = dk_iter_at(0);
            c->j = subset ? w->n : c->j + 1;
        }
        if (p->budget <= 0 && c->j < w->n) return KEEL_YIELD;
    }
    keel_reply_int(p, 1);
    return KEEL_NEXT;
}

/* Opcode: sets.compare
 * SSUBSET a b (imm 0): 1 when every member of a is in b.  SEQUAL key [key ...] (imm 1): 1 when
 * all the sets are equal.  The sizes decide first; then the reference set (a, or the first key
 * in shard order) is probed against the others, straight when every key lives on the final
 * thread, else through a copy the process carries to their threads.  WRONGTYPE for a key of
 * another type.  Registers: r0 = the state (arena); the copy is malloc'd and freed before the
 * opcode finishes.  Reductions sets_cost() per member tested or copied.  May yield, hop and block.
 */
static keel_op_result op_compare(keel_proc *p, const keel_insn *in) {
    bool subset = in->imm == CMP_SUBSET;
    cmp *c = p->reg[0].type == DK_PTR ? (cmp *)p->reg[0].v.ptr : NULL;
    if (!c) {
        c = keel_proc_alloc(p, sizeof *c);
        memset(c, 0, sizeof *c);
        c->w = sets_walk_new(p, 0);
        p->reg[0] = dk_ptr(c);
    }
    keel_op_result r = KEEL_NEXT;
    switch (c->phase) {
    case PH_VALIDATE:
        r = sets_walk_validate(p, c->w);
        if (r != KEEL_NEXT) break;
        if (decide(p, c, subset)) break;
        if (c->phase == PH_TEST) {
            r = test(p, c, subset);
            break;
        }
        /* fall through */
    case PH_COPY:
        r = sets_walk_pass(p, c->w, c->ref, SETS_ADD);
        if (r != KEEL_NEXT) break;
        c->copied = true;
        c->phase = PH_TEST;
        /* fall through */
    default:
        r = test(p, c, subset);
    }
    if (r == KEEL_NEXT || r == KEEL_FAIL) sets_walk_free(c->w);
    return r;
}

static const keel_opcode_def compare_ops[] = {
    SETS_OP("sets.compare", op_compare, "is argv[1] a subset of argv[2]; imm 1: are all equal"),
};

static const keel_insn_def ssubset_prog[] = {{.op = "sets.compare", .imm = CMP_SUBSET}, KEEL_END};
static const keel_insn_def sequal_prog[] = {{.op = "sets.compare", .imm = CMP_EQUAL}, KEEL_END};

static const keel_cmd_def compare_cmds[] = {
    {SETS_CMD, .name = "SSUBSET", .arity = 3, .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY,
     .first_key = 1, .last_key = 2, .key_step = 1,
     .summary = "Replies 1 when every member of the first set is in the second (missing keys are "
                "empty sets), else 0.",
     .syntax = "SSUBSET key otherkey", .program = ssubset_prog},
    {SETS_KEYS, .name = "SEQUAL", .arity = -2, .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY,
     .summary = "Replies 1 when all the given sets hold the same members (missing keys are empty "
                "sets), else 0.",
     .syntax = "SEQUAL key [key ...]", .program = sequal_prog},
};

const keel_family sets_compare_family = KEEL_FAMILY(compare_ops, compare_cmds);
