/* hrand.c -- random fields: HRANDFIELD key [count [WITHVALUES]], with Redis's rules (a positive
 * count gives distinct fields, a negative one may repeat).  The map is walked once to gather its
 * field names (yielding between slices), then fields are drawn from them. */
#include "family.h"
#include "map.h"

#include <string.h>

/* Keel's limit on |count| for a negative count (each element is a reply node in memory). */
#define HRAND_MAX 10000000

typedef struct hrand_state {
    keel_arg *fields; /* copies, in the arena */
    uint32_t n, cap;
    uint64_t cursor;
    bool collected;
    uint64_t out;  /* elements replied so far */
    uint64_t want; /* elements to reply */
    uint64_t rng;
} hrand_state;

/* Calls on this thread, mixed into each call's seed. */
static _Thread_local uint64_t hrand_calls;

static uint64_t hrand_next(hrand_state *s) {
    uint64_t x = s->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static void hrand_collect(void *arg, const keel_arg *key, const keel_value *v) {
    (void)v;
    void **cx = arg;
    keel_proc *p = cx[0];
    hrand_state *s = cx[1];
    keel_charge(p, MAP_ENTRY_COST / 2);
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        keel_arg *f = keel_proc_alloc(p, sizeof *f * cap);
        if (s->n) memcpy(f, s->fields, sizeof *f * s->n);
        s->fields = f;
        s->cap = cap;
    }
    char *copy = keel_proc_alloc(p, key->len + 1);
    if (key->len) memcpy(copy, key->ptr, key->len);
    copy[key->len] = '\0';
    s->fields[s->n].ptr = copy;
    s->fields[s->n].len = key->len;
    s->n++;
}

/* Reads count and WITHVALUES.  *count = 0 and *single when there is no count.  Replies the
 * error and returns false on bad input. */
static bool hrand_args(keel_proc *p, int64_t *count, bool *single, bool *withvalues) {
    *single = p->argc == 2;
    *withvalues = false;
    *count = 1;
    if (p->argc > 4 || (p->argc == 4 && !keel_arg_is(&p->argv[3], "WITHVALUES"))) {
        keel_reply_error(p, "ERR syntax error");
        return false;
    }
    *withvalues = p->argc == 4;
    if (p->argc >= 3 && !keel_arg_i64(&p->argv[2], count)) {
        keel_reply_error(p, "ERR value is not an integer or out of range");
        return false;
    }
    if (*count < -HRAND_MAX) {
        keel_reply_error(p, "ERR value is out of range");
        return false;
    }
    return true;
}

/* Gathers the field names a slice at a time.  KEEL_NEXT once done, else what to return. */
static keel_op_result hrand_gather(keel_proc *p, hrand_state *s) {
    void *cx[2] = {p, s};
    while (!s->collected) {
        keel_status st =
            keel_key_scan(p, p->argv[1].ptr, p->argv[1].len, &s->cursor, hrand_collect, cx);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK || s->cursor == 0)
            s->collected = true;
        else if (p->budget <= 0)
            return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

/* Replies the drawn fields (and values) from s->out on.  KEEL_NEXT once done. */
static keel_op_result hrand_reply(keel_proc *p, hrand_state *s, bool distinct, bool withvalues) {
    bool exists = true;
    keel_op_result r = withvalues ? map_open(p, &exists) : KEEL_NEXT;
    if (r != KEEL_NEXT) return r;
    keel_status st = KEEL_OK;
    while (s->out < s->want) {
        if (p->budget <= 0) {
            r = KEEL_YIELD;
            break;
        }
        uint32_t i;
        if (distinct) { /* a partial Fisher-Yates shuffle: fields[0..out) are the drawn ones */
            i = (uint32_t)(s->out + hrand_next(s) % (s->n - s->out));
            keel_arg t = s->fields[s->out];
            s->fields[s->out] = s->fields[i];
            s->fields[i] = t;
            i = (uint32_t)s->out;
        } else {
            i = (uint32_t)(hrand_next(s) % s->n);
        }
        const keel_arg *f = &s->fields[i];
        if (withvalues) {
            keel_value v = {.size = sizeof v};
            st = exists ? keel_key_lookup(p, f->ptr, f->len, &v) : KEEL_NOTFOUND;
            if (st == KEEL_MOVED || st == KEEL_WAIT) break;
            keel_reply_bulk(p, f->ptr, f->len);
            if (st == KEEL_OK)
                keel_reply_stored(p, &v);
            else
                keel_reply_nil(p);
        } else {
            keel_reply_bulk(p, f->ptr, f->len);
        }
        s->out++;
        keel_charge(p, 1);
    }
    if (withvalues) map_close(p);
    KEEL_OP_PROPAGATE(st);
    return r;
}

/* Opcode: maps.hrandfield
 * HRANDFIELD key [count [WITHVALUES]] (WITHVALUES replies field, value, ... flat in RESP2 and
 * as [field, value] pairs in RESP3).  Registers: r0 = the state (arena).  Reductions: 1 per field
 * gathered and per element replied; yields between slices.  May hop and block. */
static keel_op_result op_hrandfield(keel_proc *p, const keel_insn *in) {
    (void)in;
    int64_t count;
    bool single, withvalues;
    if (!hrand_args(p, &count, &single, &withvalues)) return KEEL_FAIL;
    if (p->reg[0].type != DK_PTR) {
        bool exists;
        keel_op_result r = map_check(p, &exists);
        if (r != KEEL_NEXT) return r;
        if (!exists || count == 0) {
            if (single)
                keel_reply_nil(p);
            else
                keel_reply_array(p, 0);
            return KEEL_NEXT;
        }
        hrand_state *s = keel_proc_alloc(p, sizeof *s);
        memset(s, 0, sizeof *s);
        s->rng = (uint64_t)keel_now_ms(p) * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)s ^
                 ++hrand_calls;
        if (!s->rng) s->rng = 1;
        p->reg[0] = dk_ptr(s);
    }
    hrand_state *s = (hrand_state *)p->reg[0].v.ptr;
    if (!s->collected) {
        keel_op_result r = hrand_gather(p, s);
        if (r != KEEL_NEXT) return r;
        if (s->n == 0) {
            if (single)
                keel_reply_nil(p);
            else
                keel_reply_array(p, 0);
            return KEEL_NEXT;
        }
        bool distinct = count > 0;
        s->want = distinct ? ((uint64_t)count < s->n ? (uint64_t)count : s->n) : (uint64_t)(-count);
        if (!single && withvalues)
            keel_reply_pairs(p, s->want); /* RESP3: [field, value] pairs */
        else if (!single)
            keel_reply_array(p, s->want);
    }
    return hrand_reply(p, s, count > 0, withvalues);
}

static const keel_opcode_def hrand_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "maps.hrandfield",
     .fn = op_hrandfield,
     .synopsis = "reply random fields of map argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_YIELD},
};

static const keel_insn_def hrand_prog[] = {{.op = "maps.hrandfield"}, KEEL_END};

static const keel_cmd_def hrand_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "HRANDFIELD",
     .arity = -2,
     .flags = KEEL_CMD_READONLY,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .summary =
         "Returns random fields of a map (distinct for a positive count, maybe repeated for a "
         "negative one), with their values if asked.",
     .syntax = "HRANDFIELD key [count [WITHVALUES]]",
     .group = "hash",
     .since = "0.1.0",
     .program = hrand_prog},
};

const keel_family map_hrand_family = KEEL_FAMILY(hrand_ops, hrand_cmds);
