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
    int globals_ref; /* registry reference of the real global table */
    int co_pool[16]; /* registry references of finished coroutines, for reuse */
    int nco_pool;
    struct script_vm *next; /* every state, for fini and INFO */
} script_vm;

/* The calling thread's state, made on first use; NULL when it cannot be made (no memory). */
script_vm *vm_get(void);
/* Closes every state (module fini, threads stopped). */
void vm_free_all(void);
/* Bytes every state holds (INFO: used_memory_lua). */
size_t vm_memory(void);

/* The meta number a compiled script is kept with: its shebang's no-writes and the line of its
 * last line of code (where an error is when a tail call hid the script's frame). */
static inline int vm_script_meta(bool no_writes, int last_line) {
    return last_line * 2 + (no_writes ? 1 : 0);
}
static inline bool vm_meta_no_writes(int meta) {
    return meta & 1;
}
static inline int vm_meta_last_line(int meta) {
    return meta / 2;
}

/* Pushes this state's compiled function for the script sha and returns true, with the meta
 * number it was kept with; false, pushing nothing, when this state has not compiled it. */
bool vm_push_compiled(script_vm *vm, const char *sha, int *meta);
/* Compiles body as the script sha (chunk name "@user_script"), keeps it with meta (the
 * caller's facts about it) and pushes it: true; false with the compile error pushed instead. */
bool vm_compile_script(script_vm *vm, const char *sha, const char *body, size_t len, int meta);

/* The registry slot of the read-only proxies' table and of the real globals (sandbox.c). */
#define VM_REG_GLOBALS "keel.globals"
#define VM_REG_SCRIPTS "keel.scripts"        /* sha -> compiled function */
#define VM_REG_SCRIPT_META "keel.scriptmeta" /* sha -> meta number */

#endif
