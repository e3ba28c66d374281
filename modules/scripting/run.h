/* run.h -- one script or function run: a Lua coroutine in the thread's state, driven by the
 * command's opcode.  The coroutine yields to the opcode when redis.call's command runs on
 * elsewhere (the opcode blocks until it is done, then resumes the script with its reply), when
 * the count hook finds the slice's reductions spent (the opcode yields), and when a command
 * stops at a key the script did not declare and that another process holds (the opcode starts
 * the process over, locking that key up front too).  Past busy-reply-threshold the run is busy:
 * whoever waits for its keys gets BUSY, and SCRIPT KILL / FUNCTION KILL may stop it.
 *
 * The run's memory is keel_alloc'd and freed with the process; its Lua references are released
 * on the thread that owns the state, when the run ends.
 */
#ifndef KEEL_SCRIPTING_RUN_H
#define KEEL_SCRIPTING_RUN_H

#include "alone.h"

#include <keel/sdk.h>
#include <lua.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct script_vm;

/* What the coroutine's last yield to the opcode was for. */
enum run_wait {
    RUN_WAIT_NONE = 0,
    RUN_WAIT_SLICE,  /* the count hook: the slice is spent */
    RUN_WAIT_CALL,   /* redis.call's command runs on elsewhere */
    RUN_WAIT_RESTART /* a command met an undeclared key another process holds */
};

typedef struct script_run {
    keel_proc *p;
    struct script_vm *vm;
    lua_State *co;          /* the coroutine, while it exists */
    int co_ref;             /* its registry reference */
    int keys_ref, argv_ref; /* KEYS and ARGV (scripts) once the run has yielded, else NOREF */
    bool args_set;          /* the globals KEYS and ARGV are this run's (it has not yielded) */
    uint8_t wait;           /* enum run_wait */
    uint8_t resp;           /* redis.setresp: 2 or 3 */
    bool function;          /* FCALL: FUNCTION KILL stops it, errors say @user_function */
    bool readonly;          /* EVAL_RO, FCALL_RO: write commands are refused */
    bool call_raise;        /* the waiting call was redis.call (not pcall) */
    bool call_wrote_before; /* ... made after the run had written */
    uint32_t call_argc;     /* ... its arguments (still in vm->argv while it waits) */
    bool undeclared;        /* touched a key it did not declare (counted once) */
    bool wide;            /* called a KEEL_CMD_WIDE command: it starts over alone, even read-only */
    bool killing;         /* the hook raises the kill error at every instruction */
    _Atomic bool wrote;   /* ran a write command: it cannot be killed */
    _Atomic bool busy;    /* ran past busy-reply-threshold */
    _Atomic bool kill;    /* SCRIPT KILL / FUNCTION KILL asked it to stop */
    uint32_t numkeys;     /* KEYS: argv[3 .. 3+numkeys); ARGV follows */
    int fallback_line;    /* the line errors name when a tail call hid the script's frame */
    int64_t started_ms;   /* monotonic */
    int64_t threshold_ms; /* busy-reply-threshold, read at the run's first hook call */
    char name[256];       /* the script's SHA-1, or the function's name */
    uint64_t alone_key;   /* name's key in alone.h's table */
    struct script_run *prev, *next; /* the running list (running.c) */
} script_run;

/* A new run for p (freed with p) of the script or function name, alone_key(name) its key.
 * kill/busy/SCRIPT KILL find it once run_begin listed it. */
script_run *run_new(keel_proc *p, bool function, const char *name, uint64_t alone_key);
/* A run that may write and does not run alone keeps what its commands write
 * (keel_proc_undo_begin), so that meeting an undeclared key another process holds, even after
 * writing, it can put its writes back and start over alone.  A first run (alone.h has no
 * verdict yet: the likeliest to meet one) keeps values up to RUN_KEEP_FIRST bytes; a run of a
 * script seen staying within its keys keeps up to RUN_KEEP_LATER (cheap copies of counters and
 * small values: a bigger write makes it wait instead, should it meet one). */
#define RUN_KEEP_FIRST ((size_t)4 << 20)
#define RUN_KEEP_LATER ((size_t)4 << 10)
void run_keep_writes(script_run *run, enum alone_verdict verdict);
/* Makes the two tables on top of vm->L's stack (KEYS below ARGV, popped) the run's KEYS and
 * ARGV: the globals, kept aside only if the run yields and another run takes the state. */
void run_set_keys_args(script_run *run, struct script_vm *vm);
/* Starts the run: the function below the nargs values on top of vm->L's stack becomes its
 * coroutine's body, called with them (all moved off vm->L).  Lists the run as running. */
void run_begin(script_run *run, struct script_vm *vm, int nargs);
/* Runs the coroutine until the script ends (its reply set: KEEL_DONE, or KEEL_FAIL with an
 * error) or it must wait (KEEL_YIELD, KEEL_BLOCK).  Call again each time the opcode re-runs. */
keel_op_result run_step(script_run *run);

/* True when the coroutine L, inside a C function, may yield (no C call but pcall/xpcall between
 * it and the resume). */
bool run_can_yield(lua_State *L);

/* The line of the last line of code in body: where a script's error is when its frame is gone
 * (LuaJIT drops a function's frame when it ends in a tail call: "return redis.call(...)"). */
int run_last_code_line(const char *body, size_t len);

/* The run being resumed on this thread now (inside redis.call and the hook), or NULL. */
script_run *run_current(void);

#endif
