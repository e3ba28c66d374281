/* lcs.c -- LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common
 * subsequence of two strings, as Redis 7.0 computes it.
 *
 * The classic dynamic programme: a table of (len1+1) * (len2+1) 32-bit cells, refused (with
 * Redis's error) when it would pass 512 MB, as Redis refuses it past proto-max-bulk-len.  LEN
 * alone keeps two rows instead of the table.  The table is filled a slice at a time (its
 * position in registers), so a big LCS yields; both keys stay locked throughout. */
#include "bits.h"
#include "family.h"
#include "value.h"

#include <string.h>

/* Largest table Redis allows (proto-max-bulk-len), in bytes. */
#define LCS_TABLE_MAX ((uint64_t)STR_MAX_LEN)
/* Table cells filled per reduction. */
#define LCS_CELLS_PER_REDUCTION 16

/* The phase in r0. */
enum { PHASE_LOOKUP = 0, PHASE_COPY, PHASE_FILL };

/* What the phases share (arena memory r3 points to). */
typedef struct lcs_state {
    const uint8_t *a, *b; /* copies of the two strings */
    uint32_t alen, blen;
    bool getlen, getidx, withmatchlen;
    int64_t minmatchlen;
    uint32_t *dp; /* the table (or two rows for LEN), module memory */
    bool rows;    /* LEN alone: dp holds two rows */
} lcs_state;

#define CELL(st, i, j) ((st)->dp[(uint64_t)(j) + (uint64_t)(i) * ((st)->blen + 1)])

/* Walks both keys (r1 = keys done): the first time (copy false) checks their types and notes
 * their lengths, the second copies their strings into st, missing keys as "".  Replies the error
 * and returns KEEL_FAIL when one is not a string; otherwise KEEL_NEXT, or the status to pass on. */
static keel_op_result walk_keys(keel_proc *p, lcs_state *st, bool copy) {
    uint32_t n = keel_key_count(p);
    while ((uint32_t)p->reg[1].v.i < n) {
        keel_arg k;
        uint32_t argi;
        keel_status s = keel_key_nth(p, (uint32_t)p->reg[1].v.i, &k, &argi);
        KEEL_OP_PROPAGATE(s);
        keel_value v = {.size = sizeof v};
        s = keel_key_lookup(p, k.ptr, k.len, &v);
        KEEL_OP_PROPAGATE(s);
        if (s == KEEL_OK && v.type != KEEL_TYPE_BOX) {
            keel_reply_error(p, "ERR The specified keys must contain string values");
            return KEEL_FAIL;
        }
        if (s == KEEL_OK) {
            char buf[STR_NUM_TEXT];
            const char *text;
            size_t len = str_text(&v.box, buf, &text);
            if (len >= UINT32_MAX - 1) len = UINT32_MAX - 1; /* refused: too long */
            uint8_t *bytes = NULL;
            if (copy) {
                bytes = keel_proc_alloc(p, len ? len : 1);
                memcpy(bytes, text, len);
                keel_charge(p, (int64_t)(len / 1024));
            }
            if (argi == 1)
                st->a = bytes, st->alen = (uint32_t)len;
            else
                st->b = bytes, st->blen = (uint32_t)len;
        }
        p->reg[1].v.i++;
    }
    const keel_arg *k1 = &p->argv[1], *k2 = &p->argv[2];
    if (k1->len == k2->len && memcmp(k1->ptr, k2->ptr, k1->len) == 0)
        st->b = st->a, st->blen = st->alen;
    return KEEL_NEXT;
}

/* Reads the options after the keys; replies the error and returns false on a bad one. */
static bool parse_options(keel_proc *p, lcs_state *st) {
    for (uint32_t j = 3; j < p->argc; j++) {
        const keel_arg *o = &p->argv[j];
        bool more = j + 1 < p->argc;
        if (keel_arg_is(o, "IDX"))
            st->getidx = true;
        else if (keel_arg_is(o, "LEN"))
            st->getlen = true;
        else if (keel_arg_is(o, "WITHMATCHLEN"))
            st->withmatchlen = true;
        else if (keel_arg_is(o, "MINMATCHLEN") && more) {
            if (!keel_arg_i64(&p->argv[++j], &st->minmatchlen)) {
                keel_reply_error(p, "ERR value is not an integer or out of range");
                return false;
            }
            if (st->minmatchlen < 0) st->minmatchlen = 0;
        } else {
            keel_reply_error(p, "ERR syntax error");
            return false;
        }
    }
    if (st->getidx && st->getlen) {
        keel_reply_error(p, "ERR If you want both the length and indexes, please just use IDX.");
        return false;
    }
    return true;
}

/* Fills the table (or the two rows) from row r1, column r2 on; false when the budget ran out
 * (the position saved). */
static bool fill(keel_proc *p, lcs_state *st) {
    uint64_t i = (uint64_t)p->reg[1].v.i, j = (uint64_t)p->reg[2].v.i;
    uint64_t w = (uint64_t)st->blen + 1;
    for (; i <= st->alen; i++, j = 0) {
        uint32_t *cur = st->rows ? st->dp + (i & 1) * w : st->dp + i * w;
        const uint32_t *prev = st->rows ? st->dp + ((i + 1) & 1) * w : st->dp + (i ? i - 1 : 0) * w;
        while (j <= st->blen) {
            uint64_t stop = st->blen + 1 - j > 4096 ? j + 4096 : st->blen + 1;
            for (; j < stop; j++) {
                if (i == 0 || j == 0)
                    cur[j] = 0;
                else if (st->a[i - 1] == st->b[j - 1])
                    cur[j] = prev[j - 1] + 1;
                else
                    cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
            }
            if (keel_charge(p, 4096 / LCS_CELLS_PER_REDUCTION) && (j <= st->blen || i < st->alen)) {
                p->reg[1] = dk_i64((int64_t)(j <= st->blen ? i : i + 1));
                p->reg[2] = dk_i64((int64_t)(j <= st->blen ? j : 0));
                return false;
            }
        }
    }
    return true;
}

/* Walks the table back from the end as Redis does, writing the common subsequence into out
 * (when not NULL) and replying each range of matches (when emit); returns how many ranges
 * passed MINMATCHLEN. */
static uint32_t walk(keel_proc *p, const lcs_state *st, uint8_t *out, bool emit) {
    uint32_t i = st->alen, j = st->blen, idx = CELL(st, st->alen, st->blen), ranges = 0;
    uint32_t astart = st->alen, aend = 0, bstart = 0, bend = 0; /* astart == alen: no range */
    while (i > 0 && j > 0) {
        bool range_done = false;
        if (st->a[i - 1] == st->b[j - 1]) {
            if (out) out[idx - 1] = st->a[i - 1];
            if (astart == st->alen) {
                astart = aend = i - 1;
                bstart = bend = j - 1;
            } else if (astart == i && bstart == j) {
                astart--;
                bstart--;
            } else {
                range_done = true;
            }
            if (astart == 0 || bstart == 0) range_done = true;
            idx--, i--, j--;
        } else {
            if (CELL(st, i - 1, j) > CELL(st, i, j - 1))
                i--;
            else
                j--;
            if (astart != st->alen) range_done = true;
        }
        if (!range_done) continue;
        uint32_t match_len = aend - astart + 1;
        if (st->minmatchlen == 0 || (int64_t)match_len >= st->minmatchlen) {
            ranges++;
            if (emit) {
                keel_reply_array(p, 2 + (st->withmatchlen ? 1 : 0));
                keel_reply_array(p, 2);
                keel_reply_int(p, astart);
                keel_reply_int(p, aend);
                keel_reply_array(p, 2);
                keel_reply_int(p, bstart);
                keel_reply_int(p, bend);
                if (st->withmatchlen) keel_reply_int(p, match_len);
            }
        }
        astart = st->alen;
    }
    keel_charge(p, (int64_t)(st->alen + st->blen) / 64);
    return ranges;
}

/* Opcode: strings.lcs
 * LCS: see the file's comment.  Missing keys are empty strings; a key of another type fails
 * with Redis's "The specified keys must contain string values"; the sizes are checked before
 * anything is copied.  Registers: r0 = phase, r1 = keys looked at (then copied), then the row
 * being filled, r2 = its column, r3 = the state.  Reductions 1 per
 * KiB copied, 1 per 16 cells filled.  May yield, hop and block. */
static keel_op_result op_lcs(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->reg[3].type == DK_NULL) {
        lcs_state *fresh = keel_proc_alloc(p, sizeof *fresh);
        memset(fresh, 0, sizeof *fresh);
        fresh->a = fresh->b = (const uint8_t *)""; /* missing keys */
        p->reg[0] = dk_i64(PHASE_LOOKUP);
        p->reg[1] = dk_i64(0);
        p->reg[2] = dk_i64(0);
        p->reg[3] = dk_ptr(fresh);
    }
    lcs_state *st = (lcs_state *)p->reg[3].v.ptr;
    if (p->reg[0].v.i == PHASE_LOOKUP) {
        keel_op_result r = walk_keys(p, st, false);
        if (r != KEEL_NEXT) return r;
        if (!parse_options(p, st)) return KEEL_FAIL;
        if (st->alen >= UINT32_MAX - 1 || st->blen >= UINT32_MAX - 1) {
            keel_reply_error(p, "ERR String too long for LCS");
            return KEEL_FAIL;
        }
        uint64_t cells = ((uint64_t)st->alen + 1) * ((uint64_t)st->blen + 1);
        if (cells * sizeof(uint32_t) > LCS_TABLE_MAX) {
            keel_reply_error(p, "ERR Insufficient memory, transient memory for LCS exceeds "
                                "proto-max-bulk-len");
            return KEEL_FAIL;
        }
        st->rows = st->getlen && !st->getidx;
        if (st->rows) cells = 2 * ((uint64_t)st->blen + 1);
        st->dp = keel_alloc((size_t)cells * sizeof(uint32_t));
        if (!st->dp) {
            keel_reply_error(p, "ERR Insufficient memory, transient memory for LCS exceeds "
                                "proto-max-bulk-len");
            return KEEL_FAIL;
        }
        keel_proc_defer_free(p, keel_free, st->dp);
        p->reg[0].v.i = PHASE_COPY;
        p->reg[1].v.i = 0;
    }
    if (p->reg[0].v.i == PHASE_COPY) {
        keel_op_result r = walk_keys(p, st, true);
        if (r != KEEL_NEXT) return r;
        p->reg[0].v.i = PHASE_FILL;
        p->reg[1].v.i = 0;
        p->reg[2].v.i = 0;
    }
    if (!fill(p, st)) return KEEL_YIELD;
    if (st->rows) {
        uint64_t w = (uint64_t)st->blen + 1;
        keel_reply_int(p, st->dp[(st->alen & 1) * w + st->blen]);
        return KEEL_NEXT;
    }
    uint32_t len = CELL(st, st->alen, st->blen);
    if (st->getidx) {
        uint32_t ranges = walk(p, st, NULL, false);
        keel_reply_map(p, 2);
        keel_reply_bulk(p, "matches", 7);
        keel_reply_array(p, ranges);
        walk(p, st, NULL, true);
        keel_reply_bulk(p, "len", 3);
        keel_reply_int(p, len);
        return KEEL_NEXT;
    }
    if (st->getlen) {
        keel_reply_int(p, len);
        return KEEL_NEXT;
    }
    uint8_t *out = keel_proc_alloc(p, len ? len : 1);
    walk(p, st, out, false);
    keel_reply_bulk(p, out, len);
    return KEEL_NEXT;
}

static const keel_opcode_def lcs_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "strings.lcs",
     .fn = op_lcs,
     .synopsis = "reply the longest common subsequence of argv[1] and argv[2] (r0 = phase, "
                 "r1/r2 = position, r3 = state)",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def lcs_prog[] = {{.op = "strings.lcs"}, KEEL_END};

static const keel_cmd_def lcs_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "LCS",
     .arity = -3,
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "string",
     .since = "0.1.0",
     .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY,
     .summary = "Returns the longest common subsequence of two strings, its length (LEN) or "
                "the ranges that match (IDX).",
     .syntax = "LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]",
     .program = lcs_prog},
};

const keel_family str_lcs_family = KEEL_FAMILY(lcs_ops, lcs_cmds);
