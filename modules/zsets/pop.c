/* pop.c -- removing the lowest or highest members: ZPOPMIN and ZPOPMAX (with a count), ZMPOP,
 * and the blocking BZPOPMIN, BZPOPMAX and BZMPOP, which pop from the first non-empty sorted set
 * among several keys on any shards, or park until a ZADD (as lists.so's BLPOP parks). */
#include "family.h"
#include "zobj.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A timeout past this many ms waits forever (as lists.so). */
#define TIMEOUT_FOREVER_MS 10000000000000LL
/* Longest timeout text Redis reads (its MAX_LONG_DOUBLE_CHARS). */
#define SECONDS_TEXT_MAX 5120

/* ======== shared: popping into the reply ======== */

/* Pops the elements counted down in *left (a register) from z's low end (max: high end),
 * replying each (nested: as a [member, score] pair).  False when the budget ran out with
 * elements left (the caller yields).  At least one element is popped per call. */
static bool pop_into_reply(keel_proc *p, dk_zset *z, bool max, bool nested, dk_val *left) {
    while (left->v.i > 0) {
        size_t n = dk_zset_count(z);
        dk_zentry e;
        if (n == 0 || !dk_zset_at(z, max ? n - 1 : 0, &e)) {
            left->v.i = 0;
            break;
        }
        dk_zentry k = zs_keep(p, &e);
        if (nested) keel_reply_array(p, 2);
        keel_reply_bulk(p, k.len ? k.member : "", k.len);
        zs_reply_score(p, k.score);
        dk_zset_del(z, k.member, k.len);
        left->v.i--;
        if (keel_charge(p, ZS_COST_UPDATE) && left->v.i > 0) return false;
    }
    return true;
}

/* Reads a count of at least min; replies "ERR <msg>" and returns false otherwise. */
static bool arg_atleast(keel_proc *p, const keel_arg *a, int64_t min, const char *msg,
                        int64_t *out) {
    if (keel_arg_i64(a, out) && *out >= min) return true;
    keel_reply_error(p, "ERR %s", msg);
    return false;
}

/* ======== ZPOPMIN / ZPOPMAX ======== */

/* Opcode: zsets.pop
 * ZPOPMIN/ZPOPMAX key [count] (imm 0: min, 1: max): replies the popped [member, score ...]
 * (empty when the key is missing; RESP3 with a count: [member, score] pairs).  Deletes the key
 * when it empties.  Registers: r0 = elements still to pop (null until the reply is started).
 * Reductions ZS_COST_UPDATE per element.  May yield, hop, block. */
static keel_op_result op_pop(keel_proc *p, const keel_insn *in) {
    if (p->argc > 3) return zs_error(p, "ERR syntax error");
    const keel_arg *key = &p->argv[1];
    bool counted = p->argc == 3;
    int64_t count = 1;
    if (counted &&
        !arg_atleast(p, &p->argv[2], 0, "value is out of range, must be positive", &count))
        return KEEL_FAIL;
    dk_zset *z;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        if (p->reg[0].type == DK_NULL) keel_reply_array(p, 0);
        return KEEL_NEXT;
    }
    bool nested = counted && zs_resp3(p);
    if (p->reg[0].type == DK_NULL) {
        size_t n = dk_zset_count(z);
        if ((uint64_t)count < n) n = (size_t)count;
        keel_reply_array(p, nested ? n : 2 * n);
        p->reg[0] = dk_i64((int64_t)n);
        p->reg[1] = dk_i64((int64_t)n); /* popped in all: whether to announce it */
    }
    if (!pop_into_reply(p, z, in->imm == 1, nested, &p->reg[0])) return KEEL_YIELD;
    if (p->reg[1].v.i > 0)
        keel_notify(p, KEEL_NOTIFY_ZSET, in->imm == 1 ? "zpopmax" : "zpopmin", key->ptr, key->len);
    st = zs_settle(p, key->ptr, key->len, z);
    KEEL_OP_PROPAGATE(st);
    return KEEL_NEXT;
}

/* ======== ZMPOP / BZPOPMIN / BZPOPMAX / BZMPOP ======== */

/* Which command runs zsets.mpop (its imm). */
enum { MP_BZPOPMIN = 0, MP_BZPOPMAX, MP_ZMPOP, MP_BZMPOP };

typedef struct mpop_args {
    bool max;
    bool multi; /* reply [key, [[member, score] ...]] (ZMPOP) not [key, member, score] */
    bool blocking;
    int64_t count;
    int64_t timeout_ms; /* blocking: 0 = forever */
} mpop_args;

/* Reads seconds as Redis's string2ld does (strtold; no spaces, junk, NaN or overflow). */
static bool parse_seconds(const keel_arg *a, long double *out) {
    char buf[SECONDS_TEXT_MAX + 1];
    if (a->len == 0 || a->len > SECONDS_TEXT_MAX) return false;
    memcpy(buf, a->ptr, a->len);
    buf[a->len] = '\0';
    if (isspace((unsigned char)buf[0])) return false;
    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    if (*end != '\0' || isnan(v) || errno == EINVAL) return false;
    if (errno == ERANGE && (isinf(v) || v == 0)) return false;
    *out = v;
    return true;
}

static bool arg_timeout(keel_proc *p, const keel_arg *a, int64_t *ms) {
    long double secs;
    if (!parse_seconds(a, &secs)) {
        keel_reply_error(p, "ERR timeout is not a float or out of range");
        return false;
    }
    long double t = ceill(secs * 1000.0L);
    if (t < 0 || t >= 9223372036854775808.0L) {
        keel_reply_error(p, "ERR timeout is negative");
        return false;
    }
    *ms = t > TIMEOUT_FOREVER_MS ? 0 : (int64_t)t;
    return true;
}

static int numkeys_at(int imm) {
    return imm == MP_ZMPOP ? 1 : 2;
}

/* ZMPOP/BZMPOP's numkeys, MIN|MAX and COUNT, as Redis checks them. */
static bool mpop_read_counted(keel_proc *p, int imm, mpop_args *a) {
    int at = numkeys_at(imm);
    int64_t numkeys;
    if (!arg_atleast(p, &p->argv[at], 1, "numkeys should be greater than 0", &numkeys))
        return false;
    if (numkeys >= (int64_t)p->argc - at - 1) {
        keel_reply_error(p, "ERR syntax error");
        return false;
    }
    uint32_t where = (uint32_t)(at + numkeys + 1);
    if (keel_arg_is(&p->argv[where], "MIN"))
        a->max = false;
    else if (keel_arg_is(&p->argv[where], "MAX"))
        a->max = true;
    else {
        keel_reply_error(p, "ERR syntax error");
        return false;
    }
    a->count = -1;
    for (uint32_t j = where + 1; j < p->argc; j++) {
        if (a->count == -1 && keel_arg_is(&p->argv[j], "COUNT") && j + 1 < p->argc) {
            if (!arg_atleast(p, &p->argv[++j], 1, "count should be greater than 0", &a->count))
                return false;
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    if (a->count == -1) a->count = 1;
    a->multi = true;
    return true;
}

static bool mpop_read(keel_proc *p, int imm, mpop_args *a) {
    a->blocking = imm != MP_ZMPOP;
    a->timeout_ms = 0;
    if (imm == MP_BZPOPMIN || imm == MP_BZPOPMAX) {
        a->max = imm == MP_BZPOPMAX;
        a->multi = false;
        a->count = 1;
        return arg_timeout(p, &p->argv[p->argc - 1], &a->timeout_ms);
    }
    if (imm == MP_BZMPOP && !arg_timeout(p, &p->argv[1], &a->timeout_ms)) return false;
    return mpop_read_counted(p, imm, a);
}

static int counted_keys(int at, int argc, const keel_arg *argv, int *pos, int max) {
    int64_t numkeys;
    if (argc <= at || !keel_arg_i64(&argv[at], &numkeys) || numkeys < 1 ||
        numkeys >= (int64_t)argc - at - 1)
        return 0;
    for (int i = 0; i < (int)numkeys && i < max; i++)
        pos[i] = at + 1 + i;
    return (int)numkeys;
}

static int zmpop_keys(int argc, const keel_arg *argv, int *pos, int max) {
    return counted_keys(1, argc, argv, pos, max);
}

static int bzmpop_keys(int argc, const keel_arg *argv, int *pos, int max) {
    return counted_keys(2, argc, argv, pos, max);
}

/* Scans every key (shard order) for the first, in argument order, that holds a non-empty
 * sorted set or another type.  Registers: r0 = keys scanned, r1 = its argv index (null: none),
 * r2 = 1 when it holds another type. */
static keel_op_result mpop_scan(keel_proc *p) {
    if (p->reg[0].type == DK_NULL) p->reg[0] = dk_i64(0);
    uint32_t n = keel_key_count(p);
    while ((uint32_t)p->reg[0].v.i < n) {
        if (p->budget <= 0) return KEEL_YIELD;
        keel_arg k;
        uint32_t argi;
        keel_status st = keel_key_nth(p, (uint32_t)p->reg[0].v.i, &k, &argi);
        KEEL_OP_PROPAGATE(st);
        dk_zset *z;
        st = zs_find(p, k.ptr, k.len, &z);
        KEEL_OP_PROPAGATE(st);
        bool hit = st == KEEL_EWRONGTYPE || (st == KEEL_OK && dk_zset_count(z) > 0);
        if (hit && (p->reg[1].type == DK_NULL || argi < (uint32_t)p->reg[1].v.i)) {
            p->reg[1] = dk_i64(argi);
            p->reg[2] = dk_i64(st == KEEL_EWRONGTYPE);
        }
        p->reg[0].v.i++;
        keel_charge(p, 1);
    }
    return KEEL_NEXT;
}

/* Nothing to pop: replies the null array, or parks until a ZADD, the deadline or a disconnect. */
static keel_op_result mpop_wait(keel_proc *p, const mpop_args *a) {
    if (!a->blocking) {
        keel_reply_nil_array(p);
        return KEEL_NEXT;
    }
    if (keel_block_keys(p, a->timeout_ms) != KEEL_OK)
        return zs_error(p, "ERR cannot block on these keys");
    return KEEL_BLOCK;
}

/* Opcode: zsets.mpop
 * BZPOPMIN/BZPOPMAX key [key ...] timeout, ZMPOP numkeys key [key ...] MIN|MAX [COUNT n] and
 * BZMPOP timeout numkeys ... (imm: MP_*): pops from the first key, in argument order, holding a
 * non-empty sorted set (WRONGTYPE when a key before it holds another type); replies [key,
 * member, score] (BZPOP*) or [key, [[member, score] ...]] (ZMPOP, BZMPOP).  With nothing to pop
 * ZMPOP replies a null array; the blocking forms park on every key and run again when one is
 * added to, replying a null array once their timeout (kept across parks) passes.  Registers:
 * r0 = keys scanned, r1 = argv index of the key, r2 = another type, r3 = elements left.
 * Reductions 1 per key, ZS_COST_UPDATE per element.  May yield, hop, block. */
static keel_op_result op_mpop(keel_proc *p, const keel_insn *in) {
    mpop_args a;
    if (!mpop_read(p, (int)in->imm, &a)) return KEEL_FAIL;
    if (a.blocking && keel_proc_timed_out(p)) {
        keel_reply_nil_array(p);
        return KEEL_NEXT;
    }
    keel_op_result r;
    if (p->reg[3].type == DK_NULL && (r = mpop_scan(p)) != KEEL_NEXT) return r;
    if (p->reg[1].type == DK_NULL) return mpop_wait(p, &a);
    if (p->reg[2].v.i) return zs_wrongtype(p);
    const keel_arg *key = &p->argv[p->reg[1].v.i];
    dk_zset *z;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) { /* it expired since the scan: scan again, or end a started reply */
        if (p->reg[3].type != DK_NULL) return KEEL_NEXT;
        p->reg[0] = p->reg[1] = dk_null();
        return KEEL_YIELD;
    }
    if (p->reg[3].type == DK_NULL) {
        size_t n = dk_zset_count(z);
        if ((uint64_t)a.count < n) n = (size_t)a.count;
        if (a.multi) {
            keel_reply_array(p, 2);
            keel_reply_bulk(p, key->ptr, key->len);
            keel_reply_array(p, n);
        } else {
            keel_reply_array(p, 3);
            keel_reply_bulk(p, key->ptr, key->len);
        }
        p->reg[3] = dk_i64((int64_t)n);
        p->reg[4] = dk_i64((int64_t)n); /* popped in all: whether to announce it */
    }
    if (!pop_into_reply(p, z, a.max, a.multi, &p->reg[3])) return KEEL_YIELD;
    if (p->reg[4].v.i > 0)
        keel_notify(p, KEEL_NOTIFY_ZSET, a.max ? "zpopmax" : "zpopmin", key->ptr, key->len);
    st = zs_settle(p, key->ptr, key->len, z);
    KEEL_OP_PROPAGATE(st);
    return KEEL_NEXT;
}

/* ======== tables ======== */

static const keel_opcode_def pop_ops[] = {
    ZS_OP("zsets.pop", op_pop, "pop from argv[1]'s low (imm 0) or high (imm 1) end; r0 = left"),
    ZS_OP("zsets.mpop", op_mpop,
          "pop from the first non-empty key, or park (imm: BZPOPMIN "
          "BZPOPMAX ZMPOP BZMPOP); r0..r3 = scan and pop progress"),
};

static const keel_insn_def zpopmin_prog[] = {{.op = "zsets.pop", .imm = 0}, KEEL_END};
static const keel_insn_def zpopmax_prog[] = {{.op = "zsets.pop", .imm = 1}, KEEL_END};
static const keel_insn_def bzpopmin_prog[] = {{.op = "zsets.mpop", .imm = MP_BZPOPMIN}, KEEL_END};
static const keel_insn_def bzpopmax_prog[] = {{.op = "zsets.mpop", .imm = MP_BZPOPMAX}, KEEL_END};
static const keel_insn_def zmpop_prog[] = {{.op = "zsets.mpop", .imm = MP_ZMPOP}, KEEL_END};
static const keel_insn_def bzmpop_prog[] = {{.op = "zsets.mpop", .imm = MP_BZMPOP}, KEEL_END};

#define BLOCKS KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY | KEEL_CMD_BLOCKING
static const keel_cmd_def pop_cmds[] = {
    {ZS_KEY1, .name = "ZPOPMIN", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Removes and replies the lowest-scored members (count, default 1) and scores.",
     .syntax = "ZPOPMIN key [count]", .program = zpopmin_prog},
    {ZS_KEY1, .name = "ZPOPMAX", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Removes and replies the highest-scored members (count, default 1) and scores.",
     .syntax = "ZPOPMAX key [count]", .program = zpopmax_prog},
    {ZS_CMD, .name = "ZMPOP", .arity = -4, .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY,
     .keys = zmpop_keys,
     .summary = "Pops up to count members from the first non-empty sorted set among the keys; "
                "replies [key, [[member, score] ...]] or nil.",
     .syntax = "ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]", .program = zmpop_prog},
    {ZS_CMD, .name = "BZPOPMIN", .arity = -3, .flags = BLOCKS, .first_key = 1, .last_key = -2,
     .key_step = 1,
     .summary = "Pops the lowest-scored member of the first non-empty sorted set, or waits "
                "(timeout in seconds, 0 = forever); replies [key, member, score] or nil.",
     .syntax = "BZPOPMIN key [key ...] timeout", .program = bzpopmin_prog},
    {ZS_CMD, .name = "BZPOPMAX", .arity = -3, .flags = BLOCKS, .first_key = 1, .last_key = -2,
     .key_step = 1,
     .summary = "Pops the highest-scored member of the first non-empty sorted set, or waits "
                "(timeout in seconds, 0 = forever); replies [key, member, score] or nil.",
     .syntax = "BZPOPMAX key [key ...] timeout", .program = bzpopmax_prog},
    {ZS_CMD, .name = "BZMPOP", .arity = -5, .flags = BLOCKS, .keys = bzmpop_keys,
     .summary = "ZMPOP that waits (timeout in seconds, 0 = forever) while every set is empty.",
     .syntax = "BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]",
     .program = bzmpop_prog},
};

const keel_family zs_pop_family = KEEL_FAMILY(pop_ops, pop_cmds);
