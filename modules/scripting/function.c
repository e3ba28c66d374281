/* function.c -- FUNCTION LOAD [REPLACE] | DELETE | FLUSH | LIST | DUMP | RESTORE | STATS | KILL |
 * HELP: the server-wide function libraries (library.h). */
#include "errors.h"
#include "family.h"
#include "library.h"
#include "running.h"

#include <stdio.h>
#include <string.h>

static keel_op_result fn_list(keel_proc *p) {
    bool withcode = false;
    const keel_arg *pattern = NULL;
    for (uint32_t i = 2; i < p->argc; i++) {
        if (keel_arg_is(&p->argv[i], "WITHCODE") && !withcode) {
            withcode = true;
        } else if (keel_arg_is(&p->argv[i], "LIBRARYNAME") && !pattern && i + 1 < p->argc) {
            pattern = &p->argv[++i];
        } else {
            keel_reply_error(p, "ERR Unknown argument %s", p->argv[i].ptr);
            return KEEL_FAIL;
        }
    }
    library_list(p, pattern ? pattern->ptr : NULL, pattern ? pattern->len : 0, withcode);
    return KEEL_DONE;
}

static keel_op_result fn_restore(keel_proc *p) {
    char policy = 'A';
    if (p->argc > 4) {
        keel_reply_error(
            p, "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
        return KEEL_FAIL;
    }
    if (p->argc == 4) {
        if (keel_arg_is(&p->argv[3], "FLUSH"))
            policy = 'F';
        else if (keel_arg_is(&p->argv[3], "APPEND"))
            policy = 'A';
        else if (keel_arg_is(&p->argv[3], "REPLACE"))
            policy = 'R';
        else {
            keel_reply_error(
                p,
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
            return KEEL_FAIL;
        }
    }
    return library_restore(p, p->argv[2].ptr, p->argv[2].len, policy) == KEEL_OK ? KEEL_DONE
                                                                                 : KEEL_FAIL;
}

static keel_op_result fn_stats(keel_proc *p) {
    uint64_t libs, fns, lib_bytes;
    library_counts(&libs, &fns, &lib_bytes);
    keel_reply_map(p, 2);
    keel_reply_bulk(p, "running_script", 14);
    running_reply_busy_function(p);
    keel_reply_bulk(p, "engines", 7);
    keel_reply_map(p, 1);
    keel_reply_bulk(p, "LUA", 3);
    keel_reply_map(p, 2);
    keel_reply_bulk(p, "libraries_count", 15);
    keel_reply_int(p, (int64_t)libs);
    keel_reply_bulk(p, "functions_count", 15);
    keel_reply_int(p, (int64_t)fns);
    return KEEL_DONE;
}

static keel_op_result fn_kill(keel_proc *p) {
    switch (running_kill(true)) {
    case KILL_OK:
        keel_reply_ok(p);
        return KEEL_DONE;
    case KILL_UNKILLABLE:
        keel_reply_error(p, ERR_UNKILLABLE);
        return KEEL_FAIL;
    case KILL_WRONG_KIND:
        keel_reply_error(p, ERR_BUSY_SCRIPT);
        return KEEL_FAIL;
    default:
        keel_reply_error(p, ERR_NOTBUSY);
        return KEEL_FAIL;
    }
}

static keel_op_result fn_help(keel_proc *p) {
    static const char *const help[] = {
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries.",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload (default policy: APPEND).",
        "STATS",
        "    Return information about the current function running.",
        "KILL",
        "    Kill the current running function.",
        "HELP",
        "    Print this help.",
    };
    keel_reply_array(p, KEEL_COUNT(help));
    for (size_t i = 0; i < KEEL_COUNT(help); i++)
        keel_reply_simple(p, help[i]);
    return KEEL_DONE;
}

static keel_op_result fn_load(keel_proc *p) {
    uint32_t n = p->argc;
    if (n > 4 || (n == 4 && !keel_arg_is(&p->argv[2], "REPLACE"))) {
        keel_reply_error(p, "ERR Unknown option given: %s", p->argv[2].ptr);
        return KEEL_FAIL;
    }
    return library_load(p, p->argv[n - 1].ptr, p->argv[n - 1].len, n == 4) == KEEL_OK ? KEEL_DONE
                                                                                      : KEEL_FAIL;
}

static keel_op_result fn_delete(keel_proc *p) {
    if (library_delete(p->argv[2].ptr, p->argv[2].len)) {
        keel_reply_ok(p);
        return KEEL_DONE;
    }
    keel_reply_error(p, "ERR Library not found");
    return KEEL_FAIL;
}

static keel_op_result fn_flush(keel_proc *p) {
    if (p->argc > 3 ||
        (p->argc == 3 && !keel_arg_is(&p->argv[2], "ASYNC") && !keel_arg_is(&p->argv[2], "SYNC"))) {
        keel_reply_error(p, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return KEEL_FAIL;
    }
    library_flush();
    keel_reply_ok(p);
    return KEEL_DONE;
}

static keel_op_result fn_dump(keel_proc *p) {
    library_dump(p);
    return KEEL_DONE;
}

static const scripting_sub function_subs[] = {
    {"LOAD", -3, fn_load},  {"DELETE", 3, fn_delete}, {"FLUSH", -2, fn_flush},
    {"LIST", -2, fn_list},  {"DUMP", 2, fn_dump},     {"RESTORE", -3, fn_restore},
    {"STATS", 2, fn_stats}, {"KILL", 2, fn_kill},     {"HELP", 2, fn_help},
    {NULL, 0, NULL},
};

/* Opcode: scripting.function — every FUNCTION subcommand.  Reductions 1. */
static keel_op_result op_function(keel_proc *p, const keel_insn *in) {
    (void)in;
    return scripting_dispatch(p, function_subs, "function");
}

static const keel_opcode_def function_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "scripting.function",
     .fn = op_function,
     .synopsis = "FUNCTION LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE/STATS/KILL/HELP",
     .cost = 1},
};
/* What one FUNCTION call needs: the libraries are every namespace's (KEEL_CMD_SHARED: a tenant's
 * network needs the admin permission), and changing them needs the write permission too, as
 * Redis flags LOAD, DELETE, FLUSH and RESTORE write.  HELP needs nothing. */
static uint64_t function_access(uint32_t argc, const keel_arg *argv) {
    if (argc < 2 || keel_arg_is(&argv[1], "HELP")) return 0;
    static const char *const changes[] = {"LOAD", "DELETE", "FLUSH", "RESTORE"};
    for (size_t i = 0; i < KEEL_COUNT(changes); i++)
        if (keel_arg_is(&argv[1], changes[i])) return KEEL_CMD_WRITE | KEEL_CMD_SHARED;
    return KEEL_CMD_SHARED; /* LIST, DUMP (every tenant's code), STATS, KILL, unknown */
}

static const keel_insn_def function_prog[] = {{.op = "scripting.function"}, KEEL_END};
static const keel_cmd_def function_cmds[] = {
    {SCR_CMD, .name = "FUNCTION", .arity = -2, .flags = KEEL_CMD_WRITE | KEEL_CMD_SHARED,
     .access = function_access,
     .summary =
         "Manages function libraries (LOAD, DELETE, FLUSH, LIST, DUMP, RESTORE, STATS) and stops a "
         "busy function (KILL).",
     .syntax =
         "FUNCTION LOAD [REPLACE] code | FUNCTION DELETE library | FUNCTION FLUSH [ASYNC | SYNC] | "
         "FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern] | FUNCTION DUMP | "
         "FUNCTION RESTORE payload [FLUSH | APPEND | REPLACE] | FUNCTION STATS | FUNCTION KILL | "
         "FUNCTION HELP",
     .program = function_prog},
};

const keel_family scripting_function_family = KEEL_FAMILY(function_ops, function_cmds);
