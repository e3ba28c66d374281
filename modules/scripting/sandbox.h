/* sandbox.h -- the environment Redis 7.0 scripts expect, in a fresh Lua state: the base, table,
 * string, math, bit, cjson, cmsgpack and struct libraries, the redis table, a read-only global
 * table (reading a missing global is an error), no file, OS, debug, FFI or bytecode access, and
 * math.random drawing from the state's own rand48, seeded as Redis seeds it.
 */
#ifndef KEEL_SCRIPTING_SANDBOX_H
#define KEEL_SCRIPTING_SANDBOX_H

#include <lua.h>
#include <stdbool.h>

struct script_vm;

/* Builds the environment into vm->L (LUA_GLOBALSINDEX becomes the read-only global table).
 * False when Lua ran out of memory on the way. */
bool sandbox_open(struct script_vm *vm);

/* Pushes a read-only view of the table at idx: reads go to it, writes (plain, rawset,
 * setmetatable, table.insert ...) fail with "Attempt to modify a readonly table". */
void sandbox_push_readonly(lua_State *L, int idx);
/* True when the value at idx is such a view (or the global table). */
bool sandbox_is_readonly(lua_State *L, int idx);

/* Pushes a function usable as a table's __index that reads the table at idx and raises Redis's
 * "Script attempted to access nonexistent global variable" for a missing name. */
void sandbox_push_global_index(lua_State *L, int idx);
/* Pushes the __newindex that raises "Attempt to modify a readonly table". */
void sandbox_push_readonly_error(lua_State *L);

#endif
