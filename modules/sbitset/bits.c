/* bits.c -- single bits and counts: SSETBIT SGETBIT SBITCOUNT SBITPOS. */
#include "family.h"
#include "sbobj.h"

#define ERR_OFFSET "ERR bit offset is not an integer or out of range"
#define ERR_INT "ERR value is not an integer or out of range"
#define ERR_SYNTAX "ERR syntax error"

/* Parses a 0|1 argument: 0 or 1, or -1 when it is neither. */
static int arg_bit(const keel_arg *a) {
    int64_t v;
    if (!keel_arg_i64(a, &v) || (v != 0 && v != 1)) return -1;
    return (int)v;
}

/* Parses the optional [start end [BIT]] (SBITCOUNT) or [start [end [BIT]]] (SBITPOS) from argv
 * index at into [*lo, *hi] (datakit's order; the whole range by default).  false after replying
 * Redis's error. */
static bool arg_range(keel_proc *p, uint32_t at, bool end_optional, uint64_t *lo, uint64_t *hi) {
    *lo = 0;
    *hi = UINT64_MAX;
    uint32_t n = p->argc - at;
    if (n == 0) return true;
    if ((n == 1 && !end_optional) || n > 3) {
        sbs_error(p, ERR_SYNTAX);
        return false;
    }
    if (!sbs_arg_pos(&p->argv[at], lo) || (n >= 2 && !sbs_arg_pos(&p->argv[at + 1], hi))) {
        sbs_error(p, ERR_INT);
        return false;
    }
    if (n == 3 && !keel_arg_is(&p->argv[at + 2], "BIT")) {
        sbs_error(p, ERR_SYNTAX);
        return false;
    }
    return true;
}

/* Opcode: sbitset.setbit
 * SSETBIT key position 0|1: sets or clears one bit and replies its previous value.  Setting a
 * bit of a missing key creates it; clearing the last set bit deletes the key; clearing a bit of
 * a missing key changes nothing.  Registers: none.  Reductions SBS_COST_BIT.  May hop. */
static keel_op_result op_setbit(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    uint64_t pos;
    if (!sbs_arg_pos(&p->argv[2], &pos)) return sbs_error(p, ERR_OFFSET);
    int bit = arg_bit(&p->argv[3]);
    if (bit < 0) return sbs_error(p, "ERR bit is not an integer or out of range");
    dk_sbitset *s;
    keel_status st = sbs_find(p, key->ptr, key->len, &s);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK && st != KEEL_NOTFOUND) return sbs_fail(p, st);
    keel_charge(p, SBS_COST_BIT);
    int old = 0;
    if (st == KEEL_NOTFOUND && bit) {
        if (!(s = dk_sbitset_new()) || dk_sbitset_set(s, pos) < 0) {
            dk_sbitset_free(s);
            return sbs_fail(p, KEEL_ENOMEM);
        }
        st = keel_key_store_object(p, key->ptr, key->len, sbs_type, s, 0);
        if (st != KEEL_OK) dk_sbitset_free(s);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) return sbs_fail(p, KEEL_ENOMEM);
    } else if (st == KEEL_OK) {
        old = bit ? dk_sbitset_set(s, pos) : dk_sbitset_clear(s, pos);
        if (old < 0) return sbs_fail(p, KEEL_ENOMEM);
    }
    if (st == KEEL_OK || bit) keel_notify(p, KEEL_NOTIFY_MODULE, "ssetbit", key->ptr, key->len);
    if (st == KEEL_OK && dk_sbitset_count(s) == 0) {
        st = keel_key_delete(p, key->ptr, key->len);
        KEEL_OP_PROPAGATE(st);
        keel_notify(p, KEEL_NOTIFY_GENERIC, "del", key->ptr, key->len);
    }
    keel_reply_int(p, old);
    return KEEL_NEXT;
}

/* Opcode: sbitset.getbit
 * SGETBIT key position: replies the bit (0 for a missing key).  Reductions SBS_COST_BIT. */
static keel_op_result op_getbit(keel_proc *p, const keel_insn *in) {
    (void)in;
    uint64_t pos;
    if (!sbs_arg_pos(&p->argv[2], &pos)) return sbs_error(p, ERR_OFFSET);
    dk_sbitset *s;
    keel_status st = sbs_find(p, p->argv[1].ptr, p->argv[1].len, &s);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK && st != KEEL_NOTFOUND) return sbs_fail(p, st);
    keel_charge(p, SBS_COST_BIT);
    keel_reply_int(p, st == KEEL_OK && dk_sbitset_get(s, pos));
    return KEEL_NEXT;
}

/* Opcode: sbitset.bitcount
 * SBITCOUNT key [start end [BIT]]: replies the set bits, or those at positions start..end
 * (inclusive; positions, not bytes; 0 when start > end).  Two rank lookups: O(log n) however
 * wide the range.  Reductions 2 * SBS_COST_BIT. */
static keel_op_result op_bitcount(keel_proc *p, const keel_insn *in) {
    (void)in;
    uint64_t lo, hi;
    if (!arg_range(p, 2, false, &lo, &hi)) return KEEL_FAIL;
    dk_sbitset *s;
    keel_status st = sbs_find(p, p->argv[1].ptr, p->argv[1].len, &s);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK && st != KEEL_NOTFOUND) return sbs_fail(p, st);
    keel_charge(p, 2 * SBS_COST_BIT);
    uint64_t n = st == KEEL_OK ? dk_sbitset_count_range(s, lo, hi) : 0;
    keel_reply_uint(p, n);
    return KEEL_NEXT;
}

/* The first clear bit in [lo, hi] of s: false when every bit there is set.  A binary search on
 * counts (is [lo, mid] all set?), so it costs O(64 log n) however many full containers the
 * range crosses (SBITOP NOT makes them by the tens of thousands). */
static bool first_clear(const dk_sbitset *s, uint64_t lo, uint64_t hi, uint64_t *out) {
    if (!dk_sbitset_get(s, lo)) {
        *out = lo;
        return true;
    }
    if (dk_sbitset_count_range(s, lo, hi) - 1 == hi - lo) return false;
    uint64_t set_to = lo,
             clear_in = hi; /* [lo, set_to] all set; a clear bit in (set_to, clear_in] */
    while (clear_in - set_to > 1) {
        uint64_t mid = set_to + (clear_in - set_to) / 2;
        if (dk_sbitset_count_range(s, lo, mid) - 1 == mid - lo)
            set_to = mid;
        else
            clear_in = mid;
    }
    *out = clear_in;
    return true;
}

/* Opcode: sbitset.bitpos
 * SBITPOS key bit [start [end [BIT]]]: replies the first position in start..end (by default
 * the whole int64 range) whose bit is `bit`, or -1 when there is none.  A missing key is all
 * zeros.  O(log n) for 1, O(64 log n) for 0 (first_clear).  Reductions SBS_COST_BIT for 1,
 * 128 * SBS_COST_BIT for 0. */
static keel_op_result op_bitpos(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t want;
    if (!keel_arg_i64(&p->argv[2], &want)) return sbs_error(p, ERR_INT);
    if (want != 0 && want != 1) return sbs_error(p, "ERR The bit argument must be 1 or 0.");
    uint64_t lo, hi;
    if (!arg_range(p, 3, true, &lo, &hi)) return KEEL_FAIL;
    dk_sbitset *s;
    keel_status st = sbs_find(p, p->argv[1].ptr, p->argv[1].len, &s);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK && st != KEEL_NOTFOUND) return sbs_fail(p, st);
    uint64_t at = lo;
    bool found = false;
    if (lo > hi) {
        found = false;
    } else if (st == KEEL_NOTFOUND) {
        found = want == 0;
    } else if (want) {
        found = dk_sbitset_next(s, lo, &at);
        keel_charge(p, SBS_COST_BIT);
    } else {
        found = first_clear(s, lo, hi, &at);
        keel_charge(p, 128 * SBS_COST_BIT);
    }
    if (found && at >= lo && at <= hi)
        keel_reply_int(p, sbs_to_i(at));
    else
        keel_reply_int(p, -1);
    return KEEL_NEXT;
}

static const keel_opcode_def bits_ops[] = {
    SBS_OP("sbitset.setbit", op_setbit, "set or clear bit argv[2] of argv[1]; reply the old bit"),
    SBS_OP("sbitset.getbit", op_getbit, "reply bit argv[2] of argv[1]"),
    SBS_OP("sbitset.bitcount", op_bitcount, "reply the set bits of argv[1] in a position range"),
    SBS_OP("sbitset.bitpos", op_bitpos, "reply the first position holding bit argv[2]"),
};

static const keel_insn_def setbit_prog[] = {{.op = "sbitset.setbit"}, KEEL_END};
static const keel_insn_def getbit_prog[] = {{.op = "sbitset.getbit"}, KEEL_END};
static const keel_insn_def bitcount_prog[] = {{.op = "sbitset.bitcount"}, KEEL_END};
static const keel_insn_def bitpos_prog[] = {{.op = "sbitset.bitpos"}, KEEL_END};

static const keel_cmd_def bits_cmds[] = {
    {SBS_KEY1, .name = "SSETBIT", .arity = 4,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Sets (1) or clears (0) the bit at a signed 64-bit position of a sparse bitset; "
                "replies the previous bit.  Clearing the last set bit deletes the key.",
     .syntax = "SSETBIT key position 0|1", .program = setbit_prog},
    {SBS_KEY1, .name = "SGETBIT", .arity = 3, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Replies the bit at a position of a sparse bitset (0 for a missing key).",
     .syntax = "SGETBIT key position", .program = getbit_prog},
    {SBS_KEY1, .name = "SBITCOUNT", .arity = -2, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the number of set bits, or of those at positions start..end "
                "(inclusive, by bit).",
     .syntax = "SBITCOUNT key [start end [BIT]]", .program = bitcount_prog},
    {SBS_KEY1, .name = "SBITPOS", .arity = -3, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the first position in start..end (default: every int64) whose bit is "
                "the given one, or -1.",
     .syntax = "SBITPOS key bit [start [end [BIT]]]", .program = bitpos_prog},
};

const keel_family sbs_bits_family = KEEL_FAMILY(bits_ops, bits_cmds);
