/* set.c -- writing a whole string: SET (NX XX GET EX PX EXAT PXAT KEEPTTL, and Keel's COMPARE),
 * SETNX, SETEX, PSETEX, GETSET, and Keel's CAS (compare-and-set). */
#include "expiry.h"
#include "family.h"
#include "value.h"

#include <stdio.h>
#include <string.h>

/* Which command runs strings.set (its imm). */
enum { SET_SET = 0, SET_SETNX, SET_SETEX, SET_PSETEX, SET_GETSET, SET_CAS };

/* What must hold for the write to happen. */
enum { COND_NONE = 0, COND_NX, COND_XX, COND_COMPARE };

/* Progress kept in r0 across a re-run (a hop or wait after the write has begun, or a yield
 * while a big value is copied in).  r4 is 1 when a GET of a missing key owes its nil: it is
 * replied once the write is done, so a write that fails (a key inside a name that holds no
 * namespace) replies its error alone. */
enum { STAGE_DECIDE = 0, STAGE_STORE, STAGE_EXPIRE, STAGE_FILL };

/* A value this big is stored empty and then copied in a piece at a time, yielding when the
 * slice's reductions are spent, so that one huge SET never holds its thread for long. */
#define FILL_MIN (1024 * 1024)
#define FILL_PIECE (64 * 1024)
#define FILL_COST (FILL_PIECE / 64) /* reductions a piece costs */

/* One call's plan, read from its arguments. */
typedef struct set_plan {
    const keel_arg *value;
    const keel_arg *compare; /* COND_COMPARE: the value the key must hold */
    int cond;
    bool get;                /* reply the old value (SET ... GET, GETSET) */
    str_exp_kind exp;        /* STR_EXP_NONE, a time option, or STR_EXP_KEEPTTL */
    const keel_arg *exp_arg; /* the time argument of a time option */
} set_plan;

/* Reads SET's options (argv[3..]) into *sp, with Redis's rules for what may be combined.
 * Replies "ERR syntax error" and returns false on anything else. */
static bool set_options(keel_proc *p, set_plan *sp) {
    for (uint32_t i = 3; i < p->argc; i++) {
        const keel_arg *a = &p->argv[i];
        const keel_arg *next = i + 1 < p->argc ? &p->argv[i + 1] : NULL;
        str_exp_kind k = str_exp_word(a);
        bool timed = sp->exp != STR_EXP_NONE && sp->exp != STR_EXP_KEEPTTL;
        if (keel_arg_is(a, "NX") && sp->cond != COND_XX && sp->cond != COND_COMPARE) {
            sp->cond = COND_NX;
        } else if (keel_arg_is(a, "XX") && sp->cond != COND_NX && sp->cond != COND_COMPARE) {
            sp->cond = COND_XX;
        } else if (keel_arg_is(a, "GET")) {
            sp->get = true;
        } else if (keel_arg_is(a, "KEEPTTL") && !timed) {
            sp->exp = STR_EXP_KEEPTTL;
        } else if (k != STR_EXP_NONE && next && (sp->exp == STR_EXP_NONE || sp->exp == k)) {
            sp->exp = k;
            sp->exp_arg = next;
            i++;
        } else if (keel_arg_is(a, "COMPARE") && next && sp->cond != COND_NX &&
                   sp->cond != COND_XX) {
            sp->cond = COND_COMPARE;
            sp->compare = next;
            i++;
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* Fills *sp for the command imm names.  Replies the error and returns false on bad input. */
static bool set_plan_read(keel_proc *p, int64_t imm, set_plan *sp) {
    memset(sp, 0, sizeof *sp);
    sp->value = &p->argv[2];
    switch (imm) {
    case SET_SET:
        return set_options(p, sp);
    case SET_SETNX:
        sp->cond = COND_NX;
        return true;
    case SET_SETEX:
    case SET_PSETEX:
        sp->value = &p->argv[3];
        sp->exp = imm == SET_SETEX ? STR_EXP_EX : STR_EXP_PX;
        sp->exp_arg = &p->argv[2];
        return true;
    case SET_GETSET:
        sp->get = true;
        return true;
    default: /* SET_CAS */
        sp->cond = COND_COMPARE;
        sp->compare = &p->argv[3];
        sp->exp = STR_EXP_KEEPTTL;
        return true;
    }
}

static const char *const set_cmd_names[] = {"set", "setnx", "setex", "psetex", "getset", "cas"};

/* Replies what a call that did (done) or did not write answers, unless it already replied
 * the old value. */
static void set_reply(keel_proc *p, int64_t imm, const set_plan *sp, bool done) {
    if (sp->get) return;
    if (imm == SET_SETNX || imm == SET_CAS)
        keel_reply_int(p, done);
    else if (done)
        keel_reply_ok(p);
    else
        keel_reply_nil(p);
}

/* True when the key's current state lets the write go ahead. */
static bool set_allowed(const set_plan *sp, keel_status found, const keel_value *v) {
    switch (sp->cond) {
    case COND_NX:
        return found == KEEL_NOTFOUND;
    case COND_XX:
        return found == KEEL_OK;
    case COND_COMPARE: {
        if (found != KEEL_OK) return false;
        char buf[STR_NUM_TEXT];
        const char *s;
        size_t n = str_text(&v->box, buf, &s);
        return n == sp->compare->len && memcmp(s, sp->compare->ptr, n) == 0;
    }
    default:
        return true;
    }
}

/* The append-only log records a write with an expiry as SET key value PXAT at: an absolute
 * time, whatever form the command gave it in (EX, PX, SETEX, PSETEX). */
static void log_as_set_pxat(keel_proc *p, const keel_arg *key, const keel_arg *value, int64_t at) {
    char *num = keel_proc_alloc(p, 24);
    keel_arg argv[5] = {{"SET", 3},
                        *key,
                        *value,
                        {"PXAT", 4},
                        {num, (size_t)snprintf(num, 24, "%lld", (long long)at)}};
    keel_proc_log_as(p, 5, argv);
}

/* Opcode: strings.set
 * SET and its relatives on argv[1]; imm says which command (SET_*).  Registers: r0 = stage
 * (STAGE_*: the decision is taken and the old value replied once; a re-run resumes at the
 * write), r1 = the absolute expiry in ms; r2, r3 = while a big value is copied in, where its
 * bytes are and how many are copied; r4 = a GET's nil is owed.  Reductions 1, and 1 per 64 bytes of
 * a value of FILL_MIN bytes or more.  May hop, block and yield. Replies as the command does:
 * OK/nil, 1/0, or the old value (GET, GETSET). */
static keel_op_result op_set(keel_proc *p, const keel_insn *in) {
    set_plan sp;
    if (!set_plan_read(p, in->imm, &sp)) return KEEL_FAIL;
    const keel_arg *key = &p->argv[1];
    keel_status st;
    if (p->reg[0].type == DK_NULL) {
        int64_t at = -1;
        bool timed = sp.exp != STR_EXP_NONE && sp.exp != STR_EXP_KEEPTTL;
        if (timed && !str_exp_at(p, sp.exp, sp.exp_arg, set_cmd_names[in->imm], &at))
            return KEEL_FAIL;
        keel_value v = {.size = sizeof v};
        bool typed = sp.get || sp.cond == COND_COMPARE;
        st = typed ? str_lookup(p, key, &v) : keel_key_lookup(p, key->ptr, key->len, &v);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
        if (sp.get && st == KEEL_OK) keel_reply_stored(p, &v);
        /* the GET reads the key as a read command does: a miss is a keymiss, as in Redis */
        if (sp.get && st == KEEL_NOTFOUND)
            keel_notify(p, KEEL_NOTIFY_KEYMISS, "keymiss", key->ptr, key->len);
        if (!set_allowed(&sp, st, &v)) {
            keel_proc_log_as(p, 0, NULL); /* nothing changed: nothing to log */
            if (sp.get && st != KEEL_OK) keel_reply_nil(p);
            set_reply(p, in->imm, &sp, false);
            return KEEL_NEXT;
        }
        p->reg[0] = dk_i64(STAGE_STORE);
        p->reg[1] = dk_i64(at);
        p->reg[4] = dk_i64(sp.get && st != KEEL_OK);
    }
    int64_t at = p->reg[1].v.i;
    if (p->reg[0].v.i == STAGE_STORE) {
        unsigned flags = sp.exp == STR_EXP_KEEPTTL ? KEEL_STORE_KEEPTTL : 0;
        if (sp.value->len >= FILL_MIN && !flags) {
            void *bytes = NULL;
            st = keel_key_store_bytes(p, key->ptr, key->len, sp.value->len, &bytes);
            KEEL_OP_PROPAGATE(st);
            if (st != KEEL_OK) return str_store_failed(p, st);
            p->reg[0].v.i = STAGE_FILL;
            p->reg[2] = dk_ptr(bytes);
            p->reg[3] = dk_i64(0);
        } else {
            st = str_store(p, key, sp.value->ptr, sp.value->len, flags);
            KEEL_OP_PROPAGATE(st);
            if (st != KEEL_OK) return str_store_failed(p, st);
            p->reg[0].v.i = STAGE_EXPIRE;
        }
    }
    if (p->reg[0].v.i == STAGE_FILL) {
        char *bytes = (char *)p->reg[2].v.ptr;
        size_t done = (size_t)p->reg[3].v.i, n = sp.value->len;
        while (done < n) {
            size_t piece = n - done < FILL_PIECE ? n - done : FILL_PIECE;
            memcpy(bytes + done, sp.value->ptr + done, piece);
            done += piece;
            if (keel_charge(p, FILL_COST) && done < n) {
                p->reg[3].v.i = (int64_t)done;
                return KEEL_YIELD;
            }
        }
        p->reg[0].v.i = STAGE_EXPIRE;
    }
    if (p->reg[4].v.i) { /* the GET's nil, now that the write is done */
        keel_reply_nil(p);
        p->reg[4].v.i = 0;
    }
    if (at >= 0) {
        log_as_set_pxat(p, key, sp.value, at);
        st = keel_key_expire(p, key->ptr, key->len, at);
        KEEL_OP_PROPAGATE(st);
    }
    keel_notify(p, KEEL_NOTIFY_STRING, "set", key->ptr, key->len);
    if (at >= 0) keel_notify(p, KEEL_NOTIFY_GENERIC, "expire", key->ptr, key->len);
    /* a time already past removed the key at once (Redis removes it on its next access) */
    if (at >= 0 && at <= keel_now_ms(p))
        keel_notify(p, KEEL_NOTIFY_EXPIRED, "expired", key->ptr, key->len);
    set_reply(p, in->imm, &sp, true);
    return KEEL_NEXT;
}

static const keel_opcode_def set_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "strings.set",
     .fn = op_set,
     .synopsis = "write argv[1] as SET/SETNX/SETEX/PSETEX/GETSET/CAS (imm) say; reply",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

#define PROG(NAME, IMM)                                                                            \
    static const keel_insn_def NAME[] = {{.op = "strings.set", .imm = IMM}, KEEL_END}
PROG(set_prog, SET_SET);
PROG(setnx_prog, SET_SETNX);
PROG(setex_prog, SET_SETEX);
PROG(psetex_prog, SET_PSETEX);
PROG(getset_prog, SET_GETSET);
PROG(cas_prog, SET_CAS);

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "string", \
    .since = "0.1.0"
static const keel_cmd_def set_cmds[] = {
    {KEY1, .name = "SET", .arity = -3, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .summary = "Sets a key's string value; NX/XX/COMPARE make it conditional, GET returns the "
                "old value, EX/PX/EXAT/PXAT/KEEPTTL set the expiry.",
     .syntax = "SET key value [NX | XX | COMPARE oldvalue] [GET] [EX seconds | PX milliseconds | "
               "EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
     .program = set_prog},
    {KEY1, .name = "SETNX", .arity = 3, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Sets a key's value only if the key does not exist; replies 1 if set, else 0.",
     .syntax = "SETNX key value", .program = setnx_prog},
    {KEY1, .name = "SETEX", .arity = 4, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .summary = "Sets a key's value with a time to live in seconds.",
     .syntax = "SETEX key seconds value", .program = setex_prog},
    {KEY1, .name = "PSETEX", .arity = 4, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .summary = "Sets a key's value with a time to live in milliseconds.",
     .syntax = "PSETEX key milliseconds value", .program = psetex_prog},
    {KEY1, .name = "GETSET", .arity = 3, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Sets a key's value (clearing its expiry) and returns the old value, or nil.",
     .syntax = "GETSET key value", .program = getset_prog},
    {KEY1, .name = "CAS", .arity = 4, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Keel: sets a key to newvalue only if it holds exactly oldvalue, keeping its "
                "expiry; replies 1 if set, else 0.",
     .syntax = "CAS key newvalue oldvalue", .program = cas_prog},
};

const keel_family str_set_family = KEEL_FAMILY(set_ops, set_cmds);
