/* info.c -- looking inside streams: XINFO STREAM [FULL [COUNT n]], GROUPS, CONSUMERS, HELP. */
#include "family.h"
#include "sobj.h"

#include <string.h>

enum { SUB_HELP = 0, SUB_STREAM, SUB_GROUPS, SUB_CONSUMERS };

static const struct {
    const char *name;
    int arity;
} subs[] = {
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

static int subcommand(keel_proc *p) {
    for (int i = 0; i < (int)(sizeof subs / sizeof subs[0]); i++) {
        if (!keel_arg_is(&p->argv[1], subs[i].name)) continue;
        int ar = subs[i].arity;
        if ((ar > 0 && (int)p->argc != ar) || (ar < 0 && (int)p->argc < -ar)) {
            xs_error(p, "ERR wrong number of arguments for 'xinfo|%s' command", subs[i].name);
            return -1;
        }
        return i;
    }
    xs_error(p, "ERR unknown subcommand '%.128s'. Try XINFO HELP.", p->argv[1].ptr);
    return -1;
}

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

static void reply_edge(keel_proc *p, const xs_stream *s, bool last) {
    dk_sid id;
    dk_sentry e;
    if ((last ? dk_stream_last(s->log, &id) : dk_stream_first(s->log, &id)) &&
        dk_stream_get(s->log, id, &e))
        xs_reply_entry(p, &e);
    else
        keel_reply_nil(p);
}

/* One group of XINFO STREAM FULL, with at most count (0: all) pending records. */
static void full_group(keel_proc *p, const xs_stream *s, const xs_group *g, int64_t count) {
    keel_reply_map(p, 7);
    field(p, "name");
    keel_reply_bulk(p, g->name, g->nlen);
    field(p, "last-delivered-id");
    xs_reply_id(p, g->last_id);
    field(p, "entries-read");
    reply_entries_read(p, g);
    field(p, "lag");
    reply_lag(p, s, g);
    field(p, "pel-count");
    keel_reply_int(p, (int64_t)g->npel);
    field(p, "pending");
    size_t n = count && (uint64_t)count < g->npel ? (size_t)count : g->npel;
    keel_reply_array(p, n);
    for (size_t i = 0; i < n; i++) {
        const xs_nack *k = &g->pel[i];
        keel_reply_array(p, 4);
        xs_reply_id(p, k->id);
        keel_reply_bulk(p, k->owner->name, k->owner->nlen);
        keel_reply_int(p, k->delivery_time);
        keel_reply_int(p, (int64_t)k->delivery_count);
    }
    field(p, "consumers");
    keel_reply_array(p, g->ncons);
    for (size_t c = 0; c < g->ncons; c++) {
        const xs_consumer *k = g->cons[c];
        keel_reply_map(p, 4);
        field(p, "name");
        keel_reply_bulk(p, k->name, k->nlen);
        field(p, "seen-time");
        keel_reply_int(p, k->seen_time);
        field(p, "pel-count");
        keel_reply_int(p, (int64_t)k->pending);
        field(p, "pending");
        keel_reply_open(p, KEEL_REPLY_ARRAY);
        int64_t left = count ? count : -1;
        for (size_t i = 0; i < g->npel && left != 0; i++) {
            if (g->pel[i].owner != k) continue;
            keel_reply_array(p, 3);
            xs_reply_id(p, g->pel[i].id);
            keel_reply_int(p, g->pel[i].delivery_time);
            keel_reply_int(p, (int64_t)g->pel[i].delivery_count);
            if (left > 0) left--;
        }
        keel_reply_close(p);
        keel_charge(p, (int64_t)g->npel);
    }
    keel_charge(p, (int64_t)(n + g->ncons));
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
        field(p, "last-delivered-id");
        xs_reply_id(p, g->last_id);
        field(p, "entries-read");
        reply_entries_read(p, g);
        field(p, "lag");
        reply_lag(p, s, g);
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
 * all) entries and pending records per group and consumer.  Registers (FULL): r0 = started,
 * r1/r2 = the next entry's ID, r3 = entries left.  Reductions 1 per entry and record.  May
 * yield (FULL's entries), hop, block. */
static keel_op_result op_xinfo(keel_proc *p, const keel_insn *in) {
    (void)in;
    int sub = subcommand(p);
    if (sub < 0) return KEEL_FAIL;
    if (sub == SUB_HELP) {
        keel_reply_array(p, sizeof help / sizeof help[0]);
        for (size_t i = 0; i < sizeof help / sizeof help[0]; i++)
            keel_reply_simple(p, help[i]);
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
    if (p->reg[0].type == DK_NULL) {
        keel_reply_map(p, 9);
        stream_head(p, s);
        field(p, "entries");
        keel_reply_open(p, KEEL_REPLY_ARRAY);
        p->reg[0] = dk_i64(1);
        p->reg[1] = p->reg[2] = dk_u64(0);
        p->reg[3] = dk_i64(count ? count : -1);
    }
    dk_sid from = {p->reg[1].v.u, p->reg[2].v.u};
    bool done = xs_walk(p, s, &from, XS_ID_MAX, false, &p->reg[3].v.i, xs_each_reply, NULL);
    p->reg[1] = dk_u64(from.ms);
    p->reg[2] = dk_u64(from.seq);
    if (!done) return KEEL_YIELD;
    keel_reply_close(p);
    field(p, "groups");
    keel_reply_array(p, s->groups.n);
    for (size_t i = 0; i < s->groups.n; i++)
        full_group(p, s, s->groups.v[i], count);
    return KEEL_NEXT;
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
