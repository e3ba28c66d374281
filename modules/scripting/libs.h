/* libs.h -- the data libraries scripts have besides Lua's own: cjson (Debian's lua-cjson, the
 * library Redis bundles too), cmsgpack (MessagePack) and struct (binary packing), the last two
 * written for Keel to Redis's behaviour.  Each pushes its table. */
#ifndef KEEL_SCRIPTING_LIBS_H
#define KEEL_SCRIPTING_LIBS_H

#include <lua.h>

void libs_open_cjson(lua_State *L);
void libs_open_cmsgpack(lua_State *L);
void libs_open_struct(lua_State *L);

#endif
