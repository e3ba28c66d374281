/* fcall.c -- FCALL FCALL_RO: call a function of a loaded library over the keys it declares. */
#include "family.h"
#include "alone.h"
#include "library.h"
#include "run.h"
#include "vm.h"

#define FCALL_RO 1

/* Opcode: scripting.fcall
 * Operands: imm = FCALL_RO.  Registers: r0 = the run (a pointer).  Reductions: 1, then what
 * the function spends.  May yield, block and start over wider, as scripting.eval. */
static keel_op_result op_fcall(keel_proc *p, const keel_insn *in) {
    script_run *run = p->reg[0].type == DK_PTR ? (script_run *)p->reg[0].v.ptr : NULL;
    if (run) return run_step(run);
    lib_fn_ref ref;
    if (!library_find(p->argv[1].ptr, p->argv[1].len, &ref)) {
        keel_reply_error(p, "ERR Function not found");
        return KEEL_FAIL;
    }
    int64_t numkeys;
    if (!scripting_numkeys_ok(p, &numkeys, true)) return KEEL_FAIL;
    if ((in->imm & FCALL_RO) && !(ref.flags & LIB_FN_NO_WRITES)) {
        keel_reply_error(p, "ERR Can not execute a script with write flag using *_ro command.");
        return KEEL_FAIL;
    }
    uint64_t akey = alone_key(ref.function);
    enum alone_verdict verdict = alone_verdict(akey);
    if (!(ref.flags & LIB_FN_NO_WRITES) && !keel_proc_alone(p) && verdict == ALONE_NEEDED) {
        keel_proc_restart_alone(p); /* nothing ran yet: start over holding every shard */
        return KEEL_YIELD;
    }
    script_vm *vm = vm_get();
    if (!vm) {
        keel_reply_error(p, "ERR out of memory: no Lua state for scripts");
        return KEEL_FAIL;
    }
    if (!library_push_function(p, vm, &ref)) return KEEL_FAIL;
    run = run_new(p, true, ref.function, akey);
    run->readonly = (ref.flags & LIB_FN_NO_WRITES) != 0;
    run->numkeys = (uint32_t)numkeys;
    run_keep_writes(run, verdict);
    scripting_push_keys_args(vm, p, numkeys);
    p->reg[0] = dk_ptr(run);
    run_begin(run, vm, 2);
    return run_step(run);
}

static const keel_opcode_def fcall_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "scripting.fcall",
     .fn = op_fcall,
     .synopsis = "call the function (imm 1: read-only) as a coroutine over the locked keys",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_HOP},
};
static const keel_insn_def fcall_prog[] = {{.op = "scripting.fcall", .imm = 0}, KEEL_END};
static const keel_insn_def fcall_ro_prog[] = {{.op = "scripting.fcall", .imm = FCALL_RO}, KEEL_END};

static const keel_cmd_def fcall_cmds[] = {
    {SCR_CMD, .keys = scripting_numkeys_keys, .arity = -3, .name = "FCALL",
     .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY | KEEL_CMD_WIDE,
     .summary = "Calls a function of a loaded library over the keys it declares, atomically.",
     .syntax = "FCALL function numkeys [key [key ...]] [arg [arg ...]]", .program = fcall_prog},
    {SCR_CMD, .keys = scripting_numkeys_keys, .arity = -3, .name = "FCALL_RO",
     .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY | KEEL_CMD_WIDE,
     .summary = "Calls a function flagged no-writes.",
     .syntax = "FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]",
     .program = fcall_ro_prog},
};

const keel_family scripting_fcall_family = KEEL_FAMILY(fcall_ops, fcall_cmds);
