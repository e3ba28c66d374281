/* errors.c -- turning what a script raised into the error reply Redis 7.0 would send. */
#include "errors.h"
#include "run.h"

#include <lauxlib.h>
#include <string.h>

void errors_push_killed(lua_State *L) {
    lua_createtable(L, 0, 1); /* Redis says SCRIPT KILL for functions too */
    lua_pushstring(L, "ERR Script killed by user with SCRIPT KILL...");
    lua_setfield(L, -2, "err");
}

/* The line of the innermost frame of the script's own code in the dead coroutine, or 0. */
static int error_line(lua_State *co, const char *source) {
    lua_Debug ar;
    for (int lv = 0; lua_getstack(co, lv, &ar); lv++) {
        if (!lua_getinfo(co, "Sl", &ar)) continue;
        if (ar.currentline > 0 && !strcmp(ar.source, source)) return ar.currentline;
    }
    return 0;
}

void errors_reply_raised(script_run *run) {
    lua_State *co = run->co;
    const char *source = run->function ? "@user_function" : "@user_script";
    int line = error_line(co, source);
    if (line == 0) line = run->fallback_line;
    luaL_Buffer b;
    luaL_buffinit(co, &b);
    int top = lua_gettop(co);
    if (top > 0 && lua_istable(co, top)) {
        lua_getfield(co, top, "err");
        if (lua_type(co, -1) == LUA_TSTRING)
            luaL_addvalue(&b);
        else {
            lua_pop(co, 1);
            luaL_addstring(&b, "ERR unknown error");
        }
    } else {
        luaL_addstring(&b, "ERR ");
        if (top == 0 || lua_isnil(co, top))
            luaL_addstring(&b, "nil");
        else if (lua_isstring(co, top)) {
            lua_pushvalue(co, top);
            luaL_addvalue(&b);
        } else if (lua_isboolean(co, top))
            luaL_addstring(&b, lua_toboolean(co, top) ? "true" : "false");
        else {
            lua_pushfstring(co, "(error object is a %s value)", luaL_typename(co, top));
            luaL_addvalue(&b);
        }
    }
    if (line > 0) {
        lua_pushfstring(co, " script: %s, on %s:%d.", run->name, source, line);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t n;
    const char *msg = lua_tolstring(co, -1, &n);
    char *text = keel_proc_alloc(run->p, n + 1);
    for (size_t i = 0; i < n; i++)
        text[i] = msg[i] == '\r' || msg[i] == '\n' ? ' ' : msg[i];
    text[n] = '\0';
    keel_reply_reset(run->p);
    keel_reply_error(run->p, "%s", text);
}
