/* family.h -- how each command family of scripting.so hands its opcodes and commands to init. */
#ifndef KEEL_SCRIPTING_FAMILY_H
#define KEEL_SCRIPTING_FAMILY_H

#include <keel/sdk.h>
#include <stddef.h>

#define SCR_CMD .size = sizeof(keel_cmd_def), .group = "scripting", .since = "0.1.0"

extern const keel_family scripting_eval_family;     /* eval.c: EVAL EVALSHA EVAL_RO EVALSHA_RO */
extern const keel_family scripting_script_family;   /* script.c: SCRIPT */
extern const keel_family scripting_function_family; /* function.c: FUNCTION */
extern const keel_family scripting_fcall_family;    /* fcall.c: FCALL FCALL_RO */

/* The keys of "CMD script-or-name numkeys key ... arg ...": argv[3 .. 3+numkeys).  Malformed
 * numkeys give no keys (the opcode replies Redis's error). */
int scripting_numkeys_keys(int argc, const keel_arg *argv, int *pos, int max);
/* Checks numkeys as Redis does: false after replying its error (FCALL words a numkeys that is
 * no integer its own way: function). */
bool scripting_numkeys_ok(keel_proc *p, int64_t *numkeys, bool function);

/* One subcommand of SCRIPT or FUNCTION: its name, Redis's arity for it (the command name
 * counted), and what runs it. */
typedef struct scripting_sub {
    const char *name;
    int arity;
    keel_op_result (*run)(keel_proc *p);
} scripting_sub;
/* Runs argv[1]'s subcommand from table subs (NULL-named end), or replies Redis's error for an
 * unknown one ("Try CMD HELP.") or a wrong number of arguments ('cmd|sub'). */
keel_op_result scripting_dispatch(keel_proc *p, const scripting_sub *subs, const char *cmd);
/* Builds the run's KEYS and ARGV tables (script) or pushes them as two arguments (function). */
struct script_run;
struct script_vm;
void scripting_push_keys_args(struct script_vm *vm, keel_proc *p, int64_t numkeys);

#endif
