/* get.c -- reading a whole string: GET, GETDEL, GETEX (EX PX EXAT PXAT PERSIST). */
#include "expiry.h"
#include "family.h"
#include "value.h"

#include <stdio.h>

/* Which command runs strings.get (its imm). */
enum { GET_GET = 0, GET_DEL, GET_EX };

/* Reads GETEX's options (argv[2..]): one of EX/PX/EXAT/PXAT or PERSIST (repeating the same
 * one is allowed, the last wins).  Replies "ERR syntax error" and returns false otherwise. */
static bool getex_options(keel_proc *p, str_exp_kind *kind, const keel_arg **t) {
    *kind = STR_EXP_NONE;
    *t = NULL;
    for (uint32_t i = 2; i < p->argc; i++) {
        const keel_arg *a = &p->argv[i];
        str_exp_kind k = str_exp_word(a);
        if (k != STR_EXP_NONE && i + 1 < p->argc && (*kind == STR_EXP_NONE || *kind == k)) {
            *kind = k;
            *t = &p->argv[++i];
        } else if (keel_arg_is(a, "PERSIST") &&
                   (*kind == STR_EXP_NONE || *kind == STR_EXP_PERSIST)) {
            *kind = STR_EXP_PERSIST;
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* GET: any type, replied through the core's stepped reply, so a huge list or set yields
 * between slices (with the key locked) instead of holding the thread.  r2 = the reply cursor
 * once the reply has started. */
static keel_op_result get_any(keel_proc *p, const keel_arg *key) {
    keel_value v = {.size = sizeof v};
    keel_status st = keel_key_lookup(p, key->ptr, key->len, &v);
    KEEL_OP_PROPAGATE(st);
    bool started = p->reg[2].type != DK_NULL;
    if (st == KEEL_NOTFOUND) { /* (or it expired while the reply yielded: the core pads) */
        if (!started) keel_reply_nil(p);
        return KEEL_NEXT;
    }
    if (!started && v.type != KEEL_TYPE_BOX && !keel_proc_dialect_keel(p))
        return str_wrongtype(p); /* Redis: GET reads strings only */
    uint64_t cursor = started ? (uint64_t)p->reg[2].v.i : 0;
    bool done = keel_reply_stored_step(p, &v, &cursor);
    p->reg[2] = dk_i64((int64_t)cursor);
    return done ? KEEL_NEXT : KEEL_YIELD;
}

/* The append-only log records GETEX's change as PEXPIREAT key at (an absolute time) or
 * PERSIST key (at -1). */
static void log_getex(keel_proc *p, const keel_arg *key, int64_t at) {
    char *num = keel_proc_alloc(p, 24);
    keel_arg argv[3] = {
        {"PEXPIREAT", 9}, *key, {num, (size_t)snprintf(num, 24, "%lld", (long long)at)}};
    if (at < 0) argv[0] = (keel_arg){"PERSIST", 7};
    keel_proc_log_as(p, at < 0 ? 2 : 3, argv);
}

/* Opcode: strings.get
 * GET (imm GET_GET), GETDEL (GET_DEL) or GETEX (GET_EX) on argv[1]: replies the value (nil
 * when absent), then deletes the key or changes its expiry.  GET shows any type in the keel
 * dialect, in slices (get_any); other types are WRONGTYPE in the redis dialect.  Registers: r0 = 1
 * once the value is replied (a re-run then only finishes the change), r1 = GETEX's new expiry (-1 =
 * remove, -2 = leave), r2 = GET's reply cursor. Reductions 1, or the type's per element.  May yield
 * (GET), hop and block. */
static keel_op_result op_get(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1];
    keel_status st;
    if (in->imm == GET_GET) return get_any(p, key);
    if (p->reg[0].type == DK_NULL) {
        str_exp_kind kind = STR_EXP_NONE;
        const keel_arg *t = NULL;
        if (in->imm == GET_EX && !getex_options(p, &kind, &t)) return KEEL_FAIL;
        keel_value v;
        st = str_lookup(p, key, &v);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
        if (st == KEEL_NOTFOUND) { /* read as a read command does: a keymiss, as in Redis */
            keel_notify(p, KEEL_NOTIFY_KEYMISS, "keymiss", key->ptr, key->len);
            keel_reply_nil(p);
            return KEEL_NEXT;
        }
        /* as Redis does, GETEX checks the time only once it knows the key holds a string */
        int64_t at = kind == STR_EXP_PERSIST ? -1 : -2;
        bool timed = kind != STR_EXP_NONE && kind != STR_EXP_PERSIST;
        if (timed && !str_exp_at(p, kind, t, "getex", &at)) return KEEL_FAIL;
        keel_reply_stored(p, &v);
        bool persist_nothing = at == -1 && v.expire_at_ms < 0;
        if (in->imm == GET_EX && (at == -2 || persist_nothing)) {
            keel_proc_log_as(p, 0, NULL); /* nothing changed */
            return KEEL_NEXT;
        }
        p->reg[0] = dk_i64(1);
        p->reg[1] = dk_i64(at);
    }
    int64_t at = p->reg[1].type == DK_NULL ? -1 : p->reg[1].v.i;
    if (in->imm == GET_EX) log_getex(p, key, at);
    if (in->imm == GET_DEL)
        st = keel_key_delete(p, key->ptr, key->len);
    else
        st = keel_key_expire(p, key->ptr, key->len, at);
    KEEL_OP_PROPAGATE(st);
    /* Redis's names: GETDEL and a GETEX time already past delete ("del") */
    const char *event = in->imm == GET_DEL || (at >= 0 && at <= keel_now_ms(p)) ? "del"
                        : at < 0                                                ? "persist"
                                                                                : "expire";
    keel_notify(p, KEEL_NOTIFY_GENERIC, event, key->ptr, key->len);
    return KEEL_NEXT;
}

static const keel_opcode_def get_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "strings.get",
     .fn = op_get,
     .synopsis = "reply argv[1]'s value; imm 1: then delete it, imm 2: then set its expiry",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

#define PROG(NAME, IMM)                                                                            \
    static const keel_insn_def NAME[] = {{.op = "strings.get", .imm = IMM}, KEEL_END}
PROG(get_prog, GET_GET);
PROG(getdel_prog, GET_DEL);
PROG(getex_prog, GET_EX);

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "string", \
    .since = "0.1.0"
static const keel_cmd_def get_cmds[] = {
    {KEY1, .name = "GET", .arity = 2, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Returns a key's value (strings as they were set; a list, set, HLL or map as its "
                "type shows it), or nil.",
     .syntax = "GET key", .program = get_prog},
    {KEY1, .name = "GETDEL", .arity = 2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Returns a key's string value and deletes the key.", .syntax = "GETDEL key",
     .program = getdel_prog},
    {KEY1, .name = "GETEX", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Returns a key's string value and sets or removes its expiry.",
     .syntax = "GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
               "PXAT unix-time-milliseconds | PERSIST]",
     .program = getex_prog},
};

const keel_family str_get_family = KEEL_FAMILY(get_ops, get_cmds);
