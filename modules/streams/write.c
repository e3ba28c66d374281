/* write.c -- adding and removing entries: XADD, XDEL, XTRIM, XSETID, and XLEN. */
#include "family.h"
#include "sobj.h"
#include "trim.h"

#include <stdio.h>
#include <string.h>

/* ======== XADD ======== */

/* The ID XADD gives the next entry (Redis's streamAppendItem rules): false when it would not be
 * greater than the stream's last ID. */
static bool next_id(keel_proc *p, const xs_stream *s, const xs_trim_args *a, dk_sid *id) {
    if (a->id_given && a->seq_given) {
        *id = a->id;
    } else if (a->id_given) { /* ms-*: the next seq of that ms, or 0 for a new ms */
        if (s->last_id.ms == a->id.ms) {
            if (s->last_id.seq == UINT64_MAX) return false;
            *id = (dk_sid){a->id.ms, s->last_id.seq + 1};
        } else {
            *id = (dk_sid){a->id.ms, 0};
        }
    } else { /* *: the clock, never behind the last ID even when the clock goes back */
        int64_t now = keel_now_ms(p);
        uint64_t ms = now > 0 ? (uint64_t)now : 0;
        *id = s->last_id;
        if (ms > s->last_id.ms)
            *id = (dk_sid){ms, 0};
        else if (!xs_id_incr(id))
            return false;
    }
    return dk_sid_cmp(*id, s->last_id) > 0;
}

/* Appends the entry of argv[first..] to s with the ID next_id gives: KEEL_NEXT, or a failure
 * replied. */
static keel_op_result append(keel_proc *p, xs_stream *s, const xs_trim_args *a, uint32_t first,
                             dk_sid *id) {
    if (s->last_id.ms == UINT64_MAX && s->last_id.seq == UINT64_MAX)
        return xs_error(p, "ERR The stream has exhausted the last possible ID, unable to add "
                           "more items");
    if (!next_id(p, s, a, id))
        return xs_error(p, "ERR The ID specified in XADD is equal or smaller than the target "
                           "stream top item");
    size_t npairs = (p->argc - first) / 2;
    dk_sbytes *fv = keel_proc_alloc(p, 2 * npairs * sizeof *fv);
    for (size_t i = 0; i < 2 * npairs; i++)
        fv[i] = (dk_sbytes){p->argv[first + i].ptr, p->argv[first + i].len};
    if (dk_stream_append(s->log, *id, fv, npairs) != 0) return xs_oom(p);
    s->last_id = *id;
    s->entries_added++;
    if (dk_stream_len(s->log) == 1) s->first_id = *id;
    keel_charge(p, (int64_t)npairs);
    return KEEL_NEXT;
}

/* What the append-only log replays for an XADD that appended (entry id, as text) and trimmed
 * `trimmed` entries: the entry with its ID spelt out (so "*" and "ms-*" replay alike), and an exact
 * MAXLEN to the length it left (so "~", which depends on chunk boundaries, replays alike). */
static void log_xadd(keel_proc *p, const xs_stream *s, uint32_t first, keel_arg id,
                     int64_t trimmed) {
    keel_arg *v = keel_proc_alloc(p, sizeof *v * (p->argc - first + 6));
    uint32_t n = 0;
    v[n++] = p->argv[0];
    v[n++] = p->argv[1];
    if (trimmed > 0) {
        char *len = keel_proc_alloc(p, 24);
        v[n++] = (keel_arg){"MAXLEN", 6};
        v[n++] = (keel_arg){"=", 1};
        v[n++] = (keel_arg){
            len, (size_t)snprintf(len, 24, "%llu", (unsigned long long)dk_stream_len(s->log))};
    }
    v[n++] = id;
    for (uint32_t i = first; i < p->argc; i++)
        v[n++] = p->argv[i];
    keel_proc_log_as(p, n, v);
}

/* Opcode: streams.xadd
 * XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value
 * [field value ...]: appends an entry (creating the stream unless NOMKSTREAM: then nil for a
 * missing key), then trims; replies the new ID.  Registers: r0 = appended (null before),
 * r1 = entries trimmed, r2/r3 = the new ID's ms and seq.  Reductions 1 per pair, 1 per entry
 * trimmed (2 per chunk).  May yield (trimming), hop, block. */
static keel_op_result op_xadd(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    xs_trim_args a;
    int at = xs_trim_parse(p, true, &a);
    if (at < 0) return KEEL_FAIL;
    uint32_t first = (uint32_t)at + 1;
    if (first > p->argc || p->argc - first < 2 || (p->argc - first) % 2)
        return xs_error(p, "ERR wrong number of arguments for 'xadd' command");
    if (a.id_given && a.seq_given && xs_id_zero(a.id))
        return xs_error(p, "ERR The ID specified in XADD must be greater than 0-0");
    xs_stream *s = NULL;
    keel_status st = xs_find(p, key, &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return xs_wrongtype(p);
    if (p->reg[0].type == DK_NULL) {
        if (st == KEEL_NOTFOUND) {
            if (a.nomkstream) {
                keel_proc_log_as(p, 0, NULL); /* nothing changed */
                keel_reply_nil(p);
                return KEEL_NEXT;
            }
            if (xs_create(p, key, &s) != KEEL_OK) return xs_oom(p);
            st = KEEL_OK;
        }
        dk_sid id;
        keel_op_result r = append(p, s, &a, first, &id);
        if (r != KEEL_NEXT) return r;
        p->reg[0] = dk_i64(1);
        p->reg[1] = dk_i64(0);
        p->reg[2] = dk_u64(id.ms);
        p->reg[3] = dk_u64(id.seq);
        keel_notify(p, KEEL_NOTIFY_STREAM, "xadd", key->ptr, key->len);
    }
    if (a.strategy != XS_TRIM_NONE) {
        if (!xs_trim_run(p, s, &a, &p->reg[1].v.i)) return KEEL_YIELD;
        if (p->reg[1].v.i > 0) keel_notify(p, KEEL_NOTIFY_STREAM, "xtrim", key->ptr, key->len);
    }
    /* the ID's text, written once for the log and the reply */
    char *text = keel_proc_alloc(p, XS_ID_TEXT_MAX);
    keel_arg id = {text, xs_id_text((dk_sid){p->reg[2].v.u, p->reg[3].v.u}, text)};
    log_xadd(p, s, first, id, p->reg[1].v.i);
    keel_key_signal(p, key->ptr, key->len); /* wake XREAD / XREADGROUP BLOCK */
    keel_reply_bulk(p, id.ptr, id.len);
    return KEEL_NEXT;
}

/* Looks argv[1] up for XDEL and XTRIM: KEEL_NEXT with *s, or KEEL_NEXT with *s NULL after
 * replying 0 for a missing key (the key is locked from the first run on, so it cannot go between
 * yields), or WRONGTYPE replied, or a KEEL_MOVED/KEEL_WAIT passed on. */
static keel_op_result find_or_zero(keel_proc *p, xs_stream **s) {
    *s = NULL;
    keel_status st = xs_find(p, &p->argv[1], s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return xs_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        *s = NULL;
        keel_reply_int(p, 0);
    }
    return KEEL_NEXT;
}

/* ======== XDEL ======== */

/* Opcode: streams.xdel
 * XDEL key id [id ...]: every ID is checked first; deletes the entries, keeping the stream
 * (empty or not); replies how many existed.  Registers: r0 = argv index of the next ID,
 * r1 = deleted, r2 = the first entry went.  Reductions XS_COST_UPDATE per ID.  May yield, hop,
 * block. */
static keel_op_result op_xdel(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    xs_stream *s;
    keel_op_result r = find_or_zero(p, &s);
    if (r != KEEL_NEXT || !s) return r;
    dk_sid id;
    if (p->reg[0].type == DK_NULL) {
        for (uint32_t i = 2; i < p->argc; i++)
            if (!xs_parse_id(p, &p->argv[i], true, 0, &id, NULL)) return KEEL_FAIL;
        p->reg[0] = dk_i64(2);
        p->reg[1] = p->reg[2] = dk_i64(0);
    }
    while ((uint32_t)p->reg[0].v.i < p->argc) {
        xs_parse_id(p, &p->argv[p->reg[0].v.i++], true, 0, &id, NULL);
        if (dk_stream_del(s->log, id)) {
            if (dk_sid_cmp(id, s->first_id) == 0) p->reg[2].v.i = 1;
            if (dk_sid_cmp(id, s->max_deleted) > 0) s->max_deleted = id;
            p->reg[1].v.i++;
        }
        if (keel_charge(p, XS_COST_UPDATE) && (uint32_t)p->reg[0].v.i < p->argc) return KEEL_YIELD;
    }
    if (p->reg[1].v.i) {
        if (dk_stream_len(s->log) == 0)
            s->first_id = (dk_sid){0, 0};
        else if (p->reg[2].v.i)
            s->first_id = xs_first_live(s);
        keel_notify(p, KEEL_NOTIFY_STREAM, "xdel", key->ptr, key->len);
    }
    keel_reply_int(p, p->reg[1].v.i);
    return KEEL_NEXT;
}

/* ======== XTRIM ======== */

/* Opcode: streams.xtrim
 * XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]: trims the oldest entries (a missing key
 * answers 0 before the options are read, as in Redis); replies how many went.  Registers:
 * r0 = entries trimmed (null before).  Reductions 1 per entry, 2 per whole chunk.  May yield,
 * hop, block. */
static keel_op_result op_xtrim(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    xs_stream *s;
    keel_op_result r = find_or_zero(p, &s);
    if (r != KEEL_NEXT || !s) return r;
    xs_trim_args a;
    if (xs_trim_parse(p, false, &a) < 0) return KEEL_FAIL;
    if (p->reg[0].type == DK_NULL) p->reg[0] = dk_i64(0);
    if (!xs_trim_run(p, s, &a, &p->reg[0].v.i)) return KEEL_YIELD;
    if (p->reg[0].v.i > 0) keel_notify(p, KEEL_NOTIFY_STREAM, "xtrim", key->ptr, key->len);
    if (p->reg[0].v.i == 0) {
        keel_proc_log_as(p, 0, NULL); /* nothing changed */
    } else if (a.approx) {            /* "~" depends on chunk boundaries: log the exact result */
        char len[24];
        keel_arg v[5] = {p->argv[0], *key, {"MAXLEN", 6}, {"=", 1}, {len, 0}};
        v[4].len =
            (size_t)snprintf(len, sizeof len, "%llu", (unsigned long long)dk_stream_len(s->log));
        keel_proc_log_as(p, 5, v);
    }
    keel_reply_int(p, p->reg[0].v.i);
    return KEEL_NEXT;
}

/* ======== XSETID ======== */

/* Opcode: streams.xsetid
 * XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]: sets the
 * stream's last ID and counters, refusing a last ID below its newest entry or max deleted ID.
 * Replies OK.  Reductions 1.  May hop, block. */
static keel_op_result op_xsetid(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    dk_sid id, maxdel = {0, 0};
    int64_t added = -1;
    if (!xs_parse_id(p, &p->argv[2], true, 0, &id, NULL)) return KEEL_FAIL;
    for (uint32_t i = 3; i < p->argc; i += 2) {
        bool more = i + 1 < p->argc;
        if (keel_arg_is(&p->argv[i], "ENTRIESADDED") && more) {
            if (!xs_arg_int(p, &p->argv[i + 1], &added)) return KEEL_FAIL;
            if (added < 0) return xs_error(p, "ERR entries_added must be positive");
        } else if (keel_arg_is(&p->argv[i], "MAXDELETEDID") && more) {
            if (!xs_parse_id(p, &p->argv[i + 1], true, 0, &maxdel, NULL)) return KEEL_FAIL;
            if (dk_sid_cmp(id, maxdel) < 0)
                return xs_error(p, "ERR The ID specified in XSETID is smaller than the provided "
                                   "max_deleted_entry_id");
        } else {
            return xs_syntax(p);
        }
    }
    xs_stream *s = NULL;
    keel_status st = xs_find(p, key, &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return xs_wrongtype(p);
    if (st == KEEL_NOTFOUND) return xs_error(p, "ERR no such key");
    dk_sid top;
    if (dk_stream_last(s->log, &top)) {
        if (dk_sid_cmp(id, top) < 0)
            return xs_error(p, "ERR The ID specified in XSETID is smaller than the target "
                               "stream top item");
        if (added != -1 && dk_stream_len(s->log) > (uint64_t)added)
            return xs_error(p, "ERR The entries_added specified in XSETID is smaller than the "
                               "target stream length");
    }
    s->last_id = id;
    if (added != -1) s->entries_added = (uint64_t)added;
    if (!xs_id_zero(maxdel)) s->max_deleted = maxdel;
    keel_notify(p, KEEL_NOTIFY_STREAM, "xsetid", key->ptr, key->len);
    keel_reply_ok(p);
    return KEEL_NEXT;
}

/* ======== XLEN ======== */

/* Opcode: streams.xlen
 * XLEN key: the number of entries (0 for a missing key).  Reductions 1.  May hop, block. */
static keel_op_result op_xlen(keel_proc *p, const keel_insn *in) {
    (void)in;
    xs_stream *s = NULL;
    keel_status st = xs_find(p, &p->argv[1], &s);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return xs_wrongtype(p);
    keel_reply_int(p, st == KEEL_NOTFOUND ? 0 : (int64_t)dk_stream_len(s->log));
    return KEEL_NEXT;
}

/* ======== tables ======== */

static const keel_opcode_def write_ops[] = {
    XS_OP("streams.xadd", op_xadd, "append argv's entry to argv[1], then trim; r0..r3 = progress"),
    XS_OP("streams.xdel", op_xdel, "delete argv[2..] from argv[1]: r0 = next, r1 = deleted"),
    XS_OP("streams.xtrim", op_xtrim, "trim argv[1] as argv says: r0 = trimmed"),
    XS_OP("streams.xsetid", op_xsetid, "set argv[1]'s last ID and counters"),
    XS_OP("streams.xlen", op_xlen, "reply argv[1]'s entry count"),
};

static const keel_insn_def xadd_prog[] = {{.op = "streams.xadd"}, KEEL_END};
static const keel_insn_def xdel_prog[] = {{.op = "streams.xdel"}, KEEL_END};
static const keel_insn_def xtrim_prog[] = {{.op = "streams.xtrim"}, KEEL_END};
static const keel_insn_def xsetid_prog[] = {{.op = "streams.xsetid"}, KEEL_END};
static const keel_insn_def xlen_prog[] = {{.op = "streams.xlen"}, KEEL_END};

static const keel_cmd_def write_cmds[] = {
    {XS_KEY1, .name = "XADD", .arity = -5,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Appends an entry to a stream (creating it unless NOMKSTREAM), trimming it "
                "with MAXLEN or MINID; replies the new entry's ID.",
     .syntax = "XADD key [NOMKSTREAM] [MAXLEN | MINID [= | ~] threshold [LIMIT count]] * | id "
               "field value [field value ...]",
     .program = xadd_prog},
    {XS_KEY1, .name = "XDEL", .arity = -3, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "Deletes entries by ID; replies how many existed.",
     .syntax = "XDEL key id [id ...]", .program = xdel_prog},
    {XS_KEY1, .name = "XTRIM", .arity = -4, .flags = KEEL_CMD_WRITE,
     .summary = "Removes the oldest entries beyond MAXLEN or below MINID (~: whole chunks "
                "only); replies how many went.",
     .syntax = "XTRIM key MAXLEN | MINID [= | ~] threshold [LIMIT count]", .program = xtrim_prog},
    {XS_KEY1, .name = "XSETID", .arity = -3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_FAST,
     .summary = "Sets a stream's last-generated ID (and entries-added, max-deleted ID).",
     .syntax = "XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
     .program = xsetid_prog},
    {XS_KEY1, .name = "XLEN", .arity = 2, .flags = KEEL_CMD_READONLY | KEEL_CMD_FAST,
     .summary = "Replies the number of entries in a stream.", .syntax = "XLEN key",
     .program = xlen_prog},
};

const keel_family xs_write_family = KEEL_FAMILY(write_ops, write_cmds);
