/* bitop.c -- BITOP AND|OR|XOR|NOT destkey key [key ...]: bitwise operations between strings,
 * atomic across shards.
 *
 * The core's key.lock prologue has locked every key (in shard order) for the whole command,
 * so no other command sees the sources change or the destination half written.  The opcode
 * walks keel_key_nth's shard-ordered list three times: to learn the sources' lengths (and
 * types), to fold each source into a result buffer a slice at a time, and to store the result,
 * yielding between slices and keeping its place in registers. */
#include "bits.h"
#include "family.h"
#include "value.h"

#include <string.h>

enum { BITOP_AND = 0, BITOP_OR, BITOP_XOR, BITOP_NOT };
/* The phase in r1. */
enum { PHASE_LENGTHS = 0, PHASE_FOLD, PHASE_STORE, PHASE_COPY };

/* What the phases share (arena memory r3 points to). */
typedef struct bitop_state {
    int op;
    size_t maxlen;       /* the result's length: the longest source */
    uint8_t *res;        /* the result (module memory, freed when the process ends) */
    uint8_t *dest_bytes; /* PHASE_COPY: the destination's bytes in the keyspace */
    uint32_t dest_nth;   /* the destination's index in keel_key_nth's order */
    bool folded_one;     /* the first source was copied: the others fold into it */
} bitop_state;

static int op_of(const keel_arg *a) {
    if (keel_arg_is(a, "AND")) return BITOP_AND;
    if (keel_arg_is(a, "OR")) return BITOP_OR;
    if (keel_arg_is(a, "XOR")) return BITOP_XOR;
    if (keel_arg_is(a, "NOT")) return BITOP_NOT;
    return -1;
}

/* Folds src[from..to) (a source of len bytes, zero past its end) into st->res. */
static void fold(bitop_state *st, const uint8_t *src, size_t len, size_t from, size_t to,
                 bool first) {
    uint8_t *res = st->res;
    size_t have = len < to ? (len > from ? len : from) : to; /* [from, have) lies in src */
    if (first) {
        if (have > from) memcpy(res + from, src + from, have - from);
        memset(res + have, 0, to - have);
        if (st->op == BITOP_NOT)
            for (size_t i = from; i < to; i++)
                res[i] = (uint8_t)~res[i];
        return;
    }
    switch (st->op) {
    case BITOP_AND:
        for (size_t i = from; i < have; i++)
            res[i] &= src[i];
        memset(res + have, 0, to - have);
        break;
    case BITOP_OR:
        for (size_t i = from; i < have; i++)
            res[i] |= src[i];
        break;
    default:
        for (size_t i = from; i < have; i++)
            res[i] ^= src[i];
        break;
    }
}

/* Opcode: strings.bitop
 * BITOP op destkey key [key ...]: stores op of the sources (missing ones are empty, shorter
 * ones padded with zero bytes) at destkey, without expiry, notifying "set"; deletes destkey
 * (notifying "del") when every source is empty; replies the result's length.  A missing source
 * notifies "keymiss", as Redis's read of it does.  Registers: r0 =
 * keys done in this phase, r1 = phase, r2 = byte position in the current key, r3 = the state.
 * Reductions 1 per key, plus 1 per 64 bytes folded or copied.  May yield, hop and block. */
static keel_op_result op_bitop(keel_proc *p, const keel_insn *in) {
    (void)in;
    int op = op_of(&p->argv[1]);
    if (op < 0) {
        keel_reply_error(p, "ERR syntax error");
        return KEEL_FAIL;
    }
    if (op == BITOP_NOT && p->argc != 4) {
        keel_reply_error(p, "ERR BITOP NOT must be called with a single source key.");
        return KEEL_FAIL;
    }
    uint32_t n = keel_key_count(p);
    if (p->reg[3].type == DK_NULL) {
        bitop_state *fresh = keel_proc_alloc(p, sizeof *fresh);
        memset(fresh, 0, sizeof *fresh);
        fresh->op = op;
        p->reg[0] = dk_i64(0);
        p->reg[1] = dk_i64(PHASE_LENGTHS);
        p->reg[2] = dk_i64(0);
        p->reg[3] = dk_ptr(fresh);
    }
    bitop_state *st = (bitop_state *)p->reg[3].v.ptr;
    keel_arg k;
    uint32_t argi;
    keel_status s;
    while (p->reg[1].v.i == PHASE_LENGTHS) {
        if ((uint32_t)p->reg[0].v.i == n) {
            if (st->maxlen) {
                st->res = keel_alloc(st->maxlen);
                if (!st->res) return str_store_failed(p, KEEL_ENOMEM);
                keel_proc_defer_free(p, keel_free, st->res);
            }
            p->reg[0].v.i = 0;
            p->reg[1].v.i = st->maxlen ? PHASE_FOLD : PHASE_STORE;
            break;
        }
        if (p->budget <= 0) return KEEL_YIELD;
        s = keel_key_nth(p, (uint32_t)p->reg[0].v.i, &k, &argi);
        KEEL_OP_PROPAGATE(s);
        if (argi == 2) {
            st->dest_nth = (uint32_t)p->reg[0].v.i;
        } else {
            keel_value v;
            s = str_lookup(p, &k, &v);
            KEEL_OP_PROPAGATE(s);
            if (s == KEEL_EWRONGTYPE) return KEEL_FAIL;
            if (s == KEEL_NOTFOUND) /* Redis reads each source: a miss (write commands send it) */
                keel_notify(p, KEEL_NOTIFY_KEYMISS, "keymiss", k.ptr, k.len);
            if (s == KEEL_OK) {
                char buf[STR_NUM_TEXT];
                const char *text;
                size_t len = str_text(&v.box, buf, &text);
                if (len > st->maxlen) st->maxlen = len;
            }
        }
        p->reg[0].v.i++;
        keel_charge(p, 1);
    }
    while (p->reg[1].v.i == PHASE_FOLD) {
        if ((uint32_t)p->reg[0].v.i == n) {
            p->reg[1].v.i = PHASE_STORE;
            break;
        }
        s = keel_key_nth(p, (uint32_t)p->reg[0].v.i, &k, &argi);
        KEEL_OP_PROPAGATE(s);
        if (argi == 2) {
            p->reg[0].v.i++;
            continue;
        }
        keel_value v;
        s = str_lookup(p, &k, &v);
        KEEL_OP_PROPAGATE(s);
        if (s == KEEL_EWRONGTYPE) return KEEL_FAIL;
        char buf[STR_NUM_TEXT];
        const char *text = "";
        size_t len = s == KEEL_OK ? str_text(&v.box, buf, &text) : 0;
        size_t pos = (size_t)p->reg[2].v.i;
        while (pos < st->maxlen) {
            if (p->budget <= 0) {
                p->reg[2].v.i = (int64_t)pos;
                return KEEL_YIELD;
            }
            size_t stop = st->maxlen - pos > BITS_STEP ? pos + BITS_STEP : st->maxlen;
            fold(st, (const uint8_t *)text, len, pos, stop, !st->folded_one);
            keel_charge(p, (int64_t)((stop - pos) / BITS_BYTES_PER_REDUCTION) + 1);
            pos = stop;
        }
        st->folded_one = true;
        p->reg[2].v.i = 0;
        p->reg[0].v.i++;
    }
    if (p->reg[1].v.i == PHASE_STORE) {
        const keel_arg *dest = &p->argv[2];
        s = keel_key_nth(p, st->dest_nth, &k, NULL);
        KEEL_OP_PROPAGATE(s);
        if (st->maxlen == 0) {
            s = keel_key_delete(p, dest->ptr, dest->len);
            KEEL_OP_PROPAGATE(s);
            if (s == KEEL_OK) keel_notify(p, KEEL_NOTIFY_GENERIC, "del", dest->ptr, dest->len);
            keel_reply_int(p, 0);
            return KEEL_NEXT;
        }
        if (st->maxlen < KEEL_STORE_BYTES_MIN) {
            s = str_store(p, dest, (const char *)st->res, st->maxlen, 0);
            KEEL_OP_PROPAGATE(s);
            if (s != KEEL_OK) return str_store_failed(p, s);
            keel_notify(p, KEEL_NOTIFY_STRING, "set", dest->ptr, dest->len);
            keel_reply_int(p, (int64_t)st->maxlen);
            return KEEL_NEXT;
        }
        void *bytes;
        s = keel_key_store_bytes(p, dest->ptr, dest->len, st->maxlen, &bytes);
        KEEL_OP_PROPAGATE(s);
        if (s != KEEL_OK) return str_store_failed(p, s);
        st->dest_bytes = bytes;
        p->reg[1].v.i = PHASE_COPY;
        p->reg[2].v.i = 0;
    }
    /* PHASE_COPY: the result into the destination's reserved bytes, a slice per run */
    size_t pos = (size_t)p->reg[2].v.i;
    while (pos < st->maxlen) {
        if (p->budget <= 0) {
            p->reg[2].v.i = (int64_t)pos;
            return KEEL_YIELD;
        }
        size_t stop = st->maxlen - pos > BITS_STEP ? pos + BITS_STEP : st->maxlen;
        memcpy(st->dest_bytes + pos, st->res + pos, stop - pos);
        keel_charge(p, (int64_t)((stop - pos) / BITS_BYTES_PER_REDUCTION) + 1);
        pos = stop;
    }
    const keel_arg *dest = &p->argv[2];
    keel_notify(p, KEEL_NOTIFY_STRING, "set", dest->ptr, dest->len);
    keel_reply_int(p, (int64_t)st->maxlen);
    return KEEL_NEXT;
}

static const keel_opcode_def bitop_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "strings.bitop",
     .fn = op_bitop,
     .synopsis = "store AND/OR/XOR/NOT of argv[3..] at argv[2] (r0 = key, r1 = phase, r2 = byte, "
                 "r3 = state)",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def bitop_prog[] = {{.op = "strings.bitop"}, KEEL_END};

static const keel_cmd_def bitop_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "BITOP",
     .arity = -4,
     .first_key = 2,
     .last_key = -1,
     .key_step = 1,
     .group = "bitmap",
     .since = "0.1.0",
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_MULTIKEY,
     .summary = "Stores the bitwise AND, OR, XOR or NOT of strings at a key, atomically across "
                "shards; replies the result's length.",
     .syntax = "BITOP AND|OR|XOR|NOT destkey key [key ...]",
     .program = bitop_prog},
};

const keel_family str_bitop_family = KEEL_FAMILY(bitop_ops, bitop_cmds);
