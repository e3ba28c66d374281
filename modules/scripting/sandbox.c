/* sandbox.c -- building a script state's environment (see sandbox.h). */
#include "sandbox.h"
#include "libs.h"
#include "redislib.h"
#include "vm.h"

#include <lauxlib.h>
#include <lualib.h>
#include <luajit.h>
#include <string.h>

#define REG_READONLY "keel.readonly" /* weak-keyed: read-only view -> the table it shows */

static int ro_error_here(lua_State *L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}

/* Raised by functions (rawset, setmetatable, table.insert): Redis gives no position there. */
static int ro_error_plain(lua_State *L) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

/* Pushes the table a read-only view at idx shows, or nil when idx is not a view. */
static void push_target(lua_State *L, int idx) {
    if (lua_type(L, idx) != LUA_TTABLE) {
        lua_pushnil(L);
        return;
    }
    lua_pushvalue(L, idx);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_READONLY);
    lua_insert(L, -2);
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

bool sandbox_is_readonly(lua_State *L, int idx) {
    push_target(L, idx);
    bool ro = !lua_isnil(L, -1);
    lua_pop(L, 1);
    return ro;
}

void sandbox_push_readonly(lua_State *L, int idx) {
    if (idx < 0) idx = lua_gettop(L) + idx + 1;
    lua_newtable(L); /* the view: always empty */
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_error_here);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_READONLY);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, idx);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* A view's __index that reads the table of its upvalue: a missing name is an error, as a
 * missing global is in Redis. */
static int missing_global(lua_State *L) {
    const char *name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : luaL_typename(L, 2);
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
}

static int global_index(lua_State *L) {
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    if (!lua_isnil(L, -1)) return 1;
    return missing_global(L);
}

void sandbox_push_global_index(lua_State *L, int idx) {
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, global_index, 1);
}

void sandbox_push_readonly_error(lua_State *L) {
    lua_pushcfunction(L, ro_error_here);
}

/* rawget, rawset, next and pairs see through read-only views; rawset refuses them. */
static int sb_rawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    push_target(L, 1);
    if (lua_isnil(L, -1))
        lua_pop(L, 1);
    else
        lua_replace(L, 1);
    lua_settop(L, 2);
    lua_rawget(L, 1);
    return 1;
}

static int sb_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (sandbox_is_readonly(L, 1)) return ro_error_plain(L);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    lua_settop(L, 1);
    return 1;
}

static int sb_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    push_target(L, 1);
    if (lua_isnil(L, -1))
        lua_pop(L, 1);
    else
        lua_replace(L, 1);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int sb_pairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1)); /* the sandbox's next */
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int sb_setmetatable(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (sandbox_is_readonly(L, 1)) return ro_error_plain(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* table.insert/remove/sort/setn: refused on read-only views, else the original (upvalue 1). */
static int sb_table_guard(lua_State *L) {
    if (sandbox_is_readonly(L, 1)) return ro_error_plain(L);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

static int sb_table_setn(lua_State *L) {
    return luaL_error(L, "'setn' is obsolete");
}

/* loadstring/load refuse precompiled chunks: bytecode could break out of the sandbox. */
static int load_text(lua_State *L, const char *s, size_t n, const char *name) {
    if (n > 0 && s[0] == LUA_SIGNATURE[0]) {
        lua_pushnil(L);
        lua_pushstring(L, "loading precompiled chunks is not allowed");
        return 2;
    }
    if (luaL_loadbuffer(L, s, n, name) == 0) return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

static int sb_loadstring(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    return load_text(L, s, n, luaL_optstring(L, 2, s));
}

static int sb_load(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    const char *name = luaL_optstring(L, 2, "=(load)");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (;;) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    return load_text(L, s, n, name);
}

/* math.random and math.randomseed on the state's rand48, as Redis computes them. */
static int sb_random(lua_State *L) {
    script_vm *vm = lua_touserdata(L, lua_upvalueindex(1));
    const int32_t max = 2147483647;
    lua_Number r = (lua_Number)(rand48_next(&vm->rng) % max) / (lua_Number)max;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        return 1;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, (lua_Number)(int)(r * u) + 1); /* r < 1: floor by truncation */
        return 1;
    }
    case 2: {
        int l = luaL_checkint(L, 1), u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, (lua_Number)(int)(r * (u - l + 1)) + l);
        return 1;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
}

static int sb_randomseed(lua_State *L) {
    script_vm *vm = lua_touserdata(L, lua_upvalueindex(1));
    rand48_seed(&vm->rng, (int32_t)luaL_checkint(L, 1));
    return 0;
}

/* Runs a library opener, leaving its table (or nothing) on the stack. */
static void open_lib(lua_State *L, lua_CFunction open, const char *name) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
}

/* Keeps only the listed fields of the global table's field `lib`. */
static void keep_only(lua_State *L, const char *lib, const char *const *names) {
    lua_getfield(L, LUA_GLOBALSINDEX, lib);
    lua_newtable(L);
    for (size_t i = 0; names[i]; i++) {
        lua_getfield(L, -2, names[i]);
        lua_setfield(L, -2, names[i]);
    }
    lua_setfield(L, LUA_GLOBALSINDEX, lib);
    lua_pop(L, 1);
}

/* The globals Redis 7.0 scripts have (the base library's, trimmed), then the libraries. */
static void open_libraries(script_vm *vm) {
    lua_State *L = vm->L;
    open_lib(L, luaopen_base, "");
    open_lib(L, luaopen_table, LUA_TABLIBNAME);
    open_lib(L, luaopen_string, LUA_STRLIBNAME);
    open_lib(L, luaopen_math, LUA_MATHLIBNAME);
    open_lib(L, luaopen_bit, LUA_BITLIBNAME);
    lua_settop(L, 0);
    static const char *const drop[] = {"dofile",   "loadfile", "print",   "getfenv", "setfenv",
                                       "newproxy", "module",   "require", "package", "jit",
                                       "ffi",      "io",       "os",      "debug",   NULL};
    for (size_t i = 0; drop[i]; i++) {
        lua_pushnil(L);
        lua_setfield(L, LUA_GLOBALSINDEX, drop[i]);
    }
    static const char *const table_fns[] = {"concat", "foreach", "foreachi", "getn", "insert",
                                            "maxn",   "remove",  "sort",     NULL};
    keep_only(L, LUA_TABLIBNAME, table_fns);
    static const char *const co_fns[] = {"create", "resume", "running", "status",
                                         "wrap",   "yield",  NULL};
    keep_only(L, LUA_COLIBNAME, co_fns);
    static const char *const str_fns[] = {"byte",   "char",    "dump", "find",  "format",
                                          "gmatch", "gsub",    "len",  "lower", "match",
                                          "rep",    "reverse", "sub",  "upper", NULL};
    keep_only(L, LUA_STRLIBNAME, str_fns);

    lua_getfield(L, LUA_GLOBALSINDEX, LUA_STRLIBNAME); /* Lua 5.1's compatibility names */
    lua_getfield(L, -1, "gmatch");
    lua_setfield(L, -2, "gfind");
    lua_pop(L, 1);
    lua_getfield(L, LUA_GLOBALSINDEX, LUA_MATHLIBNAME);
    lua_getfield(L, -1, "fmod");
    lua_setfield(L, -2, "mod");
    lua_pushlightuserdata(L, vm);
    lua_pushcclosure(L, sb_random, 1);
    lua_setfield(L, -2, "random");
    lua_pushlightuserdata(L, vm);
    lua_pushcclosure(L, sb_randomseed, 1);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);

    lua_getfield(L, LUA_GLOBALSINDEX, LUA_TABLIBNAME);
    static const char *const guarded[] = {"insert", "remove", "sort", NULL};
    for (size_t i = 0; guarded[i]; i++) {
        lua_getfield(L, -1, guarded[i]);
        lua_pushcclosure(L, sb_table_guard, 1);
        lua_setfield(L, -2, guarded[i]);
    }
    lua_pushcfunction(L, sb_table_setn);
    lua_setfield(L, -2, "setn");
    lua_pop(L, 1);

    lua_pushcfunction(L, sb_rawget);
    lua_setfield(L, LUA_GLOBALSINDEX, "rawget");
    lua_pushcfunction(L, sb_rawset);
    lua_setfield(L, LUA_GLOBALSINDEX, "rawset");
    lua_pushcfunction(L, sb_next);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_GLOBALSINDEX, "next");
    lua_pushcclosure(L, sb_pairs, 1);
    lua_setfield(L, LUA_GLOBALSINDEX, "pairs");
    lua_getfield(L, LUA_GLOBALSINDEX, "setmetatable");
    lua_pushcclosure(L, sb_setmetatable, 1);
    lua_setfield(L, LUA_GLOBALSINDEX, "setmetatable");
    lua_pushcfunction(L, sb_loadstring);
    lua_setfield(L, LUA_GLOBALSINDEX, "loadstring");
    lua_pushcfunction(L, sb_load);
    lua_setfield(L, LUA_GLOBALSINDEX, "load");

    libs_open_cjson(L);
    lua_setfield(L, LUA_GLOBALSINDEX, "cjson");
    libs_open_cmsgpack(L);
    lua_setfield(L, LUA_GLOBALSINDEX, "cmsgpack");
    libs_open_struct(L);
    lua_setfield(L, LUA_GLOBALSINDEX, "struct");
    redislib_open(L, vm);
    lua_setfield(L, LUA_GLOBALSINDEX, "redis");
}

/* Lua-side helpers: pcall hands a caught error table's text to the script (as Redis 7.0 does),
 * redis.call/pcall wrap the C call, and coroutine.resume/wrap pass the host's yields (a call
 * that waits, a spent slice) up through a script's own coroutines.  Run with the real globals. */
static const char prelude[] =
    "local rawcall, hostyield = ...\n"
    "local raw_pcall, raw_error, raw_type, raw_rawget = pcall, error, type, rawget\n"
    "local function fixerr(ok, ...)\n"
    "  if not ok then\n"
    "    local e = ...\n"
    "    if raw_type(e) == 'table' and raw_type(raw_rawget(e, 'err')) == 'string' then\n"
    "      return false, raw_rawget(e, 'err')\n"
    "    end\n"
    "  end\n"
    "  return ok, ...\n"
    "end\n"
    "pcall = function(f, ...) return fixerr(raw_pcall(f, ...)) end\n"
    "redis.call = function(...)\n"
    "  local r, failed = rawcall(true, ...)\n"
    "  if failed then raw_error(r, 0) end\n"
    "  return r\n"
    "end\n"
    "redis.pcall = function(...) return (rawcall(false, ...)) end\n"
    "local co_resume, co_yield, co_create = coroutine.resume, coroutine.yield, coroutine.create\n"
    "local function pass(co, ok, ...)\n"
    "  if ok and hostyield() then return pass(co, co_resume(co, co_yield(...))) end\n"
    "  return ok, ...\n"
    "end\n"
    "coroutine.resume = function(co, ...) return pass(co, co_resume(co, ...)) end\n"
    "coroutine.wrap = function(f)\n"
    "  local co = co_create(f)\n"
    "  local function ret(ok, ...)\n"
    "    if not ok then raw_error((...), 0) end\n"
    "    return ...\n"
    "  end\n"
    "  return function(...) return ret(pass(co, co_resume(co, ...))) end\n"
    "end\n"
    "function __redis__err__handler(err)\n"
    "  if raw_type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end\n"
    "  return err\n"
    "end\n";

static int sandbox_build(lua_State *L) {
    script_vm *vm = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushstring(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_READONLY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, VM_REG_SCRIPTS);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, VM_REG_SCRIPT_META);
    open_libraries(vm);
    if (luaL_loadbuffer(L, prelude, sizeof prelude - 1, "=keel") != 0) return lua_error(L);
    redislib_push_internals(L); /* rawcall, hostyield */
    lua_call(L, 2, 0);

    /* the libraries become read-only views, then the global table itself */
    static const char *const libs[] = {"string", "math",     "table",  "coroutine", "bit",
                                       "cjson",  "cmsgpack", "struct", "redis",     NULL};
    for (size_t i = 0; libs[i]; i++) {
        lua_getfield(L, LUA_GLOBALSINDEX, libs[i]);
        sandbox_push_readonly(L, -1);
        if (!strcmp(libs[i], "string")) { /* "s":len() goes through the view too */
            lua_pushliteral(L, "");
            lua_getmetatable(L, -1);
            lua_pushvalue(L, -3);
            lua_setfield(L, -2, "__index");
            sandbox_push_readonly(L, -1);
            lua_setfield(L, -2, "__metatable");
            lua_pop(L, 2);
        }
        lua_setfield(L, LUA_GLOBALSINDEX, libs[i]);
        lua_pop(L, 1);
    }
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_setfield(L, LUA_REGISTRYINDEX, VM_REG_GLOBALS);
    /* the real globals answer a missing name with the error themselves, so the read-only
     * table's __index can be that table: a global read then never leaves the Lua VM */
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, LUA_GLOBALSINDEX);
    lua_newtable(L); /* the read-only global table */
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_error_here);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_READONLY);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_GLOBALSINDEX, "_G");
    lua_replace(L, LUA_GLOBALSINDEX);
    return 0;
}

bool sandbox_open(script_vm *vm) {
    lua_State *L = vm->L;
    luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF); /* hooks fire in every loop */
    lua_pushcfunction(L, sandbox_build);
    lua_pushlightuserdata(L, vm);
    bool ok = lua_pcall(L, 1, 0, 0) == 0;
    lua_settop(L, 0);
    return ok;
}
