/* redislib.h -- the redis table scripts see: call and pcall (through the Lua wrappers the sandbox
 * prelude defines), error_reply, status_reply, sha1hex, log and its levels, setresp, set_repl and
 * replicate_commands (accepted, nothing to replicate to), acl_check_cmd, breakpoint and debug
 * (no debugger: they do nothing), REDIS_VERSION and REDIS_VERSION_NUM. */
#ifndef KEEL_SCRIPTING_REDISLIB_H
#define KEEL_SCRIPTING_REDISLIB_H

#include <keel/sdk.h>
#include <lua.h>
#include <stdbool.h>

struct script_vm;

/* Pushes a new redis table (without call/pcall, which the prelude adds). */
void redislib_open(lua_State *L, struct script_vm *vm);
/* Pushes the two C functions the prelude wraps: rawcall(raise, cmd, ...) -> (reply, failed),
 * and hostyield() -> whether the coroutine that just yielded did so for the opcode. */
void redislib_push_internals(lua_State *L);
/* Adds the redis.* entries that exist at every stage (log, levels, versions, setresp ...) to
 * the table on top of the stack: the function libraries' load-time API starts from these. */
void redislib_add_common(lua_State *L);

struct script_run;
/* Pushes what redis.call returns for the finished command, (reply, failed), and forgets it.
 * inline_call: it finished within redis.call (its arguments are still in the state's vector). */
int redislib_call_finished(lua_State *L, struct script_run *run, bool raise, bool wrote_before,
                           bool inline_call);

/* The module's handle, for redis.log (set in init). */
extern keel_module *scripting_module;

#endif
