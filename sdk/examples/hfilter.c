/* hfilter.c -- an example module for module authors: a coprocessor, a filter that runs next to
 * the data so that only what matches crosses the network.
 *
 *   HFILTER key GT|GE|LT|LE|EQ|NE number
 *
 * replies the fields of hash `key` whose values are numbers that compare so with `number`, as
 * field -> value pairs (a map, as HGETALL).  Fields whose value is not a number never match.  A
 * hash is a namespace: the command walks it with keel_key_scan a slice at a time, yielding
 * between slices; its key stays locked meanwhile (it is the command's declared key), so the
 * reply is one consistent state of the hash. */
#include <keel/sdk.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

enum cmp_op { CMP_GT = 0, CMP_GE, CMP_LT, CMP_LE, CMP_EQ, CMP_NE };

#define FIELD_COST 4 /* reductions per field compared, besides the scan's own */

static _Atomic uint64_t stat_runs, stat_yields;

static int cmp_by_name(const keel_arg *a) {
    static const char *const names[] = {"GT", "GE", "LT", "LE", "EQ", "NE"};
    for (int i = 0; i < 6; i++)
        if (keel_arg_is(a, names[i])) return i;
    return -1;
}

/* The number a hash field's value holds (integers and decimal text). */
static bool field_number(const keel_value *v, double *d) {
    if (v->type != KEEL_TYPE_BOX) return false;
    switch (v->box.type) {
    case DK_I64:
        *d = (double)v->box.v.i;
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
        return a.len > 0 && a.len <= 64 && keel_arg_double(&a, d);
    }
    default:
        return false;
    }
}

static bool compare(double x, int op, double y) {
    switch (op) {
    case CMP_GT:
        return x > y;
    case CMP_GE:
        return x >= y;
    case CMP_LT:
        return x < y;
    case CMP_LE:
        return x <= y;
    case CMP_EQ:
        return x == y;
    default:
        return x != y;
    }
}

typedef struct filter_ctx {
    keel_proc *p;
    int op;
    double operand;
} filter_ctx;

/* keel_scan_fn: replies the field and its value when the value matches. */
static void filter_visit(void *arg, const keel_arg *field, const keel_value *v) {
    filter_ctx *cx = arg;
    keel_charge(cx->p, FIELD_COST);
    double d;
    if (!field_number(v, &d) || !compare(d, cx->op, cx->operand)) return;
    keel_reply_bulk(cx->p, field->ptr, field->len);
    keel_reply_stored(cx->p, v);
}

/* Opcode hfilter.run: HFILTER key op number.  Registers: r0 = the scan cursor (null before the
 * first slice), r1 = the op, r2 = the operand.  Reductions: the scan's per entry plus
 * FIELD_COST per field; yields between slices.  May hop and block (keyspace calls). */
static keel_op_result op_hfilter(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    if (p->reg[0].type == DK_NULL) { /* first run: arguments, the hash, the reply's head */
        int op = cmp_by_name(&p->argv[2]);
        double operand;
        if (op < 0) {
            keel_reply_error(p, "ERR unknown comparison: use GT, GE, LT, LE, EQ or NE");
            return KEEL_FAIL;
        }
        if (!keel_arg_double(&p->argv[3], &operand)) {
            keel_reply_error(p, "ERR value is not a valid float");
            return KEEL_FAIL;
        }
        keel_value v = {.size = sizeof v};
        keel_status st = keel_key_lookup(p, key->ptr, key->len, &v);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_NOTFOUND) {
            keel_reply_map(p, 0);
            return KEEL_DONE;
        }
        if (v.type != keel_ns_type()) {
            keel_reply_error(p,
                             "WRONGTYPE Operation against a key holding the wrong kind of value");
            return KEEL_FAIL;
        }
        keel_reply_open(p, KEEL_REPLY_MAP);
        p->reg[0] = dk_u64(0);
        p->reg[1] = dk_i64(op);
        p->reg[2] = dk_f64(operand);
        atomic_fetch_add_explicit(&stat_runs, 1, memory_order_relaxed);
    }
    filter_ctx cx = {p, (int)p->reg[1].v.i, p->reg[2].v.d};
    uint64_t cursor = p->reg[0].v.u;
    do {
        keel_status st = keel_key_scan(p, key->ptr, key->len, &cursor, filter_visit, &cx);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) break; /* cannot happen: the hash is locked and was there */
        if (cursor != 0 && p->budget <= 0) {
            p->reg[0] = dk_u64(cursor);
            atomic_fetch_add_explicit(&stat_yields, 1, memory_order_relaxed);
            return KEEL_YIELD;
        }
    } while (cursor != 0);
    keel_reply_close(p);
    return KEEL_DONE;
}

/* INFO hfilter: how many filters ran and how often they yielded. */
static void hfilter_info(keel_buf *out) {
    char line[120];
    int n = snprintf(line, sizeof line, "hfilter_runs:%llu\r\nhfilter_yields:%llu\r\n",
                     (unsigned long long)atomic_load(&stat_runs),
                     (unsigned long long)atomic_load(&stat_yields));
    if (n <= 0) return;
    memcpy(keel_buf_reserve(out, (size_t)n), line, (size_t)n);
    out->len += (size_t)n;
}

static const keel_opcode_def ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "hfilter.run",
     .fn = op_hfilter,
     .synopsis = "reply the fields of hash argv[1] whose numbers compare (argv[2]) with argv[3]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_YIELD | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def hfilter_prog[] = {{.op = "hfilter.run"}, KEEL_END};

static const keel_cmd_def cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "HFILTER",
     .arity = 4,
     .flags = KEEL_CMD_READONLY,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .summary = "Returns the fields of a hash whose numeric values compare with a number.",
     .syntax = "HFILTER key GT|GE|LT|LE|EQ|NE number",
     .group = "example",
     .since = "0.1.0",
     .program = hfilter_prog},
};

static keel_status hfilter_init(keel_module *m) {
    const char *err = NULL;
    keel_status st = keel_register_opcode(m, &ops[0], &err);
    if (st == KEEL_OK) st = keel_register_command(m, &cmds[0], &err);
    if (st == KEEL_OK) st = keel_register_info(m, "Hfilter", hfilter_info, &err);
    if (st != KEEL_OK) keel_log(m, KEEL_LOG_ERROR, "registration failed: %s", err);
    return st;
}

KEEL_MODULE("hfilter", "1.0.0", "example: HFILTER, a coprocessor filtering a hash's values",
            hfilter_init, NULL);
