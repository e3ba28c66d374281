/* module.c -- scripting.so: Lua scripts and Redis 7 functions.  The descriptor, the one symbol it
 * exports.
 *
 * Commands: EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT FUNCTION FCALL FCALL_RO, with Redis 7.0's
 * semantics and error texts (docs/commands-scripting.md).  Scripts run on LuaJIT's interpreter
 * (docs/scripting.md says why), one state per worker thread, as coroutines that yield like any
 * process: a script holds the keys it declares locked for its whole run while every other key
 * keeps being served, and a long script never stalls its thread.
 */
#include <keel/sdk.h>
#include "register.h"

KEEL_MODULE_MINOR(10, "scripting", KEEL_VERSION,
                  "Lua scripts and functions: EVAL EVALSHA SCRIPT FUNCTION FCALL",
                  scripting_register, scripting_fini);
