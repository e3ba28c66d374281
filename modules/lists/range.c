/* range.c -- a range of elements: LRANGE (replied a slice at a time, yielding between slices)
 * and LTRIM (trimmed in place a chunk at a time, or by copying what is kept, whichever costs
 * less; either way yielding). */
#include "family.h"
#include "listobj.h"
#include "parse.h"

/* Elements deleted inside a chunk (a memmove) per reduction. */
#define DELETES_PER_REDUCTION 8

/* ======== LRANGE ======== */

/* Opcode: lists.lrange
 * LRANGE key start stop: replies the elements from start to stop inclusive (negative counts
 * from the end; Redis's clamping), an empty array when missing.  The reply array is sized at
 * once and filled element by element; when the budget is spent the handler yields with its
 * cursor in the registers (the key stays locked, so the list cannot change under it) and the
 * core encodes and sends what is built while other clients run.  Registers: r0 = the cursor
 * (a dk_iter in the arena), r1 = the position to stop at.  Reductions 2 per element plus 1 per
 * KiB.  May yield, hop, block. */
static keel_op_result op_lrange(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t start, stop;
    if (!lst_arg_long(p, &p->argv[2], &start) || !lst_arg_long(p, &p->argv[3], &stop))
        return KEEL_FAIL;
    dk_list *l;
    keel_status st = lst_find(p, p->argv[1].ptr, p->argv[1].len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
    if (st == KEEL_NOTFOUND) { /* (or it expired while the walk yielded: the core pads) */
        if (p->reg[0].type == DK_NULL) keel_reply_array(p, 0);
        return KEEL_NEXT;
    }
    if (p->reg[0].type == DK_NULL) {
        size_t first, n;
        lst_clamp(start, stop, dk_list_len(l), &first, &n);
        keel_reply_array(p, n);
        dk_iter *it = keel_proc_alloc(p, sizeof *it);
        *it = dk_iter_at(first);
        p->reg[0] = dk_ptr(it);
        p->reg[1] = dk_i64((int64_t)(first + n));
    }
    dk_iter *it = (dk_iter *)p->reg[0].v.ptr;
    uint64_t end = (uint64_t)p->reg[1].v.i;
    dk_val v;
    while (it->pos < end && dk_list_next(l, it, &v)) {
        lst_reply_elem(p, &v);
        if (keel_charge(p, lst_reply_cost(&v)) && it->pos < end) return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

/* ======== LTRIM ======== */

/* LTRIM's steps, in r0. */
enum { TRIM_HEAD = 1, TRIM_TAIL, TRIM_COPY };

/* One slice of an in-place trim: deletes about one chunk's worth of elements from one end,
 * counting down *left.  False when the budget ran out with elements left. */
static bool trim_end(keel_proc *p, dk_list *l, dk_list_end end, dk_val *left) {
    while (left->v.i > 0) {
        size_t len = dk_list_len(l), chunks = dk_list_chunks(l);
        size_t k = chunks ? len / chunks : 1;
        if (k == 0) k = 1;
        if (k > (size_t)left->v.i) k = (size_t)left->v.i;
        size_t before = chunks;
        dk_list_delete(l, end == DK_LIST_HEAD ? 0 : len - k, k);
        left->v.i -= (int64_t)k;
        bool spent = lst_charge_step(p, l, before);
        spent |= keel_charge(p, (int64_t)(k / DELETES_PER_REDUCTION));
        if (spent && left->v.i > 0) return false;
    }
    return true;
}

/* Chooses how to trim a list down to n of its elements: in place (TRIM_HEAD, each
 * whole chunk removed costs the chunk index O(chunks)) or by copying the n kept elements into
 * a new list (TRIM_COPY). */
static int trim_plan(const dk_list *l, size_t n) {
    size_t len = dk_list_len(l), chunks = dk_list_chunks(l), cut = len - n;
    size_t cut_chunks = len ? (size_t)((double)cut * (double)chunks / (double)len) + 1 : 0;
    double in_place = (double)cut_chunks * (double)(chunks / LST_CHUNKS_PER_REDUCTION + 1) +
                      (double)cut / DELETES_PER_REDUCTION;
    double copy = (double)n + (double)chunks;
    return in_place <= copy ? TRIM_HEAD : TRIM_COPY;
}

/* Sets up the trim of l to [first, first + n) in the registers; KEEL_NEXT to go on, else the
 * handler's result. */
static keel_op_result trim_start(keel_proc *p, dk_list *l, size_t first, size_t n) {
    const keel_arg *key = &p->argv[1];
    size_t len = dk_list_len(l);
    if (n == 0) { /* nothing kept: the key goes (its free is O(chunks)) */
        keel_charge(p, (int64_t)dk_list_chunks(l) / LST_CHUNKS_PER_REDUCTION);
        keel_status st = keel_key_delete(p, key->ptr, key->len);
        KEEL_OP_PROPAGATE(st);
        keel_notify(p, KEEL_NOTIFY_LIST, "ltrim", key->ptr, key->len);
        keel_notify(p, KEEL_NOTIFY_GENERIC, "del", key->ptr, key->len);
        keel_reply_ok(p);
        return KEEL_DONE;
    }
    p->reg[0] = dk_i64(trim_plan(l, n));
    if (p->reg[0].v.i == TRIM_HEAD) {
        p->reg[1] = dk_i64((int64_t)first);
        p->reg[2] = dk_i64((int64_t)(len - first - n));
        return KEEL_NEXT;
    }
    dk_list *copy = dk_list_new();
    if (!copy) return lst_oom(p);
    dk_iter *it = keel_proc_alloc(p, sizeof *it);
    *it = dk_iter_at(first);
    p->reg[1] = dk_ptr(it);
    p->reg[2] = dk_i64((int64_t)(first + n));
    p->reg[3] = dk_ptr(copy);
    return KEEL_NEXT;
}

/* Copies the kept elements into the new list (r3), a slice per run, then stores it in place of
 * the old one (keeping the key's expiry; the core frees the old list). */
static keel_op_result trim_copy(keel_proc *p, dk_list *l) {
    const keel_arg *key = &p->argv[1];
    dk_iter *it = (dk_iter *)p->reg[1].v.ptr;
    dk_list *copy = (dk_list *)p->reg[3].v.ptr;
    uint64_t end = (uint64_t)p->reg[2].v.i;
    dk_val v;
    while (it->pos < end && dk_list_next(l, it, &v)) {
        if (!dk_list_push(copy, DK_LIST_TAIL, &v)) {
            dk_list_free(copy);
            p->reg[3] = dk_null();
            return lst_oom(p);
        }
        if (keel_charge(p, 1) && it->pos < end) return KEEL_YIELD; /* tail pushes: O(1) */
    }
    int64_t free_cost = (int64_t)dk_list_chunks(l) / LST_CHUNKS_PER_REDUCTION;
    keel_status st = keel_key_store_object(p, key->ptr, key->len, lst_type, copy,
                                           KEEL_STORE_KEEPTTL); /* frees l */
    KEEL_OP_PROPAGATE(st);
    p->reg[3] = dk_null();
    if (st != KEEL_OK) {
        dk_list_free(copy);
        return lst_oom(p);
    }
    keel_charge(p, free_cost);
    return KEEL_NEXT;
}

/* Opcode: lists.ltrim
 * LTRIM key start stop: keeps only the elements from start to stop inclusive (LRANGE's
 * clamping), deleting the key when none is left; replies OK (also when missing).  Large trims
 * run a slice per turn: in place, a chunk's worth of elements at a time from the head and then
 * the tail, or by copying the kept elements into a new list that replaces the old one.
 * Registers: r0 = step (TRIM_*), r1 = head elements left to cut (or the copy's cursor), r2 =
 * tail elements left to cut (or the copy's end), r3 = the new list.  Reductions 1 per element
 * copied, per 8 deleted and per chunk removed.  May yield, hop, block. */
static keel_op_result op_ltrim(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t start, stop;
    if (!lst_arg_long(p, &p->argv[2], &start) || !lst_arg_long(p, &p->argv[3], &stop))
        return KEEL_FAIL;
    const keel_arg *key = &p->argv[1];
    dk_list *l;
    keel_status st = lst_find(p, key->ptr, key->len, &l);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return lst_wrongtype(p);
    if (st == KEEL_NOTFOUND) { /* (or it expired while the trim yielded) */
        if (p->reg[3].type == DK_PTR) dk_list_free((dk_list *)p->reg[3].v.ptr);
        keel_reply_ok(p);
        return KEEL_NEXT;
    }
    if (p->reg[0].type == DK_NULL) {
        size_t first, n;
        lst_clamp(start, stop, dk_list_len(l), &first, &n);
        keel_op_result r = trim_start(p, l, first, n);
        if (r == KEEL_DONE) return KEEL_NEXT;
        if (r != KEEL_NEXT) return r;
    }
    if (p->reg[0].v.i == TRIM_COPY) {
        keel_op_result r = trim_copy(p, l);
        if (r != KEEL_NEXT) return r;
    } else {
        if (!trim_end(p, l, DK_LIST_HEAD, &p->reg[1])) return KEEL_YIELD;
        if (!trim_end(p, l, DK_LIST_TAIL, &p->reg[2])) return KEEL_YIELD;
    }
    keel_notify(p, KEEL_NOTIFY_LIST, "ltrim", key->ptr, key->len);
    keel_reply_ok(p);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN)                                                                          \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }
static const keel_opcode_def range_ops[] = {
    OP("lists.lrange", op_lrange,
       "reply argv[1]'s elements argv[2]..argv[3]; r0 = cursor, "
       "r1 = end"),
    OP("lists.ltrim", op_ltrim,
       "keep argv[1]'s elements argv[2]..argv[3]; r0 = step, r1..r3 = "
       "progress"),
};

static const keel_insn_def lrange_prog[] = {{.op = "lists.lrange"}, KEEL_END};
static const keel_insn_def ltrim_prog[] = {{.op = "lists.ltrim"}, KEEL_END};

static const keel_cmd_def range_cmds[] = {
    {LST_KEY1, .name = "LRANGE", .arity = 4, .flags = KEEL_CMD_READONLY,
     .summary = "Returns the elements between two indexes, inclusive (negative indexes count "
                "from the end); yields between slices, so a huge range never stalls others.",
     .syntax = "LRANGE key start stop", .program = lrange_prog},
    {LST_KEY1, .name = "LTRIM", .arity = 4, .flags = KEEL_CMD_WRITE,
     .summary = "Keeps only the elements between two indexes, inclusive; deletes the list "
                "when nothing is left.",
     .syntax = "LTRIM key start stop", .program = ltrim_prog},
};

const keel_family lst_range_family = KEEL_FAMILY(range_ops, range_cmds);
