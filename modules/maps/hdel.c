/* hdel.c -- removing fields: HDEL.  A map left without fields is deleted, as in Redis. */
#include "family.h"
#include "map.h"

/* Opcode: maps.hdel
 * HDEL key field [field ...]: deletes the fields (any type: a nested map goes with everything
 * below it) and replies how many existed; then deletes the map if it has no live field left.
 * Registers: r0 = index of the next field, r1 = fields deleted, r2 = the emptiness check's
 * progress (map_drop_if_empty).  Reductions: 1 per field; yields between fields.  May hop and
 * block. */
static keel_op_result op_hdel(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->reg[0].type == DK_NULL) {
        p->reg[0] = dk_i64(2);
        p->reg[1] = dk_i64(0);
    }
    keel_op_result r = KEEL_NEXT;
    keel_status st = KEEL_OK;
    bool exists = true;
    if ((uint32_t)p->reg[0].v.i < p->argc) {
        r = map_open(p, &exists);
        if (r != KEEL_NEXT) return r;
        while (exists && (uint32_t)p->reg[0].v.i < p->argc) {
            if (p->budget <= 0) {
                r = KEEL_YIELD;
                break;
            }
            const keel_arg *f = &p->argv[p->reg[0].v.i];
            st = keel_key_delete(p, f->ptr, f->len);
            if (st == KEEL_MOVED || st == KEEL_WAIT) break;
            p->reg[1].v.i += st == KEEL_OK;
            p->reg[0].v.i++;
            keel_charge(p, 1);
        }
        map_close(p);
        KEEL_OP_PROPAGATE(st);
        if (r != KEEL_NEXT) return r;
    }
    if (exists) {
        p->reg[0] = dk_i64(p->argc); /* every field done: a re-run only finishes the check */
        r = map_drop_if_empty(p, &p->reg[2]);
        if (r != KEEL_NEXT) return r;
    }
    if (p->reg[1].v.i > 0) { /* Redis: hdel, then del when the map went with its last field */
        keel_value v = {.size = sizeof v};
        st = keel_key_lookup(p, p->argv[1].ptr, p->argv[1].len, &v);
        KEEL_OP_PROPAGATE(st);
        keel_notify(p, KEEL_NOTIFY_HASH, "hdel", p->argv[1].ptr, p->argv[1].len);
        if (st == KEEL_NOTFOUND)
            keel_notify(p, KEEL_NOTIFY_GENERIC, "del", p->argv[1].ptr, p->argv[1].len);
    }
    keel_reply_int(p, p->reg[1].v.i);
    return KEEL_NEXT;
}

static const keel_opcode_def hdel_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "maps.hdel",
     .fn = op_hdel,
     .synopsis = "delete fields argv[2..] of map argv[1]; delete the map once empty",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_YIELD},
};

static const keel_insn_def hdel_prog[] = {{.op = "maps.hdel"}, KEEL_END};

static const keel_cmd_def hdel_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "HDEL",
     .arity = -3,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .summary =
         "Deletes fields of a map (deleting the map once it is empty); replies how many existed.",
     .syntax = "HDEL key field [field ...]",
     .group = "hash",
     .since = "0.1.0",
     .program = hdel_prog},
};

const keel_family map_hdel_family = KEEL_FAMILY(hdel_ops, hdel_cmds);
