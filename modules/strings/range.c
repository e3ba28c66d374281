/* range.c -- parts of a string: GETRANGE (alias SUBSTR) and SETRANGE. */
#include "family.h"
#include "value.h"

#include <string.h>

/* Bytes copied per reduction charged by SETRANGE. */
#define COPY_BYTES_PER_REDUCTION 1024

/* Opcode: strings.getrange
 * Replies bytes argv[2]..argv[3] (inclusive; negative counts from the end) of argv[1]'s
 * string, "" when absent or empty, with Redis's clamping.  Reductions 1.  May hop and block. */
static keel_op_result op_getrange(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t start, end;
    if (!keel_arg_i64(&p->argv[2], &start) || !keel_arg_i64(&p->argv[3], &end)) {
        keel_reply_error(p, "ERR value is not an integer or out of range");
        return KEEL_FAIL;
    }
    keel_value v;
    keel_status st = str_lookup(p, &p->argv[1], &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    char buf[STR_NUM_TEXT];
    const char *s = "";
    int64_t n = st == KEEL_OK ? (int64_t)str_text(&v.box, buf, &s) : 0;
    if (start < 0 && end < 0 && start > end) {
        keel_reply_bulk(p, "", 0);
        return KEEL_NEXT;
    }
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= n) end = n - 1;
    if (n == 0 || start > end)
        keel_reply_bulk(p, "", 0);
    else
        keel_reply_bulk(p, s + start, (size_t)(end - start + 1));
    return KEEL_NEXT;
}

/* Opcode: strings.setrange
 * Overwrites argv[1]'s string from byte argv[2] on with argv[3], padding with zero bytes and
 * creating the key when needed, keeping its expiry; replies the new length.  Reductions 1,
 * plus 1 per KiB copied (never yields).  May hop and block (before its one write). */
static keel_op_result op_setrange(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1], *val = &p->argv[3];
    int64_t off;
    if (!keel_arg_i64(&p->argv[2], &off)) {
        keel_reply_error(p, "ERR value is not an integer or out of range");
        return KEEL_FAIL;
    }
    if (off < 0) {
        keel_reply_error(p, "ERR offset is out of range");
        return KEEL_FAIL;
    }
    keel_value v;
    keel_status st = str_lookup(p, key, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    char buf[STR_NUM_TEXT];
    const char *old = "";
    size_t olen = st == KEEL_OK ? str_text(&v.box, buf, &old) : 0;
    if (val->len == 0) { /* nothing to write: the current length, and no key is created */
        keel_reply_int(p, (int64_t)olen);
        return KEEL_NEXT;
    }
    if ((uint64_t)off > STR_MAX_LEN || (size_t)off + val->len > STR_MAX_LEN) return str_too_long(p);
    size_t end = (size_t)off + val->len;
    size_t n = end > olen ? end : olen;
    char *s = keel_proc_alloc(p, n);
    memcpy(s, old, olen);
    if ((size_t)off > olen) memset(s + olen, 0, (size_t)off - olen);
    memcpy(s + off, val->ptr, val->len);
    keel_charge(p, (int64_t)(n / COPY_BYTES_PER_REDUCTION));
    st = str_store(p, key, s, n, KEEL_STORE_KEEPTTL);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return str_store_failed(p, st);
    keel_notify(p, KEEL_NOTIFY_STRING, "setrange", key->ptr, key->len);
    keel_reply_int(p, (int64_t)n);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN)                                                                          \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                                               \
    }
static const keel_opcode_def range_ops[] = {
    OP("strings.getrange", op_getrange, "reply bytes argv[2]..argv[3] of argv[1]"),
    OP("strings.setrange", op_setrange, "write argv[3] into argv[1] at offset argv[2]"),
};

static const keel_insn_def getrange_prog[] = {{.op = "strings.getrange"}, KEEL_END};
static const keel_insn_def setrange_prog[] = {{.op = "strings.setrange"}, KEEL_END};

static const char *const getrange_aliases[] = {"SUBSTR", NULL};

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "string", \
    .since = "0.1.0"
static const keel_cmd_def range_cmds[] = {
    {KEY1, .name = "GETRANGE", .aliases = getrange_aliases, .arity = 4, .flags = KEEL_CMD_READONLY,
     .summary = "Returns the bytes of a key's string value between two offsets (inclusive; "
                "negative offsets count from the end).",
     .syntax = "GETRANGE key start end", .program = getrange_prog},
    {KEY1, .name = "SETRANGE", .arity = 4, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .summary = "Overwrites part of a key's string value from an offset, padding with zero "
                "bytes; replies the new length.",
     .syntax = "SETRANGE key offset value", .program = setrange_prog},
};

const keel_family str_range_family = KEEL_FAMILY(range_ops, range_cmds);
