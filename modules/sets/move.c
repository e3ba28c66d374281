/* move.c -- SMOVE source destination member [member ...]: moving members between sets on any
 * shard, atomically.  With one member it is Redis's SMOVE; with several it moves each member that
 * is in source and replies how many moved. */
#include "convert.h"
#include "family.h"
#include "setobj.h"
#include "walk.h"

#include <string.h>

enum { PH_VALIDATE = 0, PH_SAME, PH_REMOVE, PH_ADD };

typedef struct move {
    sets_walk *w;
    uint8_t phase;
    uint32_t src, dst; /* key indexes of source and destination */
    uint32_t next;     /* the member argument the phase is at */
    int64_t moved;     /* members removed from source so far */
    bool added;        /* a member was added to destination (it did not hold it yet) */
    bool *taken;       /* taken[i]: argv[i] was removed from source (so goes to dst) */
    sets_convert conv; /* PH_ADD: destination's move to the general tier, if under way */
} move;

/* After the validate pass, in Redis's order: an absent source replies 0, a key of another
 * type WRONGTYPE.  Returns KEEL_NEXT to go on, or the opcode's result when it replied. */
static keel_op_result decide(keel_proc *p, move *mv) {
    sets_walk *w = mv->w;
    mv->src = sets_walk_index(w, 1);
    mv->dst = sets_walk_index(w, 2);
    if (!w->present[mv->src] && !w->wrong[mv->src]) {
        keel_reply_int(p, 0);
        return KEEL_DONE;
    }
    if (w->wrong[mv->src] || w->wrong[mv->dst]) return sets_wrongtype(p);
    const keel_arg *s = &p->argv[1], *d = &p->argv[2];
    bool same = s->len == d->len && memcmp(s->ptr, d->ptr, s->len) == 0;
    mv->phase = same ? PH_SAME : PH_REMOVE;
    mv->next = 3;
    mv->taken = keel_proc_alloc(p, sizeof *mv->taken * p->argc);
    memset(mv->taken, 0, sizeof *mv->taken * p->argc);
    return KEEL_NEXT;
}

/* PH_SAME: source is destination: nothing moves; replies how many distinct members given are
 * in the set (Redis's 1 or 0 for one member).  The walk's working set remembers those counted. */
static keel_op_result same_key(keel_proc *p, move *mv) {
    dk_set *s;
    keel_status st = sets_walk_find(p, mv->w, mv->src, &s);
    KEEL_OP_PROPAGATE(st);
    if (!mv->w->acc) {
        /* a null member (never a client's) keeps the set of those counted in the general tier */
        dk_val null = dk_null();
        if (!(mv->w->acc = dk_set_new()) || dk_set_add(mv->w->acc, &null) < 0) return sets_oom(p);
    }
    for (; mv->next < p->argc; mv->next++) {
        const keel_arg *a = &p->argv[mv->next];
        dk_val m = sets_box(a->ptr, a->len);
        int64_t cost = s ? sets_cost(s, &m) : 1;
        if (s && dk_set_contains(s, &m)) {
            int r = dk_set_add(mv->w->acc, &m);
            if (r < 0) return sets_oom(p);
            mv->moved += r;
            cost += SETS_COST_SLOW;
        }
        if (keel_charge(p, cost) && mv->next + 1 < p->argc) {
            mv->next++;
            return KEEL_YIELD;
        }
    }
    keel_reply_int(p, mv->moved);
    return KEEL_NEXT;
}

/* PH_REMOVE: on source's thread, removes each member given (deleting source once empty). */
static keel_op_result remove_members(keel_proc *p, move *mv) {
    dk_set *s;
    keel_arg k;
    keel_status st = keel_key_nth(p, mv->src, &k, NULL);
    KEEL_OP_PROPAGATE(st);
    st = sets_walk_find(p, mv->w, mv->src, &s);
    KEEL_OP_PROPAGATE(st);
    for (; s && mv->next < p->argc; mv->next++) {
        const keel_arg *a = &p->argv[mv->next];
        dk_val m = sets_box(a->ptr, a->len);
        int64_t cost = sets_cost(s, &m);
        if (dk_set_remove(s, &m)) {
            mv->taken[mv->next] = true;
            mv->moved++;
        }
        if (keel_charge(p, cost) && mv->next + 1 < p->argc) {
            mv->next++;
            return KEEL_YIELD;
        }
    }
    if (s && mv->moved > 0) keel_notify(p, KEEL_NOTIFY_SET, "srem", k.ptr, k.len);
    if (s) {
        st = sets_settle(p, k.ptr, k.len, s);
        KEEL_OP_PROPAGATE(st);
    }
    return KEEL_NEXT;
}

/* PH_ADD: on destination's thread, adds every member taken (creating destination). */
static keel_op_result add_members(keel_proc *p, move *mv) {
    dk_set *d;
    keel_arg k;
    keel_status st = keel_key_nth(p, mv->dst, &k, NULL);
    KEEL_OP_PROPAGATE(st);
    st = sets_walk_find(p, mv->w, mv->dst, &d);
    KEEL_OP_PROPAGATE(st);
    if (!d && mv->moved > 0 && sets_create(p, k.ptr, k.len, &d) != KEEL_OK) return sets_oom(p);
    for (;;) {
        if (sets_convert_busy(&mv->conv)) {
            keel_op_result r = sets_convert_key(p, &mv->conv, &k, &d);
            if (r != KEEL_NEXT) return r;
        }
        if (mv->moved == 0 || mv->next >= p->argc) break;
        if (!mv->taken[mv->next]) {
            mv->next++;
            continue;
        }
        const keel_arg *a = &p->argv[mv->next++];
        dk_val m = sets_box(a->ptr, a->len);
        int64_t cost = sets_cost(d, &m);
        int r = sets_convert_add(&mv->conv, d, &m);
        if (r < 0) {
            sets_settle(p, k.ptr, k.len, d);
            return sets_oom(p);
        }
        mv->added |= r > 0;
        if (keel_charge(p, cost) && mv->next < p->argc) return KEEL_YIELD;
    }
    if (mv->added) keel_notify(p, KEEL_NOTIFY_SET, "sadd", k.ptr, k.len);
    keel_reply_int(p, mv->moved);
    return KEEL_NEXT;
}

/* Opcode: sets.move
 * SMOVE source destination member [member ...]: removes each member from source (deleting it
 * once empty) and adds those removed to destination (creating it); replies how many moved.  An
 * absent source replies 0 (whatever destination holds); source or destination of another type
 * WRONGTYPE; source = destination moves nothing and replies how many of the distinct members
 * are in it.  Both keys stay locked from the first check to the last add, so across shards too
 * every member is in exactly one of the two sets for anyone who looks.  Registers: r0 = the
 * state (arena).  Reductions sets_cost() per member and phase.  May yield, hop and block. */
static keel_op_result op_move(keel_proc *p, const keel_insn *in) {
    (void)in;
    move *mv = p->reg[0].type == DK_PTR ? (move *)p->reg[0].v.ptr : NULL;
    if (!mv) {
        mv = keel_proc_alloc(p, sizeof *mv);
        memset(mv, 0, sizeof *mv);
        mv->w = sets_walk_new(p, 0);
        mv->w->defer_wrongtype = true;
        p->reg[0] = dk_ptr(mv);
    }
    keel_op_result r = KEEL_NEXT;
    switch (mv->phase) {
    case PH_VALIDATE:
        r = sets_walk_validate(p, mv->w);
        if (r != KEEL_NEXT) break;
        r = decide(p, mv);
        if (r != KEEL_NEXT) break;
        if (mv->phase == PH_SAME) {
            r = same_key(p, mv);
            break;
        }
        /* fall through */
    case PH_REMOVE:
        r = remove_members(p, mv);
        if (r != KEEL_NEXT) break;
        mv->phase = PH_ADD;
        mv->next = 3;
        /* fall through */
    case PH_ADD:
        r = add_members(p, mv);
        break;
    default:
        r = same_key(p, mv);
    }
    if (r == KEEL_DONE) r = KEEL_NEXT;
    if (r == KEEL_NEXT || r == KEEL_FAIL) {
        sets_convert_abort(&mv->conv);
        sets_walk_free(mv->w);
    }
    return r;
}

static const keel_opcode_def move_ops[] = {
    SETS_OP("sets.move", op_move, "move argv[3..] from argv[1]'s set to argv[2]'s (r0 = state)"),
};

static const keel_insn_def smove_prog[] = {{.op = "sets.move"}, KEEL_END};

static const keel_cmd_def move_cmds[] = {
    {SETS_CMD, .name = "SMOVE", .arity = -4, .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY,
     .first_key = 1, .last_key = 2, .key_step = 1,
     .summary = "Moves members from one set to another, atomically across shards; replies how "
                "many moved (one member: 1 or 0, as Redis).",
     .syntax = "SMOVE source destination member [member ...]", .program = smove_prog},
};

const keel_family sets_move_family = KEEL_FAMILY(move_ops, move_cmds);
