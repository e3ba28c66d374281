/* move.c -- moving one element between lists, atomically across shards: RPOPLPUSH, LMOVE, and
 * the blocking BRPOPLPUSH and BLMOVE. */
#include <string.h>

#include "family.h"
#include "listobj.h"
#include "parse.h"

/* Which command runs lists.move (its imm). */
enum { MV_RPOPLPUSH = 0, MV_LMOVE, MV_BRPOPLPUSH, MV_BLMOVE };

/* Steps, kept in r0 so a hop between the two keys' threads resumes at the right one. */
enum { STEP_CHECK_DST = 0, STEP_POP_SRC, STEP_PUSH_DST };

/* One call's arguments. */
typedef struct move_args {
    dk_list_end from, to;
    bool blocking;
    int64_t timeout_ms;
} move_args;

/* Reads the directions and the timeout, in Redis's order.  Replies the error and returns false
 * on bad input. */
static bool move_read(keel_proc *p, int imm, move_args *a) {
    a->from = DK_LIST_TAIL;
    a->to = DK_LIST_HEAD;
    a->blocking = imm == MV_BRPOPLPUSH || imm == MV_BLMOVE;
    a->timeout_ms = 0;
    if (imm == MV_LMOVE || imm == MV_BLMOVE) {
        if (!lst_arg_end(p, &p->argv[3], &a->from) || !lst_arg_end(p, &p->argv[4], &a->to))
            return false;
    }
    if (imm == MV_BRPOPLPUSH) return lst_arg_timeout(p, &p->argv[3], &a->timeout_ms);
    if (imm == MV_BLMOVE) return lst_arg_timeout(p, &p->argv[5], &a->timeout_ms);
    return true;
}

static bool same_key(const keel_arg *a, const keel_arg *b) {
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* An empty source: nil, or park (blocking forms) until a push, the deadline or a disconnect. */
static keel_op_result move_wait(keel_proc *p, const move_args *a) {
    if (!a->blocking) { /* Redis: LMOVE's nil is a null bulk, BLMOVE's timeout a null array */
        keel_reply_nil(p);
        return KEEL_NEXT;
    }
    if (keel_block_keys(p, a->timeout_ms) != KEEL_OK) {
        keel_reply_error(p, "ERR cannot block on these keys");
        return KEEL_FAIL;
    }
    return KEEL_BLOCK;
}

/* Source and destination are the same list: rotates it (pop at `from`, push at `to`). */
static keel_op_result move_rotate(keel_proc *p, dk_list *l, const move_args *a) {
    dk_val v;
    dk_list_peek(l, a->from, &v);
    dk_val kept = lst_keep(p, &v);
    dk_list_pop(l, a->from);
    if (!dk_list_push(l, a->to, &kept)) {
        lst_settle(p, p->argv[1].ptr, p->argv[1].len, l);
        return lst_oom(p);
    }
    const keel_arg *key = &p->argv[1];
    keel_notify(p, KEEL_NOTIFY_LIST, a->to == DK_LIST_TAIL ? "rpush" : "lpush", key->ptr, key->len);
    keel_notify(p, KEEL_NOTIFY_LIST, a->from == DK_LIST_TAIL ? "rpop" : "lpop", key->ptr, key->len);
    lst_reply_elem(p, &kept);
    return KEEL_NEXT;
}

/* Opcode: lists.move
 * RPOPLPUSH src dst, LMOVE src dst LEFT|RIGHT LEFT|RIGHT, BRPOPLPUSH src dst timeout and BLMOVE
 * src dst LEFT|RIGHT LEFT|RIGHT timeout (imm: MV_*): pops an element from src and pushes it onto
 * dst, creating it, and replies the element; nil when src is missing (the blocking forms park on
 * their keys until a push, their deadline or a disconnect instead).  Both keys stay locked from
 * start to end, so no client sees the element in neither list or in both, whatever their shards.
 * Registers: r0 = step (check dst's type, pop src, push dst: each saved before the next may
 * hop), r1 = 1 when dst holds another type, r2 = the element in transit (bytes in the arena),
 * r3 = 1 when popping emptied (and deleted) src.
 * Reductions 1.  May hop, block (a lock, or a park); never yields. */
static keel_op_result op_move(keel_proc *p, const keel_insn *in) {
    move_args a;
    if (!move_read(p, (int)in->imm, &a)) return KEEL_FAIL;
    if (a.blocking && keel_proc_timed_out(p)) {
        keel_reply_nil_array(p);
        return KEEL_NEXT;
    }
    const keel_arg *src = &p->argv[1], *dst = &p->argv[2];
    dk_list *l;
    keel_status st;
    if (p->reg[0].type == DK_NULL) p->reg[0] = dk_i64(STEP_CHECK_DST);
    if (p->reg[0].v.i == STEP_CHECK_DST) {
        st = lst_find(p, dst->ptr, dst->len, &l);
        KEEL_OP_PROPAGATE(st);
        p->reg[1] = dk_i64(st == KEEL_EWRONGTYPE);
        p->reg[0].v.i = STEP_POP_SRC;
    }
    if (p->reg[0].v.i == STEP_POP_SRC) {
        st = lst_find(p, src->ptr, src->len, &l);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
        if (st == KEEL_NOTFOUND) return move_wait(p, &a);
        if (p->reg[1].v.i) return lst_wrongtype(p);
        if (same_key(src, dst)) return move_rotate(p, l, &a);
        dk_val v;
        dk_list_peek(l, a.from, &v);
        p->reg[2] = lst_keep(p, &v);
        dk_list_pop(l, a.from);
        p->reg[0].v.i = STEP_PUSH_DST;
        bool deleted;
        st = lst_settle_quiet(p, src->ptr, src->len, l, &deleted);
        p->reg[3] = dk_i64(deleted);
        KEEL_OP_PROPAGATE(st);
    }
    st = lst_find(p, dst->ptr, dst->len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p); /* (checked above; cannot change) */
    if (st == KEEL_NOTFOUND) {
        st = lst_create(p, dst->ptr, dst->len, &l);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return lst_oom(p);
    }
    if (!dk_list_push(l, a.to, &p->reg[2])) {
        lst_settle(p, dst->ptr, dst->len, l);
        return lst_oom(p);
    }
    st = keel_key_signal(p, dst->ptr, dst->len);
    KEEL_OP_PROPAGATE(st);
    /* Redis's order: the push, then the pop, then the source's deletion */
    keel_notify(p, KEEL_NOTIFY_LIST, a.to == DK_LIST_TAIL ? "rpush" : "lpush", dst->ptr, dst->len);
    keel_notify(p, KEEL_NOTIFY_LIST, a.from == DK_LIST_TAIL ? "rpop" : "lpop", src->ptr, src->len);
    if (p->reg[3].type != DK_NULL && p->reg[3].v.i)
        keel_notify(p, KEEL_NOTIFY_GENERIC, "del", src->ptr, src->len);
    lst_reply_elem(p, &p->reg[2]);
    return KEEL_NEXT;
}

static const keel_opcode_def move_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "lists.move",
     .fn = op_move,
     .synopsis = "move an element from argv[1] to argv[2] (imm: RPOPLPUSH LMOVE BRPOPLPUSH "
                 "BLMOVE); r0 = step, r1 = dst wrong type, r2 = element",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def rpoplpush_prog[] = {{.op = "lists.move", .imm = MV_RPOPLPUSH}, KEEL_END};
static const keel_insn_def lmove_prog[] = {{.op = "lists.move", .imm = MV_LMOVE}, KEEL_END};
static const keel_insn_def brpoplpush_prog[] = {{.op = "lists.move", .imm = MV_BRPOPLPUSH},
                                                KEEL_END};
static const keel_insn_def blmove_prog[] = {{.op = "lists.move", .imm = MV_BLMOVE}, KEEL_END};

#define KEYS2 LST_CMD, .first_key = 1, .last_key = 2, .key_step = 1
#define MOVES KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY | KEEL_CMD_DENYOOM
static const keel_cmd_def move_cmds[] = {
    {KEYS2, .name = "RPOPLPUSH", .arity = 3, .flags = MOVES,
     .summary = "Moves the last element of a list to the head of another (atomic across "
                "shards); replies it, or nil.",
     .syntax = "RPOPLPUSH source destination", .program = rpoplpush_prog},
    {KEYS2, .name = "LMOVE", .arity = 5, .flags = MOVES,
     .summary = "Moves an element from one end of a list to one end of another (atomic across "
                "shards); replies it, or nil.",
     .syntax = "LMOVE source destination LEFT | RIGHT LEFT | RIGHT", .program = lmove_prog},
    {KEYS2, .name = "BRPOPLPUSH", .arity = 4, .flags = MOVES | KEEL_CMD_BLOCKING,
     .summary = "RPOPLPUSH that waits (timeout in seconds, 0 = forever) while the source is "
                "empty.",
     .syntax = "BRPOPLPUSH source destination timeout", .program = brpoplpush_prog},
    {KEYS2, .name = "BLMOVE", .arity = 6, .flags = MOVES | KEEL_CMD_BLOCKING,
     .summary = "LMOVE that waits (timeout in seconds, 0 = forever) while the source is empty.",
     .syntax = "BLMOVE source destination LEFT | RIGHT LEFT | RIGHT timeout",
     .program = blmove_prog},
};

const keel_family lst_move_family = KEEL_FAMILY(move_ops, move_cmds);
