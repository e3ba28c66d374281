/* library.c -- the function library registry and loading libraries into Lua states (library.h). */
#include "library.h"
#include "redislib.h"
#include "sandbox.h"
#include "shebang.h"
#include "vm.h"

#include <lauxlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define REG_LIBS "keel.libs" /* per state: library name -> {version=, fns={name=fn}} */
#define REG_LOADING                                                                                \
    "keel.loading"          /* per state, while a library loads: name -> {fn, flags, desc}         \
                             */
#define LOAD_TIMEOUT_MS 500 /* a library's code must finish loading within this */

typedef struct lib_fn {
    char *name;
    char *desc; /* NULL when none was given */
    unsigned flags;
} lib_fn;

typedef struct library {
    char *name;
    char *code;
    size_t len;
    lib_fn *fns;
    uint32_t nfns;
    uint64_t version;
    struct library *next;
} library;

static pthread_mutex_t lib_mu = PTHREAD_MUTEX_INITIALIZER;
static library *libs;
static uint64_t next_version = 1;
static _Atomic uint64_t lib_generation = 1;

static char *dup_bytes(const char *s, size_t n) {
    char *d = keel_alloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void lib_destroy(library *l) {
    for (uint32_t i = 0; i < l->nfns; i++) {
        keel_free(l->fns[i].name);
        keel_free(l->fns[i].desc);
    }
    keel_free(l->fns);
    keel_free(l->name);
    keel_free(l->code);
    keel_free(l);
}

static bool valid_name(const char *s, size_t n) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

#define ERR_NAME_CHARS                                                                             \
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one " \
    "character long"

/* Reads the "#!lua name=<name>" line: NULL with the name (in p's arena), or the error text. */
static const char *parse_header(keel_proc *p, const char *code, size_t len, char **name) {
    *name = NULL;
    if (len < 2 || code[0] != '#' || code[1] != '!') return "ERR Missing library metadata";
    const char *nl = memchr(code, '\n', len);
    const char *end = nl ? nl : code + len;
    const char *w = code + 2;
    const char *sp = memchr(w, ' ', (size_t)(end - w));
    const char *eng_end = sp ? sp : end;
    if (eng_end - w != 3 || memcmp(w, "lua", 3) != 0) {
        char *msg = keel_proc_alloc(p, (size_t)(eng_end - w) + 32);
        snprintf(msg, (size_t)(eng_end - w) + 32, "ERR Engine '%.*s' not found", (int)(eng_end - w),
                 w);
        return msg;
    }
    for (w = eng_end; w < end;) {
        while (w < end && *w == ' ')
            w++;
        if (w >= end) break;
        const char *we = memchr(w, ' ', (size_t)(end - w));
        if (!we) we = end;
        size_t n = (size_t)(we - w);
        if (n >= 5 && memcmp(w, "name=", 5) == 0) {
            *name = keel_proc_alloc(p, n - 4);
            memcpy(*name, w + 5, n - 5);
            (*name)[n - 5] = '\0';
        } else {
            char *msg = keel_proc_alloc(p, n + 48);
            snprintf(msg, n + 48, "ERR Invalid metadata value given: %.*s", (int)n, w);
            return msg;
        }
        w = we;
    }
    if (!*name) return "ERR Library name was not given";
    if (!valid_name(*name, strlen(*name))) return "ERR " ERR_NAME_CHARS;
    return NULL;
}

/* ---- loading into a state ---- */

static int raise_plain(lua_State *L, const char *msg) {
    lua_createtable(L, 0, 1);
    lua_pushfstring(L, "ERR %s", msg);
    lua_setfield(L, -2, "err");
    return lua_error(L);
}

/* Adds the flags in the table at idx to *flags: false for an unknown one. */
static bool read_flags(lua_State *L, int idx, unsigned *flags) {
    for (int i = 1;; i++) {
        lua_rawgeti(L, idx, i);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            return true;
        }
        size_t n;
        const char *f = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
        bool no_writes = false;
        if (!f || !shebang_known_flag(f, n, &no_writes)) {
            lua_pop(L, 1);
            return false;
        }
        if (no_writes) *flags |= LIB_FN_NO_WRITES;
        lua_pop(L, 1);
    }
}

/* redis.register_function(name, callback) or redis.register_function{function_name=,
 * callback=, flags=, description=}, while a library loads. */
static int lt_register_function(lua_State *L) {
    int argc = lua_gettop(L);
    unsigned flags = 0;
    if (argc == 1 && lua_istable(L, 1)) {
        lua_settop(L, 1);
        lua_pushnil(L);
        lua_pushnil(L);
        lua_pushnil(L); /* 2 name, 3 callback, 4 description */
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
            if (!strcmp(k, "function_name")) {
                if (lua_type(L, -1) != LUA_TSTRING)
                    return raise_plain(
                        L,
                        "function_name argument given to redis.register_function must be a string");
                lua_replace(L, 2);
            } else if (!strcmp(k, "callback")) {
                if (!lua_isfunction(L, -1))
                    return raise_plain(
                        L, "callback argument given to redis.register_function must be a function");
                lua_replace(L, 3);
            } else if (!strcmp(k, "description")) {
                if (lua_type(L, -1) != LUA_TSTRING)
                    return raise_plain(
                        L,
                        "description argument given to redis.register_function must be a string");
                lua_replace(L, 4);
            } else if (!strcmp(k, "flags")) {
                if (!lua_istable(L, -1))
                    return raise_plain(L, "flags argument to redis.register_function must be a "
                                          "table representing function flags");
                if (!read_flags(L, lua_gettop(L), &flags))
                    return raise_plain(L, "unknown flag given");
                lua_pop(L, 1);
            } else {
                return raise_plain(L, "unknown argument given to redis.register_function");
            }
        }
        if (lua_isnil(L, 2))
            return raise_plain(L, "redis.register_function must get a function name argument");
        if (lua_isnil(L, 3))
            return raise_plain(L, "redis.register_function must get a callback argument");
    } else if (argc == 2) {
        if (lua_type(L, 1) != LUA_TSTRING)
            return raise_plain(L, "first argument to redis.register_function must be a string");
        if (!lua_isfunction(L, 2))
            return raise_plain(L, "second argument to redis.register_function must be a function");
        lua_settop(L, 2);
        lua_pushnil(L);
        lua_insert(L, 1); /* 1 nil, 2 name, 3 callback, 4 description (nil) */
        lua_pushnil(L);
    } else {
        return raise_plain(L, "wrong number of arguments to redis.register_function");
    }
    size_t n;
    const char *name = lua_tolstring(L, 2, &n);
    if (!valid_name(name, n)) return raise_plain(L, ERR_NAME_CHARS);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOADING);
    if (!lua_istable(L, -1))
        return raise_plain(L, "redis.register_function can only be called while a library loads");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    if (!lua_isnil(L, -1)) return raise_plain(L, "Function already exists in the library");
    lua_pop(L, 1);
    lua_pushvalue(L, 2);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "fn");
    lua_pushnumber(L, flags);
    lua_setfield(L, -2, "flags");
    lua_pushvalue(L, 4);
    lua_setfield(L, -2, "desc");
    lua_rawset(L, -3);
    return 0;
}

static _Thread_local int64_t load_deadline;

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void load_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (mono_ms() > load_deadline) raise_plain(L, "FUNCTION LOAD timeout");
}

/* Pushes the environment a library loads in: only `redis`, with register_function, log and
 * the constants; everything else is a missing global. */
static void push_load_env(lua_State *L) {
    lua_newtable(L); /* the environment */
    lua_newtable(L); /* what it can see */
    lua_newtable(L); /* redis: its load-time entries only */
    redislib_add_common(L);
    lua_pushcfunction(L, lt_register_function);
    lua_setfield(L, -2, "register_function");
    lua_newtable(L); /* its view: a missing entry is an error, as a global */
    lua_createtable(L, 0, 3);
    sandbox_push_global_index(L, -3);
    lua_setfield(L, -2, "__index");
    sandbox_push_readonly_error(L);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_remove(L, -2);
    lua_setfield(L, -2, "redis");
    lua_createtable(L, 0, 3);
    sandbox_push_global_index(L, -2);
    lua_setfield(L, -2, "__index");
    sandbox_push_readonly_error(L);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_remove(L, -2);
    lua_setmetatable(L, -2);
}

/* Makes the environment at idx see the globals scripts see (the library has loaded). */
static void env_to_globals(lua_State *L, int idx) {
    lua_createtable(L, 0, 3);
    lua_getfield(L, LUA_REGISTRYINDEX, VM_REG_GLOBALS); /* itself raises for a missing name */
    lua_setfield(L, -2, "__index");
    sandbox_push_readonly_error(L);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, idx);
}

/* Loads code into vm's state: pushes the table name -> {fn, flags, desc} of its functions and
 * returns NULL, or pushes nothing and returns the error (in p's arena). */
static const char *vm_load(keel_proc *p, script_vm *vm, const char *code, size_t len) {
    lua_State *L = vm->L;
    char *text = keel_proc_alloc(p, len + 1);
    memcpy(text, code, len);
    text[len] = '\0';
    if (len >= 2) text[0] = text[1] = '-'; /* the header line becomes a comment */
    if (luaL_loadbuffer(L, text, len, "@user_function") != 0) {
        const char *msg = lua_tostring(L, -1);
        size_t n = strlen(msg) + 64;
        char *err = keel_proc_alloc(p, n);
        snprintf(err, n, "ERR Error compiling function: %s", msg);
        lua_pop(L, 1);
        return err;
    }
    push_load_env(L);
    int env = lua_gettop(L);
    lua_pushvalue(L, env);
    lua_setfenv(L, env - 1);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOADING);
    load_deadline = mono_ms() + LOAD_TIMEOUT_MS;
    lua_sethook(L, load_hook, LUA_MASKCOUNT, 1000);
    lua_pushvalue(L, env - 1);
    int st = lua_pcall(L, 0, 0, 0);
    lua_sethook(L, NULL, 0, 0);
    const char *err = NULL;
    if (st != 0) {
        const char *msg;
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
        } else {
            lua_pushfstring(L, "ERR %s",
                            lua_isstring(L, -1) ? lua_tostring(L, -1) : luaL_typename(L, -1));
            msg = lua_tostring(L, -1);
        }
        size_t n = strlen(msg) + 64;
        char *e = keel_proc_alloc(p, n);
        snprintf(e, n, "ERR Error registering functions: %s", msg);
        err = e;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOADING);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOADING);
    if (!err) {
        lua_pushnil(L);
        if (!lua_next(L, -2))
            err = "ERR No functions registered";
        else
            lua_pop(L, 2);
    }
    if (err) {
        lua_settop(L, env - 2);
        return err;
    }
    env_to_globals(L, env);
    lua_replace(L, env - 1);
    lua_settop(L, env - 1);
    return NULL;
}

/* The state's table of loaded libraries, emptied when the registry changed since. */
static void push_vm_libs(script_vm *vm) {
    lua_State *L = vm->L;
    uint64_t gen = atomic_load(&lib_generation);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LIBS);
    if (vm->lib_gen != gen || !lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, REG_LIBS);
        vm->lib_gen = gen;
    }
}

/* Records the functions table on top of the stack as library name's, at version (pops it). */
static void vm_keep(script_vm *vm, const char *name, uint64_t version) {
    lua_State *L = vm->L;
    push_vm_libs(vm);
    lua_createtable(L, 0, 2);
    lua_pushnumber(L, (lua_Number)version);
    lua_setfield(L, -2, "version");
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "fns");
    lua_setfield(L, -2, name);
    lua_pop(L, 2);
}

/* ---- the registry ---- */

static library *find_lib(const char *name, size_t n) {
    for (library *l = libs; l; l = l->next)
        if (strlen(l->name) == n && memcmp(l->name, name, n) == 0) return l;
    return NULL;
}

static const library *owner_of(const char *fn, size_t n, const library *except) {
    for (library *l = libs; l; l = l->next) {
        if (l == except) continue;
        for (uint32_t i = 0; i < l->nfns; i++)
            if (strlen(l->fns[i].name) == n && memcmp(l->fns[i].name, fn, n) == 0) return l;
    }
    return NULL;
}

/* A library from the functions table on top of vm->L (left there). */
static library *lib_from_table(lua_State *L, const char *name, const char *code, size_t len) {
    library *l = keel_calloc(1, sizeof *l);
    l->name = dup_bytes(name, strlen(name));
    l->code = dup_bytes(code, len);
    l->len = len;
    uint32_t cap = 8;
    l->fns = keel_calloc(cap, sizeof *l->fns);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (l->nfns == cap) {
            cap *= 2;
            l->fns = keel_realloc(l->fns, sizeof *l->fns * cap);
        }
        lib_fn *f = &l->fns[l->nfns++];
        size_t n;
        const char *s = lua_tolstring(L, -2, &n);
        f->name = dup_bytes(s, n);
        lua_getfield(L, -1, "flags");
        f->flags = (unsigned)lua_tonumber(L, -1);
        lua_pop(L, 1);
        lua_getfield(L, -1, "desc");
        f->desc = lua_isstring(L, -1) ? dup_bytes(lua_tostring(L, -1), lua_strlen(L, -1)) : NULL;
        lua_pop(L, 2);
    }
    return l;
}

/* Adds l (or replaces the library of its name when replace): NULL, or the error. */
static const char *registry_add(keel_proc *p, library *l, bool replace) {
    library *old = find_lib(l->name, strlen(l->name));
    if (old && !replace) {
        size_t n = strlen(l->name) + 48;
        char *e = keel_proc_alloc(p, n);
        snprintf(e, n, "ERR Library '%s' already exists", l->name);
        return e;
    }
    for (uint32_t i = 0; i < l->nfns; i++) {
        if (!owner_of(l->fns[i].name, strlen(l->fns[i].name), old)) continue;
        size_t n = strlen(l->fns[i].name) + 48;
        char *e = keel_proc_alloc(p, n);
        snprintf(e, n, "ERR Function %s already exists", l->fns[i].name);
        return e;
    }
    if (old) {
        library **pp = &libs;
        while (*pp != old)
            pp = &(*pp)->next;
        *pp = old->next;
        lib_destroy(old);
    }
    l->version = next_version++;
    l->next = libs;
    libs = l;
    atomic_fetch_add(&lib_generation, 1);
    return NULL;
}

keel_status library_load(keel_proc *p, const char *code, size_t len, bool replace) {
    char *name;
    const char *err = parse_header(p, code, len, &name);
    script_vm *vm = err ? NULL : vm_get();
    if (!err && !vm) err = "ERR out of memory: no Lua state for scripts";
    if (!err) err = vm_load(p, vm, code, len);
    if (err) {
        keel_reply_error(p, "%s", err);
        return KEEL_EINVAL;
    }
    library *l = lib_from_table(vm->L, name, code, len);
    pthread_mutex_lock(&lib_mu);
    err = registry_add(p, l, replace);
    uint64_t version = l->version;
    pthread_mutex_unlock(&lib_mu);
    if (err) {
        lua_pop(vm->L, 1);
        lib_destroy(l);
        keel_reply_error(p, "%s", err);
        return KEEL_EINVAL;
    }
    vm_keep(vm, name, version);
    keel_reply_bulk(p, name, strlen(name));
    return KEEL_OK;
}

bool library_delete(const char *name, size_t len) {
    pthread_mutex_lock(&lib_mu);
    library **pp = &libs;
    while (*pp && !(strlen((*pp)->name) == len && memcmp((*pp)->name, name, len) == 0))
        pp = &(*pp)->next;
    library *l = *pp;
    if (l) {
        *pp = l->next;
        lib_destroy(l);
        atomic_fetch_add(&lib_generation, 1);
    }
    pthread_mutex_unlock(&lib_mu);
    return l != NULL;
}

static void flush_locked(void) {
    while (libs) {
        library *l = libs;
        libs = l->next;
        lib_destroy(l);
    }
    atomic_fetch_add(&lib_generation, 1);
}

void library_flush(void) {
    pthread_mutex_lock(&lib_mu);
    flush_locked();
    pthread_mutex_unlock(&lib_mu);
}

void library_free_all(void) {
    library_flush();
}

void library_counts(uint64_t *libraries, uint64_t *functions, uint64_t *bytes) {
    *libraries = *functions = *bytes = 0;
    pthread_mutex_lock(&lib_mu);
    for (library *l = libs; l; l = l->next) {
        ++*libraries;
        *functions += l->nfns;
        *bytes += sizeof *l + l->len + strlen(l->name) + 1 + sizeof *l->fns * l->nfns;
    }
    pthread_mutex_unlock(&lib_mu);
}

/* A glob match of name against pattern (*, ?, [...], \ escapes), as FUNCTION LIST uses. */
static bool glob(const char *pat, size_t pn, const char *s, size_t sn) {
    while (pn > 0) {
        if (*pat == '*') {
            while (pn > 1 && pat[1] == '*')
                pat++, pn--;
            if (pn == 1) return true;
            for (size_t i = 0; i <= sn; i++)
                if (glob(pat + 1, pn - 1, s + i, sn - i)) return true;
            return false;
        }
        if (sn == 0) return false;
        if (*pat == '?') {
            pat++, pn--, s++, sn--;
            continue;
        }
        if (*pat == '[') {
            size_t i = 1;
            bool neg = i < pn && pat[i] == '^', hit = false;
            if (neg) i++;
            for (; i < pn && pat[i] != ']'; i++) {
                if (pat[i] == '\\' && i + 1 < pn) i++;
                if (i + 2 < pn && pat[i + 1] == '-' && pat[i + 2] != ']') {
                    if (*s >= pat[i] && *s <= pat[i + 2]) hit = true;
                    i += 2;
                } else if (pat[i] == *s) {
                    hit = true;
                }
            }
            if (hit == neg) return false;
            if (i < pn) i++;
            pat += i, pn -= i, s++, sn--;
            continue;
        }
        if (*pat == '\\' && pn > 1) pat++, pn--;
        if (*pat != *s) return false;
        pat++, pn--, s++, sn--;
    }
    return sn == 0;
}

static void reply_str(keel_proc *p, const char *s) {
    keel_reply_bulk(p, s, strlen(s));
}

void library_list(keel_proc *p, const char *pattern, size_t plen, bool withcode) {
    pthread_mutex_lock(&lib_mu);
    keel_reply_open(p, KEEL_REPLY_ARRAY);
    for (library *l = libs; l; l = l->next) {
        if (pattern && !glob(pattern, plen, l->name, strlen(l->name))) continue;
        keel_reply_map(p, withcode ? 4 : 3);
        reply_str(p, "library_name");
        reply_str(p, l->name);
        reply_str(p, "engine");
        reply_str(p, "LUA");
        reply_str(p, "functions");
        keel_reply_array(p, l->nfns);
        for (uint32_t i = 0; i < l->nfns; i++) {
            keel_reply_map(p, 3);
            reply_str(p, "name");
            reply_str(p, l->fns[i].name);
            reply_str(p, "description");
            if (l->fns[i].desc)
                reply_str(p, l->fns[i].desc);
            else
                keel_reply_nil(p);
            reply_str(p, "flags");
            bool nw = l->fns[i].flags & LIB_FN_NO_WRITES;
            keel_reply_set(p, nw ? 1 : 0);
            if (nw) keel_reply_simple(p, "no-writes");
        }
        if (withcode) {
            reply_str(p, "library_code");
            keel_reply_bulk(p, l->code, l->len);
        }
    }
    keel_reply_close(p);
    pthread_mutex_unlock(&lib_mu);
}

/* ---- DUMP and RESTORE: "KEELFN", version 1, a 4-byte count, then each library's code with a
 * 4-byte length, then an FNV-1a 64 checksum of all before it (8 bytes, big-endian) ---- */

#define DUMP_MAGIC "KEELFN"
#define DUMP_VERSION 1

static uint64_t fnv(const uint8_t *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

static void put_u32(uint8_t *w, uint32_t v) {
    for (int i = 0; i < 4; i++)
        w[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_u32(const uint8_t *r) {
    return (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3];
}

void library_dump(keel_proc *p) {
    pthread_mutex_lock(&lib_mu);
    size_t n = 6 + 1 + 4 + 8;
    uint32_t count = 0;
    for (library *l = libs; l; l = l->next, count++)
        n += 4 + l->len;
    uint8_t *out = keel_proc_alloc(p, n), *w = out;
    memcpy(w, DUMP_MAGIC, 6);
    w += 6;
    *w++ = DUMP_VERSION;
    put_u32(w, count);
    w += 4;
    for (library *l = libs; l; l = l->next) {
        put_u32(w, (uint32_t)l->len);
        memcpy(w + 4, l->code, l->len);
        w += 4 + l->len;
    }
    pthread_mutex_unlock(&lib_mu);
    uint64_t h = fnv(out, (size_t)(w - out));
    for (int i = 0; i < 8; i++)
        *w++ = (uint8_t)(h >> (56 - 8 * i));
    keel_reply_bulk(p, out, n);
}

keel_status library_restore(keel_proc *p, const char *payload, size_t len, char policy) {
    const uint8_t *r = (const uint8_t *)payload;
    uint64_t h = 0;
    for (int i = 0; len >= 19 && i < 8; i++)
        h = h << 8 | r[len - 8 + i];
    if (len < 19 || memcmp(r, DUMP_MAGIC, 6) != 0 || r[6] != DUMP_VERSION || fnv(r, len - 8) != h) {
        keel_reply_error(p, "ERR DUMP payload version or checksum are wrong");
        return KEEL_EINVAL;
    }
    uint32_t count = get_u32(r + 7);
    size_t at = 11, end = len - 8;
    script_vm *vm = vm_get();
    if (!vm) {
        keel_reply_error(p, "ERR out of memory: no Lua state for scripts");
        return KEEL_EINVAL;
    }
    library *loaded = NULL; /* validated first: a bad payload changes nothing */
    const char *err = NULL;
    for (uint32_t i = 0; i < count && !err; i++) {
        uint32_t n = at + 4 <= end ? get_u32(r + at) : UINT32_MAX;
        if (n > end - at - 4) {
            err = "ERR DUMP payload version or checksum are wrong";
            break;
        }
        const char *code = payload + at + 4;
        char *name;
        err = parse_header(p, code, n, &name);
        if (!err) err = vm_load(p, vm, code, n);
        if (!err) {
            library *l = lib_from_table(vm->L, name, code, n);
            lua_pop(vm->L, 1);
            l->next = loaded;
            loaded = l;
        }
        at += 4 + n;
    }
    if (!err && at != end) err = "ERR DUMP payload version or checksum are wrong";
    pthread_mutex_lock(&lib_mu);
    if (!err && policy == 'A')
        for (library *l = loaded; l && !err; l = l->next) {
            if (find_lib(l->name, strlen(l->name))) {
                size_t n = strlen(l->name) + 48;
                char *e = keel_proc_alloc(p, n);
                snprintf(e, n, "ERR Library %s already exists", l->name);
                err = e;
            }
        }
    if (!err && policy == 'F') flush_locked();
    while (loaded) {
        library *l = loaded;
        loaded = l->next;
        const char *e = err ? err : registry_add(p, l, policy == 'R');
        if (e) {
            err = e;
            lib_destroy(l);
        }
    }
    pthread_mutex_unlock(&lib_mu);
    if (err) {
        keel_reply_error(p, "%s", err);
        return KEEL_EINVAL;
    }
    keel_reply_ok(p);
    return KEEL_OK;
}

bool library_find(const char *name, size_t len, lib_fn_ref *out) {
    bool found = false;
    pthread_mutex_lock(&lib_mu);
    for (library *l = libs; l && !found; l = l->next)
        for (uint32_t i = 0; i < l->nfns && !found; i++) {
            if (strlen(l->fns[i].name) != len || memcmp(l->fns[i].name, name, len) != 0) continue;
            snprintf(out->library, sizeof out->library, "%s", l->name);
            snprintf(out->function, sizeof out->function, "%s", l->fns[i].name);
            out->version = l->version;
            out->flags = l->fns[i].flags;
            found = true;
        }
    pthread_mutex_unlock(&lib_mu);
    return found;
}

bool library_push_function(keel_proc *p, script_vm *vm, const lib_fn_ref *ref) {
    lua_State *L = vm->L;
    push_vm_libs(vm);
    lua_getfield(L, -1, ref->library);
    bool fresh = false;
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "version");
        fresh = (uint64_t)lua_tonumber(L, -1) == ref->version;
        lua_pop(L, 1);
    }
    if (fresh) { /* libs, lib */
        lua_getfield(L, -1, "fns");
        if (lua_istable(L, -1))
            lua_getfield(L, -1, ref->function);
        else
            lua_pushnil(L);
        if (lua_istable(L, -1))
            lua_getfield(L, -1, "fn");
        else
            lua_pushnil(L);
        lua_replace(L, -5);
        lua_pop(L, 3);
    } else {
        lua_pop(L, 2);
        char *code = NULL;
        size_t len = 0;
        pthread_mutex_lock(&lib_mu);
        library *l = find_lib(ref->library, strlen(ref->library));
        if (l && l->version == ref->version) code = dup_bytes(l->code, len = l->len);
        pthread_mutex_unlock(&lib_mu);
        const char *err = code ? vm_load(p, vm, code, len) : "ERR Function not found";
        keel_free(code);
        if (err) {
            keel_reply_error(p, "%s", err);
            return false;
        }
        lua_getfield(L, -1, ref->function); /* fns, entry */
        if (lua_istable(L, -1))
            lua_getfield(L, -1, "fn");
        else
            lua_pushnil(L);
        lua_insert(L, -3);
        lua_pop(L, 1); /* fn, fns */
        vm_keep(vm, ref->library, ref->version);
    }
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 1);
        keel_reply_error(p, "ERR Function not found");
        return false;
    }
    return true;
}
