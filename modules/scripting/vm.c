/* vm.c -- the per-thread Lua states (see vm.h). */
#include "vm.h"
#include "cache.h"
#include "redislib.h"
#include "sandbox.h"

#include <lauxlib.h>
#include <pthread.h>
#include <time.h>

/* The most memory one thread's state may hold: past it, allocations fail and the script gets
 * Lua's "not enough memory" error instead of taking the server's memory. */
#define VM_MEM_LIMIT ((size_t)1 << 30)

static _Thread_local script_vm *tls_vm;
static pthread_mutex_t vms_mu = PTHREAD_MUTEX_INITIALIZER;
static script_vm *vms;

/* Lua's allocator: counted per state, refused past the limit. */
static void *vm_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    script_vm *vm = ud;
    if (!ptr) osize = 0;
    if (nsize == 0) {
        if (ptr) {
            keel_free(ptr);
            atomic_fetch_sub_explicit(&vm->mem, osize, memory_order_relaxed);
        }
        return NULL;
    }
    size_t used = atomic_load_explicit(&vm->mem, memory_order_relaxed);
    if (nsize > osize && used + (nsize - osize) > vm->mem_limit) return NULL;
    void *p = keel_realloc(ptr, nsize);
    if (!p) return NULL;
    if (nsize > osize)
        atomic_fetch_add_explicit(&vm->mem, nsize - osize, memory_order_relaxed);
    else
        atomic_fetch_sub_explicit(&vm->mem, osize - nsize, memory_order_relaxed);
    return p;
}

/* An error outside any protected call is a bug in this module: say so before Lua exits. */
static int vm_panic(lua_State *L) {
    keel_log(scripting_module, KEEL_LOG_ERROR, "scripting: Lua panic: %s",
             lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    return 0;
}

script_vm *vm_get(void) {
    if (tls_vm) return tls_vm;
    script_vm *vm = keel_calloc(1, sizeof *vm);
    vm->mem_limit = VM_MEM_LIMIT;
    vm->L = lua_newstate(vm_alloc, vm);
    if (!vm->L) {
        keel_free(vm);
        return NULL;
    }
    lua_atpanic(vm->L, vm_panic);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rand48_seed(&vm->rng, (int32_t)(ts.tv_nsec ^ ts.tv_sec));
    if (!sandbox_open(vm)) {
        lua_close(vm->L);
        keel_free(vm);
        return NULL;
    }
    vm->cache_gen = cache_generation();
    lua_getfield(vm->L, LUA_REGISTRYINDEX, VM_REG_GLOBALS);
    vm->globals_ref = luaL_ref(vm->L, LUA_REGISTRYINDEX);
    pthread_mutex_lock(&vms_mu);
    vm->next = vms;
    vms = vm;
    pthread_mutex_unlock(&vms_mu);
    tls_vm = vm;
    return vm;
}

void vm_free_all(void) {
    tls_vm = NULL; /* the calling thread's (other threads have stopped) */
    pthread_mutex_lock(&vms_mu);
    while (vms) {
        script_vm *vm = vms;
        vms = vm->next;
        lua_close(vm->L);
        keel_free(vm->argv);
        keel_free(vm);
    }
    pthread_mutex_unlock(&vms_mu);
}

size_t vm_memory(void) {
    size_t n = 0;
    pthread_mutex_lock(&vms_mu);
    for (script_vm *vm = vms; vm; vm = vm->next)
        n += atomic_load_explicit(&vm->mem, memory_order_relaxed);
    pthread_mutex_unlock(&vms_mu);
    return n;
}

/* Pushes the state's tables of compiled scripts and their meta numbers (meta on top), emptied
 * first when SCRIPT FLUSH ran since. */
static void push_scripts(script_vm *vm) {
    lua_State *L = vm->L;
    uint64_t gen = cache_generation();
    if (gen != vm->cache_gen) {
        lua_newtable(L);
        lua_setfield(L, LUA_REGISTRYINDEX, VM_REG_SCRIPTS);
        lua_newtable(L);
        lua_setfield(L, LUA_REGISTRYINDEX, VM_REG_SCRIPT_META);
        vm->cache_gen = gen;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, VM_REG_SCRIPTS);
    lua_getfield(L, LUA_REGISTRYINDEX, VM_REG_SCRIPT_META);
}

bool vm_push_compiled(script_vm *vm, const char *sha, int *meta) {
    lua_State *L = vm->L;
    push_scripts(vm);
    lua_pushstring(L, sha); /* made once, looked up in both tables */
    lua_pushvalue(L, -1);
    lua_rawget(L, -3);
    *meta = (int)lua_tonumber(L, -1);
    lua_pop(L, 1);
    lua_rawget(L, -3);
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 3);
        return false;
    }
    lua_replace(L, -3);
    lua_pop(L, 1);
    return true;
}

bool vm_compile_script(script_vm *vm, const char *sha, const char *body, size_t len, int meta) {
    lua_State *L = vm->L;
    push_scripts(vm);
    if (luaL_loadbuffer(L, body, len, "@user_script") != 0) {
        lua_replace(L, -3);
        lua_pop(L, 1);
        return false;
    }
    lua_pushnumber(L, meta);
    lua_setfield(L, -3, sha);
    lua_pushvalue(L, -1);
    lua_setfield(L, -4, sha);
    lua_replace(L, -3);
    lua_pop(L, 1);
    return true;
}
