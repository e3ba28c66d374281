/* redislib.c -- the redis table (see redislib.h). */
#include "redislib.h"
#include "conv.h"
#include "learn.h"
#include "run.h"
#include "running.h"
#include "sha1.h"
#include "vm.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

keel_module *scripting_module;

/* redis.call's cost in reductions: its command runs as a child with a budget of its own, so the
 * script pays for the call (a few microseconds) here, keeping its slice near a millisecond. */
#define CALL_COST 200

enum { LOG_DEBUG = 0, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING };
enum { REPL_NONE = 0, REPL_AOF = 1, REPL_REPLICA = 2, REPL_ALL = 3 };

/* Commands a script may not run (Redis's "noscript" commands, and Keel's connection commands,
 * refused through their KEEL_CMD_CONN flag). */
#define LETTER(c) (1u << ((c) - 'a'))
static bool noscript(const keel_arg *name) {
#define WORD(w)                                                                                    \
    { w, sizeof w - 1 }
    static const keel_arg names[] = {
        WORD("multi"),       WORD("exec"),         WORD("discard"),      WORD("watch"),
        WORD("unwatch"),     WORD("eval"),         WORD("evalsha"),      WORD("eval_ro"),
        WORD("evalsha_ro"),  WORD("fcall"),        WORD("fcall_ro"),     WORD("script"),
        WORD("function"),    WORD("subscribe"),    WORD("psubscribe"),   WORD("ssubscribe"),
        WORD("unsubscribe"), WORD("punsubscribe"), WORD("sunsubscribe"), WORD("monitor"),
        WORD("sync"),        WORD("psync"),        WORD("replicaof"),    WORD("slaveof"),
        WORD("client"),      WORD("hello"),        WORD("auth"),         WORD("quit"),
        WORD("reset"),       WORD("save"),         WORD("bgsave"),       WORD("bgrewriteaof"),
        WORD("shutdown"),    WORD("debug"),        WORD("wait"),         WORD("module")};
#undef WORD
    /* every redis.call asks: the first letter, then the length, rule out most names at once */
    static const uint32_t firsts = LETTER('a') | LETTER('b') | LETTER('c') | LETTER('d') |
                                   LETTER('e') | LETTER('f') | LETTER('h') | LETTER('m') |
                                   LETTER('p') | LETTER('q') | LETTER('r') | LETTER('s') |
                                   LETTER('u') | LETTER('w');
    if (name->len == 0) return false;
    unsigned first = (unsigned char)name->ptr[0] | 0x20u;
    if (first < 'a' || first > 'z' || !(firsts & LETTER(first))) return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].len == name->len && (unsigned char)names[i].ptr[0] == first &&
            strncasecmp(names[i].ptr, name->ptr, name->len) == 0)
            return true;
    return false;
}
#undef LETTER

/* Returns (the error table for text, raise) from rawcall. */
static int call_error(lua_State *L, const char *text, bool raise) {
    conv_push_error(L, text, 2);
    lua_pushboolean(L, raise);
    return 2;
}

/* Collects the arguments at stack 2.. into the state's argument vector: strings as they are,
 * numbers as Redis writes them (%.17g).  False when another type is among them. */
static bool call_args(lua_State *L, script_vm *vm, int argc) {
    if ((size_t)argc > vm->argv_cap) {
        size_t cap = vm->argv_cap ? vm->argv_cap : 16;
        while (cap < (size_t)argc)
            cap *= 2;
        vm->argv = keel_realloc(vm->argv, sizeof *vm->argv * cap);
        vm->argv_cap = cap;
    }
    for (int i = 0; i < argc; i++) {
        int idx = i + 2;
        if (lua_type(L, idx) == LUA_TNUMBER) {
            char num[64];
            int n = snprintf(num, sizeof num, "%.17g", (double)lua_tonumber(L, idx));
            lua_pushlstring(L, num, (size_t)n);
            lua_replace(L, idx);
        } else if (lua_type(L, idx) != LUA_TSTRING) {
            return false;
        }
        vm->argv[i].ptr = lua_tolstring(L, idx, &vm->argv[i].len);
    }
    return true;
}

/* The command the run made (vm->argv) touched a key the run did not declare: every argument
 * equal to one of the run's ARGV values is noted as a key (learn.h). */
static void learn_from_call(script_run *run, uint32_t argc, const keel_arg *argv) {
    keel_proc *p = run->p;
    for (uint32_t a = 3 + run->numkeys; a < p->argc; a++)
        for (uint32_t j = 1; j < argc; j++)
            if (argv[j].len == p->argv[a].len &&
                memcmp(argv[j].ptr, p->argv[a].ptr, argv[j].len) == 0) {
                learn_note(run->name, a - 2 - run->numkeys);
                break;
            }
}

int redislib_call_finished(lua_State *L, script_run *run, bool raise, bool wrote_before,
                           bool inline_call) {
    if (keel_call_keys_taken(run->p)) {
        if (inline_call)
            learn_from_call(run, run->call_argc, run->vm->argv); /* else reused since */
        if (!run->undeclared) {
            run->undeclared = true;
            atomic_fetch_add(&scripting_stats.undeclared, 1);
            if (wrote_before) atomic_fetch_add(&scripting_stats.after_write, 1);
        }
    }
    const keel_reply *r = keel_call_reply(run->p);
    if (!r) {
        keel_call_clear(run->p);
        return call_error(L, "ERR the command ended without a reply", raise);
    }
    conv_reply_to_lua(L, r, run->resp);
    lua_pushboolean(L, raise && r->type == KEEL_REPLY_ERROR);
    keel_call_clear(run->p);
    return 2;
}

/* SELECT db, the one connection command a script may run: its later calls name keys in db; the
 * script's own keys and its client's database stay (Redis 7). */
static int rl_select(lua_State *L, script_run *run, int argc, bool raise) {
    if (argc != 2)
        return call_error(L, "ERR Wrong number of args calling Redis command from script", raise);
    int64_t db;
    if (!keel_arg_i64(&run->vm->argv[1], &db))
        return call_error(L, "ERR value is not an integer or out of range", raise);
    keel_status st =
        db < 0 || db > UINT32_MAX ? KEEL_EINVAL : keel_call_select(run->p, (uint32_t)db);
    if (st == KEEL_ESTATE) return call_error(L, "ERR SELECT is not allowed in cluster mode", raise);
    if (st != KEEL_OK) return call_error(L, "ERR DB index is out of range", raise);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "OK");
    lua_setfield(L, -2, "ok");
    lua_pushboolean(L, 0);
    return 2;
}

/* rawcall(raise, command, arg ...) -> (reply, failed): runs the command as the script's child.
 * When it runs on elsewhere the coroutine yields to the opcode, which resumes it with the
 * result once the command is done. */
static int rl_rawcall(lua_State *L) {
    bool raise = lua_toboolean(L, 1);
    script_run *run = run_current();
    int argc = lua_gettop(L) - 1;
    if (!run) return call_error(L, "ERR redis.call is not available here", raise);
    if (argc == 0)
        return call_error(L, "ERR Please specify at least one argument for this redis lib call",
                          raise);
    script_vm *vm = run->vm;
    if (!call_args(L, vm, argc))
        return call_error(L, "ERR Lua redis lib command arguments must be strings or integers",
                          raise);
    if (keel_arg_is(&vm->argv[0], "select")) return rl_select(L, run, argc, raise);
    uint64_t flags = 0;
    keel_status st = keel_command_flags((uint32_t)argc, vm->argv, &flags);
    if (st == KEEL_NOTFOUND)
        return call_error(L, "ERR Unknown Redis command called from script", raise);
    if ((flags & KEEL_CMD_CONN) || noscript(&vm->argv[0]))
        return call_error(L, "ERR This Redis command is not allowed from script", raise);
    if (st != KEEL_OK)
        return call_error(L, "ERR Wrong number of args calling Redis command from script", raise);
    bool writes = (flags & KEEL_CMD_WRITE) != 0;
    if (writes && run->readonly)
        return call_error(L, "ERR Write commands are not allowed from read-only scripts.", raise);
    if (!run_can_yield(L))
        return call_error(L,
                          "ERR redis.call cannot be used inside a C function's callback "
                          "(table.sort, string.gsub ...)",
                          raise);
    bool wrote_before = atomic_load(&run->wrote);
    if (flags & KEEL_CMD_WIDE) { /* it needs every shard (FLUSHALL, SWAPDB): so does the script */
        if (!run->undeclared) {  /* and it runs alone from its next run on */
            run->undeclared = true;
            atomic_fetch_add(&scripting_stats.undeclared, 1);
        }
        if (!keel_proc_alone(run->p)) { /* taking them now, holding keys, could wait for ever */
            if (wrote_before && !keel_proc_undo_ready(run->p))
                return call_error(L,
                                  "ERR this command needs every shard, and the script wrote "
                                  "what cannot be put back first: it runs alone from its next run",
                                  raise);
            run->wide = true;
            run->wait = RUN_WAIT_RESTART;
            return lua_yield(L, 0);
        }
    }
    if (writes) atomic_store(&run->wrote, true);
    keel_charge(run->p, CALL_COST);
    /* Until it has written, a script never waits for a key it did not declare: it starts over
     * with that key locked up front instead (deadlock-free, and nothing to undo). */
    run->call_argc = (uint32_t)argc;
    /* After writing it may still start over when its writes can be put back (run.h) */
    bool may_restart = !wrote_before || keel_proc_undo_ready(run->p);
    st = keel_call_opts(run->p, (uint32_t)argc, vm->argv,
                        may_restart ? KEEL_CALL_NOWAIT : KEEL_CALL_WAIT_LIMITED);
    if (st == KEEL_OK && keel_call_conflict(run->p)) {
        learn_from_call(run, (uint32_t)argc, vm->argv);
        run->wait = RUN_WAIT_RESTART;
        return lua_yield(L, 0);
    }
    if (st == KEEL_OK) return redislib_call_finished(L, run, raise, wrote_before, true);
    if (st == KEEL_WAIT) {
        run->wait = RUN_WAIT_CALL;
        run->call_raise = raise;
        run->call_wrote_before = wrote_before;
        return lua_yield(L, 0);
    }
    return call_error(L, "ERR This Redis command is not allowed from script", raise);
}

/* hostyield() -> true when the coroutine that just yielded did so for the opcode. */
static int rl_hostyield(lua_State *L) {
    script_run *run = run_current();
    lua_pushboolean(L, run && run->wait != RUN_WAIT_NONE);
    return 1;
}

void redislib_push_internals(lua_State *L) {
    lua_pushcfunction(L, rl_rawcall);
    lua_pushcfunction(L, rl_hostyield);
}

/* Raises the error table {err = "ERR " .. msg}. */
static int raise_err(lua_State *L, const char *msg) {
    lua_createtable(L, 0, 1);
    lua_pushfstring(L, "ERR %s", msg);
    lua_setfield(L, -2, "err");
    return lua_error(L);
}

/* redis.error_reply(text): {err = text}, given a code word when it has none ("-CODE msg" or
 * "msg" -> "ERR msg"). */
static int rl_error_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
        conv_push_error(L, "ERR wrong number or type of arguments", 2);
        return 1;
    }
    size_t n;
    const char *s = lua_tolstring(L, 1, &n);
    if (n > 0 && s[0] == '-') s++, n--; /* "-CODE msg" and "CODE msg" alike; no code: ERR */
    if (memchr(s, ' ', n))
        lua_pushlstring(L, s, n);
    else
        lua_pushfstring(L, "ERR %s", s);
    size_t m;
    const char *text = lua_tolstring(L, -1, &m);
    while (m > 0 && (text[m - 1] == '\r' || text[m - 1] == '\n'))
        m--;
    lua_pushlstring(L, text, m);
    lua_createtable(L, 0, 1);
    lua_insert(L, -2);
    lua_setfield(L, -2, "err");
    return 1;
}

static int rl_status_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
        conv_push_error(L, "ERR wrong number or type of arguments", 2);
        return 1;
    }
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
}

static int rl_sha1hex(lua_State *L) {
    if (lua_gettop(L) != 1) return raise_err(L, "wrong number of arguments");
    size_t n;
    const char *s = lua_tolstring(L, 1, &n);
    char hex[41];
    sha1_hex(s ? s : "", s ? n : 0, hex);
    lua_pushstring(L, hex);
    return 1;
}

static int rl_log(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) return raise_err(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1)) return raise_err(L, "First argument must be a number");
    int level = (int)lua_tonumber(L, 1);
    if (level < LOG_DEBUG || level > LOG_WARNING) return raise_err(L, "Invalid debug level.");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 2; i <= argc; i++) {
        size_t n;
        const char *s = lua_tolstring(L, i, &n);
        if (!s) continue;
        if (i > 2) luaL_addchar(&b, ' ');
        luaL_addlstring(&b, s, n);
    }
    luaL_pushresult(&b);
    static const int levels[] = {KEEL_LOG_DEBUG, KEEL_LOG_INFO, KEEL_LOG_NOTICE, KEEL_LOG_WARNING};
    keel_log(scripting_module, levels[level], "%s", lua_tostring(L, -1));
    return 0;
}

static int rl_setresp(lua_State *L) {
    if (lua_gettop(L) != 1) return raise_err(L, "redis.setresp() requires one argument.");
    int v = (int)lua_tonumber(L, 1);
    if (v != 2 && v != 3) return raise_err(L, "RESP version must be 2 or 3.");
    script_run *run = run_current();
    if (run) run->resp = (uint8_t)v;
    return 0;
}

static int rl_set_repl(lua_State *L) {
    if (lua_gettop(L) != 1) return raise_err(L, "redis.set_repl() requires one argument.");
    int v = (int)lua_tonumber(L, 1);
    if (v < REPL_NONE || v > REPL_ALL)
        return raise_err(
            L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    return 0; /* nothing to replicate to: accepted */
}

static int rl_replicate_commands(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

static int rl_breakpoint(lua_State *L) {
    lua_pushboolean(L, 0); /* no debugger session */
    return 1;
}

static int rl_debug(lua_State *L) {
    (void)L;
    return 0;
}

static int rl_acl_check_cmd(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 1)
        return raise_err(L, "Please specify at least one argument for this redis lib call");
    keel_arg *argv = lua_newuserdata(L, sizeof *argv * (size_t)argc);
    for (int i = 0; i < argc; i++) {
        if (lua_type(L, i + 1) != LUA_TSTRING && lua_type(L, i + 1) != LUA_TNUMBER)
            return raise_err(L, "Lua redis lib command arguments must be strings or integers");
        argv[i].ptr = lua_tolstring(L, i + 1, &argv[i].len);
    }
    uint64_t flags;
    if (keel_command_flags((uint32_t)argc, argv, &flags) == KEEL_NOTFOUND)
        return raise_err(L, "Invalid command passed to redis.acl_check_cmd()");
    lua_pushboolean(L, 1); /* no ACL users: every command is allowed */
    return 1;
}

static void set_int(lua_State *L, const char *name, int v) {
    lua_pushnumber(L, v);
    lua_setfield(L, -2, name);
}

void redislib_add_common(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"log", rl_log},
        {"setresp", rl_setresp},
        {"set_repl", rl_set_repl},
        {"replicate_commands", rl_replicate_commands},
        {"breakpoint", rl_breakpoint},
        {"debug", rl_debug},
        {"sha1hex", rl_sha1hex},
        {"error_reply", rl_error_reply},
        {"status_reply", rl_status_reply},
        {NULL, NULL},
    };
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    set_int(L, "LOG_DEBUG", LOG_DEBUG);
    set_int(L, "LOG_VERBOSE", LOG_VERBOSE);
    set_int(L, "LOG_NOTICE", LOG_NOTICE);
    set_int(L, "LOG_WARNING", LOG_WARNING);
    set_int(L, "REPL_NONE", REPL_NONE);
    set_int(L, "REPL_AOF", REPL_AOF);
    set_int(L, "REPL_SLAVE", REPL_REPLICA);
    set_int(L, "REPL_REPLICA", REPL_REPLICA);
    set_int(L, "REPL_ALL", REPL_ALL);
    lua_pushstring(L, KEEL_REDIS_VERSION);
    lua_setfield(L, -2, "REDIS_VERSION");
    int major = 0, minor = 0, patch = 0;
    sscanf(KEEL_REDIS_VERSION, "%d.%d.%d", &major, &minor, &patch);
    set_int(L, "REDIS_VERSION_NUM", major << 16 | minor << 8 | patch);
}

void redislib_open(lua_State *L, script_vm *vm) {
    (void)vm;
    lua_newtable(L);
    redislib_add_common(L);
    lua_pushcfunction(L, rl_acl_check_cmd);
    lua_setfield(L, -2, "acl_check_cmd");
}
