/* cmd_expire.c -- expiry commands for any type: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (with NX XX
 * GT LT), TTL PTTL EXPIRETIME PEXPIRETIME, PERSIST. */
#include "config.h"
#include "builtin.h"
#include "zvm.h"

#include <stdint.h>
#include <string.h>

#define EXP_MS 1        /* the time is in milliseconds (else seconds) */
#define EXP_ABS 2       /* the time is absolute unix time (else relative to now) */

enum { OPT_NX = 1, OPT_XX = 2, OPT_GT = 4, OPT_LT = 8 };

static bool expire_options(keel_proc *p, unsigned *opts) {
    *opts = 0;
    for (uint32_t i = 3; i < p->argc; i++) {
        const keel_arg *a = &p->argv[i];
        if (keel_arg_is(a, "NX")) *opts |= OPT_NX;
        else if (keel_arg_is(a, "XX")) *opts |= OPT_XX;
        else if (keel_arg_is(a, "GT")) *opts |= OPT_GT;
        else if (keel_arg_is(a, "LT")) *opts |= OPT_LT;
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
        for (size_t i = 0; i < n; i++) name[i] = (char)(p->argv[0].ptr[i] | 0x20);
        name[n] = '\0';
        keel_reply_error(p, "ERR invalid expire time in '%s' command", name);
        return KEEL_FAIL;
    }
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, p->argv[1].ptr, p->argv[1].len, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_NOTFOUND) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    int64_t cur = v.expire_at_ms;   /* -1 = none, which GT/LT treat as infinite */
    bool skip = ((opts & OPT_NX) && cur != -1) || ((opts & OPT_XX) && cur == -1) ||
                ((opts & OPT_GT) && (cur == -1 || at <= cur)) || ((opts & OPT_LT) && cur != -1 && at >= cur);
    if (skip) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    st = keel_key_expire(p, p->argv[1].ptr, p->argv[1].len, at < 0 ? 0 : at);
    KEEL_OP_PROPAGATE(st);
    keel_reply_int(p, st == KEEL_OK);
    return KEEL_NEXT;
}

/* Opcode: expire.get — TTL family on argv[1]; imm = EXP_MS | EXP_ABS bits.  Replies -2 when
 * the key is missing, -1 when it has no expiry.  Reductions 1.  May hop and block. */
static keel_op_result op_expire_get(keel_proc *p, const keel_insn *in) {
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, p->argv[1].ptr, p->argv[1].len, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_NOTFOUND) keel_reply_int(p, -2);
    else if (v.expire_at_ms < 0) keel_reply_int(p, -1);
    else if (in->imm & EXP_ABS) keel_reply_int(p, (in->imm & EXP_MS) ? v.expire_at_ms : v.expire_at_ms / 1000);
    else {
        int64_t left = v.expire_at_ms - keel_now_ms(p);
        if (left < 0) left = 0;
        keel_reply_int(p, (in->imm & EXP_MS) ? left : (left + 500) / 1000);
    }
    return KEEL_NEXT;
}

/* Opcode: expire.persist — PERSIST argv[1]: removes the expiry; replies 1 if there was one.
 * Reductions 1.  May hop and block. */
static keel_op_result op_expire_persist(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, p->argv[1].ptr, p->argv[1].len, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_NOTFOUND || v.expire_at_ms < 0) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    st = keel_key_expire(p, p->argv[1].ptr, p->argv[1].len, -1);
    KEEL_OP_PROPAGATE(st);
    keel_reply_int(p, 1);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN) {sizeof(keel_opcode_def), NAME, FN, SYN, 0, 0, 1, KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK}
static const keel_opcode_def expire_ops[] = {
    OP("expire.set", op_expire_set, "set argv[1]'s expiry from argv[2] (imm: 1 = ms, 2 = absolute)"),
    OP("expire.get", op_expire_get, "reply argv[1]'s time to live (imm: 1 = ms, 2 = absolute)"),
    OP("expire.persist", op_expire_persist, "remove argv[1]'s expiry"),
};

#define PROG(NAME, OPNAME, IMM) static const keel_insn_def NAME[] = {{.op = OPNAME, .imm = IMM}, KEEL_END}
PROG(expire_prog, "expire.set", 0);
PROG(pexpire_prog, "expire.set", EXP_MS);
PROG(expireat_prog, "expire.set", EXP_ABS);
PROG(pexpireat_prog, "expire.set", EXP_MS | EXP_ABS);
PROG(ttl_prog, "expire.get", 0);
PROG(pttl_prog, "expire.get", EXP_MS);
PROG(expiretime_prog, "expire.get", EXP_ABS);
PROG(pexpiretime_prog, "expire.get", EXP_MS | EXP_ABS);
PROG(persist_prog, "expire.persist", 0);

#define KEY1 .first_key = 1, .last_key = 1, .key_step = 1, .group = "generic", .since = "0.1.0"
#define SET_FLAGS (KEEL_CMD_WRITE | KEEL_CMD_FAST)
#define GET_FLAGS (KEEL_CMD_READONLY | KEEL_CMD_FAST)
static const keel_cmd_def expire_cmds[] = {
    {.size = sizeof(keel_cmd_def), .name = "EXPIRE", .arity = -3, .flags = SET_FLAGS, KEY1,
     .summary = "Sets a key's time to live in seconds.", .syntax = "EXPIRE key seconds [NX | XX | GT | LT]",
     .program = expire_prog},
    {.size = sizeof(keel_cmd_def), .name = "PEXPIRE", .arity = -3, .flags = SET_FLAGS, KEY1,
     .summary = "Sets a key's time to live in milliseconds.",
     .syntax = "PEXPIRE key milliseconds [NX | XX | GT | LT]", .program = pexpire_prog},
    {.size = sizeof(keel_cmd_def), .name = "EXPIREAT", .arity = -3, .flags = SET_FLAGS, KEY1,
     .summary = "Sets a key's expiry as a unix time in seconds.",
     .syntax = "EXPIREAT key unix-time-seconds [NX | XX | GT | LT]", .program = expireat_prog},
    {.size = sizeof(keel_cmd_def), .name = "PEXPIREAT", .arity = -3, .flags = SET_FLAGS, KEY1,
     .summary = "Sets a key's expiry as a unix time in milliseconds.",
     .syntax = "PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]", .program = pexpireat_prog},
    {.size = sizeof(keel_cmd_def), .name = "TTL", .arity = 2, .flags = GET_FLAGS, KEY1,
     .summary = "Returns a key's time to live in seconds (-1 none, -2 no key).", .syntax = "TTL key",
     .program = ttl_prog},
    {.size = sizeof(keel_cmd_def), .name = "PTTL", .arity = 2, .flags = GET_FLAGS, KEY1,
     .summary = "Returns a key's time to live in milliseconds (-1 none, -2 no key).", .syntax = "PTTL key",
     .program = pttl_prog},
    {.size = sizeof(keel_cmd_def), .name = "EXPIRETIME", .arity = 2, .flags = GET_FLAGS, KEY1,
     .summary = "Returns a key's expiry as a unix time in seconds.", .syntax = "EXPIRETIME key",
     .program = expiretime_prog},
    {.size = sizeof(keel_cmd_def), .name = "PEXPIRETIME", .arity = 2, .flags = GET_FLAGS, KEY1,
     .summary = "Returns a key's expiry as a unix time in milliseconds.", .syntax = "PEXPIRETIME key",
     .program = pexpiretime_prog},
    {.size = sizeof(keel_cmd_def), .name = "PERSIST", .arity = 2, .flags = SET_FLAGS, KEY1,
     .summary = "Removes a key's expiry.", .syntax = "PERSIST key", .program = persist_prog},
};

void cmd_expire_register(keel_module *core) {
    builtin_opcodes(core, expire_ops, BUILTIN_COUNT(expire_ops));
    builtin_commands(core, expire_cmds, BUILTIN_COUNT(expire_cmds));
}
