/* module.c -- sort.so: SORT and SORT_RO over lists, sets and sorted sets, with BY and GET
 * patterns (string keys and "->field" hash fields), LIMIT, ASC|DESC, ALPHA and STORE, as Redis
 * 7.0 answers them.  The source and every pattern's key are read through the commands of the
 * modules that own them (keel_call), so sort.so knows no other module's layout; see run.c.
 * Reference: docs/commands-sort.md. */
#include <keel/sdk.h>
#include "args.h"
#include "sort.h"

/* Opcode: sort.run (imm 1: SORT_RO).  See run.c.  May yield, hop and block (while a command it
 * runs goes on elsewhere, or on a pattern's key). */
static keel_op_result op_sort(keel_proc *p, const keel_insn *in) {
    return sort_op_run(p, in->imm != 0);
}

/* SORT writes only with STORE: without it, read-only networks may run it. */
static uint64_t sort_access(uint32_t argc, const keel_arg *argv) {
    for (uint32_t i = 2; i < argc; i++)
        if (keel_arg_is(&argv[i], "STORE")) return KEEL_CMD_WRITE;
    return KEEL_CMD_READONLY;
}

static const keel_opcode_def sort_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "sort.run",
     .fn = op_sort,
     .synopsis = "SORT / SORT_RO (imm 1) of argv[1]",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};
static const keel_insn_def sort_prog[] = {{.op = "key.lock"}, {.op = "sort.run"}, KEEL_END};
static const keel_insn_def sort_ro_prog[] = {
    {.op = "key.lock"}, {.op = "sort.run", .imm = 1}, KEEL_END};

static const keel_cmd_def sort_cmds[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "SORT",
     .arity = -2,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_MULTIKEY,
     .keys = sort_keys,
     .summary =
         "Sorts a list, set or sorted set (numbers, or ALPHA), by itself or by other keys, and "
         "replies or stores the result.",
     .syntax =
         "SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] "
         "[ALPHA] [STORE destination]",
     .group = "generic",
     .since = "0.2.0",
     .program = sort_prog,
     .access = sort_access},
    {.size = sizeof(keel_cmd_def),
     .name = "SORT_RO",
     .arity = -2,
     .flags = KEEL_CMD_READONLY,
     .keys = sort_keys,
     .summary = "SORT without STORE: a read-only command.",
     .syntax = "SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC "
               "| DESC] "
               "[ALPHA]",
     .group = "generic",
     .since = "0.2.0",
     .program = sort_ro_prog},
};

static const keel_family sort_family = KEEL_FAMILY(sort_ops, sort_cmds);
static const keel_family *const families[] = {&sort_family};

static keel_status sort_init(keel_module *m) {
    return keel_register_families(m, "sort", families, KEEL_COUNT(families));
}

KEEL_MODULE_MINOR(3, "sort", KEEL_VERSION, "SORT and SORT_RO over lists, sets and sorted sets",
                  sort_init, NULL);
