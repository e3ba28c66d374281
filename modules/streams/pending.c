/* pending.c -- a group's pending entries: XACK, XPENDING, XCLAIM and XAUTOCLAIM. */
#include "family.h"
#include "sobj.h"

#include <stdio.h>
#include <string.h>

/* Looks up argv[1]'s stream and argv[2]'s group in it: KEEL_NEXT with *g (NULL when either is
 * missing), or WRONGTYPE replied, or a KEEL_MOVED/KEEL_WAIT passed on. */
static keel_op_result find_group(keel_proc *p, xs_stream **s, xs_group **g) {
    *s = NULL;
    *g = NULL;
    keel_status st = xs_find(p, &p->argv[1], s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return xs_wrongtype(p);
    if (st == KEEL_OK) *g = xs_group_find(&(*s)->groups, p->argv[2].ptr, p->argv[2].len);
    return KEEL_NEXT;
}

static keel_op_result nogroup(keel_proc *p) {
    return xs_error(p, "NOGROUP No such key '%.*s' or consumer group '%.*s'", (int)p->argv[1].len,
                    p->argv[1].ptr, (int)p->argv[2].len, p->argv[2].ptr);
}

/* An integer argument with a command's own error text. */
static bool arg_int_or(keel_proc *p, const keel_arg *a, int64_t *out, const char *msg) {
    if (keel_arg_i64(a, out)) return true;
    xs_error(p, "ERR %s", msg);
    return false;
}

/* ======== XACK ======== */

/* Opcode: streams.xack
 * XACK key group id [id ...]: removes the IDs from the group's pending list (0 for a missing key
 * or group; every ID is checked first); replies how many were pending.  Reductions
 * XS_COST_UPDATE per ID.  May hop, block. */
static keel_op_result op_xack(keel_proc *p, const keel_insn *in) {
    (void)in;
    xs_stream *s;
    xs_group *g;
    keel_op_result r = find_group(p, &s, &g);
    if (r != KEEL_NEXT) return r;
    if (!g) {
        keel_reply_int(p, 0);
        return KEEL_NEXT;
    }
    dk_sid id;
    for (uint32_t j = 3; j < p->argc; j++)
        if (!xs_parse_id(p, &p->argv[j], true, 0, &id, NULL)) return KEEL_FAIL;
    int64_t acked = 0;
    for (uint32_t j = 3; j < p->argc; j++) {
        xs_parse_id(p, &p->argv[j], true, 0, &id, NULL);
        size_t at = xs_pel_lower(g, id);
        if (at < g->npel && dk_sid_cmp(g->pel[at].id, id) == 0) {
            xs_pel_remove_at(g, at);
            acked++;
        }
    }
    keel_charge(p, (int64_t)(p->argc - 3) * XS_COST_UPDATE);
    keel_reply_int(p, acked);
    return KEEL_NEXT;
}

/* ======== XPENDING ======== */

static void pending_summary(keel_proc *p, const xs_group *g) {
    keel_reply_array(p, 4);
    keel_reply_int(p, (int64_t)g->npel);
    if (g->npel == 0) {
        keel_reply_nil(p);
        keel_reply_nil(p);
        keel_reply_nil_array(p);
        return;
    }
    xs_reply_id(p, g->pel[0].id);
    xs_reply_id(p, g->pel[g->npel - 1].id);
    size_t n = 0;
    for (size_t i = 0; i < g->ncons; i++)
        n += g->cons[i]->pending > 0;
    keel_reply_array(p, n);
    for (size_t i = 0; i < g->ncons; i++) {
        const xs_consumer *c = g->cons[i];
        if (!c->pending) continue;
        char num[24];
        int len = snprintf(num, sizeof num, "%llu", (unsigned long long)c->pending);
        keel_reply_array(p, 2);
        keel_reply_bulk(p, c->name, c->nlen);
        keel_reply_bulk(p, num, (size_t)len);
    }
    keel_charge(p, (int64_t)g->ncons);
}

/* Opcode: streams.xpending
 * XPENDING key group [[IDLE min-idle] start end count [consumer]]: the summary [count, first,
 * last, [[consumer, count] ...]], or the records in the range [[id, consumer, idle ms,
 * deliveries] ...].  Reductions 1 per record looked at.  May hop, block. */
static keel_op_result op_xpending(keel_proc *p, const keel_insn *in) {
    (void)in;
    bool summary = p->argc == 3;
    if (p->argc != 3 && (p->argc < 6 || p->argc > 9)) return xs_syntax(p);
    int64_t count = 0, minidle = 0;
    dk_sid lo = {0, 0}, hi = XS_ID_MAX;
    const keel_arg *cname = NULL;
    if (!summary) {
        uint32_t at = 3;
        if (keel_arg_is(&p->argv[3], "IDLE")) {
            if (!xs_arg_int(p, &p->argv[4], &minidle)) return KEEL_FAIL;
            if (p->argc < 8) return xs_syntax(p);
            at += 2;
        }
        if (!xs_arg_int(p, &p->argv[at + 2], &count)) return KEEL_FAIL;
        if (count < 0) count = 0;
        const keel_arg *sa = &p->argv[at], *ea = &p->argv[at + 1];
        bool ex = sa->len > 1 && sa->ptr[0] == '(';
        keel_arg rest = {sa->ptr + ex, sa->len - ex};
        if (!xs_parse_id(p, &rest, ex, 0, &lo, NULL)) return KEEL_FAIL;
        if (ex && !xs_id_incr(&lo)) return xs_error(p, "ERR invalid start ID for the interval");
        ex = ea->len > 1 && ea->ptr[0] == '(';
        rest = (keel_arg){ea->ptr + ex, ea->len - ex};
        if (!xs_parse_id(p, &rest, ex, UINT64_MAX, &hi, NULL)) return KEEL_FAIL;
        if (ex && !xs_id_decr(&hi)) return xs_error(p, "ERR invalid end ID for the interval");
        if (at + 3 < p->argc) cname = &p->argv[at + 3];
    }
    xs_stream *s;
    xs_group *g;
    keel_op_result r = find_group(p, &s, &g);
    if (r != KEEL_NEXT) return r;
    if (!g) return nogroup(p);
    if (summary) {
        pending_summary(p, g);
        return KEEL_NEXT;
    }
    xs_consumer *c = cname ? xs_consumer_find(g, cname->ptr, cname->len) : NULL;
    if (cname && !c) {
        keel_reply_array(p, 0);
        return KEEL_NEXT;
    }
    int64_t now = keel_now_ms(p);
    keel_reply_open(p, KEEL_REPLY_ARRAY);
    for (size_t i = xs_pel_lower(g, lo); count && i < g->npel; i++) {
        const xs_nack *n = &g->pel[i];
        keel_charge(p, 1);
        if (dk_sid_cmp(n->id, hi) > 0) break;
        if (c && n->owner != c) continue;
        int64_t idle = now - n->delivery_time;
        if (minidle && idle < minidle) continue;
        count--;
        keel_reply_array(p, 4);
        xs_reply_id(p, n->id);
        keel_reply_bulk(p, n->owner->name, n->owner->nlen);
        keel_reply_int(p, idle < 0 ? 0 : idle);
        keel_reply_int(p, (int64_t)n->delivery_count);
    }
    keel_reply_close(p);
    return KEEL_NEXT;
}

/* ======== claiming ======== */

/* The consumer argv[3] of g, created (with its event) when missing; its seen time is now. */
static xs_consumer *claimer(keel_proc *p, xs_group *g) {
    const keel_arg *name = &p->argv[3];
    int64_t now = keel_now_ms(p);
    xs_consumer *c = xs_consumer_find(g, name->ptr, name->len);
    if (!c) {
        if (!(c = xs_consumer_add(g, name->ptr, name->len, now))) return NULL;
        keel_notify(p, KEEL_NOTIFY_STREAM, "xgroup-createconsumer", p->argv[1].ptr, p->argv[1].len);
    }
    c->seen_time = now;
    return c;
}

/* Gives record n (entry id, which exists) to consumer name (created when missing), with the
 * delivery time `when` and the count rule of XCLAIM; replies the entry or its ID. */
static bool claim_one(keel_proc *p, xs_stream *s, xs_group *g, xs_consumer **c, xs_nack *n,
                      int64_t when, int64_t retry, bool justid) {
    if (!*c && !(*c = claimer(p, g))) return false;
    if (n->owner != *c) xs_nack_move(n, *c);
    n->delivery_time = when;
    if (retry >= 0)
        n->delivery_count = (uint64_t)retry;
    else if (!justid)
        n->delivery_count++;
    if (justid) {
        xs_reply_id(p, n->id);
    } else {
        dk_sentry e;
        if (dk_stream_get(s->log, n->id, &e))
            xs_reply_entry(p, &e);
        else
            keel_reply_nil(p);
    }
    return true;
}

typedef struct claim_opts {
    int64_t when;  /* -1: now */
    int64_t retry; /* -1: count up */
    bool force, justid;
    dk_sid lastid;
} claim_opts;

/* XCLAIM's options after its IDs (from argv[j]). */
static bool claim_options(keel_proc *p, uint32_t j, int64_t now, claim_opts *o) {
    for (; j < p->argc; j++) {
        bool more = j + 1 < p->argc;
        const keel_arg *opt = &p->argv[j];
        if (keel_arg_is(opt, "FORCE")) {
            o->force = true;
        } else if (keel_arg_is(opt, "JUSTID")) {
            o->justid = true;
        } else if (keel_arg_is(opt, "IDLE") && more) {
            if (!arg_int_or(p, &p->argv[++j], &o->when, "Invalid IDLE option argument for XCLAIM"))
                return false;
            o->when = now - o->when;
        } else if (keel_arg_is(opt, "TIME") && more) {
            if (!arg_int_or(p, &p->argv[++j], &o->when, "Invalid TIME option argument for XCLAIM"))
                return false;
        } else if (keel_arg_is(opt, "RETRYCOUNT") && more) {
            if (!arg_int_or(p, &p->argv[++j], &o->retry,
                            "Invalid RETRYCOUNT option argument for XCLAIM"))
                return false;
        } else if (keel_arg_is(opt, "LASTID") && more) {
            if (!xs_parse_id(p, &p->argv[++j], true, 0, &o->lastid, NULL)) return false;
        } else {
            xs_error(p, "ERR Unrecognized XCLAIM option '%.*s'", (int)opt->len, opt->ptr);
            return false;
        }
    }
    return true;
}

/* Opcode: streams.xclaim
 * XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE]
 * [JUSTID] [LASTID id]: gives the pending entries idle at least min-idle-time to consumer
 * (FORCE: entries not pending too), dropping records of deleted entries; replies the entries
 * claimed (JUSTID: their IDs).  Reductions XS_COST_UPDATE per ID.  May hop, block. */
static keel_op_result op_xclaim(keel_proc *p, const keel_insn *in) {
    (void)in;
    xs_stream *s;
    xs_group *g;
    keel_op_result r = find_group(p, &s, &g);
    if (r != KEEL_NEXT) return r;
    if (!g) return nogroup(p);
    int64_t minidle;
    if (!arg_int_or(p, &p->argv[4], &minidle, "Invalid min-idle-time argument for XCLAIM"))
        return KEEL_FAIL;
    if (minidle < 0) minidle = 0;
    uint32_t j = 5;
    dk_sid id;
    while (j < p->argc && xs_id_scan(&p->argv[j], true, 0, &id, NULL))
        j++;
    uint32_t last_id_arg = j;
    int64_t now = keel_now_ms(p);
    claim_opts o = {.when = -1, .retry = -1};
    if (!claim_options(p, j, now, &o)) return KEEL_FAIL;
    if (dk_sid_cmp(o.lastid, g->last_id) > 0) g->last_id = o.lastid;
    if (o.when < 0 || o.when > now) o.when = now;
    xs_consumer *c = NULL;
    keel_reply_open(p, KEEL_REPLY_ARRAY);
    for (j = 5; j < last_id_arg; j++) {
        xs_id_scan(&p->argv[j], true, 0, &id, NULL);
        keel_charge(p, XS_COST_UPDATE);
        size_t at = xs_pel_lower(g, id);
        xs_nack *n = at < g->npel && dk_sid_cmp(g->pel[at].id, id) == 0 ? &g->pel[at] : NULL;
        dk_sentry e;
        if (!dk_stream_get(s->log, id, &e)) {
            if (n) xs_pel_remove_at(g, at);
            continue;
        }
        bool forced = false;
        if (!n && o.force) {
            if (!c && !(c = claimer(p, g))) return xs_oom(p); /* the record needs it first */
            if (!(n = xs_pel_insert(g, at, id, c, now))) return xs_oom(p);
            forced = true;
        }
        if (!n) continue;
        if (!forced && minidle && now - n->delivery_time < minidle) continue;
        if (!claim_one(p, s, g, &c, n, o.when, o.retry, o.justid)) return xs_oom(p);
    }
    keel_reply_close(p);
    return KEEL_NEXT;
}

/* ======== XAUTOCLAIM ======== */

/* Redis's XAUTOCLAIM looks at COUNT * ATTEMPTS_FACTOR PEL records at most, and takes a COUNT up
 * to LONG_MAX / max(sizeof(streamID), ATTEMPTS_FACTOR) (16). */
#define ATTEMPTS_FACTOR 10
#define AUTOCLAIM_COUNT_MAX (INT64_MAX / 16)

/* XAUTOCLAIM's arguments after the consumer: min-idle-time, start, COUNT, JUSTID. */
typedef struct autoclaim_args {
    int64_t minidle, count;
    dk_sid start;
    bool justid;
} autoclaim_args;

/* Parses them as Redis does; false after replying its error. */
static bool autoclaim_parse(keel_proc *p, autoclaim_args *a) {
    a->count = 100;
    a->justid = false;
    if (!arg_int_or(p, &p->argv[4], &a->minidle, "Invalid min-idle-time argument for XAUTOCLAIM"))
        return false;
    if (a->minidle < 0) a->minidle = 0;
    const keel_arg *sa = &p->argv[5];
    bool ex = sa->len > 1 && sa->ptr[0] == '(';
    keel_arg rest = {sa->ptr + ex, sa->len - ex};
    if (!xs_parse_id(p, &rest, ex, 0, &a->start, NULL)) return false;
    if (ex && !xs_id_incr(&a->start)) {
        xs_error(p, "ERR invalid start ID for the interval");
        return false;
    }
    for (uint32_t j = 6; j < p->argc; j++) {
        if (keel_arg_is(&p->argv[j], "COUNT") && j + 1 < p->argc) {
            if (!keel_arg_i64(&p->argv[j + 1], &a->count) || a->count < 1 ||
                a->count > AUTOCLAIM_COUNT_MAX) {
                xs_error(p, "ERR COUNT must be > 0");
                return false;
            }
            j++;
        } else if (keel_arg_is(&p->argv[j], "JUSTID")) {
            a->justid = true;
        } else {
            xs_syntax(p);
            return false;
        }
    }
    return true;
}

/* A growing array of IDs in the process's arena (a full one is copied to one twice as big: the
 * old block stays in the arena until the process ends, so at most as much again is wasted). */
typedef struct id_list {
    dk_sid *v;
    size_t n, cap;
} id_list;

static void id_push(keel_proc *p, id_list *l, dk_sid id) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        dk_sid *v = keel_proc_alloc(p, sizeof *v * cap);
        if (l->n) memcpy(v, l->v, sizeof *v * l->n);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = id;
}

/* XAUTOCLAIM's progress, kept in the process's arena across yields (r0 points at it): first the
 * walk over the PEL (what to claim, which records name deleted entries), then the claims and
 * their replies, then the deleted IDs' replies. */
enum { AC_WALK, AC_CLAIM, AC_DELETED };
typedef struct autoclaim_state {
    int stage;
    size_t at;        /* AC_WALK: the next PEL record to look at; then the next ID to reply */
    size_t kept;      /* AC_WALK: records [kept, at) are a gap (see autoclaim_walk) */
    int64_t attempts; /* PEL records it may still look at */
    int64_t left;     /* entries it may still claim or drop (COUNT) */
    int64_t now;      /* the command's time, the same after a yield */
    id_list claimed, deleted;
} autoclaim_state;

/* Walks the PEL from st->at: records of deleted entries are dropped (their IDs kept for the
 * reply), those idle long enough are noted for claiming.  The records it keeps are moved down
 * to st->kept as it goes and the gap is closed once, at the end (one move, where dropping each
 * record at once would move the rest of the PEL each time); until then the gap holds stale
 * records, which nothing sees: the key stays held across yields (a snapshot waits for it) and a
 * write is never abandoned.  True when the walk is over (COUNT, the attempts or the PEL ran out);
 * false when the budget ran out first. */
static bool autoclaim_walk(keel_proc *p, const xs_stream *s, xs_group *g, int64_t minidle,
                           autoclaim_state *st) {
    while (st->attempts && st->left && st->at < g->npel) {
        st->attempts--;
        xs_nack *n = &g->pel[st->at++];
        dk_sentry e;
        if (!dk_stream_get(s->log, n->id, &e)) {
            id_push(p, &st->deleted, n->id);
            n->owner->pending--;
            st->left--;
        } else {
            if (!minidle || st->now - n->delivery_time >= minidle) {
                id_push(p, &st->claimed, n->id);
                st->left--;
            }
            g->pel[st->kept++] = *n;
        }
        if (keel_charge(p, XS_COST_UPDATE)) return false;
    }
    size_t next = st->kept; /* the next start: the first record not looked at */
    xs_pel_cut(g, st->kept, st->at);
    st->at = next;
    return true;
}

/* Opcode: streams.xautoclaim
 * XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID]: claims up to n (100)
 * pending entries from start on that are idle enough, looking at 10n records at most, dropping
 * records of deleted entries; replies [next start (0-0 at the end), [entries or IDs],
 * [deleted IDs]].  Registers: r0 = its progress (autoclaim_state in the arena).  Reductions
 * XS_COST_UPDATE per record looked at, XS_COST_ENTRY per entry or ID replied.  May yield (a COUNT
 * of any size is walked, claimed and replied a slice at a time), hop, block. */
static keel_op_result op_xautoclaim(keel_proc *p, const keel_insn *in) {
    (void)in;
    autoclaim_args a;
    if (!autoclaim_parse(p, &a)) return KEEL_FAIL;
    xs_stream *s;
    xs_group *g;
    keel_op_result r = find_group(p, &s, &g);
    if (r != KEEL_NEXT) return r;
    if (!g) return nogroup(p);
    autoclaim_state *st = (autoclaim_state *)p->reg[0].v.ptr;
    if (p->reg[0].type == DK_NULL) {
        st = keel_proc_alloc(p, sizeof *st);
        size_t from = xs_pel_lower(g, a.start);
        *st = (autoclaim_state){.stage = AC_WALK,
                                .at = from,
                                .kept = from,
                                .attempts = a.count * ATTEMPTS_FACTOR,
                                .left = a.count,
                                .now = keel_now_ms(p)};
        p->reg[0] = dk_ptr(st);
        keel_reply_array(p, 3); /* the next start comes first but is known after the walk */
    }
    if (st->stage == AC_WALK) {
        if (!autoclaim_walk(p, s, g, a.minidle, st)) return KEEL_YIELD;
        xs_reply_id(p, st->at < g->npel ? g->pel[st->at].id : (dk_sid){0, 0});
        keel_reply_array(p, st->claimed.n);
        st->stage = AC_CLAIM;
        st->at = 0;
    }
    xs_consumer *c = NULL;
    for (; st->stage == AC_CLAIM && st->at < st->claimed.n; st->at++) {
        xs_nack *n = xs_pel_find(g, st->claimed.v[st->at]);
        if (!n)
            keel_reply_nil(p); /* cannot happen: the key is held, only dropped records went */
        else if (!claim_one(p, s, g, &c, n, st->now, -1, a.justid))
            return xs_oom(p);
        if (keel_charge(p, XS_COST_ENTRY) && st->at + 1 < st->claimed.n) {
            st->at++;
            return KEEL_YIELD;
        }
    }
    if (st->stage == AC_CLAIM) {
        keel_reply_array(p, st->deleted.n);
        st->stage = AC_DELETED;
        st->at = 0;
    }
    for (; st->at < st->deleted.n; st->at++) {
        xs_reply_id(p, st->deleted.v[st->at]);
        if (keel_charge(p, XS_COST_ENTRY) && st->at + 1 < st->deleted.n) {
            st->at++;
            return KEEL_YIELD;
        }
    }
    return KEEL_NEXT;
}

/* ======== tables ======== */

static const keel_opcode_def pending_ops[] = {
    XS_OP("streams.xack", op_xack, "acknowledge argv[3..] in argv[1]'s group argv[2]"),
    XS_OP("streams.xpending", op_xpending, "summary or range of argv[1]'s group argv[2]'s PEL"),
    XS_OP("streams.xclaim", op_xclaim, "claim argv[5..]'s pending entries for argv[3]"),
    XS_OP("streams.xautoclaim", op_xautoclaim, "claim idle pending entries from argv[5] on"),
};

static const keel_insn_def xack_prog[] = {{.op = "streams.xack"}, KEEL_END};
static const keel_insn_def xpending_prog[] = {{.op = "streams.xpending"}, KEEL_END};
static const keel_insn_def xclaim_prog[] = {{.op = "streams.xclaim"}, KEEL_END};
static const keel_insn_def xautoclaim_prog[] = {{.op = "streams.xautoclaim"}, KEEL_END};

static const keel_cmd_def pending_cmds[] = {
    {XS_KEY1, .name = "XACK", .arity = -4, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Acknowledges entries of a group's pending list; replies how many were pending.",
     .syntax = "XACK key group id [id ...]", .program = xack_prog},
    {XS_KEY1, .name = "XPENDING", .arity = -3, .flags = KEEL_CMD_READONLY,
     .summary = "Replies a summary of a group's pending entries, or those in an ID range (IDLE: "
                "idle at least so long; consumer: only its own).",
     .syntax = "XPENDING key group [[IDLE min-idle-time] start end count [consumer]]",
     .program = xpending_prog},
    {XS_KEY1, .name = "XCLAIM", .arity = -6, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Gives pending entries idle at least min-idle-time to another consumer.",
     .syntax = "XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME "
               "unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]",
     .program = xclaim_prog},
    {XS_KEY1, .name = "XAUTOCLAIM", .arity = -6, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Claims pending entries idle at least min-idle-time from start on; replies the "
                "next start, the entries claimed and the IDs of deleted entries dropped.",
     .syntax = "XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]",
     .program = xautoclaim_prog},
};

const keel_family xs_pending_family = KEEL_FAMILY(pending_ops, pending_cmds);
