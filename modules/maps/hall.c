/* hall.c -- reading a whole map: HLEN, HKEYS, HVALS, HGETALL.  Each walks the map's namespace a
 * slice at a time, yielding between slices; the map's key stays locked meanwhile, so the reply
 * is one consistent state of the map. */
#include "family.h"
#include "map.h"

/* Which command runs maps.hall (its imm). */
enum { HALL_LEN = 0, HALL_KEYS, HALL_VALS, HALL_ALL };

typedef struct hall_ctx {
    keel_proc *p;
    int64_t imm;
    int64_t count;
} hall_ctx;

static void hall_visit(void *arg, const keel_arg *key, const keel_value *v) {
    hall_ctx *cx = arg;
    cx->count++;
    keel_charge(cx->p, cx->imm == HALL_LEN ? MAP_ENTRY_COST / 2 : MAP_ENTRY_COST);
    if (cx->imm == HALL_KEYS || cx->imm == HALL_ALL) keel_reply_bulk(cx->p, key->ptr, key->len);
    if (cx->imm == HALL_VALS || cx->imm == HALL_ALL) keel_reply_stored(cx->p, v);
}

/* Opcode: maps.hall
 * HLEN (imm HALL_LEN), HKEYS, HVALS, HGETALL (a map reply) of map argv[1]; a missing map is
 * empty.  Registers: r0 = the scan cursor (null before the first slice), r1 = fields counted.
 * Reductions: 1 per entry visited; yields between slices.  May hop and block. */
static keel_op_result op_hall(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1];
    if (p->reg[0].type == DK_NULL) {
        bool exists;
        keel_op_result r = map_check(p, &exists);
        if (r != KEEL_NEXT) return r;
        if (!exists) {
            if (in->imm == HALL_LEN)
                keel_reply_int(p, 0);
            else if (in->imm == HALL_ALL)
                keel_reply_map(p, 0);
            else
                keel_reply_array(p, 0);
            return KEEL_NEXT;
        }
        uint64_t n;
        if (in->imm == HALL_LEN && keel_key_ns_size(p, key->ptr, key->len, &n) == KEEL_OK) {
            keel_reply_int(p, (int64_t)n); /* O(1) unless the map needs a walk */
            return KEEL_NEXT;
        }
        if (in->imm != HALL_LEN)
            keel_reply_open(p, in->imm == HALL_ALL ? KEEL_REPLY_MAP : KEEL_REPLY_ARRAY);
        p->reg[0] = dk_u64(0);
        p->reg[1] = dk_i64(0);
    }
    hall_ctx cx = {p, in->imm, p->reg[1].v.i};
    uint64_t cursor = p->reg[0].v.u;
    do {
        keel_status st = keel_key_scan(p, key->ptr, key->len, &cursor, hall_visit, &cx);
        KEEL_OP_PROPAGATE(st);
        if (st != KEEL_OK) break; /* cannot happen: the map is locked and was there */
        if (cursor != 0 && p->budget <= 0) {
            p->reg[0] = dk_u64(cursor);
            p->reg[1] = dk_i64(cx.count);
            return KEEL_YIELD;
        }
    } while (cursor != 0);
    if (in->imm == HALL_LEN)
        keel_reply_int(p, cx.count);
    else
        keel_reply_close(p);
    return KEEL_NEXT;
}

static const keel_opcode_def hall_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "maps.hall",
     .fn = op_hall,
     .synopsis = "reply map argv[1]'s size (imm 0), fields (1), values (2) or both (3)",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_YIELD},
};

#define PROG(NAME, IMM)                                                                            \
    static const keel_insn_def NAME[] = {{.op = "maps.hall", .imm = IMM}, KEEL_END}
PROG(hlen_prog, HALL_LEN);
PROG(hkeys_prog, HALL_KEYS);
PROG(hvals_prog, HALL_VALS);
PROG(hgetall_prog, HALL_ALL);

#define KEY1                                                                                       \
    .size = sizeof(keel_cmd_def), .first_key = 1, .last_key = 1, .key_step = 1, .group = "hash",   \
    .since = "0.1.0", .arity = 2
static const keel_cmd_def hall_cmds[] = {
    {KEY1, .name = "HLEN", .flags = KEEL_CMD_READONLY,
     .summary = "Returns the number of fields of a map (O(1) unless a field has expired unseen).",
     .syntax = "HLEN key", .program = hlen_prog},
    {KEY1, .name = "HKEYS", .flags = KEEL_CMD_READONLY,
     .summary = "Returns every field name of a map.", .syntax = "HKEYS key", .program = hkeys_prog},
    {KEY1, .name = "HVALS", .flags = KEEL_CMD_READONLY, .summary = "Returns every value of a map.",
     .syntax = "HVALS key", .program = hvals_prog},
    {KEY1, .name = "HGETALL", .flags = KEEL_CMD_READONLY,
     .summary = "Returns every field and value of a map (a map reply in RESP3).",
     .syntax = "HGETALL key", .program = hgetall_prog},
};

const keel_family map_hall_family = KEEL_FAMILY(hall_ops, hall_cmds);
