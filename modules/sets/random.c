/* random.c -- random members: SPOP and SRANDMEMBER, with and without a count. */
#include "family.h"
#include "rand.h"
#include "sample.h"
#include "setobj.h"

#include <string.h>

/* Which command runs sets.random (its imm). */
enum { RANDOM_SRANDMEMBER = 0, RANDOM_SPOP = 1 };

/* The most members one SRANDMEMBER with a negative count may draw (its reply is built in
 * memory: about 40 bytes a member). */
#define MAX_DRAWS ((int64_t)1 << 24)

/* What a call with a count does, decided on its first run. */
enum { PICK_DRAW = 0, PICK_SAMPLE, PICK_ALL, PICK_REPEAT, PICK_REMOVE };

/* The state of a call with a count, in the arena (r0 points to it). */
typedef struct pick {
    uint8_t phase;      /* PICK_* */
    bool pop;           /* SPOP: remove what is replied */
    uint64_t n;         /* the set's size when the call started */
    uint64_t want;      /* members to reply */
    uint64_t done;      /* members replied */
    sets_sample sample; /* PICK_SAMPLE: the ranks chosen */
    dk_iter it;         /* the cursor that walks to them */
    dk_val *keep;       /* SPOP: arena copies of the members to remove */
    bool notified;      /* SPOP: its event is sent */
} pick;

/* Reads the count argument (argv[2]).  SPOP takes 0 or more; SRANDMEMBER any int64 but
 * INT64_MIN.  Replies Redis's error and returns false when it is not acceptable. */
static bool parse_count(keel_proc *p, bool pop, int64_t *count) {
    bool ok = keel_arg_i64(&p->argv[2], count);
    if (pop && (!ok || *count < 0)) {
        keel_reply_error(p, "ERR value is out of range, must be positive");
        return false;
    }
    if (!ok) {
        keel_reply_error(p, "ERR value is not an integer or out of range");
        return false;
    }
    if (*count == INT64_MIN) {
        keel_reply_error(p, "ERR value is out of range, value must between -9223372036854775807 "
                            "and 9223372036854775807");
        return false;
    }
    if (-*count > MAX_DRAWS) {
        keel_reply_error(p, "ERR count is out of range: SRANDMEMBER draws at most %lld members",
                         (long long)MAX_DRAWS);
        return false;
    }
    return true;
}

/* The append-only log records what SPOP chose: SREM key member... (n members of ms). */
static void log_as_srem(keel_proc *p, const keel_arg *key, const dk_val *ms, uint64_t n) {
    keel_arg *argv = keel_proc_alloc(p, sizeof *argv * (size_t)(n + 2));
    argv[0] = (keel_arg){"SREM", 4};
    argv[1] = *key;
    for (uint64_t i = 0; i < n; i++) {
        char *buf = keel_proc_alloc(p, DK_BOX_TEXT_MAX);
        const char *s;
        size_t len = dk_box_text(&ms[i], buf, &s);
        argv[i + 2] = (keel_arg){s, len};
    }
    keel_proc_log_as(p, (uint32_t)(n + 2), argv);
}

/* SPOP / SRANDMEMBER without a count: one random member, or nil. */
static keel_op_result one_member(keel_proc *p, bool pop, const keel_arg *key, dk_set *s) {
    if (!s) {
        keel_reply_nil(p);
        return KEEL_NEXT;
    }
    dk_val m;
    dk_set_at(s, sets_rand_below(dk_set_count(s)), &m);
    sets_reply_member(p, &m);
    keel_charge(p, sets_cost(s, NULL));
    if (!pop) return KEEL_NEXT;
    m = sets_keep(p, &m);
    log_as_srem(p, key, &m, 1);
    dk_set_remove(s, &m);
    keel_notify(p, KEEL_NOTIFY_SET, "spop", key->ptr, key->len);
    keel_status st = sets_settle(p, key->ptr, key->len, s);
    KEEL_OP_PROPAGATE(st);
    return KEEL_NEXT;
}

/* The first run of a call with a count on an existing set: plans the phases. */
static pick *pick_start(keel_proc *p, bool pop, int64_t count, const dk_set *s) {
    pick *k = keel_proc_alloc(p, sizeof *k);
    memset(k, 0, sizeof *k);
    k->pop = pop;
    k->n = dk_set_count(s);
    k->it = dk_iter_at(0);
    if (count < 0) {
        k->phase = PICK_REPEAT;
        k->want = (uint64_t)-count;
        keel_reply_array(p, (size_t)k->want);
    } else if ((uint64_t)count >= k->n) {
        k->phase = PICK_ALL;
        k->want = k->n;
        if (pop)
            keel_reply_set(p, (size_t)k->n);
        else
            keel_reply_array(p, (size_t)k->n);
    } else {
        k->phase = PICK_DRAW;
        k->want = (uint64_t)count;
        sets_sample_init(p, &k->sample, k->n, k->want);
        if (pop) k->keep = keel_proc_alloc(p, sizeof *k->keep * (size_t)k->want);
        if (pop)
            keel_reply_set(p, (size_t)k->want);
        else
            keel_reply_array(p, (size_t)k->want);
    }
    p->reg[0] = dk_ptr(k);
    return k;
}

/* Replies the chosen ranks in order, keeping copies for SPOP.  False when the budget ran out. */
static bool pick_sample(keel_proc *p, pick *k, const dk_set *s) {
    uint64_t r;
    while (k->done < k->want && sets_sample_next(p, &k->sample, &r)) {
        dk_val m;
        if (r - k->it.pos > 32 || r < k->it.pos) k->it = dk_iter_at(r);
        while (k->it.pos < r)
            dk_set_next(s, &k->it, &m);
        dk_set_next(s, &k->it, &m);
        sets_reply_member(p, &m);
        if (k->keep) k->keep[k->done] = sets_keep(p, &m);
        k->done++;
        if (keel_charge(p, sets_cost(s, NULL)) && k->done < k->want) return false;
    }
    return true;
}

/* Runs the phases of a call with a count; KEEL_YIELD when the budget ran out. */
static keel_op_result pick_run(keel_proc *p, pick *k, dk_set *s, const keel_arg *key) {
    dk_val m;
    switch (k->phase) {
    case PICK_DRAW:
        if (!sets_sample_draw(p, &k->sample)) return KEEL_YIELD;
        k->phase = PICK_SAMPLE;
        /* fall through */
    case PICK_SAMPLE:
        if (!pick_sample(p, k, s)) return KEEL_YIELD;
        if (!k->pop) return KEEL_NEXT;
        k->phase = PICK_REMOVE;
        k->done = 0;
        /* fall through */
    case PICK_REMOVE:
        if (k->done == 0) log_as_srem(p, key, k->keep, k->want);
        while (k->done < k->want) {
            int64_t cost = sets_cost(s, &k->keep[k->done]);
            dk_set_remove(s, &k->keep[k->done++]);
            if (keel_charge(p, cost) && k->done < k->want) return KEEL_YIELD;
        }
        return KEEL_NEXT;
    case PICK_ALL:
        while (dk_set_next(s, &k->it, &m)) {
            sets_reply_member(p, &m);
            if (keel_charge(p, SETS_COST_STEP) && k->it.pos < k->n) return KEEL_YIELD;
        }
        if (k->pop) {
            keel_arg as_del[2] = {{"DEL", 3}, *key}; /* every member went */
            keel_proc_log_as(p, 2, as_del);
            keel_status st = keel_key_delete(p, key->ptr, key->len);
            KEEL_OP_PROPAGATE(st);
            keel_notify(p, KEEL_NOTIFY_SET, "spop", key->ptr, key->len);
            keel_notify(p, KEEL_NOTIFY_GENERIC, "del", key->ptr, key->len);
        }
        return KEEL_NEXT;
    default: /* PICK_REPEAT */
        while (k->done < k->want) {
            dk_set_at(s, sets_rand_below(k->n), &m);
            sets_reply_member(p, &m);
            k->done++;
            if (keel_charge(p, sets_cost(s, NULL)) && k->done < k->want) return KEEL_YIELD;
        }
        return KEEL_NEXT;
    }
}

/* Opcode: sets.random
 * SRANDMEMBER (imm 0) / SPOP (imm 1) key [count].  Without a count: one random member (SPOP
 * removes it), nil when the key is absent.  With a count: SRANDMEMBER n > 0 replies min(n, size)
 * distinct members, sorted; n < 0 replies |n| independent draws in draw order; SPOP n removes
 * and replies min(n, size) distinct members, sorted, deleting the set when it empties.
 * Registers: r0 = the call's state (arena).  Reductions: 1 per random draw, sets_cost() per
 * member looked up or removed.  May yield, hop and block. */
static keel_op_result op_random(keel_proc *p, const keel_insn *in) {
    bool pop = in->imm == RANDOM_SPOP;
    const keel_arg *key = &p->argv[1];
    if (p->argc > 3) {
        keel_reply_error(p, "ERR syntax error");
        return KEEL_FAIL;
    }
    int64_t count = 0;
    if (p->argc == 3 && p->reg[0].type == DK_NULL && !parse_count(p, pop, &count)) return KEEL_FAIL;
    dk_set *s = NULL;
    keel_status st = sets_find(p, key->ptr, key->len, &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return sets_wrongtype(p);
    if (p->argc == 2) return one_member(p, pop, key, s);
    pick *k = p->reg[0].type == DK_PTR ? (pick *)p->reg[0].v.ptr : NULL;
    if (!k) {
        if (!s || count == 0) {
            if (pop)
                keel_reply_set(p, 0);
            else
                keel_reply_array(p, 0);
            return KEEL_NEXT;
        }
        k = pick_start(p, pop, count, s);
    }
    if (!s || dk_set_count(s) != k->n - (k->phase == PICK_REMOVE ? k->done : 0))
        return KEEL_NEXT; /* the set went away between two slices (FLUSHALL) */
    keel_op_result r = pick_run(p, k, s, key);
    if (r == KEEL_NEXT && k->phase == PICK_REMOVE) {
        if (!k->notified) keel_notify(p, KEEL_NOTIFY_SET, "spop", key->ptr, key->len);
        k->notified = true; /* once, even if settling hops */
        st = sets_settle(p, key->ptr, key->len, s);
        KEEL_OP_PROPAGATE(st);
    }
    return r;
}

static const keel_opcode_def random_ops[] = {
    SETS_OP("sets.random", op_random, "random members of argv[1] (imm 1: and remove them)"),
};

static const keel_insn_def srandmember_prog[] = {{.op = "sets.random", .imm = RANDOM_SRANDMEMBER},
                                                 KEEL_END};
static const keel_insn_def spop_prog[] = {{.op = "sets.random", .imm = RANDOM_SPOP}, KEEL_END};

static const keel_cmd_def random_cmds[] = {
    {SETS_KEY1, .name = "SPOP", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Removes and replies one random member, or count distinct ones (sorted).",
     .syntax = "SPOP key [count]", .program = spop_prog},
    {SETS_KEY1, .name = "SRANDMEMBER", .arity = -2, .flags = KEEL_CMD_READONLY,
     .summary = "Replies one random member; count > 0: that many distinct members (sorted); "
                "count < 0: |count| draws that may repeat.",
     .syntax = "SRANDMEMBER key [count]", .program = srandmember_prog},
};

const keel_family sets_random_family = KEEL_FAMILY(random_ops, random_cmds);
