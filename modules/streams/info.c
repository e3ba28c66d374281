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

/* Where FULL is, in registers, so it can stop wherever the budget runs out and go on after a
 * yield: the stage, the next entry's ID and the entries still allowed, then the group, the part
 * of it being replied, a position in that part (a PEL record, a consumer's record), the consumer,
 * and the group's consumer index (cons_index, in the arena).  Everything is found again by index
 * on resume (a reader's key is held across yields, so nothing moves meanwhile). */
enum { R_STAGE, R_FROM_MS, R_FROM_SEQ, R_LEFT, R_GROUP, R_PART, R_AT, R_CONS, R_INDEX };
enum { STAGE_ENTRIES = 1, STAGE_GROUPS };
enum { PART_HEAD = 0, PART_PEL, PART_INDEX_CONS, PART_INDEX_PEL, PART_CONS_HEAD, PART_CONS_PEL };

/* Each consumer's own records, found in one walk over the group's PEL (walking it once per
 * consumer would cost consumers x records): a hash from consumer to its index in the group, and
 * for consumer i the PEL indexes of its first lim(i) records in order[offs[i] .. + fill[i]). */
typedef struct cons_index {
    size_t mask; /* hash slots - 1 (a power of two minus one) */
    const xs_consumer **slot_cons;
    size_t *slot_at;
    size_t *offs, *fill, *order;
    size_t unplaced; /* records the walk has still to place */
} cons_index;

/* The records of c FULL lists: all its pending ones, or at most count (0: all). */
static size_t cons_limit(const xs_consumer *c, int64_t count) {
    return count && (uint64_t)count < c->pending ? (size_t)count : (size_t)c->pending;
}

static size_t cons_slot(const cons_index *x, const xs_consumer *c) {
    uint64_t h = (uint64_t)(uintptr_t)c * 0x9e3779b97f4a7c15ull;
    size_t i = (size_t)(h ^ (h >> 29)) & x->mask;
    while (x->slot_cons[i] && x->slot_cons[i] != c)
        i = (i + 1) & x->mask;
    return i;
}

/* An empty index for g, in p's arena. */
static cons_index *cons_index_new(keel_proc *p, const xs_group *g) {
    cons_index *x = keel_proc_alloc(p, sizeof *x);
    size_t slots = 2;
    while (slots < g->ncons * 2)
        slots *= 2;
    x->mask = slots - 1;
    x->slot_cons = keel_proc_alloc(p, slots * sizeof *x->slot_cons);
    memset(x->slot_cons, 0, slots * sizeof *x->slot_cons);
    x->slot_at = keel_proc_alloc(p, slots * sizeof *x->slot_at);
    x->offs = keel_proc_alloc(p, (g->ncons + 1) * sizeof *x->offs);
    x->fill = keel_proc_alloc(p, (g->ncons + 1) * sizeof *x->fill);
    x->offs[0] = 0;
    x->order = NULL;
    return x;
}

/* Adds the consumers from r[R_CONS] on to the hash and their shares of order; then allocates
 * order.  False when the budget ran out first. */
static bool cons_index_consumers(keel_proc *p, const xs_group *g, cons_index *x, int64_t count) {
    for (size_t i = (size_t)p->reg[R_CONS].v.i; i < g->ncons; i++) {
        size_t at = cons_slot(x, g->cons[i]);
        x->slot_cons[at] = g->cons[i];
        x->slot_at[at] = i;
        x->offs[i + 1] = x->offs[i] + cons_limit(g->cons[i], count);
        x->fill[i] = 0;
        if (keel_charge(p, XS_COST_ENTRY) && i + 1 < g->ncons) {
            p->reg[R_CONS] = dk_i64((int64_t)i + 1);
            return false;
        }
    }
    x->unplaced = x->offs[g->ncons];
    x->order = keel_proc_alloc(p, (x->unplaced ? x->unplaced : 1) * sizeof *x->order);
    return true;
}

/* Walks the PEL from r[R_AT] placing each record in its consumer's share of order, until every
 * share is full.  False when the budget ran out first. */
static bool cons_index_records(keel_proc *p, const xs_group *g, cons_index *x, int64_t count) {
    for (size_t i = (size_t)p->reg[R_AT].v.i; i < g->npel && x->unplaced; i++) {
        const xs_consumer *c = g->pel[i].owner;
        size_t at = cons_slot(x, c);
        if (x->slot_cons[at] == c) {
            size_t ci = x->slot_at[at];
            if (x->fill[ci] < cons_limit(c, count)) {
                x->order[x->offs[ci] + x->fill[ci]++] = i;
                x->unplaced--;
            }
        }
        if (keel_charge(p, XS_COST_ENTRY) && i + 1 < g->npel) {
            p->reg[R_AT] = dk_i64((int64_t)i + 1);
            return false;
        }
    }
    return true;
}

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

/* The head of consumer c of FULL, up to its "pending" array opened (with its size). */
static void full_consumer_head(keel_proc *p, const xs_consumer *c, size_t listed) {
    keel_reply_map(p, 4);
    field(p, "name");
    keel_reply_bulk(p, c->name, c->nlen);
    field(p, "seen-time");
    keel_reply_int(p, c->seen_time);
    field(p, "pel-count");
    keel_reply_int(p, (int64_t)c->pending);
    field(p, "pending");
    keel_reply_array(p, listed);
}

/* Consumer ci's records from the index, from the r[R_AT]-th on, as [id, delivery time,
 * deliveries]; false when the budget ran out first. */
static bool full_consumer_pel(keel_proc *p, const xs_group *g, const cons_index *x, size_t ci) {
    for (size_t j = (size_t)p->reg[R_AT].v.i; j < x->fill[ci]; j++) {
        const xs_nack *k = &g->pel[x->order[x->offs[ci] + j]];
        keel_reply_array(p, 3);
        xs_reply_id(p, k->id);
        keel_reply_int(p, k->delivery_time);
        keel_reply_int(p, (int64_t)k->delivery_count);
        if (keel_charge(p, XS_COST_ENTRY) && j + 1 < x->fill[ci]) {
            p->reg[R_AT] = dk_i64((int64_t)j + 1);
            return false;
        }
    }
    return true;
}

/* One step of group g (the register R_PART says which part); true when the group is replied. */
static bool full_group_step(keel_proc *p, const xs_stream *s, const xs_group *g, int64_t count) {
    dk_val *r = p->reg;
    cons_index *x = (cons_index *)r[R_INDEX].v.ptr;
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
            x = cons_index_new(p, g);
            r[R_INDEX] = dk_ptr(x);
            r[R_PART] = dk_i64(PART_INDEX_CONS);
            r[R_CONS] = dk_i64(0);
            break;
        case PART_INDEX_CONS:
            if (!cons_index_consumers(p, g, x, count)) return false;
            r[R_PART] = dk_i64(PART_INDEX_PEL);
            r[R_AT] = dk_i64(0);
            break;
        case PART_INDEX_PEL:
            if (!cons_index_records(p, g, x, count)) return false;
            r[R_PART] = dk_i64(PART_CONS_HEAD);
            r[R_CONS] = dk_i64(0);
            break;
        case PART_CONS_HEAD:
            if ((size_t)r[R_CONS].v.i >= g->ncons) return true;
            full_consumer_head(p, g->cons[r[R_CONS].v.i], x->fill[r[R_CONS].v.i]);
            r[R_PART] = dk_i64(PART_CONS_PEL);
            r[R_AT] = dk_i64(0);
            break;
        default: /* PART_CONS_PEL */
            if (!full_consumer_pel(p, g, x, (size_t)r[R_CONS].v.i)) return false;
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
 * all) entries and pending records per group and consumer.  Registers (FULL): r0 .. r8 say
 * where it is (R_STAGE .. R_INDEX above).  Reductions 1 per entry, PEL record looked at and
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

const keel_family xs_info_family = KEEL_FAMILY(info_ops, info_cmds);
