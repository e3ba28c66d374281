/* run.c -- driving a script's coroutine from its opcode (see run.h). */
#include "run.h"
#include "alone.h"
#include "conv.h"
#include "errors.h"
#include "redislib.h"
#include "running.h"
#include "vm.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The count hook's period (Lua instructions) and what one period costs in reductions: a slice
 * (20,000 reductions) is then about 50,000 instructions, a fraction of a millisecond, so a loop
 * holds its thread no longer than other commands' slices do (measured: a GET on the same thread
 * answers within the machine's own jitter while a script loops). */
#define HOOK_PERIOD 1000
#define HOOK_COST 400

static _Thread_local script_run *current;

script_run *run_current(void) {
    return current;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_free(void *ptr) {
    script_run *run = ptr;
    running_remove(run); /* defensive: a run always ends (run_end) before its process */
    keel_free(run);
}

/* run->threshold_ms before the hook has read busy-reply-threshold. */
#define THRESHOLD_UNREAD INT64_MIN

script_run *run_new(keel_proc *p, bool function, const char *name, uint64_t alone_key) {
    script_run *run = keel_calloc(1, sizeof *run);
    run->p = p;
    run->co_ref = run->keys_ref = run->argv_ref = LUA_NOREF;
    run->resp = 2;
    run->function = function;
    run->alone_key = alone_key;
    size_t n = strnlen(name, sizeof run->name - 1);
    memcpy(run->name, name, n);
    run->name[n] = '\0';
    run->threshold_ms = THRESHOLD_UNREAD; /* read by the hook, once a run lasts that long */
    keel_proc_defer_free(p, run_free, run);
    return run;
}

/* A yield must not cross a C function between the coroutine and its resume (table.sort's
 * comparator, string.gsub's replacement ...); pcall and xpcall are not C frames in LuaJIT, so a
 * yield crosses those.  LuaJIT answers this from its own frame chain, at no cost. */
bool run_can_yield(lua_State *L) {
    return lua_isyieldable(L) != 0;
}

static void run_hook(lua_State *L, lua_Debug *ar);

/* The count hook: charges the slice, marks the run busy past busy-reply-threshold, stops a
 * killed run, and yields to the opcode when the slice is spent. */
static void run_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    script_run *run = current;
    if (!run) return;
    if (atomic_load_explicit(&run->kill, memory_order_relaxed)) {
        if (!run->killing) {
            run->killing = true;
            atomic_fetch_add(&scripting_stats.killed, 1);
            lua_sethook(L, run_hook, LUA_MASKCOUNT,
                        1); /* again at every instruction: pcall cannot keep it */
        }
        errors_push_killed(L);
        lua_error(L);
    }
    keel_charge(run->p, HOOK_COST);
    if (run->threshold_ms == THRESHOLD_UNREAD) {
        int64_t threshold = 0;
        keel_server_stat("busy_reply_threshold", &threshold);
        run->threshold_ms = threshold;
    }
    if (!atomic_load_explicit(&run->busy, memory_order_relaxed) && run->threshold_ms > 0 &&
        mono_ms() - run->started_ms >= run->threshold_ms) {
        atomic_store(&run->busy, true);
        atomic_fetch_add(&scripting_stats.busy, 1);
        keel_proc_set_busy(run->p, run->function ? ERR_BUSY_FUNCTION : ERR_BUSY_SCRIPT);
    }
    if (run->p->budget <= 0 && run_can_yield(L)) {
        run->wait = RUN_WAIT_SLICE;
        lua_yield(L, 0);
    }
}

int run_last_code_line(const char *body, size_t len) {
    size_t end = len;
    while (end > 0 && (body[end - 1] == ' ' || body[end - 1] == '\t' || body[end - 1] == '\n' ||
                       body[end - 1] == '\r'))
        end--;
    int line = 1;
    for (size_t i = 0; i < end; i++)
        line += body[i] == '\n';
    return line;
}

void run_begin(script_run *run, script_vm *vm, int nargs) {
    lua_State *L = vm->L;
    if (run->function) { /* a function: the line before its "end", or its only line */
        lua_Debug ar;
        lua_pushvalue(L, -nargs - 1);
        if (lua_getinfo(L, ">S", &ar))
            run->fallback_line =
                ar.lastlinedefined > ar.linedefined ? ar.lastlinedefined - 1 : ar.linedefined;
    }
    run->vm = vm;
    if (vm->nco_pool > 0) { /* a coroutine a script finished in: reused, its stack empty */
        run->co_ref = vm->co_pool[--vm->nco_pool];
        lua_rawgeti(L, LUA_REGISTRYINDEX, run->co_ref);
        run->co = lua_tothread(L, -1);
        lua_pop(L, 1);
    } else {
        run->co = lua_newthread(L);
        run->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_xmove(L, run->co, nargs + 1);
    run->started_ms = mono_ms();
    run->wait = RUN_WAIT_NONE;
    atomic_fetch_add(&scripting_stats.runs, 1);
    running_add(run);
}

/* Releases the coroutine and the run's tables (on the state's thread) and unlists it.  A
 * coroutine that returned normally (reusable) goes back to the state's pool. */
static void run_end(script_run *run, bool reusable) {
    lua_State *L = run->vm->L;
    script_vm *vm = run->vm;
    if (reusable && vm->nco_pool < (int)(sizeof vm->co_pool / sizeof vm->co_pool[0])) {
        lua_settop(run->co, 0);
        vm->co_pool[vm->nco_pool++] = run->co_ref;
    } else {
        luaL_unref(L, LUA_REGISTRYINDEX, run->co_ref);
    }
    luaL_unref(L, LUA_REGISTRYINDEX, run->keys_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, run->argv_ref);
    run->co_ref = run->keys_ref = run->argv_ref = LUA_NOREF;
    run->co = NULL;
    if (run->killing) {
        run->killing = false;
        lua_sethook(L, run_hook, LUA_MASKCOUNT, HOOK_PERIOD);
    }
    running_remove(run);
}

void run_keep_writes(script_run *run, enum alone_verdict verdict) {
    if (!run->readonly && !keel_proc_alone(run->p))
        keel_proc_undo_begin(run->p, verdict == ALONE_UNKNOWN ? RUN_KEEP_FIRST : RUN_KEEP_LATER);
}

/* KEYS and ARGV: every run on a state shares its global table, and only the one being resumed
 * may see its own.  A run that ends without yielding (most) never needs them kept aside. */
void run_set_keys_args(script_run *run, script_vm *vm) {
    lua_State *L = vm->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->globals_ref);
    lua_insert(L, -3);
    lua_setfield(L, -3, "ARGV");
    lua_setfield(L, -2, "KEYS");
    lua_pop(L, 1);
    run->args_set = true;
}

/* Sets the globals KEYS and ARGV to this run's (nil for functions) before it resumes. */
static void run_set_globals(script_run *run) {
    lua_State *L = run->vm->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, run->vm->globals_ref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, run->keys_ref);
    lua_setfield(L, -2, "KEYS");
    lua_rawgeti(L, LUA_REGISTRYINDEX, run->argv_ref);
    lua_setfield(L, -2, "ARGV");
    lua_pop(L, 1);
}

/* The run yields: its KEYS and ARGV, still the globals, are kept aside for its next resume. */
static void run_keep_globals(script_run *run) {
    if (!run->args_set) return;
    run->args_set = false;
    lua_State *L = run->vm->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, run->vm->globals_ref);
    lua_getfield(L, -1, "KEYS");
    run->keys_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_getfield(L, -1, "ARGV");
    run->argv_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1);
}

/* The run met an undeclared key another process holds: forget this attempt; the process starts
 * over alone (alone.h), with that key (and every key it took) locked up front.  A run that
 * wrote first puts its writes back (keel_proc_undo: it kept them, run_keep_writes_if_new),
 * shard by shard: the opcode hops and comes back here until all are back.  A read-only run only
 * needs the keys. */
static keel_op_result run_restart(script_run *run) {
    bool wider_is_enough = run->readonly && !run->wide; /* a wide call needs every shard */
    if (run->co) { /* the Lua side ends first, on its state's thread */
        keel_call_clear(run->p);
        run_end(run, false);
        atomic_fetch_add(&scripting_stats.restarts, 1);
    }
    if (atomic_load(&run->wrote)) {   /* its writes go back, on their shards' threads */
        run->wait = RUN_WAIT_RESTART; /* the opcode runs again there, and comes back here */
        keel_op_result r = keel_proc_undo(run->p);
        if (r != KEEL_NEXT) return r;
        atomic_store(&run->wrote, false);
        atomic_fetch_add(&scripting_stats.undone, 1);
    }
    if (wider_is_enough)
        keel_proc_restart_wider(run->p);
    else
        keel_proc_restart_alone(run->p);
    return KEEL_YIELD;
}

keel_op_result run_step(script_run *run) {
    if (run->wait == RUN_WAIT_RESTART) return run_restart(run); /* putting writes back */
    int nargs = 0;
    switch (run->wait) {
    case RUN_WAIT_NONE:
        nargs = lua_gettop(run->co) - 1;
        break;
    case RUN_WAIT_CALL:
        if (keel_call_conflict(run->p)) return run_restart(run);
        redislib_call_finished(run->co, run, run->call_raise, run->call_wrote_before, false);
        nargs = 2;
        break;
    default:
        break;
    }
    run->wait = RUN_WAIT_NONE;
    lua_State *L = run->vm->L;
    lua_sethook(L, run_hook, LUA_MASKCOUNT, run->killing ? 1 : HOOK_PERIOD);
    if (!run->args_set) run_set_globals(run);
    current = run;
    run->vm->current = run;
    int st = lua_resume(run->co, nargs);
    current = NULL;
    run->vm->current = NULL;
    if (st == LUA_YIELD) {
        run_keep_globals(run);
        switch (run->wait) {
        case RUN_WAIT_SLICE:
            atomic_fetch_add_explicit(&scripting_stats.yields, 1, memory_order_relaxed);
            return KEEL_YIELD;
        case RUN_WAIT_CALL:
            return KEEL_BLOCK;
        case RUN_WAIT_RESTART:
            return run_restart(run);
        default: /* coroutine.yield() outside any coroutine of the script's own */
            lua_settop(run->co, 0);
            lua_pushstring(run->co, "attempt to yield from outside a coroutine");
            st = LUA_ERRRUN;
        }
    }
    keel_op_result res;
    if (st == 0) {
        if (lua_gettop(run->co) == 0) lua_pushnil(run->co);
        lua_settop(run->co, 1);
        res = conv_lua_to_reply(run->p, run->co, 1, run->resp == 3) ? KEEL_FAIL : KEEL_DONE;
    } else {
        errors_reply_raised(run);
        res = KEEL_FAIL;
    }
    if (run->undeclared || st == 0) alone_note(run->alone_key, run->undeclared);
    run_end(run, st == 0);
    return res;
}
