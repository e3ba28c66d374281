/* scan.c -- SSCAN: walking a set a page at a time with a cursor that survives changes.
 *
 * The cursor is not a position but an order key: every member m has a 64-bit key K(m) that
 * never decreases along the set's order (integers map to [1, 2^63] by value, other members to
 * (2^63, 2^64) by their first eight bytes), and a cursor c means "resume at the first member
 * whose key is >= c".  A page ends only between two members with different keys, and the cursor
 * it returns is the key of the first member not returned.  So a member present from the first
 * call to the last is returned at least once, whatever was added or removed in between (SSCAN
 * followed by SREM of what it returned, the usual way to drain a set, never skips), and every
 * page makes progress.  The price: members with the same key (the same first 63 bits of their
 * first eight bytes, or two adjacent integers) always come in the same page, so a page may hold
 * more than COUNT members.
 */
#include "family.h"
#include <datakit/glob.h>
#include "setobj.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HIGH_BIT (1ull << 63)

/* K(m): see the file comment. */
static uint64_t order_key(const dk_val *m) {
    if (m->type == DK_BYTES) {
        uint64_t x = 0;
        const unsigned char *b = m->v.ptr;
        for (uint32_t i = 0; i < 8; i++)
            x = x << 8 | (i < m->len ? b[i] : 0);
        return HIGH_BIT + 1 + (x >> 1);
    }
    dk_val v = dk_val_normalize(m);
    if (v.type == DK_I64) return 1 + (((uint64_t)v.v.i ^ HIGH_BIT) >> 1);
    if (v.type == DK_I128 && (int64_t)v.v.w.hi < 0) return 1;
    return HIGH_BIT;
}

/* Redis's cursor syntax: strtoul's, without leading spaces or trailing bytes. */
static bool parse_cursor(const keel_arg *a, uint64_t *out) {
    char *end;
    errno = 0;
    if (a->len > 0 && (a->ptr[0] == ' ' || (a->ptr[0] >= '\t' && a->ptr[0] <= '\r'))) return false;
    unsigned long long v = strtoull(a->ptr, &end, 10);
    if (*end != '\0' || errno == ERANGE) return false;
    *out = v;
    return true;
}

/* The state of one SSCAN call, in the arena (r0 points to it). */
typedef struct scan_state {
    uint64_t count;        /* COUNT: members to examine, at least */
    const keel_arg *match; /* MATCH pattern, or NULL */
    uint64_t n;            /* the set's size when the call started */
    dk_iter it;
    uint64_t examined;
    uint64_t last_key; /* K of the last member examined */
    dk_val *out;       /* members to reply (arena copies) */
    size_t nout, cap;
} scan_state;

/* Reads COUNT and MATCH (argv[3..]); replies Redis's error and returns false when malformed. */
static bool parse_options(keel_proc *p, scan_state *st) {
    st->count = 10;
    for (uint32_t i = 3; i < p->argc; i += 2) {
        const keel_arg *a = &p->argv[i];
        if (i + 1 >= p->argc) goto syntax;
        if (keel_arg_is(a, "COUNT")) {
            int64_t c;
            if (!keel_arg_i64(&p->argv[i + 1], &c)) {
                keel_reply_error(p, "ERR value is not an integer or out of range");
                return false;
            }
            if (c < 1) goto syntax;
            st->count = (uint64_t)c;
        } else if (keel_arg_is(a, "MATCH")) {
            st->match = &p->argv[i + 1];
        } else {
            goto syntax;
        }
    }
    return true;
syntax:
    keel_reply_error(p, "ERR syntax error");
    return false;
}

/* The rank of the first member whose key is >= c (binary search over ranks). */
static uint64_t first_rank(keel_proc *p, const dk_set *s, uint64_t c) {
    uint64_t lo = 0, hi = dk_set_count(s);
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        dk_val m;
        dk_set_at(s, mid, &m);
        if (order_key(&m) < c)
            lo = mid + 1;
        else
            hi = mid;
        keel_charge(p, sets_cost(s, NULL));
    }
    return lo;
}

static void keep_member(keel_proc *p, scan_state *st, const dk_val *m) {
    if (st->nout == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        dk_val *out = keel_proc_alloc(p, sizeof *out * cap);
        if (st->nout) memcpy(out, st->out, sizeof *out * st->nout);
        st->out = out;
        st->cap = cap;
    }
    st->out[st->nout++] = sets_keep(p, m);
}

static void reply_page(keel_proc *p, const scan_state *st, uint64_t next) {
    char text[24];
    dk_val c = dk_u64(next);
    keel_reply_array(p, 2);
    keel_reply_bulk(p, text, dk_val_format(&c, text, sizeof text));
    keel_reply_array(p, st->nout);
    for (size_t i = 0; i < st->nout; i++)
        sets_reply_member(p, &st->out[i]);
}

/* Opcode: sets.scan
 * SSCAN key cursor [MATCH pattern] [COUNT count]: replies [next cursor, members], the cursor 0
 * once the walk is done (see the file comment).  Checks in Redis's order: the cursor, then the
 * key (absent: ["0", []]; WRONGTYPE), then the options.  Registers: r0 = the call's state
 * (arena).  Reductions SETS_COST_STEP per member examined, sets_cost() per step of the
 * cursor's binary search.  May yield, hop and block. */
static keel_op_result op_scan(keel_proc *p, const keel_insn *in) {
    (void)in;
    uint64_t cursor;
    if (!parse_cursor(&p->argv[2], &cursor)) {
        keel_reply_error(p, "ERR invalid cursor");
        return KEEL_FAIL;
    }
    dk_set *s = NULL;
    keel_status kst = sets_find(p, p->argv[1].ptr, p->argv[1].len, &s);
    KEEL_OP_PROPAGATE(kst);
    if (kst == KEEL_EWRONGTYPE) return sets_wrongtype(p);
    scan_state *st = p->reg[0].type == DK_PTR ? (scan_state *)p->reg[0].v.ptr : NULL;
    if (!st) {
        st = keel_proc_alloc(p, sizeof *st);
        memset(st, 0, sizeof *st);
        if (!s) {
            reply_page(p, st, 0);
            return KEEL_NEXT;
        }
        if (!parse_options(p, st)) return KEEL_FAIL;
        st->n = dk_set_count(s);
        st->it = dk_iter_at(first_rank(p, s, cursor));
        p->reg[0] = dk_ptr(st);
    }
    if (!s || dk_set_count(s) != st->n) { /* the set went away between two slices */
        reply_page(p, st, 0);
        return KEEL_NEXT;
    }
    dk_val m;
    for (;;) {
        if (!dk_set_next(s, &st->it, &m)) {
            reply_page(p, st, 0);
            return KEEL_NEXT;
        }
        uint64_t k = order_key(&m);
        if (st->examined >= st->count && k != st->last_key) {
            reply_page(p, st, k);
            return KEEL_NEXT;
        }
        st->examined++;
        st->last_key = k;
        if (!st->match) {
            keep_member(p, st, &m);
        } else {
            char buf[DK_BOX_TEXT_MAX];
            const char *t;
            size_t n = sets_text(&m, buf, &t);
            if (dk_glob_match(st->match->ptr, st->match->len, t, n, false)) keep_member(p, st, &m);
        }
        if (keel_charge(p, SETS_COST_STEP)) return KEEL_YIELD;
    }
}

static const keel_opcode_def scan_ops[] = {
    SETS_OP("sets.scan", op_scan, "a page of argv[1]'s members from cursor argv[2] (r0 = state)"),
};

static const keel_insn_def sscan_prog[] = {{.op = "sets.scan"}, KEEL_END};

static const keel_cmd_def scan_cmds[] = {
    {SETS_KEY1, .name = "SSCAN", .arity = -3, .flags = KEEL_CMD_READONLY,
     .summary = "Replies a page of a set's members and the cursor of the next page (0: done).",
     .syntax = "SSCAN key cursor [MATCH pattern] [COUNT count]", .program = sscan_prog},
};

const keel_family sets_scan_family = KEEL_FAMILY(scan_ops, scan_cmds);
