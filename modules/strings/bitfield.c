/* bitfield.c -- BITFIELD and BITFIELD_RO: integers of 1 to 64 bits at any bit offset of a
 * string (GET, SET, INCRBY, OVERFLOW WRAP|SAT|FAIL), as Redis 7.0. */
#include "bits.h"
#include "edit.h"
#include "family.h"
#include "value.h"

#include <string.h>

enum { FIELD_GET = 0, FIELD_SET, FIELD_INCRBY };

/* One GET, SET or INCRBY, as parsed. */
typedef struct field_op {
    int kind;
    bool sign;
    unsigned bits;
    uint64_t off;
    int64_t arg;            /* SET's value, INCRBY's increment */
    bits_overflow overflow; /* the OVERFLOW mode in force */
} field_op;

/* An op's reply: a number, or nil when OVERFLOW FAIL stopped it. */
typedef struct field_reply {
    bool nil;
    int64_t v;
} field_reply;

/* Parses argv[2..] into ops (arena memory); *nops, *writes, *high (the last bit a write
 * touches).  Replies the error and returns false on a bad subcommand. */
static bool parse_ops(keel_proc *p, field_op **out, uint32_t *nops, bool *writes, uint64_t *high) {
    field_op *ops = keel_proc_alloc(p, sizeof *ops * (p->argc > 2 ? p->argc - 2 : 1));
    uint32_t n = 0;
    bits_overflow overflow = BITS_WRAP;
    *writes = false;
    *high = 0;
    for (uint32_t j = 2; j < p->argc; j++) {
        const keel_arg *sub = &p->argv[j];
        uint32_t more = p->argc - j - 1;
        int kind;
        if (keel_arg_is(sub, "GET") && more >= 2)
            kind = FIELD_GET;
        else if (keel_arg_is(sub, "SET") && more >= 3)
            kind = FIELD_SET;
        else if (keel_arg_is(sub, "INCRBY") && more >= 3)
            kind = FIELD_INCRBY;
        else if (keel_arg_is(sub, "OVERFLOW") && more >= 1) {
            const keel_arg *mode = &p->argv[++j];
            if (keel_arg_is(mode, "WRAP"))
                overflow = BITS_WRAP;
            else if (keel_arg_is(mode, "SAT"))
                overflow = BITS_SAT;
            else if (keel_arg_is(mode, "FAIL"))
                overflow = BITS_FAIL;
            else {
                keel_reply_error(p, "ERR Invalid OVERFLOW type specified");
                return false;
            }
            continue;
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
        field_op *op = &ops[n];
        op->kind = kind;
        op->overflow = overflow;
        op->arg = 0;
        if (!bits_type(&p->argv[j + 1], &op->sign, &op->bits)) {
            keel_reply_error(p, "ERR Invalid bitfield type. Use something like i16 u8. Note that "
                                "u64 is not supported but i64 is.");
            return false;
        }
        if (!bits_offset(&p->argv[j + 2], true, op->bits, &op->off)) {
            keel_reply_error(p, "ERR bit offset is not an integer or out of range");
            return false;
        }
        if (kind != FIELD_GET) {
            *writes = true;
            if (*high < op->off + op->bits - 1) *high = op->off + op->bits - 1;
            if (!keel_arg_i64(&p->argv[j + 3], &op->arg)) {
                keel_reply_error(p, "ERR value is not an integer or out of range");
                return false;
            }
        }
        n++;
        j += kind == FIELD_GET ? 2 : 3;
    }
    *out = ops;
    *nops = n;
    return true;
}

/* A GET of op from s[0..len), zero past the end. */
static int64_t field_get(const field_op *op, const uint8_t *s, size_t len) {
    uint8_t buf[9] = {0};
    uint64_t byte = op->off >> 3;
    for (size_t i = 0; i < 9 && byte + i < len; i++)
        buf[i] = s[byte + i];
    uint64_t off = op->off - byte * 8;
    return op->sign ? bits_get_i(buf, off, op->bits) : (int64_t)bits_get_u(buf, off, op->bits);
}

/* Runs a SET or INCRBY on s (which holds the field); true when it changed the bits. */
static bool field_write(const field_op *op, uint8_t *s, field_reply *r) {
    bool fail;
    uint64_t oldbits, newbits;
    if (op->sign) {
        int64_t old = bits_get_i(s, op->off, op->bits), nv, wrapped = 0;
        int over;
        if (op->kind == FIELD_INCRBY) {
            over = bits_overflow_i(old, op->arg, op->bits, op->overflow, &wrapped);
            nv = over ? wrapped : (int64_t)((uint64_t)old + (uint64_t)op->arg);
            r->v = nv;
        } else {
            nv = op->arg;
            over = bits_overflow_i(nv, 0, op->bits, op->overflow, &wrapped);
            if (over) nv = wrapped;
            r->v = old;
        }
        fail = over && op->overflow == BITS_FAIL;
        oldbits = (uint64_t)old;
        newbits = (uint64_t)nv;
    } else {
        uint64_t old = bits_get_u(s, op->off, op->bits), nv, wrapped = 0;
        int over;
        if (op->kind == FIELD_INCRBY) {
            nv = old + (uint64_t)op->arg;
            over = bits_overflow_u(old, op->arg, op->bits, op->overflow, &wrapped);
            if (over) nv = wrapped;
            r->v = (int64_t)nv;
        } else {
            nv = (uint64_t)op->arg;
            over = bits_overflow_u(nv, 0, op->bits, op->overflow, &wrapped);
            if (over) nv = wrapped;
            r->v = (int64_t)old;
        }
        fail = over && op->overflow == BITS_FAIL;
        oldbits = old;
        newbits = nv;
    }
    r->nil = fail;
    if (fail) return false;
    bits_set(s, op->off, op->bits, newbits);
    return oldbits != newbits;
}

/* Opcode: strings.bitfield
 * BITFIELD (imm 0) or BITFIELD_RO (imm 1) key [GET type offset] [SET type offset value]
 * [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...: runs the subcommands in order on
 * the key's string (grown with zero bytes to the last bit a write touches, created when
 * absent, expiry kept; a big value changes where it lies) and replies one integer per GET,
 * SET or INCRBY (SET: the old value, INCRBY: the new one, nil when OVERFLOW FAIL refused it).
 * Notifies "setbit" when a write changed the string, as Redis 7.0.  Reductions 1 per
 * subcommand, plus 1 per KiB copied or grown.  May hop and block (before its one write). */
static keel_op_result op_bitfield(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1];
    field_op *ops;
    uint32_t nops;
    bool writes;
    uint64_t high;
    if (!parse_ops(p, &ops, &nops, &writes, &high)) return KEEL_FAIL;
    keel_charge(p, nops);
    if (writes && in->imm == 1) {
        keel_reply_error(p, "ERR BITFIELD_RO only supports the GET subcommand");
        return KEEL_FAIL;
    }
    keel_value v;
    keel_status st = str_lookup(p, key, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    if (!writes) {
        if (st == KEEL_NOTFOUND &&
            in->imm == 0) /* Redis reads; BITFIELD_RO's miss the core sends */
            keel_notify(p, KEEL_NOTIFY_KEYMISS, "keymiss", key->ptr, key->len);
        char buf[STR_NUM_TEXT];
        const char *s = "";
        size_t len = st == KEEL_OK ? str_text(&v.box, buf, &s) : 0;
        keel_reply_array(p, nops);
        for (uint32_t i = 0; i < nops; i++)
            keel_reply_int(p, field_get(&ops[i], (const uint8_t *)s, len));
        return KEEL_NEXT;
    }
    str_edit e;
    st = str_edit_open(p, key, st, &v, (size_t)(high >> 3) + 1, &e);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return str_store_failed(p, st);
    bool dirty = e.created || e.len != e.old_len, changed = false;
    field_reply *replies = keel_proc_alloc(p, sizeof *replies * (nops ? nops : 1));
    for (uint32_t i = 0; i < nops; i++) {
        replies[i].nil = false;
        if (ops[i].kind == FIELD_GET) {
            replies[i].v = field_get(&ops[i], e.bytes, e.len);
            continue;
        }
        bool flipped = field_write(&ops[i], e.bytes, &replies[i]);
        if (!replies[i].nil && (dirty || flipped)) changed = true;
    }
    st = str_edit_close(p, key, &e);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return str_store_failed(p, st);
    if (changed) keel_notify(p, KEEL_NOTIFY_STRING, "setbit", key->ptr, key->len);
    keel_reply_array(p, nops);
    for (uint32_t i = 0; i < nops; i++) {
        if (replies[i].nil)
            keel_reply_nil(p);
        else
            keel_reply_int(p, replies[i].v);
    }
    return KEEL_NEXT;
}

static const keel_opcode_def bitfield_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "strings.bitfield",
     .fn = op_bitfield,
     .synopsis = "run BITFIELD's subcommands on argv[1]; imm 1: only GET (BITFIELD_RO)",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def bitfield_prog[] = {{.op = "strings.bitfield", .imm = 0}, KEEL_END};
static const keel_insn_def bitfield_ro_prog[] = {{.op = "strings.bitfield", .imm = 1}, KEEL_END};

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "bitmap", \
    .since = "0.1.0"
static const keel_cmd_def bitfield_cmds[] = {
    {KEY1, .name = "BITFIELD", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .summary = "Reads, sets and increments integers of 1 to 64 bits at any bit offset of a "
                "key's string, with a choice of overflow behaviour.",
     .syntax = "BITFIELD key [GET type offset | SET type offset value | INCRBY type offset "
               "increment | OVERFLOW WRAP|SAT|FAIL] ...",
     .program = bitfield_prog},
    {KEY1, .name = "BITFIELD_RO", .arity = -2, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "BITFIELD with GET subcommands only, for read-only use.",
     .syntax = "BITFIELD_RO key [GET type offset] ...", .program = bitfield_ro_prog},
};

const keel_family str_bitfield_family = KEEL_FAMILY(bitfield_ops, bitfield_cmds);
