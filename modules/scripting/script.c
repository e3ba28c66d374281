/* script.c -- SCRIPT LOAD | EXISTS | FLUSH | KILL | HELP: the server-wide script cache and
 * stopping a busy script. */
#include "alone.h"
#include "cache.h"
#include "errors.h"
#include "family.h"
#include "running.h"
#include "run.h"
#include "sha1.h"
#include "shebang.h"
#include "vm.h"

#include <lauxlib.h>

/* SCRIPT LOAD script: compiles it here (so a bad one is refused) and caches it. */
static keel_op_result script_load(keel_proc *p) {
    const keel_arg *body = &p->argv[2];
    char sha[41];
    sha1_hex(body->ptr, body->len, sha);
    shebang sb;
    const char *err = shebang_parse(p, body->ptr, body->len, &sb);
    if (err) {
        keel_reply_error(p, "%s", err);
        return KEEL_FAIL;
    }
    script_vm *vm = vm_get();
    if (!vm) {
        keel_reply_error(p, "ERR out of memory: no Lua state for scripts");
        return KEEL_FAIL;
    }
    int meta = vm_script_meta(sb.no_writes, run_last_code_line(body->ptr, body->len));
    if (!vm_compile_script(vm, sha, sb.code, sb.code_len, meta)) {
        keel_reply_error(p, "ERR Error compiling script (new function): %s",
                         lua_tostring(vm->L, -1));
        lua_pop(vm->L, 1);
        return KEEL_FAIL;
    }
    lua_pop(vm->L, 1);
    cache_add(sha, body->ptr, body->len);
    keel_reply_bulk(p, sha, 40);
    return KEEL_DONE;
}

static keel_op_result script_exists(keel_proc *p) {
    keel_reply_array(p, p->argc - 2);
    for (uint32_t i = 2; i < p->argc; i++) {
        const keel_arg *a = &p->argv[i];
        char sha[41];
        bool ok = a->len == 40;
        for (int k = 0; ok && k < 40; k++)
            sha[k] = (char)(a->ptr[k] >= 'A' && a->ptr[k] <= 'Z' ? a->ptr[k] + 32 : a->ptr[k]);
        sha[40] = '\0';
        keel_reply_int(p, ok && cache_has(sha));
    }
    return KEEL_DONE;
}

static keel_op_result script_kill(keel_proc *p) {
    switch (running_kill(false)) {
    case KILL_OK:
        keel_reply_ok(p);
        return KEEL_DONE;
    case KILL_UNKILLABLE:
        keel_reply_error(p, ERR_UNKILLABLE);
        return KEEL_FAIL;
    case KILL_WRONG_KIND:
        keel_reply_error(p, ERR_BUSY_FUNCTION);
        return KEEL_FAIL;
    default:
        keel_reply_error(p, ERR_NOTBUSY);
        return KEEL_FAIL;
    }
}

static keel_op_result script_help(keel_proc *p) {
    static const char *const help[] = {
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Print this help.",
    };
    keel_reply_array(p, KEEL_COUNT(help));
    for (size_t i = 0; i < KEEL_COUNT(help); i++)
        keel_reply_simple(p, help[i]);
    return KEEL_DONE;
}

static keel_op_result script_flush(keel_proc *p) {
    if (p->argc == 3 && !keel_arg_is(&p->argv[2], "ASYNC") && !keel_arg_is(&p->argv[2], "SYNC")) {
        keel_reply_error(p, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return KEEL_FAIL;
    }
    cache_flush();
    alone_forget();
    keel_reply_ok(p);
    return KEEL_DONE;
}

static keel_op_result script_debug(keel_proc *p) {
    keel_reply_error(p, "ERR SCRIPT DEBUG is not supported: Keel has no Lua debugger");
    return KEEL_FAIL;
}

static const scripting_sub script_subs[] = {
    {"LOAD", 3, script_load}, {"EXISTS", -3, script_exists}, {"FLUSH", -2, script_flush},
    {"KILL", 2, script_kill}, {"HELP", 2, script_help},      {"DEBUG", 3, script_debug},
    {NULL, 0, NULL},
};

/* Opcode: scripting.script — SCRIPT LOAD | EXISTS | FLUSH | KILL | HELP.  Reductions 1. */
static keel_op_result op_script(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->argc > 3 && keel_arg_is(&p->argv[1], "FLUSH")) {
        keel_reply_error(p, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return KEEL_FAIL;
    }
    return scripting_dispatch(p, script_subs, "script");
}

static const keel_opcode_def script_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "scripting.script",
     .fn = op_script,
     .synopsis = "SCRIPT LOAD/EXISTS/FLUSH/KILL/HELP",
     .cost = 1},
};
/* What one SCRIPT call needs: FLUSH empties, and KILL stops, what every namespace shares
 * (KEEL_CMD_SHARED: a tenant's network needs the admin permission).  LOAD and EXISTS name a
 * script by its own SHA1, which tells nothing of other tenants. */
static uint64_t script_access(uint32_t argc, const keel_arg *argv) {
    if (argc >= 2 && (keel_arg_is(&argv[1], "FLUSH") || keel_arg_is(&argv[1], "KILL")))
        return KEEL_CMD_SHARED;
    return 0;
}

static const keel_insn_def script_prog[] = {{.op = "scripting.script"}, KEEL_END};
static const keel_cmd_def script_cmds[] = {
    {SCR_CMD, .name = "SCRIPT", .arity = -2, .flags = KEEL_CMD_SHARED, .access = script_access,
     .summary = "Manages the script cache (LOAD, EXISTS, FLUSH) and stops a busy script (KILL).",
     .syntax = "SCRIPT LOAD script | SCRIPT EXISTS sha1 [sha1 ...] | SCRIPT FLUSH [ASYNC | SYNC] | "
               "SCRIPT KILL | SCRIPT HELP",
     .program = script_prog},
};

const keel_family scripting_script_family = KEEL_FAMILY(script_ops, script_cmds);
