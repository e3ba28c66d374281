/* walk_cmds.c -- listing the connection's namespace: VALS, GETALL (KEYSANDVALS),
 * KEYSANDEXPIRES [NICE], KEYSANDTYPES.  (KEYS is the core's and already lists the current
 * namespace.)  Each is a shard walk driving the engine of walk.h. */
#include "family.h"
#include "walk.h"

/* Reads KEYSANDEXPIRES's option into *mode.  Replies the error and returns false. */
static bool walk_options(keel_proc *p, int *mode) {
    if (*mode != WALK_EXPIRES) return true;
    if (p->argc == 1) return true;
    if (p->argc == 2 && keel_arg_is(&p->argv[1], "NICE")) {
        *mode = WALK_EXPIRES_NICE;
        return true;
    }
    keel_reply_error(p, "ERR syntax error");
    return false;
}

/* Opcode: maps.walk
 * Lists the connection's namespace on the shard walk's current shard (imm = enum
 * map_walk_mode).  Registers: r0 = the walk (arena; the top reply is opened when it is made),
 * r1 = null at the start of each shard (shard.next clears it).  Reductions: 1 per entry
 * visited; yields between slices.  May hop (only if the walk is not at its shard). */
static keel_op_result op_walk(keel_proc *p, const keel_insn *in) {
    if (p->reg[0].type != DK_PTR) {
        int mode = (int)in->imm;
        if (!walk_options(p, &mode)) return KEEL_FAIL;
        p->reg[0] = dk_ptr(map_walk_new(p, mode));
        keel_reply_open(p, mode == WALK_VALS ? KEEL_REPLY_ARRAY : KEEL_REPLY_MAP);
    }
    map_walk *w = (map_walk *)p->reg[0].v.ptr;
    if (p->reg[1].type == DK_NULL) {
        map_walk_shard_start(w);
        p->reg[1] = dk_bool(true);
    }
    return map_walk_shard(p, w);
}

/* Opcode: maps.walk_end
 * Closes the reply a walk opened.  Reductions 1. */
static keel_op_result op_walk_end(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->reg[0].type == DK_PTR) keel_reply_close(p);
    return KEEL_NEXT;
}

static const keel_opcode_def walk_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "maps.walk",
     .fn = op_walk,
     .synopsis =
         "list the namespace on the walk's current shard (imm: vals, getall, expires, types)",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP},
    {.size = sizeof(keel_opcode_def),
     .name = "maps.walk_end",
     .fn = op_walk_end,
     .synopsis = "close the walk's reply",
     .cost = 1},
};

#define PROG(NAME, MODE)                                                                           \
    static const keel_insn_def NAME[] = {                                                          \
        {.op = "shard.reset"},                                                                     \
        {.op = "shard.enter"},                                                                     \
        {.op = "maps.walk", .imm = MODE},                                                          \
        {.op = "shard.next", .a = KEEL_R(1), .b = KEEL_NONE, .c = KEEL_NONE, .imm = 1},            \
        {.op = "maps.walk_end"},                                                                   \
        KEEL_END}
PROG(vals_prog, WALK_VALS);
PROG(getall_prog, WALK_GETALL);
PROG(expires_prog, WALK_EXPIRES);
PROG(types_prog, WALK_TYPES);

static const char *const getall_aliases[] = {"KEYSANDVALS", NULL};

#define WALK                                                                                       \
    .size = sizeof(keel_cmd_def), .flags = KEEL_CMD_READONLY, .group = "namespace", .since = "0.1.0"
static const keel_cmd_def walk_cmds[] = {
    {WALK, .name = "VALS", .arity = 1,
     .summary = "Returns the values of the current namespace's keys (nested namespaces as maps).",
     .syntax = "VALS", .program = vals_prog},
    {WALK, .name = "GETALL", .aliases = getall_aliases, .arity = 1,
     .summary = "Returns the current namespace's keys and values (nested namespaces as maps).",
     .syntax = "GETALL", .program = getall_prog},
    {WALK, .name = "KEYSANDEXPIRES", .arity = -1,
     .summary = "Returns the current namespace's keys with their remaining time to live in ms (-1: "
                "none), or as text with NICE.",
     .syntax = "KEYSANDEXPIRES [NICE]", .program = expires_prog},
    {WALK, .name = "KEYSANDTYPES", .arity = 1,
     .summary = "Returns the current namespace's keys with their types.", .syntax = "KEYSANDTYPES",
     .program = types_prog},
};

const keel_family map_walk_family = KEEL_FAMILY(walk_ops, walk_cmds);
