/* multi.c -- many keys at once, across shards: MGET, MSET, MSETNX.
 *
 * The core's key.lock prologue has locked every key (shard by shard, in shard order) and left
 * the process on the thread of the last shard.  The opcodes walk keel_key_nth's shard-ordered
 * list, hopping once per shard, and keep their position in registers so they can yield or hop
 * at any key. */
#include "family.h"
#include "value.h"

#include <string.h>

/* Opcode: strings.mget
 * MGET: replies an array with each key's string value in argument order (nil when absent or
 * not a string).  Walks the keys last shard first (no hop back to the first).  Registers:
 * r0 = keys done, r1 = the values found so far (an arena array, bytes copied into the arena).
 * Reductions 1 per key, plus 1 per KiB copied.  May yield, hop and block. */
static keel_op_result op_mget(keel_proc *p, const keel_insn *in) {
    (void)in;
    uint32_t n = keel_key_count(p);
    if (p->reg[0].type == DK_NULL) {
        dk_val *vals = keel_proc_alloc(p, sizeof *vals * p->argc);
        for (uint32_t i = 0; i < p->argc; i++)
            vals[i] = dk_null();
        p->reg[0] = dk_i64(0);
        p->reg[1] = dk_ptr(vals);
    }
    dk_val *vals = (dk_val *)p->reg[1].v.ptr;
    while ((uint32_t)p->reg[0].v.i < n) {
        if (p->budget <= 0) return KEEL_YIELD;
        keel_arg k;
        uint32_t argi;
        keel_status st = keel_key_nth(p, n - 1 - (uint32_t)p->reg[0].v.i, &k, &argi);
        KEEL_OP_PROPAGATE(st);
        keel_value v = {.size = sizeof v};
        st = keel_key_lookup(p, k.ptr, k.len, &v);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_OK && v.type == KEEL_TYPE_BOX) {
            vals[argi] = v.box;
            if (v.box.type == DK_BYTES) {
                void *copy = keel_proc_alloc(p, v.box.len ? v.box.len : 1);
                if (v.box.len) memcpy(copy, v.box.v.ptr, v.box.len);
                vals[argi].v.ptr = copy;
                keel_charge(p, v.box.len / 1024);
            }
        }
        p->reg[0].v.i++;
        keel_charge(p, 1);
    }
    keel_reply_array(p, p->argc - 1);
    for (uint32_t i = 1; i < p->argc; i++) {
        if (vals[i].type == DK_NULL) {
            keel_reply_nil(p);
            continue;
        }
        char buf[STR_NUM_TEXT];
        const char *s;
        size_t len = str_text(&vals[i], buf, &s);
        keel_reply_bulk(p, s, len);
    }
    return KEEL_NEXT;
}

/* Which command runs strings.mset (its imm). */
enum { MSET_MSET = 0, MSET_MSETNX = 1 };
/* The phase in r1. */
enum { PHASE_CHECK = 1, PHASE_SET = 2 };

/* Opcode: strings.mset
 * MSET (imm 0) or MSETNX (imm 1) key value [key value ...].  MSETNX first checks that no key
 * exists (last shard first), replying 0 if one does; then both store every pair first shard
 * first (so a key given twice ends with its last value), clearing expiries.  Every key stays
 * locked throughout, so no other command sees a partial MSET or slips in between MSETNX's
 * check and its writes.  Registers: r0 = keys done in this phase, r1 = phase.  Reductions 1
 * per key and phase.  May yield, hop and block.  Replies OK (MSET) or 1 (MSETNX). */
static keel_op_result op_mset(keel_proc *p, const keel_insn *in) {
    if (p->argc % 2 == 0) {
        keel_reply_error(p, "ERR wrong number of arguments for '%s' command",
                         in->imm == MSET_MSETNX ? "msetnx" : "mset");
        return KEEL_FAIL;
    }
    uint32_t n = keel_key_count(p);
    keel_status st;
    if (p->reg[0].type == DK_NULL) {
        p->reg[0] = dk_i64(0);
        p->reg[1] = dk_i64(in->imm == MSET_MSETNX ? PHASE_CHECK : PHASE_SET);
    }
    keel_arg k;
    uint32_t argi;
    while (p->reg[1].v.i == PHASE_CHECK) {
        if ((uint32_t)p->reg[0].v.i == n) {
            p->reg[0].v.i = 0;
            p->reg[1].v.i = PHASE_SET;
            break;
        }
        if (p->budget <= 0) return KEEL_YIELD;
        st = keel_key_nth(p, n - 1 - (uint32_t)p->reg[0].v.i, &k, NULL);
        KEEL_OP_PROPAGATE(st);
        keel_value v = {.size = sizeof v};
        st = keel_key_lookup(p, k.ptr, k.len, &v);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_OK) {
            keel_reply_int(p, 0);
            return KEEL_NEXT;
        }
        p->reg[0].v.i++;
        keel_charge(p, 1);
    }
    while ((uint32_t)p->reg[0].v.i < n) {
        if (p->budget <= 0) return KEEL_YIELD;
        st = keel_key_nth(p, (uint32_t)p->reg[0].v.i, &k, &argi);
        KEEL_OP_PROPAGATE(st);
        const keel_arg *val = &p->argv[argi + 1];
        st = str_store(p, &k, val->ptr, val->len, 0);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return str_store_failed(p, st);
        keel_notify(p, KEEL_NOTIFY_STRING, "set", k.ptr, k.len);
        p->reg[0].v.i++;
        keel_charge(p, 1);
    }
    if (in->imm == MSET_MSETNX)
        keel_reply_int(p, 1);
    else
        keel_reply_ok(p);
    return KEEL_NEXT;
}

#define OP(NAME, FN, SYN)                                                                          \
    {                                                                                              \
        .size = sizeof(keel_opcode_def), .name = NAME, .fn = FN, .synopsis = SYN, .cost = 1,       \
        .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK                           \
    }
static const keel_opcode_def multi_ops[] = {
    OP("strings.mget", op_mget, "reply every key's value (r0 = keys done, r1 = values)"),
    OP("strings.mset", op_mset, "store every key/value pair; imm 1: only if no key exists"),
};

static const keel_insn_def mget_prog[] = {{.op = "strings.mget"}, KEEL_END};
static const keel_insn_def mset_prog[] = {{.op = "strings.mset", .imm = MSET_MSET}, KEEL_END};
static const keel_insn_def msetnx_prog[] = {{.op = "strings.mset", .imm = MSET_MSETNX}, KEEL_END};

#define KEYS .size = sizeof(keel_cmd_def), .group = "string", .since = "0.1.0", .first_key = 1
static const keel_cmd_def multi_cmds[] = {
    {KEYS, .name = "MGET", .arity = -2, .last_key = -1, .key_step = 1,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST | KEEL_CMD_MULTIKEY,
     .summary = "Returns the string values of several keys (nil for a missing or non-string key).",
     .syntax = "MGET key [key ...]", .program = mget_prog},
    {KEYS, .name = "MSET", .arity = -3, .last_key = -2, .key_step = 2,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_MULTIKEY,
     .summary = "Sets several keys to string values, atomically across shards.",
     .syntax = "MSET key value [key value ...]", .program = mset_prog},
    {KEYS, .name = "MSETNX", .arity = -3, .last_key = -2, .key_step = 2,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_MULTIKEY,
     .summary = "Sets several keys to string values only if none of them exists (all or none); "
                "replies 1 if set, else 0.",
     .syntax = "MSETNX key value [key value ...]", .program = msetnx_prog},
};

const keel_family str_multi_family = KEEL_FAMILY(multi_ops, multi_cmds);
