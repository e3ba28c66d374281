/* merge.c -- PFMERGE (alias HLLMERGE): the union of sketches stored at a destination, atomically
 * across shards; and HLL.MERGEREPLY, which chooses what PFMERGE replies. */
#include "family.h"
#include "hllobj.h"
#include "union.h"

#include <string.h>

/* What PFMERGE replies follows the connection's dialect: OK in the redis dialect (Redis's),
 * the merged count in the keel dialect.  The option "hll.merge_reply" ("ok" or "count"), which
 * a network sets in the config ("options") and a client with HLL.MERGEREPLY, overrides it for
 * PFMERGE alone.  PFMERGE reads the values its connection had when the request came, on
 * whatever thread it runs. */
#define MERGE_REPLY_OPTION "hll.merge_reply"

static bool merge_reply_ok(keel_proc *p) {
    const char *v = keel_proc_option(p, MERGE_REPLY_OPTION);
    return v ? !strcmp(v, "ok") : !keel_proc_dialect_keel(p);
}

/* Opcode: hll.merge
 * PFMERGE destkey [sourcekey ...]: merges the sketches of every key (the destination's own
 * included, as Redis) and stores the union at destkey, keeping its TTL; replies OK (redis
 * dialect) or the merged count (keel dialect, or after HLL.MERGEREPLY COUNT).  Every key stays
 * locked throughout, so across shards too no one sees a half-merged destination.  A key that is not
 * a HyperLogLog fails the command with WRONGTYPE before anything changes.  Registers: r0 = the
 * union walk (arena; its sketch is malloc'd and handed to the keyspace or freed before the opcode
 * finishes).  Reductions PF_COST_SKETCH per key.  May yield, hop and block. */
static keel_op_result op_merge(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->reg[0].type == DK_NULL) p->reg[0] = dk_ptr(pf_union_new(p));
    pf_union *u = (pf_union *)p->reg[0].v.ptr;
    keel_op_result r = pf_union_walk(p, u);
    if (r == KEEL_NEXT && u->err_argi) r = pf_fail(p, u->err);
    if (r == KEEL_NEXT) {
        keel_arg k;
        keel_status st = keel_key_nth(p, u->dest, &k, NULL); /* to the destination's thread */
        KEEL_OP_PROPAGATE(st);
        keel_value v = {.size = sizeof v};
        st = keel_key_lookup(p, k.ptr, k.len, &v);
        KEEL_OP_PROPAGATE(st);
        int64_t count = (int64_t)dk_hll_count(u->acc);
        /* Redis reads every key, the destination too, as a read command: a miss is a keymiss */
        for (uint32_t argi = 1; argi < p->argc; argi++)
            if (u->missing[argi])
                keel_notify(p, KEEL_NOTIFY_KEYMISS, "keymiss", p->argv[argi].ptr,
                            p->argv[argi].len);
        st = pf_store(p, k.ptr, k.len, u->acc, st == KEEL_OK);
        u->acc = NULL;
        if (st != KEEL_OK) {
            r = pf_fail(p, KEEL_ENOMEM);
        } else if (merge_reply_ok(p)) {
            keel_reply_ok(p);
        } else {
            keel_reply_int(p, count);
        }
        if (st == KEEL_OK) keel_notify(p, KEEL_NOTIFY_STRING, "pfadd", k.ptr, k.len);
    }
    if (r == KEEL_NEXT || r == KEEL_FAIL) pf_union_free(u);
    return r;
}

/* Opcode: hll.mergereply
 * HLL.MERGEREPLY [COUNT | OK]: sets what PFMERGE replies on this connection from its next
 * request on, and replies OK; without an argument replies the current choice.  Reductions 1. */
static keel_op_result op_mergereply(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->argc == 1) {
        keel_reply_simple(p, merge_reply_ok(p) ? "ok" : "count");
        return KEEL_NEXT;
    }
    keel_conn *c = keel_proc_conn(p);
    if (p->argc == 2 && keel_arg_is(&p->argv[1], "OK")) {
        keel_conn_option_set(c, MERGE_REPLY_OPTION, "ok");
    } else if (p->argc == 2 && keel_arg_is(&p->argv[1], "COUNT")) {
        keel_conn_option_set(c, MERGE_REPLY_OPTION, "count");
    } else {
        keel_reply_error(p, "ERR syntax error: HLL.MERGEREPLY [COUNT | OK]");
        return KEEL_FAIL;
    }
    keel_reply_ok(p);
    return KEEL_NEXT;
}

static const keel_opcode_def merge_ops[] = {
    PF_OP("hll.merge", op_merge, "store the union of every key's sketch at argv[1]"),
    {.size = sizeof(keel_opcode_def),
     .name = "hll.mergereply",
     .fn = op_mergereply,
     .synopsis = "choose PFMERGE's reply: COUNT or OK",
     .cost = 1},
};

static const keel_insn_def pfmerge_prog[] = {{.op = "hll.merge"}, KEEL_END};
static const keel_insn_def mergereply_prog[] = {{.op = "hll.mergereply"}, KEEL_END};
static const char *const pfmerge_aliases[] = {"HLLMERGE", NULL};

static const keel_cmd_def merge_cmds[] = {
    {PF_CMD, .name = "PFMERGE", .aliases = pfmerge_aliases, .arity = -2,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_MULTIKEY, .first_key = 1, .last_key = -1,
     .key_step = 1,
     .summary = "Stores the union of HyperLogLogs (the destination's included) at destkey, "
                "atomically across shards; replies the merged count (Redis: OK; see "
                "HLL.MERGEREPLY).",
     .syntax = "PFMERGE destkey [sourcekey ...]", .program = pfmerge_prog},
    {PF_CMD, .name = "HLL.MERGEREPLY", .arity = -1, .flags = KEEL_CMD_CONN | KEEL_CMD_FAST,
     .summary = "Chooses what PFMERGE replies on this connection: the merged count (COUNT, Keel's "
                "default) or OK (Redis's); a network's clients start with its config option "
                "hll.merge_reply; without an argument, replies the choice.",
     .syntax = "HLL.MERGEREPLY [COUNT | OK]", .program = mergereply_prog},
};

const keel_family pf_merge_family = KEEL_FAMILY(merge_ops, merge_cmds);
