/* expire.c -- expiry commands for any type: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (with NX XX
 * GT LT), TTL PTTL EXPIRETIME PEXPIRETIME, PERSIST. */
#include "config.h"
#include "builtin.h"
#include "keyspace.h"
#include "notify.h"
#include "server.h"
#include "spread.h"
#include "thread.h"
#include "zvm.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define EXP_MS 1  /* the time is in milliseconds (else seconds) */
#define EXP_ABS 2 /* the time is absolute unix time (else relative to now) */
#define EXP_SET 4 /* expire.spread: which command family left it the work */
#define EXP_GET 8
#define EXP_PERSIST 16

enum { OPT_NX = 1, OPT_XX = 2, OPT_GT = 4, OPT_LT = 8 };

static bool expire_options(keel_proc *p, unsigned *opts) {
    *opts = 0;
    for (uint32_t i = 3; i < p->argc; i++) {
        const keel_arg *a = &p->argv[i];
        if (keel_arg_is(a, "NX"))
            *opts |= OPT_NX;
        else if (keel_arg_is(a, "XX"))
            *opts |= OPT_XX;
        else if (keel_arg_is(a, "GT"))
            *opts |= OPT_GT;
        else if (keel_arg_is(a, "LT"))
            *opts |= OPT_LT;
        else {
            keel_reply_error(p, "ERR Unsupported option %.64s", a->ptr);
            return false;
        }
    }
    if ((*opts & OPT_NX) && (*opts & (OPT_XX | OPT_GT | OPT_LT))) {
        keel_reply_error(p, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return false;
    }
    if ((*opts & OPT_GT) && (*opts & OPT_LT)) {
        keel_reply_error(p, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

/* True when options opts keep expiry `at` from replacing cur (-1 = none, which GT and LT
 * treat as infinite). */
static bool expire_skipped(int64_t cur, int64_t at, unsigned opts) {
    return ((opts & OPT_NX) && cur != -1) || ((opts & OPT_XX) && cur == -1) ||
           ((opts & OPT_GT) && (cur == -1 || at <= cur)) ||
           ((opts & OPT_LT) && cur != -1 && at >= cur);
}

/* The EXPIRE family's event on argv[1]: "expire", or "del" when a time already past deleted it. */
static void notify_expire_set(zvm_proc *p, bool gone) {
    const keel_arg *k = &p->pub.argv[1];
    NOTIFY_PROC(p, KEEL_NOTIFY_GENERIC, gone ? "del" : "expire", k->ptr, k->len);
}

/* The append-only log records an EXPIRE, PEXPIRE or EXPIREAT as PEXPIREAT key at [options]. */
static void log_as_pexpireat(keel_proc *p, int64_t at) {
    keel_arg *argv = keel_proc_alloc(p, sizeof *argv * p->argc);
    char *num = keel_proc_alloc(p, 24);
    argv[0] = (keel_arg){"PEXPIREAT", 9};
    argv[1] = p->argv[1];
    argv[2] = (keel_arg){num, (size_t)snprintf(num, 24, "%lld", (long long)at)};
    for (uint32_t i = 3; i < p->argc; i++)
        argv[i] = p->argv[i];
    keel_proc_log_as(p, p->argc, argv);
}

/* Opcode: expire.set — EXPIRE family on argv[1]; imm = EXP_MS | EXP_ABS bits.
 * Reductions 1.  May hop and block.  Replies 1 when the expiry was set, else 0. */
static keel_op_result op_expire_set(keel_proc *p, const keel_insn *in) {
    int64_t t;
    unsigned opts;
    if (!keel_arg_i64(&p->argv[2], &t)) {
        keel_reply_error(p, "ERR value is not an integer or out of range");
        return KEEL_FAIL;
    }
    if (!expire_options(p, &opts)) return KEEL_FAIL;
    int64_t at = t;
    bool bad = false;
    if (!(in->imm & EXP_MS)) bad = __builtin_mul_overflow(t, 1000, &at);
    if (!bad && !(in->imm & EXP_ABS)) bad = __builtin_add_overflow(at, keel_now_ms(p), &at);
    if (bad) {
        char name[16];
        size_t n = p->argv[0].len < sizeof name - 1 ? p->argv[0].len : sizeof name - 1;
        for (size_t i = 0; i < n; i++)
            name[i] = (char)(p->argv[0].ptr[i] | 0x20);
        name[n] = '\0';
        keel_reply_error(p, "ERR invalid expire time in '%s' command", name);
        return KEEL_FAIL;
    }
    if (!(in->imm & EXP_MS) || !(in->imm & EXP_ABS))
        log_as_pexpireat(p, at); /* the log keeps absolute times */
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, p->argv[1].ptr, p->argv[1].len, &v);
    KEEL_OP_PROPAGATE(st);
    if (spread_may_have_parts(st, &v)) { /* expire.spread sets it on every part */
        p->reg[SPREAD_R_PENDING] = dk_i64(1);
        p->reg[SPREAD_R_A] = dk_i64(at);
        p->reg[SPREAD_R_B] = dk_i64(opts);
        return KEEL_NEXT;
    }
    if (st == KEEL_NOTFOUND) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    if (expire_skipped(v.expire_at_ms, at, opts)) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    bool gone = at <= keel_now_ms(p);
    st = keel_key_expire(p, p->argv[1].ptr, p->argv[1].len, at < 0 ? 0 : at);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_OK) notify_expire_set(zvm_of(p), gone);
    keel_reply_int(p, st == KEEL_OK);
    return KEEL_NEXT;
}

/* Replies a TTL-family answer for a key that exists with expiry at (-1 = none). */
static void reply_ttl(keel_proc *p, unsigned imm, int64_t at) {
    if (at < 0)
        keel_reply_int(p, -1);
    else if (imm & EXP_ABS)
        keel_reply_int(p, (imm & EXP_MS) ? at : at / 1000);
    else {
        int64_t left = at - keel_now_ms(p);
        if (left < 0) left = 0;
        keel_reply_int(p, (imm & EXP_MS) ? left : (left + 500) / 1000);
    }
}

/* Opcode: expire.get — TTL family on argv[1]; imm = EXP_MS | EXP_ABS bits.  Replies -2 when
 * the key is missing, -1 when it has no expiry.  Reductions 1.  May hop and block. */
static keel_op_result op_expire_get(keel_proc *p, const keel_insn *in) {
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, p->argv[1].ptr, p->argv[1].len, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_NOTFOUND && spread_may_have_parts(st, &v)) { /* a part elsewhere answers */
        p->reg[SPREAD_R_PENDING] = dk_i64(1);
        return KEEL_NEXT;
    }
    if (st == KEEL_NOTFOUND)
        keel_reply_int(p, -2);
    else
        reply_ttl(p, (unsigned)in->imm, v.expire_at_ms);
    return KEEL_NEXT;
}

/* Opcode: expire.persist — PERSIST argv[1]: removes the expiry; replies 1 if there was one.
 * Reductions 1.  May hop and block. */
static keel_op_result op_expire_persist(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, p->argv[1].ptr, p->argv[1].len, &v);
    KEEL_OP_PROPAGATE(st);
    if (spread_may_have_parts(st, &v)) { /* expire.spread clears every part's */
        p->reg[SPREAD_R_PENDING] = dk_i64(1);
        return KEEL_NEXT;
    }
    if (st == KEEL_NOTFOUND || v.expire_at_ms < 0) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    st = keel_key_expire(p, p->argv[1].ptr, p->argv[1].len, -1);
    KEEL_OP_PROPAGATE(st);
    NOTIFY_PROC(zvm_of(p), KEEL_NOTIFY_GENERIC, "persist", p->argv[1].ptr, p->argv[1].len);
    keel_reply_int(p, 1);
    return KEEL_NEXT;
}

/* What expire.spread does on each shard's part. */
typedef struct expire_walk {
    unsigned imm;
    int64_t at; /* EXP_SET: the new expiry (<= now: the part goes) */
    unsigned opts;
    int64_t *changed; /* parts changed (the register's counter) */
    bool found;       /* EXP_GET: a part was seen; its expiry in ttl */
    int64_t ttl;
} expire_walk;

static spread_step expire_part_on(zvm_proc *p, shard *s, void *ctx) {
    expire_walk *w = ctx;
    spread_part pt;
    spread_find f = spread_part_find(p, s, &p->pub.argv[1], true, &pt);
    if (f != SPREAD_FOUND) return spread_step_of(f);
    int64_t cur = pt.e.expire_ms == DK_NO_EXPIRY ? -1 : pt.e.expire_ms;
    if (w->imm & EXP_GET) {
        w->found = true;
        w->ttl = cur;
        return SPREAD_STOP;
    }
    if ((w->imm & EXP_PERSIST) ? cur < 0 : expire_skipped(cur, w->at, w->opts)) return SPREAD_NEXT;
    spread_changed(p, s);
    if (w->imm & EXP_PERSIST) {
        ks_set_expiry(&pt.sp, pt.r, DK_NO_EXPIRY);
    } else if (w->at <= p->cur->now_ms) {
        ks_delete_ref(&pt.sp, pt.r);
        atomic_fetch_add_explicit(&srv->expired_keys, 1, memory_order_relaxed);
    } else {
        ks_set_expiry(&pt.sp, pt.r, w->at);
    }
    (*w->changed)++;
    return SPREAD_NEXT;
}

/* Opcode: expire.spread — the EXPIRE family (imm EXP_SET | time bits), TTL family (EXP_GET |
 * time bits) or PERSIST (EXP_PERSIST) on a namespace whose parts may lie on many shards, when
 * the first op left it the work (spread.h): sets or clears the expiry of every part (each
 * part's own expiry decides NX/XX/GT/LT), or answers with the first part's.  A part created
 * later, by a write into the namespace on a shard where it had none, starts without expiry.
 * Registers: the spread walk's, SPREAD_R_A / R_B = expiry and options, SPREAD_R_C = parts
 * changed.  Reductions 1 per shard.  May yield, hop, block. */
static keel_op_result op_expire_spread(keel_proc *kp, const keel_insn *in) {
    if (kp->reg[SPREAD_R_PENDING].type == DK_NULL) return KEEL_NEXT;
    if (kp->reg[SPREAD_R_C].type == DK_NULL) kp->reg[SPREAD_R_C] = dk_i64(0);
    expire_walk w = {.imm = (unsigned)in->imm, .changed = &kp->reg[SPREAD_R_C].v.i};
    if (w.imm & EXP_SET) {
        w.at = kp->reg[SPREAD_R_A].v.i < 0 ? 0 : kp->reg[SPREAD_R_A].v.i;
        w.opts = (unsigned)kp->reg[SPREAD_R_B].v.i;
    }
    keel_op_result res = spread_walk(zvm_of(kp), expire_part_on, &w);
    if (res != KEEL_NEXT) return res;
    if (!(w.imm & EXP_GET) && *w.changed > 0) {
        if (w.imm & EXP_PERSIST)
            NOTIFY_PROC(zvm_of(kp), KEEL_NOTIFY_GENERIC, "persist", kp->argv[1].ptr,
                        kp->argv[1].len);
        else
            notify_expire_set(zvm_of(kp), w.at <= keel_now_ms(kp));
    }
    if (!(w.imm & EXP_GET))
        keel_reply_int(kp, *w.changed > 0);
    else if (!w.found)
        keel_reply_int(kp, -2);
    else
        reply_ttl(kp, w.imm, w.ttl);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN)                                                                          \
    { sizeof(keel_opcode_def), NAME, FN, SYN, 0, 0, 1, KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK }
static const keel_opcode_def expire_ops[] = {
    OP("expire.set", op_expire_set,
       "set argv[1]'s expiry from argv[2] (imm: 1 = ms, 2 = absolute)"),
    OP("expire.get", op_expire_get, "reply argv[1]'s time to live (imm: 1 = ms, 2 = absolute)"),
    OP("expire.persist", op_expire_persist, "remove argv[1]'s expiry"),
    {sizeof(keel_opcode_def), "expire.spread", op_expire_spread,
     "set, read or remove the expiry of namespace argv[1]'s parts on every shard", 0, 0, 1,
     KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

#define PROG(NAME, OPNAME, IMM, KIND)                                                              \
    static const keel_insn_def NAME[] = {                                                          \
        {.op = OPNAME, .imm = IMM}, {.op = "expire.spread", .imm = (IMM) | (KIND)}, KEEL_END}
PROG(expire_prog, "expire.set", 0, EXP_SET);
PROG(pexpire_prog, "expire.set", EXP_MS, EXP_SET);
PROG(expireat_prog, "expire.set", EXP_ABS, EXP_SET);
PROG(pexpireat_prog, "expire.set", EXP_MS | EXP_ABS, EXP_SET);
PROG(ttl_prog, "expire.get", 0, EXP_GET);
PROG(pttl_prog, "expire.get", EXP_MS, EXP_GET);
PROG(expiretime_prog, "expire.get", EXP_ABS, EXP_GET);
PROG(pexpiretime_prog, "expire.get", EXP_MS | EXP_ABS, EXP_GET);
PROG(persist_prog, "expire.persist", 0, EXP_PERSIST);

#define KEY1 .first_key = 1, .last_key = 1, .key_step = 1, .group = "generic", .since = "0.1.0"
#define SET_FLAGS (KEEL_CMD_WRITE | KEEL_CMD_FAST)
#define GET_FLAGS (KEEL_CMD_READONLY | KEEL_CMD_FAST)
static const keel_cmd_def expire_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "EXPIRE",
     .arity = -3,
     .flags = SET_FLAGS,
     KEY1,
     .summary = "Sets a key's time to live in seconds.",
     .syntax = "EXPIRE key seconds [NX | XX | GT | LT]",
     .program = expire_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "PEXPIRE",
     .arity = -3,
     .flags = SET_FLAGS,
     KEY1,
     .summary = "Sets a key's time to live in milliseconds.",
     .syntax = "PEXPIRE key milliseconds [NX | XX | GT | LT]",
     .program = pexpire_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "EXPIREAT",
     .arity = -3,
     .flags = SET_FLAGS,
     KEY1,
     .summary = "Sets a key's expiry as a unix time in seconds.",
     .syntax = "EXPIREAT key unix-time-seconds [NX | XX | GT | LT]",
     .program = expireat_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "PEXPIREAT",
     .arity = -3,
     .flags = SET_FLAGS,
     KEY1,
     .summary = "Sets a key's expiry as a unix time in milliseconds.",
     .syntax = "PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]",
     .program = pexpireat_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "TTL",
     .arity = 2,
     .flags = GET_FLAGS,
     KEY1,
     .summary = "Returns a key's time to live in seconds (-1 none, -2 no key).",
     .syntax = "TTL key",
     .program = ttl_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "PTTL",
     .arity = 2,
     .flags = GET_FLAGS,
     KEY1,
     .summary = "Returns a key's time to live in milliseconds (-1 none, -2 no key).",
     .syntax = "PTTL key",
     .program = pttl_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "EXPIRETIME",
     .arity = 2,
     .flags = GET_FLAGS,
     KEY1,
     .summary = "Returns a key's expiry as a unix time in seconds.",
     .syntax = "EXPIRETIME key",
     .program = expiretime_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "PEXPIRETIME",
     .arity = 2,
     .flags = GET_FLAGS,
     KEY1,
     .summary = "Returns a key's expiry as a unix time in milliseconds.",
     .syntax = "PEXPIRETIME key",
     .program = pexpiretime_prog},
    {.size = sizeof(keel_cmd_def),
     .name = "PERSIST",
     .arity = 2,
     .flags = SET_FLAGS,
     KEY1,
     .summary = "Removes a key's expiry.",
     .syntax = "PERSIST key",
     .program = persist_prog},
};

const keel_family cmd_expire_family = KEEL_FAMILY(expire_ops, expire_cmds);
