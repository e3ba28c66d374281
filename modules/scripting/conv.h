/* conv.h -- Redis's conversion rules between replies and Lua values, both ways.
 *
 * Reply -> Lua (what redis.call returns), RESP2 (the default): integer -> number, bulk ->
 * string, nil -> false, status -> {ok=...}, error -> {err=...}, array/set -> table, map -> flat
 * table of key, value, ..., double -> its text, boolean -> 1 or 0.  Under redis.setresp(3): nil
 * -> nil, boolean -> boolean, double -> {double=n}, map -> {map={k=v}}, set -> {set={m=true}},
 * verbatim -> {verbatim_string={format=, string=}}, integers past int64 -> {big_number=text}.
 *
 * Lua -> reply (what a script returns): number -> integer (truncated), string -> bulk, true -> 1,
 * false and nil -> nil (RESP3 booleans when the script set RESP3), a table -> by its first field
 * of err, ok, double, big_number, map, set, verbatim_string, else an array of t[1], t[2] ... up
 * to the first nil.
 */
#ifndef KEEL_SCRIPTING_CONV_H
#define KEEL_SCRIPTING_CONV_H

#include <keel/sdk.h>
#include <lua.h>
#include <stdbool.h>

/* Pushes reply r as Lua sees it under RESP version resp (2 or 3). */
void conv_reply_to_lua(lua_State *L, const keel_reply *r, int resp);
/* Pushes the error table {err=text} (text starting with its code word). */
void conv_push_error(lua_State *L, const char *text, int resp);
/* Replies the Lua value at idx for process p; resp3 makes booleans RESP3 booleans.  True when
 * the reply is an error. */
bool conv_lua_to_reply(keel_proc *p, lua_State *L, int idx, bool resp3);

#endif
