/* read.c -- reading new entries of several streams: XREAD and XREADGROUP, which park (BLOCK)
 * until an XADD on one of their keys, as Redis's blocking stream reads do.
 *
 * A run goes in two passes over the streams in argument order, hopping to each key's thread:
 * the first checks every key (type, group) and reads every ID, replying any error before
 * anything else; the second replies what each stream has.  With nothing to reply and BLOCK
 * given, the process parks on all its keys; a woken process starts over, so what `$` meant at
 * the first run is kept in keel_proc_keep's block, and a run after a park knows it is one (a
 * deleted stream or group then ends an XREADGROUP with Redis's UNBLOCKED / NOGROUP errors). */
#include "family.h"
#include "sobj.h"

#include <string.h>

typedef struct read_args {
    bool group_form;     /* XREADGROUP */
    int64_t timeout;     /* ms; -1: no BLOCK */
    int64_t count;       /* 0: no COUNT */
    uint32_t streams_at; /* argv index of the first key */
    uint32_t nstreams;
    const keel_arg *group, *consumer;
    bool noack;
} read_args;

/* What survives a park: whether the IDs were read, whether it parked, and the IDs (">" is
 * max-max, "$" what the stream's last ID was at the first run). */
typedef struct read_keep {
    uint8_t resolved, parked;
    dk_sid ids[];
} read_keep;

/* Phases of a run (r0). */
enum { PH_CHECK = 0, PH_SERVE, PH_END };

/* ======== arguments ======== */

static bool parse_timeout(keel_proc *p, const keel_arg *a, int64_t *ms) {
    if (!keel_arg_i64(a, ms)) {
        xs_error(p, "ERR timeout is not an integer or out of range");
        return false;
    }
    if (*ms < 0) {
        xs_error(p, "ERR timeout is negative");
        return false;
    }
    if (*ms > INT64_MAX - keel_now_ms(p)) {
        xs_error(p, "ERR timeout is out of range");
        return false;
    }
    return true;
}

static bool read_parse(keel_proc *p, bool group_form, read_args *a) {
    memset(a, 0, sizeof *a);
    a->group_form = group_form;
    a->timeout = -1;
    const char *name = group_form ? "XREADGROUP" : "XREAD";
    for (uint32_t i = 1; i < p->argc; i++) {
        uint32_t more = p->argc - i - 1;
        const keel_arg *o = &p->argv[i];
        if (keel_arg_is(o, "BLOCK") && more) {
            if (!parse_timeout(p, &p->argv[++i], &a->timeout)) return false;
        } else if (keel_arg_is(o, "COUNT") && more) {
            if (!xs_arg_int(p, &p->argv[++i], &a->count)) return false;
            if (a->count < 0) a->count = 0;
        } else if (keel_arg_is(o, "STREAMS") && more) {
            a->streams_at = i + 1;
            uint32_t n = p->argc - a->streams_at;
            if (n % 2) {
                xs_error(p,
                         "ERR Unbalanced %s list of streams: for each stream key an ID or "
                         "'%c' must be specified.",
                         name, group_form ? '>' : '$');
                return false;
            }
            a->nstreams = n / 2;
            break;
        } else if (keel_arg_is(o, "GROUP") && more >= 2) {
            if (!group_form) {
                xs_error(p, "ERR The GROUP option is only supported by XREADGROUP. You called "
                            "XREAD instead.");
                return false;
            }
            a->group = &p->argv[i + 1];
            a->consumer = &p->argv[i + 2];
            i += 2;
        } else if (keel_arg_is(o, "NOACK")) {
            if (!group_form) {
                xs_error(p, "ERR The NOACK option is only supported by XREADGROUP. You called "
                            "XREAD instead.");
                return false;
            }
            a->noack = true;
        } else {
            xs_syntax(p);
            return false;
        }
    }
    if (a->streams_at == 0) {
        xs_syntax(p);
        return false;
    }
    if (group_form && !a->group) {
        xs_error(p, "ERR Missing GROUP option for XREADGROUP");
        return false;
    }
    return true;
}

/* Redis's xreadGetKeys: the keys after STREAMS (none when malformed). */
static int read_keys(int argc, const keel_arg *argv, int *pos, int max) {
    int at = -1;
    for (int i = 1; i < argc; i++) {
        if (keel_arg_is(&argv[i], "BLOCK") || keel_arg_is(&argv[i], "COUNT"))
            i++;
        else if (keel_arg_is(&argv[i], "GROUP"))
            i += 2;
        else if (keel_arg_is(&argv[i], "NOACK"))
            continue;
        else if (keel_arg_is(&argv[i], "STREAMS")) {
            at = i;
            break;
        } else
            break;
    }
    int num = at < 0 ? 0 : argc - at - 1;
    if (at < 0 || num == 0 || num % 2) return 0;
    num /= 2;
    for (int i = 0; i < num && i < max; i++)
        pos[i] = at + 1 + i;
    return num;
}

/* ======== the check pass ======== */

/* Checks stream i (type, group) and reads its ID: KEEL_NEXT, or a failure replied, or a
 * KEEL_MOVED/KEEL_WAIT passed on. */
static keel_op_result check_one(keel_proc *p, const read_args *a, read_keep *k, uint32_t i) {
    const keel_arg *key = &p->argv[a->streams_at + i];
    const keel_arg *ida = &p->argv[a->streams_at + a->nstreams + i];
    xs_stream *s = NULL;
    keel_status st = xs_find(p, key, &s);
    KEEL_OP_PROPAGATE(st);
    if (k->parked && a->group_form && st != KEEL_OK)
        return xs_error(p, "UNBLOCKED the stream key no longer exists");
    if (st == KEEL_EWRONGTYPE) {
        if (k->parked) return KEEL_NEXT; /* XREAD waits on through a re-typed key */
        return xs_wrongtype(p);
    }
    if (a->group_form &&
        (st != KEEL_OK || !xs_group_find(&s->groups, a->group->ptr, a->group->len))) {
        if (k->parked)
            return xs_error(p, "NOGROUP the consumer group this client was blocked on no "
                               "longer exists");
        return xs_error(p,
                        "NOGROUP No such key '%.*s' or consumer group '%.*s' in XREADGROUP "
                        "with GROUP option",
                        (int)key->len, key->ptr, (int)a->group->len, a->group->ptr);
    }
    if (k->resolved) return KEEL_NEXT;
    if (ida->len == 1 && ida->ptr[0] == '$') {
        if (a->group_form)
            return xs_error(p, "ERR The $ ID is meaningless in the context of XREADGROUP: you "
                               "want to read the history of this consumer by specifying a "
                               "proper ID, or use the > ID to get new messages. The $ ID would "
                               "just return an empty result set.");
        k->ids[i] = st == KEEL_OK ? s->last_id : (dk_sid){0, 0};
    } else if (ida->len == 1 && ida->ptr[0] == '>') {
        if (!a->group_form)
            return xs_error(p, "ERR The > ID can be specified only when calling XREADGROUP "
                               "using the GROUP <group> <consumer> option.");
        k->ids[i] = XS_ID_MAX;
    } else if (!xs_parse_id(p, ida, true, 0, &k->ids[i], NULL)) {
        return KEEL_FAIL;
    }
    return KEEL_NEXT;
}

/* ======== the serve pass ======== */

/* What serving one stream needs in the walk callbacks. */
typedef struct serve_ctx {
    xs_stream *s;
    xs_group *g;
    xs_consumer *c;
    bool noack;
    int64_t now;
    bool oom;
} serve_ctx;

/* XREADGROUP ">": the entry goes to the consumer's pending list (taken from another consumer
 * when the group's ID was set back) and moves the group's last ID and read counter. */
static void each_new(keel_proc *p, void *ctx, const dk_sentry *e) {
    serve_ctx *x = ctx;
    xs_group *g = x->g;
    if (dk_sid_cmp(e->id, g->last_id) > 0) {
        if (g->entries_read != -1 && !xs_has_tombstones(x->s, e->id, XS_ID_MAX))
            g->entries_read++;
        else if (x->s->entries_added)
            g->entries_read = xs_estimate_read(x->s, e->id);
        g->last_id = e->id;
    }
    if (!x->noack) {
        size_t at = xs_pel_lower(g, e->id);
        if (at < g->npel && dk_sid_cmp(g->pel[at].id, e->id) == 0) {
            xs_nack *n = &g->pel[at];
            xs_nack_move(n, x->c);
            n->delivery_time = x->now;
            n->delivery_count = 1;
        } else if (!xs_pel_insert(g, at, e->id, x->c, x->now)) {
            x->oom = true;
        }
    }
    keel_charge(p, XS_COST_UPDATE);
    xs_reply_entry(p, e);
}

/* XREADGROUP with an ID: the consumer's pending entries after it (deleted ones as [id, nil]),
 * each delivered once more.  *from and *left as xs_walk's. */
static bool serve_history(keel_proc *p, serve_ctx *x, dk_sid *from, int64_t *left) {
    xs_group *g = x->g;
    for (size_t i = xs_pel_lower(g, *from); i < g->npel && *left != 0; i++) {
        xs_nack *n = &g->pel[i];
        if (n->owner != x->c) continue;
        dk_sentry e;
        if (dk_stream_get(x->s->log, n->id, &e)) {
            xs_reply_entry(p, &e);
            n->delivery_time = x->now;
            n->delivery_count++;
        } else {
            keel_reply_array(p, 2);
            xs_reply_id(p, n->id);
            keel_reply_nil_array(p);
        }
        if (*left > 0) (*left)--;
        *from = n->id;
        if (!xs_id_incr(from)) return true;
        if (keel_charge(p, XS_COST_ENTRY) && *left != 0) return false;
    }
    return true;
}

/* Whether stream i has something to reply now, and from which ID (Redis's rules: a group with
 * an ID other than ">" always replies its history; else only entries past the group's or the
 * given ID). */
static bool has_news(const read_args *a, const read_keep *k, uint32_t i, const xs_stream *s,
                     const xs_group *g, dk_sid *after, bool *history) {
    dk_sid top;
    *after = k->ids[i];
    *history = false;
    if (g) {
        if (dk_sid_cmp(k->ids[i], XS_ID_MAX) != 0) {
            *history = true;
            return true;
        }
        if (!dk_stream_last(s->log, &top) || dk_sid_cmp(top, g->last_id) <= 0) return false;
        *after = g->last_id;
        return true;
    }
    (void)a;
    return dk_stream_last(s->log, &top) && dk_sid_cmp(top, k->ids[i]) > 0;
}

/* Serves stream r1.  Registers: r3 = its reply is open, r4/r5 = next ID, r6 = entries left,
 * r7 = history mode; r2 = streams replied so far.  KEEL_NEXT when done with it. */
static keel_op_result serve_one(keel_proc *p, const read_args *a, read_keep *k) {
    uint32_t i = (uint32_t)p->reg[1].v.i;
    const keel_arg *key = &p->argv[a->streams_at + i];
    xs_stream *s = NULL;
    keel_status st = xs_find(p, key, &s);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return KEEL_NEXT; /* missing (XREAD), or re-typed after a park */
    serve_ctx x = {.s = s, .noack = a->noack, .now = keel_now_ms(p)};
    if (a->group_form) {
        x.g = xs_group_find(&s->groups, a->group->ptr, a->group->len);
        if (!x.g) return KEEL_NEXT;
    }
    if (p->reg[3].type == DK_NULL) {
        dk_sid after;
        bool history;
        if (!has_news(a, k, i, s, x.g, &after, &history)) return KEEL_NEXT;
        if (p->reg[2].v.i++ == 0)
            keel_reply_open(p, xs_resp3(p) ? KEEL_REPLY_MAP : KEEL_REPLY_ARRAY);
        if (!xs_resp3(p)) keel_reply_array(p, 2);
        keel_reply_bulk(p, key->ptr, key->len);
        keel_reply_open(p, KEEL_REPLY_ARRAY);
        bool past = xs_id_incr(&after);
        p->reg[3] = dk_i64(past ? 1 : 2); /* 2: nothing can follow max-max */
        p->reg[4] = dk_u64(after.ms);
        p->reg[5] = dk_u64(after.seq);
        p->reg[6] = dk_i64(a->count ? a->count : -1);
        p->reg[7] = dk_i64(history);
    }
    if (x.g) {
        x.c = xs_consumer_find(x.g, a->consumer->ptr, a->consumer->len);
        if (!x.c) {
            x.c = xs_consumer_add(x.g, a->consumer->ptr, a->consumer->len, x.now);
            if (!x.c) return xs_oom(p);
            keel_notify(p, KEEL_NOTIFY_STREAM, "xgroup-createconsumer", key->ptr, key->len);
        }
        x.c->seen_time = x.now;
    }
    dk_sid from = {p->reg[4].v.u, p->reg[5].v.u};
    bool done = true;
    if (p->reg[3].v.i == 1) {
        if (p->reg[7].v.i)
            done = serve_history(p, &x, &from, &p->reg[6].v.i);
        else
            done = xs_walk(p, s, &from, XS_ID_MAX, false, &p->reg[6].v.i,
                           x.g ? each_new : xs_each_reply, &x);
    }
    p->reg[4] = dk_u64(from.ms);
    p->reg[5] = dk_u64(from.seq);
    if (x.oom) return xs_oom(p);
    if (!done) return KEEL_YIELD;
    keel_reply_close(p);
    p->reg[3] = dk_null();
    return KEEL_NEXT;
}

/* ======== the opcode ======== */

/* Opcode: streams.read
 * XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ... (imm 0) and XREADGROUP GROUP g c [COUNT n]
 * [BLOCK ms] [NOACK] STREAMS key ... id ... (imm 1), as Redis 7.0: replies [[key, [entry ...]]
 * ...] (RESP3: a map) for the streams with entries past their ID, or a null array; with BLOCK,
 * parks on the keys until an XADD, the timeout (0: none) or a disconnect.  Registers: r0 =
 * phase, r1 = stream index, r2 = streams replied, r3..r7 = the stream being replied (see
 * serve_one).  Reductions XS_COST_ENTRY per entry (+XS_COST_UPDATE for a group).  May yield,
 * hop, block. */
static keel_op_result op_read(keel_proc *p, const keel_insn *in) {
    read_args a;
    if (!read_parse(p, in->imm == 1, &a)) return KEEL_FAIL;
    if (a.timeout >= 0 && keel_proc_timed_out(p)) {
        keel_reply_nil_array(p);
        return KEEL_NEXT;
    }
    read_keep *k = keel_proc_keep(p, sizeof *k + a.nstreams * sizeof(dk_sid));
    if (!k) return xs_oom(p);
    if (p->reg[0].type == DK_NULL) {
        p->reg[0] = dk_i64(PH_CHECK);
        p->reg[1] = p->reg[2] = dk_i64(0);
    }
    keel_op_result r;
    if (p->reg[0].v.i == PH_CHECK) {
        while ((uint32_t)p->reg[1].v.i < a.nstreams) {
            if ((r = check_one(p, &a, k, (uint32_t)p->reg[1].v.i)) != KEEL_NEXT) return r;
            p->reg[1].v.i++;
            if (keel_charge(p, 1) && (uint32_t)p->reg[1].v.i < a.nstreams) return KEEL_YIELD;
        }
        k->resolved = 1;
        p->reg[0] = dk_i64(PH_SERVE);
        p->reg[1] = dk_i64(0);
    }
    if (p->reg[0].v.i == PH_SERVE) {
        while ((uint32_t)p->reg[1].v.i < a.nstreams) {
            if ((r = serve_one(p, &a, k)) != KEEL_NEXT) return r;
            p->reg[1].v.i++;
        }
        p->reg[0] = dk_i64(PH_END);
    }
    if (p->reg[2].v.i > 0) {
        keel_reply_close(p);
        return KEEL_NEXT;
    }
    if (a.timeout < 0) {
        keel_reply_nil_array(p);
        return KEEL_NEXT;
    }
    k->parked = 1;
    if (keel_block_keys(p, a.timeout) != KEEL_OK)
        return xs_error(p, "ERR cannot block on these keys");
    return KEEL_BLOCK;
}

static const keel_opcode_def read_ops[] = {
    XS_OP("streams.read", op_read,
          "XREAD (imm 0) / XREADGROUP (imm 1): check, then serve each stream, or park"),
};

static const keel_insn_def xread_prog[] = {{.op = "streams.read", .imm = 0}, KEEL_END};
static const keel_insn_def xreadgroup_prog[] = {{.op = "streams.read", .imm = 1}, KEEL_END};

static const keel_cmd_def read_cmds[] = {
    {XS_CMD, .name = "XREAD", .arity = -4,
     .flags = KEEL_CMD_READONLY | KEEL_CMD_BLOCKING | KEEL_CMD_MULTIKEY, .keys = read_keys,
     .summary = "Replies the entries past the given IDs of one or more streams (\"$\": only new "
                "ones), waiting up to BLOCK ms (0: forever) for one.",
     .syntax = "XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
     .program = xread_prog},
    {XS_CMD, .name = "XREADGROUP", .arity = -7,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_BLOCKING | KEEL_CMD_MULTIKEY, .keys = read_keys,
     .summary = "Reads as a consumer of a group: \">\" delivers entries no consumer got yet "
                "(adding them to its pending list), an ID replays its own pending entries.",
     .syntax = "XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] "
               "STREAMS key [key ...] id [id ...]",
     .program = xreadgroup_prog},
};

const keel_family xs_read_family = KEEL_FAMILY(read_ops, read_cmds);
