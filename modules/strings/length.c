/* length.c -- measuring strings: STRLEN (alias COUNTBYTES) and Keel's COUNTUTF8CODEPOINTS. */
#include "family.h"
#include "value.h"

/* COUNTUTF8CODEPOINTS scans this many bytes per step and charges one reduction per
 * UTF8_BYTES_PER_REDUCTION of them, so a slice scans about a megabyte. */
#define UTF8_STEP 4096
#define UTF8_BYTES_PER_REDUCTION 64

/* Opcode: strings.strlen
 * Replies the length in bytes of argv[1]'s string (numbers: of their text), 0 when absent.
 * Reductions 1.  May hop and block. */
static keel_op_result op_strlen(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_value v;
    keel_status st = str_lookup(p, &p->argv[1], &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    size_t n = 0;
    if (st == KEEL_OK) {
        char buf[STR_NUM_TEXT];
        const char *s;
        n = str_text(&v.box, buf, &s);
    }
    keel_reply_int(p, (int64_t)n);
    return KEEL_NEXT;
}

/* Length of the well-formed UTF-8 sequence (Unicode table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF) starting at s[0] of the n bytes left, or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return len;
}

/* Opcode: strings.utf8len
 * Replies the number of UTF-8 code points in argv[1]'s string (0 when absent); a byte that does
 * not start a well-formed sequence counts as one.  Registers: r0 = bytes scanned, r1 = code
 * points so far.  Reductions 1 per 64 bytes.  May yield (the key stays locked, so the scan
 * resumes on the same value), hop and block. */
static keel_op_result op_utf8len(keel_proc *p, const keel_insn *in) {
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
    const unsigned char *s = (const unsigned char *)text;
    size_t pos = p->reg[0].type == DK_I64 ? (size_t)p->reg[0].v.i : 0;
    int64_t count = p->reg[1].type == DK_I64 ? p->reg[1].v.i : 0;
    while (pos < n) {
        size_t stop = n - pos > UTF8_STEP ? pos + UTF8_STEP : n;
        while (pos < stop) {
            size_t len = utf8_seq(s + pos, n - pos);
            pos += len ? len : 1;
            count++;
        }
        if (keel_charge(p, UTF8_STEP / UTF8_BYTES_PER_REDUCTION) && pos < n) {
            p->reg[0] = dk_i64((int64_t)pos);
            p->reg[1] = dk_i64(count);
            return KEEL_YIELD;
        }
    }
    keel_reply_int(p, count);
    return KEEL_NEXT;
}

static const keel_opcode_def length_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "strings.strlen",
     .fn = op_strlen,
     .synopsis = "reply the byte length of argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
    {.size = sizeof(keel_opcode_def),
     .name = "strings.utf8len",
     .fn = op_utf8len,
     .synopsis = "reply the UTF-8 code points of argv[1] (r0 = offset, r1 = count)",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def strlen_prog[] = {{.op = "strings.strlen"}, KEEL_END};
static const keel_insn_def utf8len_prog[] = {{.op = "strings.utf8len"}, KEEL_END};

static const char *const strlen_aliases[] = {"COUNTBYTES", NULL};

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "string", \
    .since = "0.1.0"
static const keel_cmd_def length_cmds[] = {
    {KEY1, .name = "STRLEN", .aliases = strlen_aliases, .arity = 2,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Returns the length in bytes of a key's string value (0 when absent).",
     .syntax = "STRLEN key", .program = strlen_prog},
    {KEY1, .name = "COUNTUTF8CODEPOINTS", .arity = 2, .flags = KEEL_CMD_READONLY,
     .summary = "Keel: returns the number of UTF-8 code points in a key's string value; each "
                "byte that does not start a well-formed sequence counts as one.",
     .syntax = "COUNTUTF8CODEPOINTS key", .program = utf8len_prog},
};

const keel_family str_length_family = KEEL_FAMILY(length_ops, length_cmds);
