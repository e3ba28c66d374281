/* fuzz_script_codecs.c -- fuzz target: the binary codecs scripts reach with any bytes a client
 * sends, cmsgpack and struct (modules/scripting/cmsgpack.c, struct.c), run in a bare LuaJIT state.
 *
 * The first byte picks what runs on the rest:
 *   0  cmsgpack.unpack(s); when it succeeds, pack(the values) must succeed and unpack again to
 *      as many values;
 *   1  cmsgpack.unpack_limit(s, n, offset), n and offset from the next two bytes;
 *   2  struct.unpack(fmt, data): fmt up to the first NUL, data after it;
 *   3  struct.pack(fmt, numbers...): fmt up to the first NUL, then each 8 bytes a double (any bit
 *      pattern: NaN, infinities, huge); when struct.size(fmt) succeeds too, the packed string
 *      must be that long.
 * Every call runs under lua_pcall: an error is a clean outcome, a crash, sanitizer report or leak
 * is not. */
#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/scripting/libs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

/* Calls lib.fn with the nargs values on top of the stack; true when it returned without error
 * (its results then on the stack from base + 1). */
static bool call(lua_State *L, const char *lib, const char *fn, int nargs) {
    lua_getglobal(L, lib);
    lua_getfield(L, -1, fn);
    lua_remove(L, -2);
    lua_insert(L, -(nargs + 1));
    return lua_pcall(L, nargs, LUA_MULTRET, 0) == 0;
}

static void msgpack_round_trip(lua_State *L, const uint8_t *s, size_t n) {
    lua_pushlstring(L, (const char *)s, n);
    if (!call(L, "cmsgpack", "unpack", 1)) return;
    int count = lua_gettop(L);
    if (count == 0) return; /* empty input: nothing to pack */
    CHECK(call(L, "cmsgpack", "pack", count));
    CHECK(lua_gettop(L) == 1 && lua_type(L, 1) == LUA_TSTRING);
    CHECK(call(L, "cmsgpack", "unpack", 1));
    CHECK(lua_gettop(L) == count);
}

static void msgpack_limit(lua_State *L, const uint8_t *s, size_t n) {
    if (n < 2) return;
    lua_pushlstring(L, (const char *)s + 2, n - 2);
    lua_pushinteger(L, s[0] % 8);
    lua_pushinteger(L, (int)s[1] - 16); /* negative offsets and ones past the end too */
    if (!call(L, "cmsgpack", "unpack_limit", 3)) return;
    CHECK(lua_gettop(L) >= 1 && lua_isnumber(L, 1));
}

static void struct_unpack(lua_State *L, const uint8_t *s, size_t n) {
    const uint8_t *nul = memchr(s, '\0', n);
    if (!nul) return;
    lua_pushlstring(L, (const char *)s, (size_t)(nul - s));
    lua_pushlstring(L, (const char *)nul + 1, n - (size_t)(nul - s) - 1);
    if (!call(L, "struct", "unpack", 2)) return;
    CHECK(lua_gettop(L) >= 1 && lua_isnumber(L, -1)); /* the position after the values */
}

static void struct_pack(lua_State *L, const uint8_t *s, size_t n) {
    const uint8_t *nul = memchr(s, '\0', n);
    if (!nul) return;
    size_t flen = (size_t)(nul - s);
    const uint8_t *args = nul + 1;
    size_t nargs = (n - flen - 1) / 8;
    if (nargs > 64) nargs = 64;
    lua_pushlstring(L, (const char *)s, flen);
    for (size_t i = 0; i < nargs; i++) {
        double d;
        memcpy(&d, args + 8 * i, 8);
        lua_pushnumber(L, d);
    }
    if (!call(L, "struct", "pack", (int)nargs + 1)) return;
    CHECK(lua_gettop(L) == 1 && lua_type(L, 1) == LUA_TSTRING);
    size_t packed = lua_objlen(L, 1);
    lua_pushlstring(L, (const char *)s, flen);
    if (!call(L, "struct", "size", 1)) return;
    CHECK(lua_gettop(L) == 2 && (size_t)lua_tonumber(L, 2) == packed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 1 << 16) return 0;
    lua_State *L = luaL_newstate();
    CHECK(L != NULL);
    libs_open_cmsgpack(L);
    lua_setglobal(L, "cmsgpack");
    libs_open_struct(L);
    lua_setglobal(L, "struct");
    switch (data[0] % 4) {
    case 0:
        msgpack_round_trip(L, data + 1, size - 1);
        break;
    case 1:
        msgpack_limit(L, data + 1, size - 1);
        break;
    case 2:
        struct_unpack(L, data + 1, size - 1);
        break;
    default:
        struct_pack(L, data + 1, size - 1);
    }
    lua_close(L);
    return 0;
}
