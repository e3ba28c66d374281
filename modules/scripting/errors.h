/* errors.h -- the error texts scripts show, in Redis 7.0's words (client libraries parse them):
 * an error a script raised becomes "<message> script: <sha or function>, on @user_script:<line>.",
 * NOSCRIPT, BUSY, and the messages of the redis.* calls. */
#ifndef KEEL_SCRIPTING_ERRORS_H
#define KEEL_SCRIPTING_ERRORS_H

#include <lua.h>

struct script_run;

#define ERR_NOSCRIPT "NOSCRIPT No matching script. Please use EVAL."
#define ERR_BUSY_SCRIPT                                                                            \
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
#define ERR_BUSY_FUNCTION                                                                          \
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
#define ERR_NOTBUSY "NOTBUSY No scripts in execution right now."
#define ERR_UNKILLABLE                                                                             \
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You can "    \
    "either wait the script termination or kill the server in a hard way using the SHUTDOWN "      \
    "NOSAVE command."

/* Pushes the error table a killed run raises. */
void errors_push_killed(lua_State *L);
/* Replies the error the run's coroutine died with (on top of its stack), in Redis's form. */
void errors_reply_raised(struct script_run *run);

#endif
