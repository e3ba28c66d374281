/* conv.c -- replies to Lua values and back (see conv.h for the rules). */
#include "conv.h"

#include <datakit/box.h>
#include <inttypes.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Deeper tables than this are not replied (the reply tree nests at most 32 levels). */
#define CONV_MAX_DEPTH 30

void conv_push_error(lua_State *L, const char *text, int resp) {
    (void)resp;
    lua_createtable(L, 0, 1);
    lua_pushstring(L, text);
    lua_setfield(L, -2, "err");
}

/* The text RESP2 gives a double (Redis 7's words for the values without digits). */
static void push_double_text(lua_State *L, double d) {
    if (isnan(d))
        lua_pushliteral(L, "nan");
    else if (isinf(d))
        lua_pushstring(L, d > 0 ? "inf" : "-inf");
    else {
        char text[64];
        dk_val v = dk_f64(d);
        size_t n = dk_val_format(&v, text, sizeof text);
        if (n == 0) n = (size_t)snprintf(text, sizeof text, "%.17g", d);
        lua_pushlstring(L, text, n);
    }
}

static void push_wrapped(lua_State *L, const char *field) {
    lua_createtable(L, 0, 1);
    lua_insert(L, -2);
    lua_setfield(L, -2, field);
}

void conv_reply_to_lua(lua_State *L, const keel_reply *r, int resp) {
    luaL_checkstack(L, 4, "reply nested too deep");
    bool v3 = resp == 3;
    switch (r->type) {
    case KEEL_REPLY_NIL:
        if (v3)
            lua_pushnil(L);
        else
            lua_pushboolean(L, 0);
        return;
    case KEEL_REPLY_INT:
        lua_pushnumber(L, (lua_Number)r->v.i);
        return;
    case KEEL_REPLY_UINT:
        if (v3 && r->v.u > INT64_MAX) {
            char text[24];
            snprintf(text, sizeof text, "%" PRIu64, r->v.u);
            lua_pushstring(L, text);
            push_wrapped(L, "big_number");
        } else {
            lua_pushnumber(L, (lua_Number)r->v.u);
        }
        return;
    case KEEL_REPLY_DOUBLE:
        if (v3) {
            lua_pushnumber(L, r->v.d);
            push_wrapped(L, "double");
        } else {
            push_double_text(L, r->v.d);
        }
        return;
    case KEEL_REPLY_BOOL:
        if (v3)
            lua_pushboolean(L, r->v.i != 0);
        else
            lua_pushnumber(L, r->v.i ? 1 : 0);
        return;
    case KEEL_REPLY_BULK:
        lua_pushlstring(L, r->v.s, r->len);
        return;
    case KEEL_REPLY_SIMPLE:
        lua_pushlstring(L, r->v.s, r->len);
        push_wrapped(L, "ok");
        return;
    case KEEL_REPLY_ERROR:
        if (r->len)
            lua_pushlstring(L, r->v.s, r->len);
        else
            lua_pushliteral(L, "ERR");
        push_wrapped(L, "err");
        return;
    case KEEL_REPLY_VERBATIM: {
        bool formatted = r->len >= 4 && r->v.s[3] == ':';
        const char *s = formatted ? r->v.s + 4 : r->v.s;
        size_t n = formatted ? r->len - 4 : r->len;
        if (!v3) {
            lua_pushlstring(L, s, n);
            return;
        }
        lua_createtable(L, 0, 2);
        lua_pushlstring(L, formatted ? r->v.s : "txt", 3);
        lua_setfield(L, -2, "format");
        lua_pushlstring(L, s, n);
        lua_setfield(L, -2, "string");
        push_wrapped(L, "verbatim_string");
        return;
    }
    case KEEL_REPLY_MAP: {
        const keel_reply *c = r->v.child;
        if (!v3) {
            lua_createtable(L, (int)(2 * r->len), 0);
            for (uint32_t i = 1; c; c = c->next, i++) {
                conv_reply_to_lua(L, c, resp);
                lua_rawseti(L, -2, (int)i);
            }
            return;
        }
        lua_createtable(L, 0, (int)r->len);
        while (c && c->next) {
            conv_reply_to_lua(L, c, resp);
            conv_reply_to_lua(L, c->next, resp);
            if (lua_isnil(L, -2))
                lua_pop(L, 2); /* a nil key cannot be stored */
            else
                lua_rawset(L, -3);
            c = c->next->next;
        }
        push_wrapped(L, "map");
        return;
    }
    case KEEL_REPLY_SET:
        if (v3) {
            lua_createtable(L, 0, (int)r->len);
            for (const keel_reply *c = r->v.child; c; c = c->next) {
                conv_reply_to_lua(L, c, resp);
                if (lua_isnil(L, -1)) {
                    lua_pop(L, 1);
                    continue;
                }
                lua_pushboolean(L, 1);
                lua_rawset(L, -3);
            }
            push_wrapped(L, "set");
            return;
        }
        /* RESP2 shows a set as an array */
        /* fall through */
    case KEEL_REPLY_ARRAY:
    case KEEL_REPLY_PUSH: {
        lua_createtable(L, (int)r->len, 0);
        uint32_t i = 1;
        for (const keel_reply *c = r->v.child; c; c = c->next, i++) {
            conv_reply_to_lua(L, c, resp);
            lua_rawseti(L, -2, (int)i);
        }
        return;
    }
    default:
        lua_pushboolean(L, 0);
    }
}

/* The string field `name` of the table at idx, or NULL. */
static const char *string_field(lua_State *L, int idx, const char *name, size_t *n) {
    lua_pushstring(L, name);
    lua_rawget(L, idx);
    if (lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        return NULL;
    }
    const char *s = lua_tolstring(L, -1, n);
    lua_pop(L, 1); /* the table keeps the string alive */
    return s;
}

/* A status or error text without CR or LF (Redis turns them into spaces). */
static char *line_text(keel_proc *p, const char *s, size_t n) {
    char *t = keel_proc_alloc(p, n + 1);
    for (size_t i = 0; i < n; i++)
        t[i] = s[i] == '\r' || s[i] == '\n' ? ' ' : s[i];
    t[n] = '\0';
    return t;
}

static bool to_reply(keel_proc *p, lua_State *L, int idx, bool resp3, int depth);

/* Replies the table at idx (an absolute index). */
static bool table_to_reply(keel_proc *p, lua_State *L, int idx, bool resp3, int depth) {
    size_t n;
    const char *s;
    if ((s = string_field(L, idx, "err", &n))) {
        keel_reply_error(p, "%s", line_text(p, s, n));
        return depth == 0;
    }
    if ((s = string_field(L, idx, "ok", &n))) {
        keel_reply_simple(p, line_text(p, s, n));
        return false;
    }
    lua_pushliteral(L, "double");
    lua_rawget(L, idx);
    if (lua_type(L, -1) == LUA_TNUMBER) {
        keel_reply_double(p, lua_tonumber(L, -1));
        lua_pop(L, 1);
        return false;
    }
    lua_pop(L, 1);
    if ((s = string_field(L, idx, "big_number", &n))) {
        keel_reply_bulk(p, s, n); /* the reply tree has no big number: its digits */
        return false;
    }
    lua_pushliteral(L, "map");
    lua_rawget(L, idx);
    if (lua_istable(L, -1)) {
        int m = lua_gettop(L);
        keel_reply_open(p, KEEL_REPLY_MAP);
        lua_pushnil(L);
        while (lua_next(L, m)) {
            to_reply(p, L, -2, resp3, depth + 1);
            to_reply(p, L, -1, resp3, depth + 1);
            lua_pop(L, 1);
        }
        keel_reply_close(p);
        lua_pop(L, 1);
        return false;
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "set");
    lua_rawget(L, idx);
    if (lua_istable(L, -1)) {
        int m = lua_gettop(L);
        keel_reply_open(p, KEEL_REPLY_SET);
        lua_pushnil(L);
        while (lua_next(L, m)) {
            to_reply(p, L, -2, resp3, depth + 1);
            lua_pop(L, 1);
        }
        keel_reply_close(p);
        lua_pop(L, 1);
        return false;
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "verbatim_string");
    lua_rawget(L, idx);
    if (lua_istable(L, -1)) {
        int v = lua_gettop(L);
        size_t fn, sn;
        const char *fmt = string_field(L, v, "format", &fn);
        const char *str = string_field(L, v, "string", &sn);
        if (fmt && str && fn == 3) {
            char f[4] = {fmt[0], fmt[1], fmt[2], 0};
            keel_reply_verbatim(p, f, str, sn);
            lua_pop(L, 1);
            return false;
        }
    }
    lua_pop(L, 1);
    keel_reply_open(p, KEEL_REPLY_ARRAY);
    for (int i = 1;; i++) {
        lua_rawgeti(L, idx, i);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        to_reply(p, L, -1, resp3, depth + 1);
        lua_pop(L, 1);
    }
    keel_reply_close(p);
    return false;
}

static bool to_reply(keel_proc *p, lua_State *L, int idx, bool resp3, int depth) {
    if (idx < 0) idx = lua_gettop(L) + idx + 1;
    if (depth > CONV_MAX_DEPTH || !lua_checkstack(L, 8)) {
        keel_reply_error(p, "ERR reached lua stack limit");
        return depth == 0;
    }
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        keel_reply_bulk(p, s, n);
        return false;
    }
    case LUA_TBOOLEAN:
        if (resp3)
            keel_reply_bool(p, lua_toboolean(L, idx));
        else if (lua_toboolean(L, idx))
            keel_reply_int(p, 1);
        else
            keel_reply_nil(p);
        return false;
    case LUA_TNUMBER: {
        double d = lua_tonumber(L, idx);
        /* out of range (and NaN) gives INT64_MIN, as Redis's cast does on x86-64 */
        int64_t v =
            d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (int64_t)d : INT64_MIN;
        keel_reply_int(p, v);
        return false;
    }
    case LUA_TTABLE:
        return table_to_reply(p, L, idx, resp3, depth);
    default:
        keel_reply_nil(p);
        return false;
    }
}

bool conv_lua_to_reply(keel_proc *p, lua_State *L, int idx, bool resp3) {
    return to_reply(p, L, idx, resp3, 0);
}
