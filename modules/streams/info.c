/* info.c -- looking inside streams: XINFO STREAM [FULL [COUNT n]], GROUPS, CONSUMERS, HELP. */
#include "family.h"
#include "sobj.h"

#include <string.h>

enum { SUB_HELP = 0, SUB_STREAM, SUB_GROUPS, SUB_CONSUMERS };

static const xs_subcmd subs[] = {
    [SUB_HELP] = {"help", 2},
    [SUB_STREAM] = {"stream", -3},
    [SUB_GROUPS] = {"groups", 3},
    [SUB_CONSUMERS] = {"consumers", 4},
};

static const char *const help[] = {
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Print this help.",
};

static void field(keel_proc *p, const char *name) {
    keel_reply_bulk(p, name, strlen(name));
}

/* The fields XINFO STREAM and XINFO STREAM FULL open with. */
static void stream_head(keel_proc *p, const xs_stream *s) {
    field(p, "length");
    keel_reply_int(p, (int64_t)dk_stream_len(s->log));
    field(p, "radix-tree-keys");
    keel_reply_int(p, (int64_t)dk_stream_chunks(s->log));
    field(p, "radix-tree-nodes");
    keel_reply_int(p, (int64_t)dk_stream_chunks(s->log) + 1);
    field(p, "last-generated-id");
    xs_reply_id(p, s->last_id);
    field(p, "max-deleted-entry-id");
    xs_reply_id(p, s->max_deleted);
    field(p, "entries-added");
    keel_reply_int(p, (int64_t)s->entries_added);
    field(p, "recorded-first-entry-id");
    xs_reply_id(p, s->first_id);
}

static void reply_entries_read(keel_proc *p, const xs_group *g) {
    if (g->entries_read != -1)
        keel_reply_int(p, g->entries_read);
    else
        keel_reply_nil(p);
}

static void reply_lag(keel_proc *p, const xs_stream *s, const xs_group *g) {
    int64_t lag;
    if (xs_group_lag(s, g, &lag))
        keel_reply_int(p, lag);
    else
        keel_reply_nil(p);
}

/* A group's last-delivered-id, entries-read and lag fields (XINFO GROUPS and STREAM FULL). */
static void group_position(keel_proc *p, const xs_stream *s, const xs_group *g) {
    field(p, "last-delivered-id");
    xs_reply_id(p, g->last_id);
    field(p, "entries-read");
    reply_entries_read(p, g);
    field(p, "lag");
    reply_lag(p, s, g);
}

static void reply_edge(keel_proc *p, const xs_stream *s, bool last) {
    dk_sid id;
    dk_sentry e;
    if ((last ? dk_stream_last(s->log, &id) : dk_stream_first(s->log, &id)) &&
        dk_stream_get(s->log, id, &e))
        xs_reply_entry(p, &e);
    else
        keel_reply_nil(p);
}

/* ======== XINFO STREAM FULL, a part at a time ======== */

/* Where FULL is, in registers (r0 .. r8), so it can stop wherever the budget runs out and go on
 * after a yield: the stage, the next entry's ID and the entries still allowed, then the group,
 * the part of it being replied, the PEL record, the consumer, and what that consumer may still
 * list and has listed.  Everything is found again by index on resume and checked against the
 * current sizes (a reader's key is held across yields, so nothing should move; nothing breaks if
 * it did). */
enum { R_STAGE, R_FROM_MS, R_FROM_SEQ, R_LEFT, R_GROUP, R_PART, R_AT, R_CONS, R_CLEFT, R_CFOUND };
enum { STAGE_ENTRIES = 1, STAGE_GROUPS };
enum { PART_HEAD = 0, PART_PEL, PART_CONS_HEAD, PART_CONS_PEL };

/* The head of one group of FULL, up to its "pending" array opened: name .. pel-count. */
static void full_group_head(keel_proc *p, const xs_stream *s, const xs_group *g, int64_t count) {
    keel_reply_map(p, 7);
    field(p, "name");
    keel_reply_bulk(p, g->name, g->nlen);
    group_position(p, s, g);
    field(p, "pel-count");
    keel_reply_int(p, (int64_t)g->npel);
    field(p, "pending");
    keel_reply_array(p, count && (uint64_t)count < g->npel ? (size_t)count : g->npel);
}

/* The group's first count (0: all) PEL records from r[R_AT] on, as [id, consumer, delivery time,
 * deliveries]; false when the budget ran out first (r[R_AT] says where to go on). */
static bool full_group_pel(keel_proc *p, const xs_group *g, int64_t count) {
    size_t n = count && (uint64_t)count < g->npel ? (size_t)count : g->npel;
    for (size_t i = (size_t)p->reg[R_AT].v.i; i < n; i++) {
        const xs_nack *k = &g->pel[i];
        keel_reply_array(p, 4);
        xs_reply_id(p, k->id);
        keel_reply_bulk(p, k->owner->name, k->owner->nlen);
        keel_reply_int(p, k->delivery_time);
        keel_reply_int(p, (int64_t)k->delivery_count);
        if (keel_charge(p, XS_COST_ENTRY) && i + 1 < n) {
            p->reg[R_AT] = dk_i64((int64_t)i + 1);
            return false;
        }
    }
    return true;
}

/* The head of consumer c of FULL, up to its "pending" array opened. */
static void full_consumer_head(keel_proc *p, const xs_consumer *c) {
    keel_reply_map(p, 4);
    field(p, "name");
    keel_reply_bulk(p, c->name, c->nlen);
    field(p, "seen-time");
    keel_reply_int(p, c->seen_time);
    field(p, "pel-count");
    keel_reply_int(p, (int64_t)c->pending);
    field(p, "pending");
    keel_reply_open(p, KEEL_REPLY_ARRAY);
}

/* Consumer c's own PEL records, [id, delivery time, deliveries], walking the group's PEL from
 * r[R_AT] until r[R_CLEFT] more were listed (-1: no limit) or all c->pending were; false when
 * the budget ran out first.  Reductions 1 per record looked at. */
static bool full_consumer_pel(keel_proc *p, const xs_group *g, const xs_consumer *c) {
    size_t i = (size_t)p->reg[R_AT].v.i;
    int64_t *left = &p->reg[R_CLEFT].v.i, *found = &p->reg[R_CFOUND].v.i;
    for (; i < g->npel && *left != 0 && (uint64_t)*found < c->pending; i++) {
        const xs_nack *k = &g->pel[i];
        if (k->owner == c) {
            keel_reply_array(p, 3);
            xs_reply_id(p, k->id);
            keel_reply_int(p, k->delivery_time);
            keel_reply_int(p, (int64_t)k->delivery_count);
            if (*left > 0) (*left)--;
            (*found)++;
        }
        if (keel_charge(p, XS_COST_ENTRY) && i + 1 < g->npel) {
            p->reg[R_AT] = dk_i64((int64_t)i + 1);
            return false;
        }
    }
    keel_reply_close(p);
    return true;
}

/* One step of group g (the register R_PART says which part); true when the group is replied. */
static bool full_group_step(keel_proc *p, const xs_stream *s, const xs_group *g, int64_t count) {
    dk_val *r = p->reg;
    for (;;) {
        switch (r[R_PART].v.i) {
        case PART_HEAD:
            full_group_head(p, s, g, count);
            r[R_PART] = dk_i64(PART_PEL);
            r[R_AT] = dk_i64(0);
            break;
        case PART_PEL:
            if (!full_group_pel(p, g, count)) return false;
            field(p, "consumers");
            keel_reply_array(p, g->ncons);
            r[R_PART] = dk_i64(PART_CONS_HEAD);
            r[R_CONS] = dk_i64(0);
            break;
        case PART_CONS_HEAD:
            if ((size_t)r[R_CONS].v.i >= g->ncons) return true;
            full_consumer_head(p, g->cons[r[R_CONS].v.i]);
            r[R_PART] = dk_i64(PART_CONS_PEL);
            r[R_AT] = dk_i64(0);
            r[R_CLEFT] = dk_i64(count ? count : -1);
            r[R_CFOUND] = dk_i64(0);
            break;
        default: /* PART_CONS_PEL */
            if ((size_t)r[R_CONS].v.i >= g->ncons) return true;
            if (!full_consumer_pel(p, g, g->cons[r[R_CONS].v.i])) return false;
            r[R_CONS].v.i++;
            r[R_PART] = dk_i64(PART_CONS_HEAD);
            if (keel_charge(p, XS_COST_ENTRY)) return false;
            break;
        }
    }
}

/* FULL's "groups" from group r[R_GROUP] on; false when the budget ran out first. */
static bool full_groups(keel_proc *p, const xs_stream *s, int64_t count) {
    dk_val *r = p->reg;
    while ((size_t)r[R_GROUP].v.i < s->groups.n) {
        if (!full_group_step(p, s, s->groups.v[r[R_GROUP].v.i], count)) return false;
        r[R_GROUP].v.i++;
        r[R_PART] = dk_i64(PART_HEAD);
    }
    return true;
}

/* XINFO STREAM key FULL [COUNT n]: the head, then the entries, then the groups, yielding
 * wherever the budget runs out (registers above). */
static keel_op_result info_full(keel_proc *p, const xs_stream *s, int64_t count) {
    dk_val *r = p->reg;
    if (r[R_STAGE].type == DK_NULL) {
        keel_reply_map(p, 9);
        stream_head(p, s);
        field(p, "entries");
        keel_reply_open(p, KEEL_REPLY_ARRAY);
        r[R_STAGE] = dk_i64(STAGE_ENTRIES);
        r[R_FROM_MS] = r[R_FROM_SEQ] = dk_u64(0);
        r[R_LEFT] = dk_i64(count ? count : -1);
    }
    if (r[R_STAGE].v.i == STAGE_ENTRIES) {
        dk_sid from = {r[R_FROM_MS].v.u, r[R_FROM_SEQ].v.u};
        bool done = xs_walk(p, s, &from, XS_ID_MAX, false, &r[R_LEFT].v.i, xs_each_reply, NULL);
        r[R_FROM_MS] = dk_u64(from.ms);
        r[R_FROM_SEQ] = dk_u64(from.seq);
        if (!done) return KEEL_YIELD;
        keel_reply_close(p);
        field(p, "groups");
        keel_reply_array(p, s->groups.n);
        r[R_STAGE] = dk_i64(STAGE_GROUPS);
        r[R_GROUP] = dk_i64(0);
        r[R_PART] = dk_i64(PART_HEAD);
    }
    return full_groups(p, s, count) ? KEEL_NEXT : KEEL_YIELD;
}

/* XINFO STREAM's options: FULL [COUNT n] from argv[3]; false after replying the error. */
static bool stream_options(keel_proc *p, bool *full, int64_t *count) {
    *full = p->argc > 3;
    *count = 10;
    if (!*full) return true;
    bool ok = keel_arg_is(&p->argv[3], "FULL");
    if (ok && p->argc == 6 && keel_arg_is(&p->argv[4], "COUNT")) {
        if (!xs_arg_int(p, &p->argv[5], count)) return false;
        if (*count < 0) *count = 10;
    } else if (p->argc != 4) {
        ok = false;
    }
    if (!ok)
        xs_error(p,
                 "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try XINFO "
                 "HELP.",
                 p->argv[1].ptr);
    return ok;
}

static void info_groups(keel_proc *p, const xs_stream *s) {
    keel_reply_array(p, s->groups.n);
    for (size_t i = 0; i < s->groups.n; i++) {
        const xs_group *g = s->groups.v[i];
        keel_reply_map(p, 6);
        field(p, "name");
        keel_reply_bulk(p, g->name, g->nlen);
        field(p, "consumers");
        keel_reply_int(p, (int64_t)g->ncons);
        field(p, "pending");
        keel_reply_int(p, (int64_t)g->npel);
        group_position(p, s, g);
    }
}

static keel_op_result info_consumers(keel_proc *p, const xs_stream *s) {
    const keel_arg *key = &p->argv[2], *name = &p->argv[3];
    const xs_group *g = xs_group_find(&s->groups, name->ptr, name->len);
    if (!g)
        return xs_error(p, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                        (int)name->len, name->ptr, (int)key->len, key->ptr);
    int64_t now = keel_now_ms(p);
    keel_reply_array(p, g->ncons);
    for (size_t i = 0; i < g->ncons; i++) {
        const xs_consumer *c = g->cons[i];
        int64_t idle = now - c->seen_time;
        keel_reply_map(p, 3);
        field(p, "name");
        keel_reply_bulk(p, c->name, c->nlen);
        field(p, "pending");
        keel_reply_int(p, (int64_t)c->pending);
        field(p, "idle");
        keel_reply_int(p, idle < 0 ? 0 : idle);
    }
    return KEEL_NEXT;
}

/* Opcode: streams.xinfo
 * XINFO STREAM key [FULL [COUNT n]] | GROUPS key | CONSUMERS key group | HELP, with Redis 7.0's
 * fields (radix-tree-keys and -nodes describe dk_stream's chunks).  FULL lists at most n (10; 0:
 * all) entries and pending records per group and consumer.  Registers (FULL): r0 .. r9 say
 * where it is (R_STAGE .. R_CFOUND above).  Reductions 1 per entry, PEL record looked at and
 * consumer.  May yield (FULL: anywhere in its entries, PEL records and consumers), hop, block. */
static keel_op_result op_xinfo(keel_proc *p, const keel_insn *in) {
    (void)in;
    int sub = xs_subcommand(p, "xinfo", subs, sizeof subs / sizeof subs[0]);
    if (sub < 0) return KEEL_FAIL;
    if (sub == SUB_HELP) {
        xs_reply_help(p, help, sizeof help / sizeof help[0]);
        return KEEL_NEXT;
    }
    xs_stream *s = NULL;
    keel_status st = xs_find(p, &p->argv[2], &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return xs_wrongtype(p);
    if (st == KEEL_NOTFOUND) return xs_error(p, "ERR no such key");
    if (sub == SUB_GROUPS) {
        info_groups(p, s);
        return KEEL_NEXT;
    }
    if (sub == SUB_CONSUMERS) return info_consumers(p, s);
    bool full;
    int64_t count;
    if (!stream_options(p, &full, &count)) return KEEL_FAIL;
    if (!full) {
        keel_reply_map(p, 10);
        stream_head(p, s);
        field(p, "groups");
        keel_reply_int(p, (int64_t)s->groups.n);
        field(p, "first-entry");
        reply_edge(p, s, false);
        field(p, "last-entry");
        reply_edge(p, s, true);
        return KEEL_NEXT;
    }
    return info_full(p, s, count);
}

/* Keys: argv[2] for every subcommand but HELP. */
static int xinfo_keys(int argc, const keel_arg *argv, int *pos, int max) {
    if (argc < 3 || keel_arg_is(&argv[1], "HELP") || max < 1) return 0;
    pos[0] = 2;
    return 1;
}

static const keel_opcode_def info_ops[] = {
    XS_OP("streams.xinfo", op_xinfo, "XINFO argv[1] of argv[2]; r1/r2 = FULL's next entry"),
};

static const keel_insn_def xinfo_prog[] = {{.op = "streams.xinfo"}, KEEL_END};

static const keel_cmd_def info_cmds[] = {
    {XS_CMD, .name = "XINFO", .arity = -2, .flags = KEEL_CMD_READONLY, .keys = xinfo_keys,
     .summary = "Describes a stream (FULL: with its entries, groups and pending lists), its "
                "consumer groups, or a group's consumers.",
     .syntax = "XINFO STREAM key [FULL [COUNT count]] | GROUPS key | CONSUMERS key group | HELP",
     .program = xinfo_prog},
};

const xs_family xs_info_family = XS_FAMILY(info_ops, info_cmds);
