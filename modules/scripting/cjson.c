/* cjson.c -- cjson for scripts: Debian's lua-cjson (liblua5.1-cjson), opened into the state. */
#include "libs.h"

#include <lauxlib.h>

int luaopen_cjson(lua_State *L); /* lua-cjson.h declares it without including lua.h first */

void libs_open_cjson(lua_State *L) {
    lua_pushcfunction(L, luaopen_cjson);
    lua_call(L, 0, 1);
}
