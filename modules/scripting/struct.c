/* struct.c -- binary packing for scripts, as Redis's struct library behaves: pack(fmt, ...),
 * unpack(fmt, s [, pos]) (the values, then the position after them) and size(fmt).  Format: '>'
 * big and '<' little endian, '!n' alignment, 'x' a pad byte, 'b'/'B' char, 'h'/'H' short,
 * 'l'/'L' long, 'T' size_t, 'iN'/'IN' an N-byte int (default 4), 'f' float, 'd' double, 's' a
 * zero-terminated string, 'cN' N chars ('c0': the whole string; unpacking, the previous value's
 * length); upper case is unsigned. */
#include "libs.h"

#include <ctype.h>
#include <stdbool.h>
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAXINTSIZE 32
#define MAXALIGN 8

typedef struct fmt_state {
    bool little;
    int align;
} fmt_state;

static int bad_option(lua_State *L, char opt) {
    char msg[40];
    snprintf(msg, sizeof msg, "invalid format option '%c'", opt);
    return luaL_argerror(L, 1, msg);
}

static size_t read_size(const char **fmt, size_t dflt) {
    if (!isdigit((unsigned char)**fmt)) return dflt;
    size_t n = 0;
    while (isdigit((unsigned char)**fmt) && n < 100000000)
        n = n * 10 + (size_t)(*(*fmt)++ - '0');
    return n;
}

/* The size of option opt (reading its digits); 0 for those without a fixed one. */
static size_t opt_size(lua_State *L, char opt, const char **fmt) {
    switch (opt) {
    case 'B':
    case 'b':
        return 1;
    case 'H':
    case 'h':
        return 2;
    case 'L':
    case 'l':
        return sizeof(long);
    case 'T':
        return sizeof(size_t);
    case 'f':
        return sizeof(float);
    case 'd':
        return sizeof(double);
    case 'x':
        return 1;
    case 'c':
        return read_size(fmt, 1);
    case 'i':
    case 'I': {
        size_t n = read_size(fmt, sizeof(int));
        if (n > MAXINTSIZE)
            luaL_error(L, "integral size %d is larger than limit of %d", (int)n, MAXINTSIZE);
        if (n == 0) luaL_error(L, "integral size must be positive");
        return n;
    }
    default:
        return 0;
    }
}

static size_t pad_for(const fmt_state *st, size_t size, size_t at) {
    size_t a = size < (size_t)st->align ? size : (size_t)st->align;
    if (a <= 1) return 0;
    if (a & (a - 1)) return 0; /* checked where '!' is read */
    return (a - (at & (a - 1))) & (a - 1);
}

/* Handles the options that only change the state: true when opt was one. */
static bool control_opt(lua_State *L, fmt_state *st, char opt, const char **fmt) {
    switch (opt) {
    case ' ':
        return true;
    case '>':
        st->little = false;
        return true;
    case '<':
        st->little = true;
        return true;
    case '=':
        st->little = true;
        return true; /* the native order of the machines Keel runs on */
    case '!': {
        size_t a = read_size(fmt, MAXALIGN);
        if (a == 0 || (a & (a - 1))) luaL_argerror(L, 1, "alignment must be power of 2");
        st->align = (int)a;
        return true;
    }
    default:
        return false;
    }
}

static void put_int(luaL_Buffer *b, uint64_t v, size_t size, bool little, bool negative) {
    char out[MAXINTSIZE];
    for (size_t i = 0; i < size; i++) {
        uint8_t byte = i < 8 ? (uint8_t)(v >> (8 * i)) : (negative ? 0xff : 0);
        out[little ? i : size - 1 - i] = (char)byte;
    }
    luaL_addlstring(b, out, size);
}

/* n's two's complement bits, its fraction dropped.  C leaves the conversion of NaN and of numbers
 * past the 64-bit range undefined; these give what redis-server gives on x86-64: 2^63's bits for
 * NaN and for anything below -2^63, 0 for 2^64 and above. */
static uint64_t int_bits(lua_Number n) {
    if (n != n || n < -9223372036854775808.0) return (uint64_t)INT64_MIN;
    if (n < 0) return (uint64_t)(int64_t)n;
    return n >= 18446744073709551616.0 ? 0 : (uint64_t)n;
}

static int st_pack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    fmt_state st = {true, 1};
    int arg = 2;
    size_t at = 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    while (*fmt) {
        char opt = *fmt++;
        if (control_opt(L, &st, opt, &fmt)) continue;
        size_t size = opt_size(L, opt, &fmt);
        size_t pad = pad_for(&st, size, at);
        for (size_t i = 0; i < pad; i++)
            luaL_addchar(&b, '\0');
        at += pad;
        switch (opt) {
        case 'b':
        case 'B':
        case 'h':
        case 'H':
        case 'l':
        case 'L':
        case 'T':
        case 'i':
        case 'I': {
            lua_Number n = luaL_checknumber(L, arg++);
            put_int(&b, int_bits(n), size, st.little, n < 0);
            break;
        }
        case 'x':
            luaL_addchar(&b, '\0');
            break;
        case 'f': {
            float f = (float)luaL_checknumber(L, arg++);
            uint32_t bits;
            memcpy(&bits, &f, 4);
            put_int(&b, bits, 4, st.little, false);
            break;
        }
        case 'd': {
            double d = luaL_checknumber(L, arg++);
            uint64_t bits;
            memcpy(&bits, &d, 8);
            put_int(&b, bits, 8, st.little, false);
            break;
        }
        case 'c':
        case 's': {
            size_t n;
            const char *s = luaL_checklstring(L, arg, &n);
            if (opt == 's')
                size = n + 1;
            else if (size == 0)
                size = n;
            else
                luaL_argcheck(L, n >= size, arg, "string too short");
            luaL_addlstring(&b, s, opt == 's' ? n : size);
            if (opt == 's') luaL_addchar(&b, '\0');
            arg++;
            break;
        }
        default:
            return bad_option(L, opt);
        }
        at += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static uint64_t get_int(const char *p, size_t size, bool little, bool is_signed) {
    uint64_t v = 0;
    size_t n = size < 8 ? size : 8;
    for (size_t i = 0; i < n; i++) {
        uint8_t byte = (uint8_t)p[little ? i : size - 1 - i];
        v |= (uint64_t)byte << (8 * i);
    }
    if (is_signed && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~0ull << (8 * n);
    return v;
}

static int st_unpack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    lua_Integer init = luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, init > 0, 3, "offset must be 1 or greater");
    size_t at = (size_t)init - 1;
    luaL_argcheck(L, at <= len, 3, "offset too large");
    fmt_state st = {true, 1};
    int n = 0;
    while (*fmt) {
        char opt = *fmt++;
        if (control_opt(L, &st, opt, &fmt)) continue;
        size_t size = opt_size(L, opt, &fmt);
        at += pad_for(&st, size, at);
        luaL_argcheck(L, at <= len && size <= len - at, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        switch (opt) {
        case 'b':
        case 'h':
        case 'l':
        case 'i':
            lua_pushnumber(L, (lua_Number)(int64_t)get_int(data + at, size, st.little, true));
            n++;
            break;
        case 'B':
        case 'H':
        case 'L':
        case 'T':
        case 'I':
            lua_pushnumber(L, (lua_Number)get_int(data + at, size, st.little, false));
            n++;
            break;
        case 'x':
            break;
        case 'f': {
            uint32_t bits = (uint32_t)get_int(data + at, 4, st.little, false);
            float f;
            memcpy(&f, &bits, 4);
            lua_pushnumber(L, f);
            n++;
            break;
        }
        case 'd': {
            uint64_t bits = get_int(data + at, 8, st.little, false);
            double d;
            memcpy(&d, &bits, 8);
            lua_pushnumber(L, d);
            n++;
            break;
        }
        case 'c':
            if (size == 0) {
                luaL_argcheck(L, n > 0 && lua_isnumber(L, -1), 1,
                              "format 'c0' needs a previous size");
                lua_Number want = lua_tonumber(L, -1);
                if (want >= 18446744073709551616.0) want = 0; /* as redis-server on x86-64 */
                lua_pop(L, 1);
                n--;
                luaL_argcheck(L, want >= 0 && want <= (lua_Number)(len - at), 2,
                              "data string too short");
                size = (size_t)want;
            }
            lua_pushlstring(L, data + at, size);
            n++;
            break;
        case 's': {
            const char *end = memchr(data + at, '\0', len - at);
            luaL_argcheck(L, end != NULL, 2, "unfinished string in data");
            size = (size_t)(end - (data + at)) + 1;
            lua_pushlstring(L, data + at, size - 1);
            n++;
            break;
        }
        default:
            return bad_option(L, opt);
        }
        at += size;
    }
    lua_pushinteger(L, (lua_Integer)at + 1);
    return n + 1;
}

static int st_size(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    fmt_state st = {true, 1};
    size_t at = 0;
    while (*fmt) {
        char opt = *fmt++;
        if (control_opt(L, &st, opt, &fmt)) continue;
        size_t size = opt_size(L, opt, &fmt);
        if (opt == 's' || (opt == 'c' && size == 0))
            luaL_argerror(L, 1, "options 'c0' - 's' have undefined sizes");
        if (!strchr("bBhHlLTiIfdxc", opt)) return bad_option(L, opt);
        at += pad_for(&st, size, at) + size;
    }
    lua_pushnumber(L, (lua_Number)at);
    return 1;
}

void libs_open_struct(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"pack", st_pack}, {"unpack", st_unpack}, {"size", st_size}, {NULL, NULL}};
    lua_newtable(L);
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
}
