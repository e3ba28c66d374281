/* agg.c -- BTAGG: aggregations over a range of rows, optionally filtered and grouped (by an
 * operand's value, or by buckets of the sort key), computed on the owning shard a slice per time
 * slice with the key locked; only the results go to the client. */
#include <math.h>
#include <string.h>

#include "agg.h"
#include "bounds.h"
#include "family.h"
#include "filter.h"

#define BT_AGG_MAX 16
#define BT_MAX_GROUPS 100000

enum { GROUP_NONE = 0, GROUP_OPERAND, GROUP_BUCKET };

typedef struct agg_call {
    bt_bound min, max;
    bt_filter *filter;
    int group;
    bt_operand gopnd;     /* GROUP_OPERAND */
    double width, origin; /* GROUP_BUCKET */
    bt_aggspec spec[BT_AGG_MAX];
    int nspec;
    bool planned, too_many, oom;
    bt_walk w;
    const dk_map *table; /* the table walked, during a slice */
    dk_map *groups;      /* group key -> index into accs (grouped calls) */
    bool have_last; /* the last row's group (rows in key order share buckets), this slice only */
    dk_val last_key;
    size_t last_index;
    bt_acc *accs; /* ngroups * nspec */
    size_t ngroups, cap;
} agg_call;

static void free_call(void *ptr) {
    agg_call *c = ptr;
    keel_free(c->accs);
    dk_map_free(c->groups);
    c->accs = NULL;
    c->groups = NULL;
    c->ngroups = 0;
}

/* ======== parsing ======== */

static bool syntax(keel_proc *p, const char *what) {
    keel_reply_error(p, "ERR syntax error, %s", what);
    return false;
}

static bool parse_real(const keel_arg *a, double *out) {
    return keel_arg_double(a, out) && isfinite(*out);
}

/* GROUPBY operand | GROUPBY BUCKET width [origin], from argv[*j] (the word after GROUPBY). */
static bool parse_group(keel_proc *p, agg_call *c, uint32_t *j) {
    const keel_arg *a = &p->argv[*j];
    if (keel_arg_is(a, "BUCKET")) {
        if (*j + 1 >= p->argc || !parse_real(&p->argv[*j + 1], &c->width) || c->width <= 0) {
            keel_reply_error(p, "ERR BUCKET width must be a positive finite number");
            return false;
        }
        c->group = GROUP_BUCKET;
        *j += 1;
        if (*j + 1 < p->argc && parse_real(&p->argv[*j + 1], &c->origin)) *j += 1;
        return true;
    }
    if (!bt_parse_operand(a->ptr, a->len, &c->gopnd))
        return syntax(p, "GROUPBY takes VALUE, KEY, @field or BUCKET width [origin]");
    c->group = GROUP_OPERAND;
    return true;
}

static bool parse(keel_proc *p, agg_call *c) {
    memset(c, 0, sizeof *c);
    bt_parse_bound(&p->argv[2], &c->min);
    bt_parse_bound(&p->argv[3], &c->max);
    static const char *const names[] = {"COUNT", "SUM", "MIN", "MAX", "AVG"};
    for (uint32_t j = 4; j < p->argc; j++) {
        const keel_arg *a = &p->argv[j];
        bool more = j + 1 < p->argc;
        if (keel_arg_is(a, "FILTER") && more && !c->filter) {
            if (!bt_filter_parse(p, &p->argv[++j], &c->filter)) return false;
            continue;
        }
        if (keel_arg_is(a, "GROUPBY") && more && c->group == GROUP_NONE) {
            j++;
            if (!parse_group(p, c, &j)) return false;
            continue;
        }
        int fn = -1;
        for (int i = 0; i < 5; i++)
            if (keel_arg_is(a, names[i])) fn = i;
        if (fn < 0) return syntax(p, "expected FILTER, GROUPBY or COUNT, SUM, MIN, MAX, AVG");
        if (c->nspec == BT_AGG_MAX) {
            keel_reply_error(p, "ERR at most %d aggregates", BT_AGG_MAX);
            return false;
        }
        bt_aggspec *s = &c->spec[c->nspec++];
        s->fn = fn;
        if (fn == AGG_COUNT) continue;
        if (!more || !bt_parse_operand(p->argv[j + 1].ptr, p->argv[j + 1].len, &s->opnd))
            return syntax(p, "SUM, MIN, MAX and AVG take VALUE, KEY or @field");
        j++;
    }
    if (c->nspec == 0) return syntax(p, "no aggregate (COUNT, SUM, MIN, MAX, AVG) asked");
    return true;
}

/* ======== accumulation ======== */

/* The accumulators of the group with key g, added when new; NULL past the group limit or out
 * of memory (the flags say which). */
static bt_acc *group_accs(agg_call *c, const dk_val *g) {
    dk_val idx;
    if (dk_map_get(c->groups, g, &idx)) return &c->accs[idx.v.i * c->nspec];
    if (c->ngroups == BT_MAX_GROUPS) {
        c->too_many = true;
        return NULL;
    }
    if (c->ngroups == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        bt_acc *a = keel_realloc(c->accs, cap * (size_t)c->nspec * sizeof *a);
        if (!a) {
            c->oom = true;
            return NULL;
        }
        c->accs = a;
        c->cap = cap;
    }
    dk_val at = dk_i64((int64_t)c->ngroups);
    if (dk_map_set(c->groups, g, &at) < 0) {
        c->oom = true;
        return NULL;
    }
    bt_acc *accs = &c->accs[c->ngroups * (size_t)c->nspec];
    memset(accs, 0, (size_t)c->nspec * sizeof *accs);
    c->ngroups++;
    return accs;
}

/* The group key of a row; false when the row belongs to no group (a bucket of a key that is
 * not a number). */
static bool group_key(const agg_call *c, const dk_val *k, const bt_row *row, dk_val *g) {
    if (c->group == GROUP_OPERAND) {
        if (!bt_operand_get(&c->gopnd, k, row, g)) *g = dk_null();
        return true;
    }
    if (!dk_is_number(k)) return false;
    double b = c->origin + floor((dk_val_double(k) - c->origin) / c->width) * c->width;
    if (!isfinite(b)) return false;
    *g = bt_number(b);
    return true;
}

static bool visit(keel_proc *p, void *ctx, uint64_t rank, const dk_val *k, const dk_val *v) {
    (void)p;
    agg_call *c = ctx;
    bt_row row;
    if (!bt_row_decode(v, &row)) return true;
    if (c->filter && !bt_filter_match(c->filter, k, &row)) return true;
    bt_acc *accs = c->accs;
    if (c->group != GROUP_NONE) {
        dk_val g;
        if (!group_key(c, k, &row, &g)) return true;
        if (c->have_last && dk_val_cmp(&g, &c->last_key) == 0) {
            accs = &c->accs[c->last_index * (size_t)c->nspec];
        } else {
            accs = group_accs(c, &g);
            if (!accs) return false;
            c->have_last = true;
            c->last_key = g; /* a view into the table or a number: valid during this slice */
            c->last_index = (size_t)(accs - c->accs) / (size_t)c->nspec;
        }
    }
    for (int i = 0; i < c->nspec; i++) {
        dk_val x = dk_null();
        bool present = c->spec[i].fn == AGG_COUNT || bt_operand_get(&c->spec[i].opnd, k, &row, &x);
        bt_acc_add(&accs[i], &c->spec[i], c->table, rank, &x, present);
    }
    return true;
}

/* ======== the opcode ======== */

static void reply_results(keel_proc *p, const bt_acc *accs, const agg_call *c, const dk_map *t) {
    for (int i = 0; i < c->nspec; i++)
        bt_acc_reply(p, &accs[i], &c->spec[i], t);
}

/* Replies the results (t: the table, NULL when it has gone). */
static keel_op_result finish(keel_proc *p, agg_call *c, const dk_map *t) {
    if (c->too_many) {
        keel_reply_reset(p);
        keel_reply_error(p, "ERR more than %d groups", BT_MAX_GROUPS);
        return KEEL_FAIL;
    }
    if (c->oom) return bt_oom(p);
    if (c->group == GROUP_NONE) {
        keel_reply_array(p, (size_t)c->nspec);
        reply_results(p, c->accs, c, t);
        return KEEL_NEXT;
    }
    keel_reply_array(p, c->ngroups);
    dk_iter it = dk_iter_at(0);
    dk_val g, idx;
    while (dk_map_next(c->groups, &it, &g, &idx)) {
        keel_reply_array(p, 1 + (size_t)c->nspec);
        bt_reply_box(p, &g);
        reply_results(p, &c->accs[idx.v.i * c->nspec], c, t);
    }
    keel_charge(p, (int64_t)c->ngroups * (1 + c->nspec));
    return KEEL_NEXT;
}

/* Opcode: btree.agg
 * BTAGG key min max [FILTER expr] [GROUPBY operand | GROUPBY BUCKET width [origin]] agg ...:
 * replies the aggregates of the rows in the range that pass the filter, in the order asked, or
 * grouped: [[group, agg ...] ...] by ascending group key.  Registers: r0 = the call's state
 * (arena; its group table and accumulators freed when the process ends).  Reductions
 * BT_COST_STEP per row, plus one per aggregate and per filter comparison, and two when
 * grouped.  May yield, hop,
 * block. */
static keel_op_result op_agg(keel_proc *p, const keel_insn *in) {
    (void)in;
    agg_call *c = p->reg[0].type == DK_PTR ? (agg_call *)p->reg[0].v.ptr : NULL;
    if (!c) {
        c = keel_proc_alloc(p, sizeof *c);
        if (!parse(p, c)) return KEEL_FAIL;
        p->reg[0] = dk_ptr(c);
        if (keel_proc_defer_free(p, free_call, c) != KEEL_OK) return bt_oom(p);
        if (c->group != GROUP_NONE && !(c->groups = dk_map_new())) return bt_oom(p);
        if (c->group == GROUP_NONE) {
            c->accs = keel_calloc((size_t)c->nspec, sizeof *c->accs);
            if (!c->accs) return bt_oom(p);
            c->ngroups = c->cap = 1;
        }
    }
    const keel_arg *key = &p->argv[1];
    dk_map *t = NULL;
    keel_status st = bt_find(p, key->ptr, key->len, &t);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return bt_wrongtype(p);
    if (!c->planned && st == KEEL_OK) bt_range_ranks(t, &c->min, &c->max, &c->w.lo, &c->w.hi);
    c->planned = true;
    if (st == KEEL_OK) { /* absent, or expired while this yielded: what was seen so far */
        int64_t cost = BT_COST_STEP + c->nspec + (c->filter ? bt_filter_terms(c->filter) : 0) +
                       (c->group != GROUP_NONE ? 2 : 0);
        c->have_last = false;
        c->table = t;
        if (!bt_walk_step(p, t, &c->w, cost, visit, c)) return KEEL_YIELD;
    }
    return finish(p, c, st == KEEL_OK ? t : NULL);
}

static const keel_opcode_def agg_ops[] = {
    BT_OP("btree.agg", op_agg, "BTAGG of argv[1]; r0 = state"),
};

static const keel_insn_def agg_prog[] = {{.op = "btree.agg"}, KEEL_END};

static const keel_cmd_def agg_cmds[] = {
    {BT_KEY1, .name = "BTAGG", .arity = -5, .flags = KEEL_CMD_READONLY,
     .summary = "Replies COUNT, SUM, MIN, MAX, AVG over the rows between min and max (filtered, "
                "grouped by a field or by buckets of the sort key), computed in the server.",
     .syntax = "BTAGG key min max [FILTER expr] [GROUPBY VALUE | KEY | @field | GROUPBY BUCKET "
               "width [origin]] COUNT | SUM operand | MIN operand | MAX operand | AVG operand "
               "[...]",
     .program = agg_prog},
};

const keel_family bt_agg_family = KEEL_FAMILY(agg_ops, agg_cmds);
