/* cmsgpack.c -- MessagePack for scripts, as Redis's cmsgpack behaves: pack(...) encodes each value
 * in turn (integral numbers as the smallest integer, others as float32 when exact, else float64;
 * a table whose keys are exactly 1..n as an array, else as a map; nesting past 16 levels as nil);
 * unpack(s) decodes every value; unpack_one(s [, offset]) and unpack_limit(s, n [, offset]) decode
 * one or n values and return the offset to continue from (-1 at the end) first. */
#include "libs.h"

#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MP_MAX_NESTING 16

/* The output: bytes in a userdata kept at a fixed stack slot (replaced by a bigger one as it
 * grows), so the stack stays free for walking tables and an error leaks nothing. */
typedef struct mp_buf {
    lua_State *L;
    int slot;
    char *data;
    size_t len, cap;
} mp_buf;

static void buf_add(mp_buf *b, const void *s, size_t n) {
    if (b->cap - b->len < n) {
        size_t cap = b->cap * 2;
        while (cap - b->len < n)
            cap *= 2;
        char *d = lua_newuserdata(b->L, cap);
        memcpy(d, b->data, b->len);
        lua_replace(b->L, b->slot);
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static void buf_byte(mp_buf *b, uint8_t c) {
    buf_add(b, &c, 1);
}

static void put_tagged(mp_buf *b, uint8_t tag, uint64_t v, int bytes) {
    uint8_t out[9];
    out[0] = tag;
    for (int i = 0; i < bytes; i++)
        out[1 + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    buf_add(b, out, (size_t)bytes + 1);
}

static void pack_int(mp_buf *b, int64_t v) {
    if (v >= 0) {
        if (v < 128)
            buf_byte(b, (uint8_t)v);
        else if (v <= 0xff)
            put_tagged(b, 0xcc, (uint64_t)v, 1);
        else if (v <= 0xffff)
            put_tagged(b, 0xcd, (uint64_t)v, 2);
        else if (v <= 0xffffffffll)
            put_tagged(b, 0xce, (uint64_t)v, 4);
        else
            put_tagged(b, 0xcf, (uint64_t)v, 8);
    } else {
        if (v >= -32)
            buf_byte(b, (uint8_t)(int8_t)v);
        else if (v >= -128)
            put_tagged(b, 0xd0, (uint64_t)(uint8_t)(int8_t)v, 1);
        else if (v >= -32768)
            put_tagged(b, 0xd1, (uint64_t)(uint16_t)(int16_t)v, 2);
        else if (v >= -2147483648ll)
            put_tagged(b, 0xd2, (uint64_t)(uint32_t)(int32_t)v, 4);
        else
            put_tagged(b, 0xd3, (uint64_t)v, 8);
    }
}

static void pack_number(mp_buf *b, lua_Number n) {
    if (isfinite(n) && floor(n) == n && n >= -9223372036854775808.0 && n < 9223372036854775808.0) {
        pack_int(b, (int64_t)n);
        return;
    }
    float f = (float)n;
    if ((lua_Number)f == n || isnan(n)) {
        uint32_t bits;
        memcpy(&bits, &f, 4);
        put_tagged(b, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &n, 8);
        put_tagged(b, 0xcb, bits, 8);
    }
}

static void pack_header(mp_buf *b, size_t n, uint8_t fix, uint8_t fixmax, uint8_t t8, uint8_t t16,
                        uint8_t t32) {
    if (n <= fixmax)
        buf_byte(b, (uint8_t)(fix | n));
    else if (t8 && n <= 0xff)
        put_tagged(b, t8, n, 1);
    else if (n <= 0xffff)
        put_tagged(b, t16, n, 2);
    else
        put_tagged(b, t32, n, 4);
}

/* The array length of the table at idx when its keys are exactly 1..n, else -1. */
static long array_length(lua_State *L, int idx) {
    long count = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER) {
            lua_pop(L, 1);
            return -1;
        }
        lua_Number k = lua_tonumber(L, -1);
        if (k < 1 || floor(k) != k) {
            lua_pop(L, 1);
            return -1;
        }
        if (k >= (lua_Number)LONG_MAX) { /* no table has that many entries */
            lua_pop(L, 1);
            return -1;
        }
        if (k > max) max = (long)k;
        count++;
    }
    return max == count ? count : -1;
}

static void pack_value(mp_buf *b, int idx, int depth);

static void pack_table(mp_buf *b, int idx, int depth) {
    lua_State *L = b->L;
    long n = array_length(L, idx);
    if (n >= 0) {
        pack_header(b, (size_t)n, 0x90, 15, 0, 0xdc, 0xdd);
        for (long i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, (int)i);
            pack_value(b, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
        }
        return;
    }
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        pairs++;
    }
    pack_header(b, pairs, 0x80, 15, 0, 0xde, 0xdf);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int v = lua_gettop(L);
        pack_value(b, v - 1, depth + 1);
        pack_value(b, v, depth + 1);
        lua_pop(L, 1);
    }
}

static void pack_value(mp_buf *b, int idx, int depth) {
    lua_State *L = b->L;
    luaL_checkstack(L, 8, "cmsgpack: nested too deep");
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        buf_byte(b, lua_toboolean(L, idx) ? 0xc3 : 0xc2);
        break;
    case LUA_TNUMBER:
        pack_number(b, lua_tonumber(L, idx));
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        pack_header(b, n, 0xa0, 31, 0xd9, 0xda, 0xdb);
        buf_add(b, s, n);
        break;
    }
    case LUA_TTABLE:
        if (depth < MP_MAX_NESTING) {
            pack_table(b, idx, depth);
            break;
        }
        buf_byte(b, 0xc0); /* too deep: packed as nil */
        break;
    default:
        buf_byte(b, 0xc0);
    }
}

static int mp_pack(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    mp_buf b = {L, argc + 1, NULL, 0, 64};
    b.data = lua_newuserdata(L, b.cap);
    for (int i = 1; i <= argc; i++)
        pack_value(&b, i, 0);
    lua_pushlstring(L, b.data, b.len);
    return 1;
}

typedef struct mp_reader {
    const uint8_t *p;
    size_t left;
    const char *err;
} mp_reader;

static uint64_t get_be(mp_reader *r, int bytes) {
    if (r->left < (size_t)bytes) {
        r->err = "Missing bytes in input.";
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | r->p[i];
    r->p += bytes;
    r->left -= (size_t)bytes;
    return v;
}

static void unpack_value(lua_State *L, mp_reader *r, int depth);

static void unpack_string(lua_State *L, mp_reader *r, size_t n) {
    if (r->left < n) {
        r->err = "Missing bytes in input.";
        lua_pushnil(L);
        return;
    }
    lua_pushlstring(L, (const char *)r->p, n);
    r->p += n;
    r->left -= n;
}

static void unpack_array(lua_State *L, mp_reader *r, size_t n, int depth) {
    lua_createtable(L, n < 1024 ? (int)n : 1024, 0);
    for (size_t i = 1; i <= n && !r->err; i++) {
        unpack_value(L, r, depth + 1);
        lua_rawseti(L, -2, (int)i);
    }
}

static void unpack_map(lua_State *L, mp_reader *r, size_t n, int depth) {
    lua_createtable(L, 0, n < 1024 ? (int)n : 1024);
    for (size_t i = 0; i < n && !r->err; i++) {
        unpack_value(L, r, depth + 1);
        unpack_value(L, r, depth + 1);
        if (lua_isnil(L, -2))
            lua_pop(L, 2);
        else
            lua_rawset(L, -3);
    }
}

static void unpack_value(lua_State *L, mp_reader *r, int depth) {
    if (depth > 512 || !lua_checkstack(L, 4)) {
        r->err = "Bad data format in input.";
        lua_pushnil(L);
        return;
    }
    uint8_t t = (uint8_t)get_be(r, 1);
    if (r->err) {
        lua_pushnil(L);
        return;
    }
    if (t < 0x80)
        lua_pushnumber(L, t);
    else if (t >= 0xe0)
        lua_pushnumber(L, (int8_t)t);
    else if ((t & 0xe0) == 0xa0)
        unpack_string(L, r, t & 0x1f);
    else if ((t & 0xf0) == 0x90)
        unpack_array(L, r, t & 0x0f, depth);
    else if ((t & 0xf0) == 0x80)
        unpack_map(L, r, t & 0x0f, depth);
    else
        switch (t) {
        case 0xc0:
            lua_pushnil(L);
            break;
        case 0xc2:
            lua_pushboolean(L, 0);
            break;
        case 0xc3:
            lua_pushboolean(L, 1);
            break;
        case 0xcc:
            lua_pushnumber(L, (lua_Number)get_be(r, 1));
            break;
        case 0xcd:
            lua_pushnumber(L, (lua_Number)get_be(r, 2));
            break;
        case 0xce:
            lua_pushnumber(L, (lua_Number)get_be(r, 4));
            break;
        case 0xcf:
            lua_pushnumber(L, (lua_Number)get_be(r, 8));
            break;
        case 0xd0:
            lua_pushnumber(L, (int8_t)get_be(r, 1));
            break;
        case 0xd1:
            lua_pushnumber(L, (int16_t)get_be(r, 2));
            break;
        case 0xd2:
            lua_pushnumber(L, (int32_t)get_be(r, 4));
            break;
        case 0xd3:
            lua_pushnumber(L, (lua_Number)(int64_t)get_be(r, 8));
            break;
        case 0xca: {
            uint32_t bits = (uint32_t)get_be(r, 4);
            float f;
            memcpy(&f, &bits, 4);
            lua_pushnumber(L, f);
            break;
        }
        case 0xcb: {
            uint64_t bits = get_be(r, 8);
            double d;
            memcpy(&d, &bits, 8);
            lua_pushnumber(L, d);
            break;
        }
        case 0xd9:
            unpack_string(L, r, (size_t)get_be(r, 1));
            break;
        case 0xda:
            unpack_string(L, r, (size_t)get_be(r, 2));
            break;
        case 0xdb:
            unpack_string(L, r, (size_t)get_be(r, 4));
            break;
        case 0xdc:
            unpack_array(L, r, (size_t)get_be(r, 2), depth);
            break;
        case 0xdd:
            unpack_array(L, r, (size_t)get_be(r, 4), depth);
            break;
        case 0xde:
            unpack_map(L, r, (size_t)get_be(r, 2), depth);
            break;
        case 0xdf:
            unpack_map(L, r, (size_t)get_be(r, 4), depth);
            break;
        default:
            r->err = "Bad data format in input.";
            lua_pushnil(L);
        }
    if (r->err && !lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
}

/* Decodes up to limit values (0 = all) of s from offset: pushes the values, returns how many;
 * *next is the offset after them, or -1 when the input ended. */
static int unpack_n(lua_State *L, int limit, lua_Integer offset, lua_Integer *next) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    if (offset < 0 || (size_t)offset > n)
        return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset, (int)n);
    mp_reader r = {(const uint8_t *)s + offset, n - (size_t)offset, NULL};
    int count = 0;
    while (r.left > 0 && (limit == 0 || count < limit)) {
        unpack_value(L, &r, 0);
        if (r.err) return luaL_error(L, "%s", r.err);
        count++;
    }
    *next = r.left > 0 ? (lua_Integer)(n - r.left) : -1;
    return count;
}

static int mp_unpack(lua_State *L) {
    lua_Integer next;
    return unpack_n(L, 0, 0, &next);
}

static int mp_unpack_full(lua_State *L, int limit, lua_Integer offset) {
    lua_Integer next;
    int top = lua_gettop(L);
    int count = unpack_n(L, limit, offset, &next);
    lua_pushinteger(L, next);
    lua_insert(L, top + 1);
    return count + 1;
}

static int mp_unpack_one(lua_State *L) {
    return mp_unpack_full(L, 1, luaL_optinteger(L, 2, 0));
}

static int mp_unpack_limit(lua_State *L) {
    int limit = luaL_checkint(L, 2);
    return mp_unpack_full(L, limit > 0 ? limit : 0, luaL_optinteger(L, 3, 0));
}

void libs_open_cmsgpack(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"pack", mp_pack},
        {"unpack", mp_unpack},
        {"unpack_one", mp_unpack_one},
        {"unpack_limit", mp_unpack_limit},
        {NULL, NULL},
    };
    lua_newtable(L);
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    lua_pushliteral(L, "lua-cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
}
