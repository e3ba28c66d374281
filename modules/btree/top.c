/* top.c -- BTTOP: the n rows of a range with the largest (or smallest) value of an operand,
 * found on the owning shard with a bounded heap of n entries (a rank and a copy of the operand's
 * value each) while the range is walked a slice per time slice; only those n rows are replied. */
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "bounds.h"
#include "family.h"
#include "filter.h"

#define BT_TOP_MAX 100000

typedef struct top_entry {
    dk_val v; /* bytes: keel_alloc'd copy */
    uint64_t rank;
} top_entry;

typedef struct top_call {
    bt_bound min, max;
    bt_operand opnd;
    bool asc, planned, oom;
    int64_t n;
    bt_filter *filter;
    bt_walk w;
    top_entry *heap; /* worst entry first */
    size_t len;
} top_call;

static void free_call(void *ptr) {
    top_call *c = ptr;
    for (size_t i = 0; i < c->len; i++)
        if (c->heap[i].v.type == DK_BYTES) keel_free((void *)c->heap[i].v.v.ptr);
    keel_free(c->heap);
    c->heap = NULL;
    c->len = 0;
}

/* >0 when a ranks before b in the reply (a larger value, or with ASC a smaller one; on equal
 * values the lower sort key). */
static int better(const top_call *c, const top_entry *a, const top_entry *b) {
    int cmp = dk_val_cmp(&a->v, &b->v);
    if (c->asc) cmp = -cmp;
    if (cmp != 0) return cmp;
    return a->rank < b->rank ? 1 : (a->rank > b->rank ? -1 : 0);
}

static void sift_down(const top_call *c, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < c->len && better(c, &c->heap[w], &c->heap[l]) > 0) w = l;
        if (r < c->len && better(c, &c->heap[w], &c->heap[r]) > 0) w = r;
        if (w == i) return;
        top_entry t = c->heap[i];
        c->heap[i] = c->heap[w];
        c->heap[w] = t;
        i = w;
    }
}

static void sift_up(const top_call *c, size_t i) {
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (better(c, &c->heap[up], &c->heap[i]) <= 0) return;
        top_entry t = c->heap[i];
        c->heap[i] = c->heap[up];
        c->heap[up] = t;
        i = up;
    }
}

/* A copy of v that outlives the walk's views; false when out of memory. */
static bool own(dk_val *v) {
    if (v->type != DK_BYTES) return true;
    void *b = keel_alloc(v->len ? v->len : 1);
    if (!b) return false;
    if (v->len) memcpy(b, v->v.ptr, v->len);
    v->v.ptr = b;
    return true;
}

static bool visit(keel_proc *p, void *ctx, uint64_t rank, const dk_val *k, const dk_val *v) {
    (void)p;
    top_call *c = ctx;
    bt_row row;
    top_entry e = {.rank = rank};
    if (!bt_row_decode(v, &row)) return true;
    if (c->filter && !bt_filter_match(c->filter, k, &row)) return true;
    if (!bt_operand_get(&c->opnd, k, &row, &e.v)) return true;
    if (c->len == (size_t)c->n) {
        if (better(c, &e, &c->heap[0]) <= 0) return true;
        if (!own(&e.v)) return c->oom = true, false;
        if (c->heap[0].v.type == DK_BYTES) keel_free((void *)c->heap[0].v.v.ptr);
        c->heap[0] = e;
        sift_down(c, 0);
        return true;
    }
    if (!own(&e.v)) return c->oom = true, false;
    c->heap[c->len++] = e;
    sift_up(c, c->len - 1);
    return true;
}

static bool parse(keel_proc *p, top_call *c) {
    memset(c, 0, sizeof *c);
    bt_parse_bound(&p->argv[2], &c->min);
    bt_parse_bound(&p->argv[3], &c->max);
    if (!bt_arg_int(p, &p->argv[4], &c->n)) return false;
    if (c->n < 1 || c->n > BT_TOP_MAX) {
        keel_reply_error(p, "ERR count must be between 1 and %d", BT_TOP_MAX);
        return false;
    }
    if (!bt_parse_operand(p->argv[5].ptr, p->argv[5].len, &c->opnd)) {
        keel_reply_error(p, "ERR syntax error, BTTOP ranks by VALUE, KEY or @field");
        return false;
    }
    for (uint32_t j = 6; j < p->argc; j++) {
        const keel_arg *a = &p->argv[j];
        if (keel_arg_is(a, "ASC") || keel_arg_is(a, "DESC")) {
            c->asc = keel_arg_is(a, "ASC");
        } else if (keel_arg_is(a, "FILTER") && j + 1 < p->argc && !c->filter) {
            if (!bt_filter_parse(p, &p->argv[++j], &c->filter)) return false;
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* Orders the heap best first (a heap sort in place: the worst goes last each round). */
static void sort_heap(top_call *c) {
    size_t n = c->len;
    while (c->len > 1) {
        top_entry t = c->heap[0];
        c->heap[0] = c->heap[c->len - 1];
        c->heap[c->len - 1] = t;
        c->len--;
        sift_down(c, 0);
    }
    c->len = n;
}

/* Opcode: btree.top
 * BTTOP key min max n operand [ASC | DESC] [FILTER expr]: replies [key, value, ...] of the n
 * rows in the range (passing the filter, having the operand) whose operand values are the
 * largest (ASC: smallest), best first; equal values by ascending sort key.  Registers: r0 = the
 * call's state (arena; the heap freed when the process ends).  Reductions BT_COST_STEP per row,
 * plus one per filter comparison, and n to reply.  May yield, hop, block. */
static keel_op_result op_top(keel_proc *p, const keel_insn *in) {
    (void)in;
    top_call *c = p->reg[0].type == DK_PTR ? (top_call *)p->reg[0].v.ptr : NULL;
    if (!c) {
        c = keel_proc_alloc(p, sizeof *c);
        if (!parse(p, c)) return KEEL_FAIL;
        p->reg[0] = dk_ptr(c);
        if (keel_proc_defer_free(p, free_call, c) != KEEL_OK) return bt_oom(p);
    }
    const keel_arg *key = &p->argv[1];
    dk_map *t = NULL;
    keel_status st = bt_find(p, key->ptr, key->len, &t);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return bt_wrongtype(p);
    if (st == KEEL_NOTFOUND) { /* absent, or expired while this yielded */
        keel_reply_array(p, 0);
        return KEEL_NEXT;
    }
    if (!c->planned) {
        bt_range_ranks(t, &c->min, &c->max, &c->w.lo, &c->w.hi);
        uint64_t most = c->w.hi - c->w.lo < (uint64_t)c->n ? c->w.hi - c->w.lo : (uint64_t)c->n;
        c->heap = keel_alloc((most ? most : 1) * sizeof *c->heap);
        if (!c->heap) return bt_oom(p);
        if ((uint64_t)c->n > most) c->n = (int64_t)most;
        c->planned = true;
    }
    int64_t cost = BT_COST_STEP + (c->filter ? bt_filter_terms(c->filter) : 0);
    if (!bt_walk_step(p, t, &c->w, cost, visit, c)) return KEEL_YIELD;
    if (c->oom) return bt_oom(p);
    sort_heap(c);
    keel_reply_array(p, 2 * c->len);
    for (size_t i = 0; i < c->len; i++) {
        dk_val k, v;
        if (!dk_map_at(t, c->heap[i].rank, &k, &v)) {
            keel_reply_nil(p);
            keel_reply_nil(p);
            continue;
        }
        bt_reply_box(p, &k);
        bt_reply_row(p, &v);
    }
    keel_charge(p, (int64_t)c->len * BT_COST_STEP);
    return KEEL_NEXT;
}

static const keel_opcode_def top_ops[] = {
    BT_OP("btree.top", op_top, "BTTOP of argv[1]; r0 = state"),
};

static const keel_insn_def top_prog[] = {{.op = "btree.top"}, KEEL_END};

static const keel_cmd_def top_cmds[] = {
    {BT_KEY1, .name = "BTTOP", .arity = -6, .flags = KEEL_CMD_READONLY,
     .summary = "Replies [key, value, ...] of the n rows between min and max with the largest "
                "(ASC: smallest) operand value, best first.",
     .syntax = "BTTOP key min max n VALUE | KEY | @field [ASC | DESC] [FILTER expr]",
     .program = top_prog},
};

const keel_family bt_top_family = KEEL_FAMILY(top_ops, top_cmds);
