/* vm.h -- one Lua state per worker thread (Lua states are not thread-safe), made on the thread's
 * first script: LuaJIT with its compiler off (count hooks must fire in every loop), Redis 7.0's
 * sandbox (sandbox.c), and the scripts this thread compiled, by SHA-1.
 */
#ifndef KEEL_SCRIPTING_VM_H
#define KEEL_SCRIPTING_VM_H

#include <lua.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/sdk.h>
#include "rand48.h"

struct script_run;

typedef struct script_vm {
    lua_State *L;
    uint64_t cache_gen;         /* the script cache generation its compiled scripts are of */
    uint64_t lib_gen;           /* ... and the function libraries' */
    _Atomic size_t mem;         /* bytes the state holds */
    size_t mem_limit;           /* allocations past this fail (the script gets an error) */
    rand48 rng;                 /* math.random */
    struct script_run *current; /* the run being resumed now, or NULL */
    keel_arg *argv;             /* redis.call's argument vector, reused */
    size_t argv_cap;
    struct script_vm *next; /* every state, for fini and INFO */
} script_vm;

/* The calling thread's state, made on first use; NULL when it cannot be made (no memory). */
script_vm *vm_get(void);
/* Closes every state (module fini, threads stopped). */
void vm_free_all(void);
/* Bytes every state holds (INFO: used_memory_lua). */
size_t vm_memory(void);

/* Pushes this state's compiled function for the script sha (compiling body, when not compiled
 * yet, with chunk name "@user_script"): true; false with the compile error pushed instead. */
bool vm_push_script(script_vm *vm, const char *sha, const char *body, size_t len);
/* Pushes the compiled function for sha when this state has it (nil otherwise). */
void vm_push_compiled(script_vm *vm, const char *sha);

/* The registry slot of the read-only proxies' table and of the real globals (sandbox.c). */
#define VM_REG_GLOBALS "keel.globals"
#define VM_REG_SCRIPTS "keel.scripts"
#define VM_REG_YIELD_OK "keel.yieldok" /* the C functions a yield may cross (pcall, xpcall) */

#endif
