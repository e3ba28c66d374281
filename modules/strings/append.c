/* append.c -- growing a string at either end: APPEND, and Keel's PREPEND. */
#include "family.h"
#include "value.h"

#include <string.h>

/* Bytes copied per reduction charged by the opcodes that copy whole values. */
#define COPY_BYTES_PER_REDUCTION 1024

/* Opcode: strings.append
 * APPEND (imm 0) or PREPEND (imm 1) argv[2] to argv[1]'s string (created when absent),
 * keeping its expiry; replies the new length.  APPEND to a big string grows it in place
 * (keel_key_append: amortised O(1) per byte); otherwise the new value is built and stored.
 * Reductions 1, plus 1 per KiB copied (charged, never yields: the copy is one memcpy).  May
 * hop and block (before its one write). */
static keel_op_result op_append(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1], *add = &p->argv[2];
    keel_value v;
    keel_status st = str_lookup(p, key, &v);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return KEEL_FAIL;
    char buf[STR_NUM_TEXT];
    const char *old = "";
    size_t olen = st == KEEL_OK ? str_text(&v.box, buf, &old) : 0;
    if (olen + add->len > STR_MAX_LEN) return str_too_long(p);
    size_t n = olen + add->len;
    if (in->imm == 0 && st == KEEL_OK && v.box.type == DK_BYTES &&
        keel_key_append(p, key->ptr, key->len, add->ptr, add->len, &n) == KEEL_OK) {
        keel_charge(p, (int64_t)(add->len / COPY_BYTES_PER_REDUCTION));
        keel_notify(p, KEEL_NOTIFY_STRING, "append", key->ptr, key->len);
        keel_reply_int(p, (int64_t)n);
        return KEEL_NEXT;
    }
    char *s = keel_proc_alloc(p, n ? n : 1);
    if (in->imm == 0) {
        memcpy(s, old, olen);
        memcpy(s + olen, add->ptr, add->len);
    } else {
        memcpy(s, add->ptr, add->len);
        memcpy(s + add->len, old, olen);
    }
    keel_charge(p, (int64_t)(n / COPY_BYTES_PER_REDUCTION));
    st = str_store(p, key, s, n, KEEL_STORE_KEEPTTL);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return str_store_failed(p, st);
    keel_notify(p, KEEL_NOTIFY_STRING, in->imm == 0 ? "append" : "prepend", key->ptr, key->len);
    keel_reply_int(p, (int64_t)n);
    return KEEL_NEXT;
}

static const keel_opcode_def append_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "strings.append",
     .fn = op_append,
     .synopsis = "add argv[2] at the end (imm 0) or front (imm 1) of argv[1]; reply the length",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def append_prog[] = {{.op = "strings.append", .imm = 0}, KEEL_END};
static const keel_insn_def prepend_prog[] = {{.op = "strings.append", .imm = 1}, KEEL_END};

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "string", \
    .since = "0.1.0", .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST | KEEL_CMD_DENYOOM
static const keel_cmd_def append_cmds[] = {
    {KEY1, .name = "APPEND", .arity = 3,
     .summary = "Appends a string to a key's value (creating it); replies the new length.",
     .syntax = "APPEND key value", .program = append_prog},
    {KEY1, .name = "PREPEND", .arity = 3,
     .summary = "Keel: puts a string in front of a key's value (creating it); replies the new "
                "length.",
     .syntax = "PREPEND key value", .program = prepend_prog},
};

const keel_family str_append_family = KEEL_FAMILY(append_ops, append_cmds);
