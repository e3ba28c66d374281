/* cmd_arith.c -- memcached's incr and decr: MC.INCR MC.DECR on unsigned 64-bit numbers. */
#include "counters.h"
#include "family.h"
#include "item.h"
#include <datakit/decimal.h>
#include <keel/memcache.h>

#define ARITH_DECR 1 /* imm: decrement (floored at 0) instead of increment (wrapping) */

/* Opcode: memcache.arith
 * MC.INCR / MC.DECR (imm ARITH_DECR) key delta.  Incr wraps around 2^64, decr stops at 0; the
 * item keeps its client flags and expiry.  Registers: the write registers of item.h (r4 holds
 * the new value).  Reductions 1.  May hop and block.  Replies the new value, nil when the key
 * does not exist, or a CLIENT_ERROR. */
static keel_op_result op_arith(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1];
    if (!mc_item_begun(p)) {
        uint64_t delta, n;
        if (!dk_dec_u64(p->argv[2].ptr, p->argv[2].len, &delta)) {
            keel_reply_error(p, "CLIENT_ERROR invalid numeric delta argument");
            return KEEL_FAIL;
        }
        keel_value v = {.size = sizeof v};
        keel_status st = mc_item_lookup(p, key, &v);
        KEEL_OP_PROPAGATE(st);
        bool decr = in->imm == ARITH_DECR;
        if (st == KEEL_NOTFOUND) {
            mc_count(decr ? MC_DECR_MISSES : MC_INCR_MISSES);
            keel_reply_nil(p);
            return KEEL_NEXT;
        }
        if (st != KEEL_OK || !mc_item_number(&v, &n)) {
            keel_reply_error(p, "CLIENT_ERROR cannot increment or decrement non-numeric value");
            return KEEL_FAIL;
        }
        n = decr ? (delta > n ? 0 : n - delta) : n + delta;
        mc_count(decr ? MC_DECR_HITS : MC_INCR_HITS);
        dk_val box = mc_number_box(n);
        st = mc_item_begin(p, key, &box, MC_AT_KEEP, mc_item_flags(&v), 0, 0);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return mc_item_store_failed(p);
        p->reg[MC_R_STATUS] = dk_u64(n);
    }
    keel_status st = mc_item_finish(p, key);
    KEEL_OP_PROPAGATE(st);
    keel_reply_uint(p, p->reg[MC_R_STATUS].v.u);
    return KEEL_NEXT;
}

static const keel_opcode_def arith_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.arith",
     .fn = op_arith,
     .synopsis = "add (imm 0) or subtract (imm 1) argv[2] to the number at argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def incr_prog[] = {{.op = "memcache.arith", .imm = 0}, KEEL_END};
static const keel_insn_def decr_prog[] = {{.op = "memcache.arith", .imm = ARITH_DECR}, KEEL_END};

static const keel_cmd_def arith_cmds[] = {
    {MC_KEY1, .name = "MC.INCR", .arity = 3, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "memcached incr: adds to an unsigned 64-bit number (wrapping); nil if missing.",
     .syntax = "MC.INCR key delta", .program = incr_prog},
    {MC_KEY1, .name = "MC.DECR", .arity = 3, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "memcached decr: subtracts from an unsigned 64-bit number (stopping at 0).",
     .syntax = "MC.DECR key delta", .program = decr_prog},
};

const keel_family mc_arith_family = KEEL_FAMILY(arith_ops, arith_cmds);
