/* incr.c -- arithmetic on string values: INCR DECR INCRBY DECRBY, Keel's DECRBYFLOOR, and
 * INCRBYFLOAT.  Every one keeps the key's expiry.  See number.h for the rules. */
#include "family.h"
#include "number.h"
#include "value.h"

#include <math.h>
#include <datakit/ldtext.h>

/* imm bits of strings.incr */
#define INCR_ARG 1   /* the increment is argv[2] (else 1) */
#define INCR_NEG 2   /* subtract it */
#define INCR_FLOOR 4 /* never go below zero */

/* The box a result is stored as (its text is the text GET shows). */
static dk_val incr_box(const str_num *r) {
    if (r->real) return dk_f64(r->d);
    if (r->i <= INT64_MAX) return dk_i64((int64_t)r->i);
    return dk_u64((uint64_t)r->i);
}

/* An integer within int64: the only operands and results the redis dialect allows. */
static bool incr_int64(const str_num *n) {
    return !n->real && n->i >= INT64_MIN && n->i <= INT64_MAX;
}

/* Reads the stored value of key as an operand (0 when absent) into *cur.  KEEL_OK, a status to
 * pass on, KEEL_EWRONGTYPE (replied), or KEEL_EINVAL when it is not a number (not replied). */
static keel_status incr_current(keel_proc *p, const keel_arg *key, str_num *cur) {
    keel_value v;
    keel_status st = str_lookup(p, key, &v);
    if (st == KEEL_NOTFOUND) {
        *cur = (str_num){.i = 0};
        return KEEL_OK;
    }
    if (st != KEEL_OK) return st;
    if (v.box.type == DK_I64 || v.box.type == DK_U64) { /* stored as its canonical text's number */
        *cur = (str_num){.i = v.box.type == DK_I64 ? (__int128)v.box.v.i : (__int128)v.box.v.u};
        return KEEL_OK;
    }
    char buf[STR_NUM_TEXT];
    const char *s;
    size_t n = str_text(&v.box, buf, &s);
    return str_num_parse(s, n, cur) ? KEEL_OK : KEEL_EINVAL;
}

/* Opcode: strings.incr
 * INCR DECR INCRBY DECRBY DECRBYFLOOR on argv[1]; imm = INCR_* bits.  In the redis dialect
 * operands and results are int64 with Redis's errors; in the keel dialect integer results reply
 * as integers (above INT64_MAX too), real results as doubles.  Reductions 1.  May hop and
 * block (before its one write, so a re-run starts over). */
static keel_op_result op_incr(keel_proc *p, const keel_insn *in) {
    str_num by = {.i = 1}, cur, r;
    bool redis = !keel_proc_dialect_keel(p); /* int64 operands and results only, as Redis */
    if ((in->imm & INCR_ARG) &&
        (!str_num_parse(p->argv[2].ptr, p->argv[2].len, &by) || (redis && !incr_int64(&by)))) {
        keel_reply_error(p, "ERR value is not an integer or out of range");
        return KEEL_FAIL;
    }
    if (redis && (in->imm & INCR_NEG) && by.i == INT64_MIN) {
        keel_reply_error(p, "ERR decrement would overflow");
        return KEEL_FAIL;
    }
    const keel_arg *key = &p->argv[1];
    keel_status st = incr_current(p, key, &cur);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    if (st == KEEL_EINVAL || (st == KEEL_OK && redis && !incr_int64(&cur))) {
        keel_reply_error(p, "ERR value is not an integer or out of range");
        return KEEL_FAIL;
    }
    str_num_status sum =
        str_num_add(&cur, &by, (in->imm & INCR_NEG) != 0, (in->imm & INCR_FLOOR) != 0, &r);
    if (sum == STR_NUM_OK && redis && !incr_int64(&r)) sum = STR_NUM_OVERFLOW;
    switch (sum) {
    case STR_NUM_OVERFLOW:
        keel_reply_error(p, "ERR increment or decrement would overflow");
        return KEEL_FAIL;
    case STR_NUM_NONFINITE:
        keel_reply_error(p, "ERR increment would produce NaN or Infinity");
        return KEEL_FAIL;
    default:
        break;
    }
    dk_val box = incr_box(&r);
    st = keel_key_store(p, key->ptr, key->len, &box, KEEL_STORE_KEEPTTL);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return str_store_failed(p, st);
    keel_notify(p, KEEL_NOTIFY_STRING, "incrby", key->ptr, key->len);
    if (r.real)
        keel_reply_double(p, r.d);
    else if (r.i < 0)
        keel_reply_int(p, (int64_t)r.i);
    else
        keel_reply_uint(p, (uint64_t)r.i);
    return KEEL_NEXT;
}

/* Opcode: strings.incrbyfloat
 * INCRBYFLOAT argv[1] by argv[2], exactly as Redis: long double sum, stored and replied as
 * Redis formats it.  Reductions 1.  May hop and block (before its one write). */
static keel_op_result op_incrbyfloat(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    keel_value v;
    keel_status st = str_lookup(p, key, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    long double cur = 0, by;
    if (st == KEEL_OK) {
        char buf[STR_NUM_TEXT];
        const char *s;
        size_t n = str_text(&v.box, buf, &s);
        if (!dk_ld_parse(s, n, &cur)) goto not_float;
    }
    if (!dk_ld_parse(p->argv[2].ptr, p->argv[2].len, &by)) goto not_float;
    cur += by;
    if (isnan(cur) || isinf(cur)) {
        keel_reply_error(p, "ERR increment would produce NaN or Infinity");
        return KEEL_FAIL;
    }
    char *text = keel_proc_alloc(p, DK_LD_TEXT);
    size_t n = dk_ld_format(cur, text);
    /* logged as its result, as Redis propagates it: float arithmetic may differ elsewhere */
    keel_arg as_set[4] = {{"SET", 3}, *key, {text, n}, {"KEEPTTL", 7}};
    keel_proc_log_as(p, 4, as_set);
    st = str_store(p, key, text, n, KEEL_STORE_KEEPTTL);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return str_store_failed(p, st);
    keel_notify(p, KEEL_NOTIFY_STRING, "incrbyfloat", key->ptr, key->len);
    keel_reply_bulk(p, text, n);
    return KEEL_NEXT;
not_float:
    keel_reply_error(p, "ERR value is not a valid float");
    return KEEL_FAIL;
}

#define OP(NAME, FN, SYN)                                                                          \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                                               \
    }
static const keel_opcode_def incr_ops[] = {
    OP("strings.incr", op_incr, "add 1 or argv[2] to argv[1] (imm: 2 subtract, 4 floor at 0)"),
    OP("strings.incrbyfloat", op_incrbyfloat, "add argv[2] to argv[1] in long double, as Redis"),
};

#define PROG(NAME, OPNAME, IMM)                                                                    \
    static const keel_insn_def NAME[] = {{.op = OPNAME, .imm = IMM}, KEEL_END}
PROG(incr_prog, "strings.incr", 0);
PROG(decr_prog, "strings.incr", INCR_NEG);
PROG(incrby_prog, "strings.incr", INCR_ARG);
PROG(decrby_prog, "strings.incr", INCR_ARG | INCR_NEG);
PROG(decrbyfloor_prog, "strings.incr", INCR_ARG | INCR_NEG | INCR_FLOOR);
PROG(incrbyfloat_prog, "strings.incrbyfloat", 0);

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "string", \
    .since = "0.1.0", .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST | KEEL_CMD_DENYOOM
static const keel_cmd_def incr_cmds[] = {
    {KEY1, .name = "INCR", .arity = 2,
     .summary = "Adds one to a key's number (0 when absent); Keel keeps results above INT64_MAX "
                "as unsigned and adds doubles.",
     .syntax = "INCR key", .program = incr_prog},
    {KEY1, .name = "DECR", .arity = 2,
     .summary = "Subtracts one from a key's number (0 when absent).", .syntax = "DECR key",
     .program = decr_prog},
    {KEY1, .name = "INCRBY", .arity = 3,
     .summary = "Adds an integer (Keel: int64, uint64 or double) to a key's number.",
     .syntax = "INCRBY key increment", .program = incrby_prog},
    {KEY1, .name = "DECRBY", .arity = 3,
     .summary = "Subtracts an integer (Keel: int64, uint64 or double) from a key's number.",
     .syntax = "DECRBY key decrement", .program = decrby_prog},
    {KEY1, .name = "DECRBYFLOOR", .arity = 3,
     .summary = "Keel: subtracts from a key's number but never below 0 (memcached's decr).",
     .syntax = "DECRBYFLOOR key decrement", .program = decrbyfloor_prog},
    {KEY1, .name = "INCRBYFLOAT", .arity = 3,
     .summary = "Adds a floating point number to a key's number, exactly as Redis does.",
     .syntax = "INCRBYFLOAT key increment", .program = incrbyfloat_prog},
};

const keel_family str_incr_family = KEEL_FAMILY(incr_ops, incr_cmds);
