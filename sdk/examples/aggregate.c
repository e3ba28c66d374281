/* aggregate.c -- an example module for module authors: an aggregator over every key that
 * matches a pattern, on every shard, answered without shipping the keys to the client.
 *
 *   AGG.SUM | AGG.MIN | AGG.MAX | AGG.AVG | AGG.COUNT pattern
 *   AGG.GROUPBY SUM|MIN|MAX|AVG|COUNT pattern separator
 *
 * Keys whose value is a number (a string such as "12" or "-3.5") count; other keys are
 * skipped.  The work is a key walk (keel_walk_new / keel_walk_step): each shard's keys are
 * folded into that shard's partial result on the shard's own thread, yielding between slices,
 * and the partials are merged on the connection's thread into the reply.  GROUPBY groups keys
 * by the part of their name before the first separator (the whole name when it has none). */
#include <keel/sdk.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======== internal: accumulators ======== */

enum agg_op { AGG_SUM = 0, AGG_MIN, AGG_MAX, AGG_AVG, AGG_COUNT };

#define AGG_GROUPS_MAX 100000 /* distinct groups one GROUPBY may hold */

/* What one shard (or the merge) knows of a set of numbers: as doubles, and exactly while every
 * number is an integer (the sum while it fits int64). */
typedef struct agg_acc {
    uint64_t count;
    double sum, min, max;
    int64_t isum, imin, imax;
    bool all_int;  /* every number counted is an integer: imin, imax exact */
    bool sum_fits; /* ... and isum has not overflowed */
} agg_acc;

static _Atomic uint64_t stat_walks, stat_yields, stat_keys;

static void acc_add(agg_acc *a, double d, bool is_int, int64_t i) {
    if (a->count == 0) {
        a->all_int = a->sum_fits = true;
        a->min = a->max = d;
        a->imin = a->imax = i;
    }
    if (d < a->min) a->min = d;
    if (d > a->max) a->max = d;
    a->sum += d;
    if (!is_int) a->all_int = a->sum_fits = false;
    if (a->all_int) {
        if (i < a->imin) a->imin = i;
        if (i > a->imax) a->imax = i;
    }
    if (a->sum_fits && __builtin_add_overflow(a->isum, i, &a->isum)) a->sum_fits = false;
    a->count++;
}

static void acc_merge(agg_acc *into, const agg_acc *from) {
    if (from->count == 0) return;
    if (into->count == 0) {
        *into = *from;
        return;
    }
    if (from->min < into->min) into->min = from->min;
    if (from->max > into->max) into->max = from->max;
    into->sum += from->sum;
    into->all_int = into->all_int && from->all_int;
    if (into->all_int) {
        if (from->imin < into->imin) into->imin = from->imin;
        if (from->imax > into->imax) into->imax = from->imax;
    }
    into->sum_fits = into->all_int && into->sum_fits && from->sum_fits &&
                     !__builtin_add_overflow(into->isum, from->isum, &into->isum);
    into->count += from->count;
}

/* Replies the result op asks for: integers when every number was one (SUM: and the sum fits),
 * nil for MIN/MAX/AVG of no numbers. */
static void acc_reply(keel_proc *p, const agg_acc *a, int op) {
    if (op == AGG_COUNT) {
        keel_reply_uint(p, a->count);
        return;
    }
    if (a->count == 0 && op != AGG_SUM) {
        keel_reply_nil(p);
        return;
    }
    bool ints = a->count == 0 || a->all_int;
    bool exact_sum = a->count == 0 || a->sum_fits;
    switch (op) {
    case AGG_SUM:
        if (exact_sum)
            keel_reply_int(p, a->isum);
        else
            keel_reply_double(p, a->sum);
        break;
    case AGG_MIN:
        if (ints)
            keel_reply_int(p, a->imin);
        else
            keel_reply_double(p, a->min);
        break;
    case AGG_MAX:
        if (ints)
            keel_reply_int(p, a->imax);
        else
            keel_reply_double(p, a->max);
        break;
    default:
        keel_reply_double(p, (exact_sum ? (double)a->isum : a->sum) / (double)a->count);
        break;
    }
}

/* The number a stored value holds: integers exactly (is_int), decimal text parsed as a real. */
static bool value_number(const keel_value *v, double *d, bool *is_int, int64_t *i) {
    if (v->type != KEEL_TYPE_BOX) return false;
    *is_int = false;
    switch (v->box.type) {
    case DK_I64:
        *i = v->box.v.i;
        *d = (double)*i;
        *is_int = true;
        return true;
    case DK_U64:
        *d = (double)v->box.v.u;
        return true;
    case DK_F64:
    case DK_F16:
    case DK_BF16:
        *d = v->box.v.d;
        return true;
    case DK_F32:
        *d = v->box.v.f;
        return true;
    case DK_BYTES: {
        keel_arg a = {v->box.v.ptr, v->box.len};
        if (keel_arg_i64(&a, i)) {
            *d = (double)*i;
            *is_int = true;
            return true;
        }
        return a.len > 0 && a.len <= 64 && keel_arg_double(&a, d);
    }
    default:
        return false;
    }
}

/* ======== internal: groups (GROUPBY), one table per shard ======== */

typedef struct group {
    char *name; /* NULL = empty slot */
    size_t len;
    uint64_t hash;
    agg_acc acc;
} group;

typedef struct group_map {
    group *slot;
    size_t cap, n;
} group_map;

static uint64_t name_hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static void group_map_free(void *ptr) {
    group_map *m = ptr;
    for (size_t i = 0; i < m->cap; i++)
        keel_free(m->slot[i].name);
    keel_free(m->slot);
    keel_free(m);
}

static group *group_slot(group *slot, size_t cap, const char *name, size_t len, uint64_t h) {
    size_t i = h & (cap - 1);
    while (slot[i].name &&
           !(slot[i].hash == h && slot[i].len == len && !memcmp(slot[i].name, name, len)))
        i = (i + 1) & (cap - 1);
    return &slot[i];
}

/* The group named name, made when new; NULL past AGG_GROUPS_MAX groups. */
static group *group_get(group_map *m, const char *name, size_t len) {
    uint64_t h = name_hash(name, len);
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        group *slot = keel_calloc(cap, sizeof *slot);
        for (size_t i = 0; i < m->cap; i++)
            if (m->slot[i].name)
                *group_slot(slot, cap, m->slot[i].name, m->slot[i].len, m->slot[i].hash) =
                    m->slot[i];
        keel_free(m->slot);
        m->slot = slot;
        m->cap = cap;
    }
    group *g = group_slot(m->slot, m->cap, name, len, h);
    if (g->name) return g;
    if (m->n >= AGG_GROUPS_MAX) return NULL;
    g->name = keel_alloc(len + 1);
    memcpy(g->name, name, len);
    g->name[len] = '\0';
    g->len = len;
    g->hash = h;
    m->n++;
    return g;
}

/* How much of key names its group: up to the first separator, else all of it. */
static size_t group_len(const keel_arg *key, const keel_arg *sep) {
    for (size_t i = 0; i + sep->len <= key->len; i++)
        if (memcmp(key->ptr + i, sep->ptr, sep->len) == 0) return i;
    return key->len;
}

/* A shard's partial for GROUPBY: its table, made on first use, freed with the process. */
typedef struct group_partial {
    group_map *map;
} group_partial;

/* ======== the walk ======== */

/* What every visit reads: the command's options. */
typedef struct agg_visit {
    keel_proc *p;
    bool grouped;
    const keel_arg *sep; /* GROUPBY's separator */
    bool *too_many;      /* set when a shard passed AGG_GROUPS_MAX groups */
} agg_visit;

/* keel_walk_fn: folds one key into its shard's partial. */
static bool agg_visit_key(void *ctx, void *partial, const keel_arg *key, const keel_value *v) {
    agg_visit *cx = ctx;
    double d;
    bool is_int;
    int64_t i = 0;
    if (!value_number(v, &d, &is_int, &i)) return true;
    if (!cx->grouped) {
        acc_add(partial, d, is_int, i);
        return true;
    }
    group_partial *gp = partial;
    if (!gp->map) {
        gp->map = keel_calloc(1, sizeof *gp->map);
        keel_proc_defer_free(cx->p, group_map_free, gp->map);
    }
    group *g = group_get(gp->map, key->ptr, group_len(key, cx->sep));
    if (!g) {
        *cx->too_many = true;
        return false; /* ends the walk: the reply is an error */
    }
    acc_add(&g->acc, d, is_int, i);
    return true;
}

static int op_by_name(const keel_arg *a) {
    static const char *const names[] = {"SUM", "MIN", "MAX", "AVG", "COUNT"};
    for (int i = 0; i < 5; i++)
        if (keel_arg_is(a, names[i])) return i;
    return -1;
}

static int group_cmp(const void *a, const void *b) {
    const group *x = *(const group *const *)a, *y = *(const group *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Merges the shards' group tables and replies group -> result, groups in byte order. */
static keel_op_result reply_groups(keel_proc *p, keel_walk *w, int op) {
    group_map *all = keel_calloc(1, sizeof *all);
    keel_proc_defer_free(p, group_map_free, all);
    for (uint32_t s = 0; s < keel_walk_partials(w); s++) {
        const group_map *m = ((group_partial *)keel_walk_partial(w, s))->map;
        for (size_t i = 0; m && i < m->cap; i++) {
            if (!m->slot[i].name) continue;
            group *g = group_get(all, m->slot[i].name, m->slot[i].len);
            if (!g) {
                keel_reply_error(p, "ERR too many groups (more than %d)", AGG_GROUPS_MAX);
                return KEEL_FAIL;
            }
            acc_merge(&g->acc, &m->slot[i].acc);
            atomic_fetch_add_explicit(&stat_keys, m->slot[i].acc.count, memory_order_relaxed);
        }
    }
    const group **order = keel_proc_alloc(p, sizeof *order * (all->n ? all->n : 1));
    size_t n = 0;
    for (size_t i = 0; i < all->cap; i++)
        if (all->slot[i].name) order[n++] = &all->slot[i];
    qsort(order, n, sizeof *order, group_cmp);
    keel_reply_map(p, n);
    for (size_t i = 0; i < n; i++) {
        keel_reply_bulk(p, order[i]->name, order[i]->len);
        acc_reply(p, &order[i]->acc, op);
    }
    return KEEL_DONE;
}

/* AGG.<op> pattern (imm = op) and AGG.GROUPBY op pattern separator (imm = -1).
 * Opcode agg.run: registers r0 = the walk (arena), r1 = the op, r2 = set when a shard passed
 * the group limit.  Reductions: KEEL_WALK_VISIT_COST per key visited; yields and hops as the
 * walk does. */
static keel_op_result op_agg_run(keel_proc *p, const keel_insn *in) {
    bool grouped = in->imm < 0;
    if (p->reg[0].type != DK_PTR) { /* first run: check the arguments, start the walk */
        int op = (int)in->imm;
        if (grouped && (op = op_by_name(&p->argv[1])) < 0) {
            keel_reply_error(p, "ERR unknown aggregate: use SUM, MIN, MAX, AVG or COUNT");
            return KEEL_FAIL;
        }
        if (grouped && p->argv[3].len == 0) {
            keel_reply_error(p, "ERR the separator must not be empty");
            return KEEL_FAIL;
        }
        const keel_arg *pattern = &p->argv[grouped ? 2 : 1];
        size_t psize = grouped ? sizeof(group_partial) : sizeof(agg_acc);
        keel_walk *w = keel_walk_new(p, pattern->ptr, pattern->len, psize);
        if (!w) {
            keel_reply_error(p, "ERR cannot start the walk");
            return KEEL_FAIL;
        }
        p->reg[0] = dk_ptr(w);
        p->reg[1] = dk_i64(op);
        p->reg[2] = dk_bool(false);
        atomic_fetch_add_explicit(&stat_walks, 1, memory_order_relaxed);
    }
    keel_walk *w = (keel_walk *)p->reg[0].v.ptr;
    bool too_many = p->reg[2].v.i != 0;
    agg_visit cx = {p, grouped, grouped ? &p->argv[3] : NULL, &too_many};
    keel_op_result r = keel_walk_step(p, w, agg_visit_key, &cx);
    p->reg[2] = dk_bool(too_many);
    if (r == KEEL_YIELD) atomic_fetch_add_explicit(&stat_yields, 1, memory_order_relaxed);
    if (r != KEEL_NEXT) return r;
    /* every shard walked: merge on the connection's thread */
    int op = (int)p->reg[1].v.i;
    if (too_many) {
        keel_reply_error(p, "ERR too many groups (more than %d)", AGG_GROUPS_MAX);
        return KEEL_FAIL;
    }
    if (grouped) return reply_groups(p, w, op);
    agg_acc total = {0};
    for (uint32_t s = 0; s < keel_walk_partials(w); s++)
        acc_merge(&total, keel_walk_partial(w, s));
    atomic_fetch_add_explicit(&stat_keys, total.count, memory_order_relaxed);
    acc_reply(p, &total, op);
    return KEEL_DONE;
}

/* INFO aggregate: how many walks ran, how often they yielded, how many numbers they folded. */
static void agg_info(keel_buf *out) {
    char line[160];
    int n = snprintf(line, sizeof line,
                     "aggregate_walks:%llu\r\naggregate_yields:%llu\r\naggregate_keys:%llu\r\n",
                     (unsigned long long)atomic_load(&stat_walks),
                     (unsigned long long)atomic_load(&stat_yields),
                     (unsigned long long)atomic_load(&stat_keys));
    if (n <= 0) return;
    memcpy(keel_buf_reserve(out, (size_t)n), line, (size_t)n);
    out->len += (size_t)n;
}

/* ======== registration ======== */

static const keel_opcode_def ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "agg.run",
     .fn = op_agg_run,
     .synopsis = "aggregate the numbers of the keys matching a pattern (imm: op, -1 = GROUPBY)",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_YIELD},
};

#define AGG_PROG(NAME, OP)                                                                         \
    static const keel_insn_def NAME[] = {{.op = "agg.run", .imm = (OP)}, KEEL_END}
AGG_PROG(sum_prog, AGG_SUM);
AGG_PROG(min_prog, AGG_MIN);
AGG_PROG(max_prog, AGG_MAX);
AGG_PROG(avg_prog, AGG_AVG);
AGG_PROG(count_prog, AGG_COUNT);
AGG_PROG(groupby_prog, -1);

#define AGG_CMD(NAME, WHAT, PROG)                                                                  \
    {                                                                                              \
        .size = sizeof(keel_cmd_def), .name = NAME, .arity = 2, .flags = KEEL_CMD_READONLY,        \
        .summary = "Returns the " WHAT " of the numbers held by the keys matching a pattern.",     \
        .syntax = NAME " pattern", .group = "example", .since = "0.1.0", .program = PROG           \
    }
static const keel_cmd_def cmds[] = {
    AGG_CMD("AGG.SUM", "sum", sum_prog),
    AGG_CMD("AGG.MIN", "smallest", min_prog),
    AGG_CMD("AGG.MAX", "largest", max_prog),
    AGG_CMD("AGG.AVG", "mean", avg_prog),
    AGG_CMD("AGG.COUNT", "count", count_prog),
    {.size = sizeof(keel_cmd_def),
     .name = "AGG.GROUPBY",
     .arity = 4,
     .flags = KEEL_CMD_READONLY,
     .summary = "Aggregates the numbers of the keys matching a pattern per group (the name before "
                "the separator).",
     .syntax = "AGG.GROUPBY SUM|MIN|MAX|AVG|COUNT pattern separator",
     .group = "example",
     .since = "0.1.0",
     .program = groupby_prog},
};

static keel_status aggregate_init(keel_module *m) {
    const char *err = NULL;
    keel_status st = keel_register_opcode(m, &ops[0], &err);
    for (size_t i = 0; st == KEEL_OK && i < sizeof cmds / sizeof cmds[0]; i++)
        st = keel_register_command(m, &cmds[i], &err);
    if (st == KEEL_OK) st = keel_register_info(m, "Aggregate", agg_info, &err);
    if (st != KEEL_OK) keel_log(m, KEEL_LOG_ERROR, "registration failed: %s", err);
    return st;
}

KEEL_MODULE("aggregate", "1.0.0", "example: AGG.* aggregators over the keys matching a pattern",
            aggregate_init, NULL);
