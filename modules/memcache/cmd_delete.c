/* cmd_delete.c -- memcached's delete: MC.DELETE removes a key of any type. */
#include "counters.h"
#include "family.h"
#include <keel/memcache.h>

/* Opcode: memcache.delete
 * MC.DELETE key.  Reductions 1.  May hop and block.  Replies DELETED or NOT_FOUND (an
 * mc_status). */
static keel_op_result op_delete(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_status st = keel_key_delete(p, p->argv[1].ptr, p->argv[1].len);
    KEEL_OP_PROPAGATE(st);
    mc_count(st == KEEL_OK ? MC_DELETE_HITS : MC_DELETE_MISSES);
    keel_reply_int(p, st == KEEL_OK ? MC_DELETED : MC_NOT_FOUND);
    return KEEL_NEXT;
}

static const keel_opcode_def delete_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "memcache.delete",
     .fn = op_delete,
     .synopsis = "delete argv[1]; reply DELETED or NOT_FOUND",
     .cost = 1,
     .flags = KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static const keel_insn_def delete_prog[] = {{.op = "memcache.delete"}, KEEL_END};

static const keel_cmd_def delete_cmds[] = {
    {MC_KEY1, .name = "MC.DELETE", .arity = 2, .flags = KEEL_CMD_WRITE | KEEL_CMD_FAST,
     .summary = "memcached delete: removes a key; DELETED or NOT_FOUND.", .syntax = "MC.DELETE key",
     .program = delete_prog},
};

const keel_family mc_delete_family = KEEL_FAMILY(delete_ops, delete_cmds);
