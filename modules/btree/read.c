/* read.c -- questions about one table answered in O(log n): BTGET, BTCARD, BTRANK. */
#include "btobj.h"
#include "family.h"

enum { RD_GET = 0, RD_CARD, RD_RANK };

/* Opcode: btree.read
 * By imm: BTGET key sortkey (the row's value, or nil), BTCARD key (rows, 0 when absent),
 * BTRANK key sortkey [REV] (the row's position from the lowest key, REV: from the highest, or
 * nil).  No registers.  May hop and block. */
static keel_op_result op_read(keel_proc *p, const keel_insn *in) {
    int imm = (int)in->imm;
    bool rev = false;
    if (imm == RD_RANK && p->argc > 3) {
        if (p->argc > 4 || !keel_arg_is(&p->argv[3], "REV")) return bt_error(p, "ERR syntax error");
        rev = true;
    }
    const keel_arg *key = &p->argv[1];
    dk_map *t = NULL;
    keel_status st = bt_find(p, key->ptr, key->len, &t);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return bt_wrongtype(p);
    if (st == KEEL_NOTFOUND) {
        if (imm == RD_CARD)
            keel_reply_int(p, 0);
        else
            keel_reply_nil(p);
        return KEEL_NEXT;
    }
    if (imm == RD_CARD) {
        keel_reply_int(p, (int64_t)dk_map_count(t));
        return KEEL_NEXT;
    }
    dk_val k = bt_parse_box(p->argv[2].ptr, p->argv[2].len), v;
    if (imm == RD_GET) {
        if (dk_map_get(t, &k, &v))
            bt_reply_row(p, &v);
        else
            keel_reply_nil(p);
        return KEEL_NEXT;
    }
    bool found = false;
    uint64_t r = dk_map_rank(t, &k, &found);
    if (!found)
        keel_reply_nil(p);
    else
        keel_reply_int(p, (int64_t)(rev ? dk_map_count(t) - 1 - r : r));
    return KEEL_NEXT;
}

static const keel_opcode_def read_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "btree.read",
     .fn = op_read,
     .synopsis = "BTGET BTCARD BTRANK (imm) of argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def get_prog[] = {{.op = "btree.read", .imm = RD_GET}, KEEL_END};
static const keel_insn_def card_prog[] = {{.op = "btree.read", .imm = RD_CARD}, KEEL_END};
static const keel_insn_def rank_prog[] = {{.op = "btree.read", .imm = RD_RANK}, KEEL_END};

#define READS KEEL_CMD_READONLY | KEEL_CMD_FAST
static const keel_cmd_def read_cmds[] = {
    {BT_KEY1, .name = "BTGET", .arity = 3, .flags = READS,
     .summary = "Replies a row's value (a record as a map of its fields), or nil.",
     .syntax = "BTGET key sortkey", .program = get_prog},
    {BT_KEY1, .name = "BTCARD", .arity = 2, .flags = READS,
     .summary = "Replies the number of rows of a table (0 when absent).", .syntax = "BTCARD key",
     .program = card_prog},
    {BT_KEY1, .name = "BTRANK", .arity = -3, .flags = READS,
     .summary = "Replies a row's rank by ascending sort key (REV: descending), or nil.",
     .syntax = "BTRANK key sortkey [REV]", .program = rank_prog},
};

const keel_family bt_read_family = KEEL_FAMILY(read_ops, read_cmds);
