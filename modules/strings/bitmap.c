/* bitmap.c -- strings as arrays of bits: SETBIT, GETBIT, BITCOUNT, BITPOS (Redis 7.0). */
#include "bits.h"
#include "edit.h"
#include "family.h"
#include "value.h"

#include <string.h>

static keel_op_result bad_offset(keel_proc *p) {
    keel_reply_error(p, "ERR bit offset is not an integer or out of range");
    return KEEL_FAIL;
}

static keel_op_result not_integer(keel_proc *p) {
    keel_reply_error(p, "ERR value is not an integer or out of range");
    return KEEL_FAIL;
}

static keel_op_result syntax_error(keel_proc *p) {
    keel_reply_error(p, "ERR syntax error");
    return KEEL_FAIL;
}

/* Opcode: strings.setbit
 * SETBIT key offset 0|1: sets or clears one bit (bit 0 is the top bit of the first byte),
 * growing the string with zero bytes or creating it, keeping its expiry; replies the bit's old
 * value.  A big value changes where it lies.  Notifies "setbit" when the string changed (grew,
 * was created or the bit flipped), as Redis 7.0.  Reductions 1, plus 1 per KiB copied or
 * grown.  May hop and block (before its one write). */
static keel_op_result op_setbit(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    uint64_t off;
    int64_t on;
    if (!bits_offset(&p->argv[2], false, 0, &off)) return bad_offset(p);
    if (!keel_arg_i64(&p->argv[3], &on) || (on & ~1)) {
        keel_reply_error(p, "ERR bit is not an integer or out of range");
        return KEEL_FAIL;
    }
    keel_value v;
    keel_status st = str_lookup(p, key, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    str_edit e;
    st = str_edit_open(p, key, st, &v, (size_t)(off >> 3) + 1, &e);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return str_store_failed(p, st);
    uint8_t mask = (uint8_t)(1u << (7 - (off & 7)));
    uint8_t *byte = &e.bytes[off >> 3];
    int old = (*byte & mask) != 0;
    if (on)
        *byte |= mask;
    else
        *byte &= (uint8_t)~mask;
    st = str_edit_close(p, key, &e);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return str_store_failed(p, st);
    if (e.created || e.len != e.old_len || old != on)
        keel_notify(p, KEEL_NOTIFY_STRING, "setbit", key->ptr, key->len);
    keel_reply_int(p, old);
    return KEEL_NEXT;
}

/* Opcode: strings.getbit
 * GETBIT key offset: the bit at offset, 0 past the end or when the key is absent.
 * Reductions 1.  May hop and block. */
static keel_op_result op_getbit(keel_proc *p, const keel_insn *in) {
    (void)in;
    uint64_t off;
    if (!bits_offset(&p->argv[2], false, 0, &off)) return bad_offset(p);
    keel_value v;
    keel_status st = str_lookup(p, &p->argv[1], &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    int bit = 0;
    if (st == KEEL_OK) {
        char buf[STR_NUM_TEXT];
        const char *s;
        size_t n = str_text(&v.box, buf, &s);
        if ((off >> 3) < n) bit = ((uint8_t)s[off >> 3] >> (7 - (off & 7))) & 1;
    }
    keel_reply_int(p, bit);
    return KEEL_NEXT;
}

/* The range a BITCOUNT or BITPOS command names, in bits of the string. */
typedef struct bit_span {
    bool empty;
    uint64_t first, last; /* inclusive */
    bool end_given;
} bit_span;

/* Reads "start end [BYTE|BIT]" at argv[at..] (BITCOUNT: at 2, BITPOS: at 3) for a string of len
 * bytes, in Redis's order of checks.  Replies the error and returns false on a bad argument;
 * *early is set (and the reply sent) when Redis answers before looking at the unit. */
static bool parse_span(keel_proc *p, uint32_t at, bool bitpos, int64_t len, bit_span *sp,
                       bool *early) {
    *early = false;
    memset(sp, 0, sizeof *sp);
    uint32_t argc = p->argc;
    if (argc == at) { /* the whole string */
        sp->empty = !bits_range(len, 0, -1, false, &sp->first, &sp->last);
        return true;
    }
    uint32_t most = at + 3;
    if ((!bitpos && argc == at + 1) || argc > most) {
        syntax_error(p);
        return false;
    }
    int64_t start, end = INT64_MAX;
    if (!keel_arg_i64(&p->argv[at], &start)) {
        not_integer(p);
        return false;
    }
    bool in_bits = false;
    if (!bitpos) {
        if (!keel_arg_i64(&p->argv[at + 1], &end)) {
            not_integer(p);
            return false;
        }
        sp->end_given = true;
        if (start < 0 && end < 0 && start > end) {
            keel_reply_int(p, 0);
            *early = true;
            return false;
        }
    }
    if (argc == at + 3) {
        if (keel_arg_is(&p->argv[at + 2], "BIT"))
            in_bits = true;
        else if (!keel_arg_is(&p->argv[at + 2], "BYTE")) {
            syntax_error(p);
            return false;
        }
    }
    if (bitpos && argc >= at + 2) {
        if (!keel_arg_i64(&p->argv[at + 1], &end)) {
            not_integer(p);
            return false;
        }
        sp->end_given = true;
    }
    sp->empty = !bits_range(len, start, end, in_bits, &sp->first, &sp->last);
    return true;
}

/* Opcode: strings.bitcount
 * BITCOUNT key [start end [BYTE|BIT]]: the set bits of the key's string in the range (0 when
 * the key is absent, checked before the arguments, as Redis 7.0).  Registers: r0 = the next
 * byte to count, r1 = bits counted so far.  Reductions 1 per 64 bytes.  May yield (the key
 * stays locked, so the count resumes on the same value), hop and block. */
static keel_op_result op_bitcount(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_value v;
    keel_status st = str_lookup(p, &p->argv[1], &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    if (st == KEEL_NOTFOUND) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    char buf[STR_NUM_TEXT];
    const char *text;
    size_t n = str_text(&v.box, buf, &text);
    const uint8_t *s = (const uint8_t *)text;
    bit_span sp;
    bool early;
    if (!parse_span(p, 2, false, (int64_t)n, &sp, &early)) return early ? KEEL_NEXT : KEEL_FAIL;
    if (sp.empty) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    size_t fb = (size_t)(sp.first >> 3), lb = (size_t)(sp.last >> 3);
    size_t pos = p->reg[0].type == DK_I64 ? (size_t)p->reg[0].v.i : fb;
    uint64_t count = p->reg[1].type == DK_I64 ? (uint64_t)p->reg[1].v.i : 0;
    while (pos <= lb) {
        size_t stop = lb + 1 - pos > BITS_STEP ? pos + BITS_STEP : lb + 1;
        count += bits_count(s + pos, stop - pos);
        pos = stop;
        if (keel_charge(p, (int64_t)(BITS_STEP / BITS_BYTES_PER_REDUCTION)) && pos <= lb) {
            p->reg[0] = dk_i64((int64_t)pos);
            p->reg[1] = dk_i64((int64_t)count);
            return KEEL_YIELD;
        }
    }
    /* the bits of the edge bytes outside the range */
    count -= (uint64_t)__builtin_popcount(s[fb] & (0xffu << (8 - (sp.first & 7))) & 0xffu);
    count -= (uint64_t)__builtin_popcount(s[lb] & ((1u << (7 - (sp.last & 7))) - 1));
    keel_reply_int(p, (int64_t)count);
    return KEEL_NEXT;
}

/* Byte b of s with the bits outside [first, last] set to the opposite of bit. */
static uint8_t edge_byte(const uint8_t *s, size_t b, const bit_span *sp, int bit) {
    unsigned lo = (uint64_t)b * 8 < sp->first ? (unsigned)(sp->first & 7) : 0;
    unsigned hi = (uint64_t)b * 8 + 7 > sp->last ? (unsigned)(sp->last & 7) : 7;
    uint8_t outside = (uint8_t)(((0xffu << (8 - lo)) & 0xffu) | ((1u << (7 - hi)) - 1));
    return bit ? (uint8_t)(s[b] & ~outside) : (uint8_t)(s[b] | outside);
}

/* Opcode: strings.bitpos
 * BITPOS key bit [start [end [BYTE|BIT]]]: the first bit equal to bit in the range; -1 when
 * there is none, except that a clear bit is found just past the string when no end was given
 * (Redis's rule); a missing key is all clear bits.  Registers: r0 = the next byte to search.
 * Reductions 1 per 64 bytes.  May yield (the key stays locked), hop and block. */
static keel_op_result op_bitpos(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t bit;
    if (!keel_arg_i64(&p->argv[2], &bit)) return not_integer(p);
    if (bit != 0 && bit != 1) {
        keel_reply_error(p, "ERR The bit argument must be 1 or 0.");
        return KEEL_FAIL;
    }
    keel_value v;
    keel_status st = str_lookup(p, &p->argv[1], &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    if (st == KEEL_NOTFOUND) {
        keel_reply_int(p, bit ? -1 : 0);
        return KEEL_NEXT;
    }
    char buf[STR_NUM_TEXT];
    const char *text;
    size_t n = str_text(&v.box, buf, &text);
    const uint8_t *s = (const uint8_t *)text;
    bit_span sp;
    bool early;
    if (!parse_span(p, 3, true, (int64_t)n, &sp, &early)) return early ? KEEL_NEXT : KEEL_FAIL;
    if (sp.empty) {
        keel_reply_int(p, -1);
        return KEEL_NEXT;
    }
    size_t fb = (size_t)(sp.first >> 3), lb = (size_t)(sp.last >> 3);
    int64_t found = -1;
    if (p->reg[0].type == DK_NULL) { /* the first byte, masked to the range */
        uint8_t b = edge_byte(s, fb, &sp, (int)bit);
        int64_t at = bits_find(&b, 1, (int)bit);
        if (at >= 0) found = (int64_t)fb * 8 + at;
        p->reg[0] = dk_i64((int64_t)fb + 1);
    }
    size_t pos = (size_t)p->reg[0].v.i;
    while (found < 0 && pos < lb) { /* whole bytes in between */
        size_t stop = lb - pos > BITS_STEP ? pos + BITS_STEP : lb;
        int64_t at = bits_find(s + pos, stop - pos, (int)bit);
        if (at >= 0) found = (int64_t)pos * 8 + at;
        pos = stop;
        if (found < 0 && keel_charge(p, (int64_t)(BITS_STEP / BITS_BYTES_PER_REDUCTION)) &&
            pos < lb) {
            p->reg[0] = dk_i64((int64_t)pos);
            return KEEL_YIELD;
        }
    }
    if (found < 0 && lb > fb) { /* the last byte, masked to the range */
        uint8_t b = edge_byte(s, lb, &sp, (int)bit);
        int64_t at = bits_find(&b, 1, (int)bit);
        if (at >= 0) found = (int64_t)lb * 8 + at;
    }
    if (found < 0 && bit == 0 && !sp.end_given) found = (int64_t)sp.last + 1;
    keel_reply_int(p, found);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN, FLAGS)                                                                   \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = (FLAGS)                                                                           \
    }
static const keel_opcode_def bitmap_ops[] = {
    OP("strings.setbit", op_setbit, "set bit argv[2] of argv[1] to argv[3]; reply the old bit",
       KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
    OP("strings.getbit", op_getbit, "reply bit argv[2] of argv[1]",
       KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
    OP("strings.bitcount", op_bitcount, "reply the set bits of argv[1] (r0 = byte, r1 = count)",
       KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
    OP("strings.bitpos", op_bitpos, "reply the first bit argv[2] of argv[1] (r0 = byte)",
       KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK),
};

static const keel_insn_def setbit_prog[] = {{.op = "strings.setbit"}, KEEL_END};
static const keel_insn_def getbit_prog[] = {{.op = "strings.getbit"}, KEEL_END};
static const keel_insn_def bitcount_prog[] = {{.op = "strings.bitcount"}, KEEL_END};
static const keel_insn_def bitpos_prog[] = {{.op = "strings.bitpos"}, KEEL_END};

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "bitmap", \
    .since = "0.1.0"
static const keel_cmd_def bitmap_cmds[] = {
    {KEY1, .name = "SETBIT", .arity = 4, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .summary = "Sets or clears the bit at an offset of a key's string (growing it with zero "
                "bytes); replies the bit's old value.",
     .syntax = "SETBIT key offset value", .program = setbit_prog},
    {KEY1, .name = "GETBIT", .arity = 3, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Returns the bit at an offset of a key's string (0 past its end).",
     .syntax = "GETBIT key offset", .program = getbit_prog},
    {KEY1, .name = "BITCOUNT", .arity = -2, .flags = KEEL_CMD_READONLY,
     .summary = "Counts the set bits of a key's string, optionally in a range of bytes or bits.",
     .syntax = "BITCOUNT key [start end [BYTE|BIT]]", .program = bitcount_prog},
    {KEY1, .name = "BITPOS", .arity = -3, .flags = KEEL_CMD_READONLY,
     .summary = "Returns the position of the first set or clear bit of a key's string, "
                "optionally in a range of bytes or bits.",
     .syntax = "BITPOS key bit [start [end [BYTE|BIT]]]", .program = bitpos_prog},
};

const keel_family str_bitmap_family = KEEL_FAMILY(bitmap_ops, bitmap_cmds);
