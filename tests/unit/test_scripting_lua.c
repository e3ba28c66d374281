/* test_scripting_lua.c -- scripting.so's pieces without a server: SHA-1, rand48, the conversion
 * rules both ways, the sandbox (read-only globals, no bytecode), cmsgpack, struct, cjson, the
 * shebang line and what learn.c remembers.  Lua runs in a thread state as the module builds it,
 * on the fake SDK table. */
#include <check.h>
#include <lauxlib.h>
#include <math.h>
#include <string.h>

#include "fake_api.h"
#include "../../modules/scripting/cache.h"
#include "../../modules/scripting/conv.h"
#include "../../modules/scripting/learn.h"
#include "../../modules/scripting/rand48.h"
#include "../../modules/scripting/sha1.h"
#include "../../modules/scripting/shebang.h"
#include "../../modules/scripting/vm.h"

static void setup(void) {
    fake_api_reset();
}

static void teardown(void) {
    vm_free_all();
    cache_free();
    learn_free();
    ck_assert_int_eq(fake_api_live_allocs(), 0);
}

/* Runs chunk in the thread's state; returns its first result as a string ("" for none), or
 * "error: <message>". */
static const char *lua_run(const char *chunk) {
    static char out[512];
    script_vm *vm = vm_get();
    ck_assert_ptr_nonnull(vm);
    lua_State *L = vm->L;
    int top = lua_gettop(L);
    if (luaL_loadbuffer(L, chunk, strlen(chunk), "@user_script") || lua_pcall(L, 0, 1, 0)) {
        const char *msg = lua_tostring(L, -1);
        if (!msg && lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            msg = lua_tostring(L, -1);
        }
        snprintf(out, sizeof out, "error: %s", msg ? msg : "?");
    } else {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        snprintf(out, sizeof out, "%.*s", s ? (int)n : 0, s ? s : "");
    }
    lua_settop(L, top);
    return out;
}

START_TEST(test_scripting_sha1_vectors) {
    char hex[41];
    sha1_hex("", 0, hex);
    ck_assert_str_eq(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    sha1_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *two =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* spans two blocks */
    sha1_hex(two, strlen(two), hex);
    ck_assert_str_eq(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}
END_TEST

START_TEST(test_scripting_rand48_matches_redis) {
    rand48 r;
    rand48_seed(&r, 0);
    int32_t v = rand48_next(&r);
    ck_assert_int_eq(
        v, 366850414); /* redis-server 7.0: randomseed(0) math.random() = 0.17082803611217 */
    ck_assert_str_eq(lua_run("math.randomseed(0) return tostring(math.random())"),
                     "0.17082803611217");
    ck_assert_str_eq(lua_run("math.randomseed(5) return tostring(math.random())"),
                     lua_run("math.randomseed(5) return tostring(math.random())"));
    ck_assert_str_eq(lua_run("return pcall(math.random, 0) and 'ok' or 'refused'"), "refused");
}
END_TEST

/* Builds a reply node by hand. */
static keel_reply node(keel_reply_type t, uint32_t len) {
    keel_reply r;
    memset(&r, 0, sizeof r);
    r.type = (uint8_t)t;
    r.len = len;
    return r;
}

START_TEST(test_scripting_reply_to_lua_resp2_and_resp3) {
    script_vm *vm = vm_get();
    lua_State *L = vm->L;
    keel_reply k = node(KEEL_REPLY_BULK, 1), v = node(KEEL_REPLY_DOUBLE, 0),
               map = node(KEEL_REPLY_MAP, 1);
    k.v.s = "f";
    v.v.d = 1.5;
    k.next = &v;
    map.v.child = &k;
    conv_reply_to_lua(L, &map, 2); /* RESP2: a flat table, the double as text */
    lua_rawgeti(L, -1, 1);
    ck_assert_str_eq(lua_tostring(L, -1), "f");
    lua_rawgeti(L, -2, 2);
    ck_assert_str_eq(lua_tostring(L, -1), "1.5");
    lua_settop(L, 0);
    conv_reply_to_lua(L, &map, 3); /* RESP3: {map={f={double=1.5}}} */
    lua_getfield(L, -1, "map");
    lua_getfield(L, -1, "f");
    lua_getfield(L, -1, "double");
    ck_assert(lua_tonumber(L, -1) == 1.5);
    lua_settop(L, 0);
    keel_reply nil = node(KEEL_REPLY_NIL, 0), b = node(KEEL_REPLY_BOOL, 0),
               st = node(KEEL_REPLY_SIMPLE, 2), er = node(KEEL_REPLY_ERROR, 7);
    b.v.i = 1;
    st.v.s = "OK";
    er.v.s = "ERR bad";
    conv_reply_to_lua(L, &nil, 2);
    ck_assert(lua_isboolean(L, -1) && !lua_toboolean(L, -1));
    conv_reply_to_lua(L, &nil, 3);
    ck_assert(lua_isnil(L, -1));
    conv_reply_to_lua(L, &b, 2);
    ck_assert(lua_tonumber(L, -1) == 1);
    conv_reply_to_lua(L, &b, 3);
    ck_assert(lua_isboolean(L, -1) && lua_toboolean(L, -1));
    conv_reply_to_lua(L, &st, 2);
    lua_getfield(L, -1, "ok");
    ck_assert_str_eq(lua_tostring(L, -1), "OK");
    conv_reply_to_lua(L, &er, 2);
    lua_getfield(L, -1, "err");
    ck_assert_str_eq(lua_tostring(L, -1), "ERR bad");
    lua_settop(L, 0);
}
END_TEST

/* The reply a Lua expression converts to (RESP2 unless resp3). */
static const keel_reply *lua_reply(keel_proc *p, const char *expr, bool resp3, bool *is_error) {
    script_vm *vm = vm_get();
    lua_State *L = vm->L;
    char chunk[256];
    snprintf(chunk, sizeof chunk, "return %s", expr);
    ck_assert_int_eq(luaL_loadbuffer(L, chunk, strlen(chunk), "=t"), 0);
    ck_assert_int_eq(lua_pcall(L, 0, 1, 0), 0);
    *is_error = conv_lua_to_reply(p, L, -1, resp3);
    lua_settop(L, 0);
    return fake_proc_reply(p);
}

START_TEST(test_scripting_lua_to_reply_rules) {
    bool err;
    keel_proc *p = fake_proc_new(NULL, 0, NULL);
    const keel_reply *r = lua_reply(p, "3.99", false, &err);
    ck_assert(r->type == KEEL_REPLY_INT && r->v.i == 3 && !err);
    keel_reply_reset(p);
    r = lua_reply(p, "0/0", false, &err);
    ck_assert(r->type == KEEL_REPLY_INT && r->v.i == INT64_MIN);
    keel_reply_reset(p);
    r = lua_reply(p, "{1, 'x', true, false, 5}", false,
                  &err); /* false is a value: nil in the reply */
    ck_assert(r->type == KEEL_REPLY_ARRAY && r->len == 5);
    ck_assert_int_eq(r->v.child->next->next->type, KEEL_REPLY_INT);
    ck_assert_int_eq(r->v.child->next->next->next->type, KEEL_REPLY_NIL);
    keel_reply_reset(p);
    r = lua_reply(p, "{1, nil, 3}", false, &err);
    ck_assert_uint_eq(r->len, 1);
    keel_reply_reset(p);
    r = lua_reply(p, "{err='CODE text'}", false, &err);
    ck_assert(r->type == KEEL_REPLY_ERROR && err);
    ck_assert_str_eq(r->v.s, "CODE text");
    keel_reply_reset(p);
    r = lua_reply(p, "{ok='a\\r\\nb'}", false, &err);
    ck_assert(r->type == KEEL_REPLY_SIMPLE && !err);
    ck_assert_str_eq(r->v.s, "a  b");
    keel_reply_reset(p);
    r = lua_reply(p, "{double=2.5}", false, &err);
    ck_assert(r->type == KEEL_REPLY_DOUBLE && r->v.d == 2.5);
    keel_reply_reset(p);
    r = lua_reply(p, "{map={a=1}}", false, &err);
    ck_assert(r->type == KEEL_REPLY_MAP && r->len == 1);
    keel_reply_reset(p);
    r = lua_reply(p, "{set={a=true, b=true}}", false, &err);
    ck_assert(r->type == KEEL_REPLY_SET && r->len == 2);
    keel_reply_reset(p);
    r = lua_reply(p, "true", true, &err);
    ck_assert(r->type == KEEL_REPLY_BOOL && r->v.i == 1);
    keel_reply_reset(p);
    r = lua_reply(p, "false", false, &err);
    ck_assert_int_eq(r->type, KEEL_REPLY_NIL);
    keel_reply_reset(p);
    r = lua_reply(p, "(function() local t = {} t[1] = t return t end)()", false,
                  &err); /* cycles end */
    int depth = 0;
    while (r->type == KEEL_REPLY_ARRAY && depth < 100)
        r = r->v.child, depth++;
    ck_assert_int_eq(r->type, KEEL_REPLY_ERROR); /* an error where the nesting stops */
    ck_assert_str_eq(r->v.s, "ERR reached lua stack limit");
    ck_assert_int_le(depth, 31);
    fake_proc_free(p);
}
END_TEST

START_TEST(test_scripting_sandbox_is_read_only) {
    ck_assert_str_eq(lua_run("x = 1"), "error: user_script:1: Attempt to modify a readonly table");
    ck_assert_str_eq(
        lua_run("return nope"),
        "error: user_script:1: Script attempted to access nonexistent global variable 'nope'");
    ck_assert_str_eq(lua_run("rawset(_G, 'x', 1)"), "error: Attempt to modify a readonly table");
    ck_assert_str_eq(lua_run("string.rep = nil"),
                     "error: user_script:1: Attempt to modify a readonly table");
    ck_assert_str_eq(lua_run("table.insert(math, 1)"), "error: Attempt to modify a readonly table");
    ck_assert_str_eq(lua_run("return ('abc'):upper()"), "ABC");
    ck_assert_str_eq(lua_run("return tostring(loadstring(string.dump(function() end)))"), "nil");
    ck_assert_str_eq(
        lua_run("local n = 0 for k in pairs(string) do n = n + 1 end return tostring(n)"), "15");
    ck_assert_str_eq(lua_run("return type(rawget(string, 'len'))"), "function");
    for (const char *g = "os\0io\0debug\0jit\0ffi\0require\0package\0print\0dofile\0setfenv\0"; *g;
         g += strlen(g) + 1) {
        char chunk[64], want[128];
        snprintf(chunk, sizeof chunk, "return %s", g);
        snprintf(
            want, sizeof want,
            "error: user_script:1: Script attempted to access nonexistent global variable '%s'", g);
        ck_assert_str_eq(lua_run(chunk), want);
    }
}
END_TEST

START_TEST(test_scripting_cmsgpack_encodings) {
    ck_assert_str_eq(lua_run("local s = cmsgpack.pack({1, 2, 3}) return "
                             "string.format('%02x%02x%02x%02x', s:byte(1, 4))"),
                     "93010203");
    ck_assert_str_eq(lua_run("local s = cmsgpack.pack(-1, 300, 1.5) return (s:gsub('.', "
                             "function(c) return string.format('%02x', c:byte()) end))"),
                     "ffcd012cca3fc00000");
    ck_assert_str_eq(
        lua_run("local s = cmsgpack.pack(0.1) return string.format('%02x', s:byte(1))"), "cb");
    ck_assert_str_eq(lua_run("local t = {cmsgpack.unpack(cmsgpack.pack({a = {b = 'c'}}, -40000, "
                             "'x'))} return t[1].a.b .. t[2] .. t[3]"),
                     "c-40000x");
    ck_assert_str_eq(
        lua_run("local next, v = cmsgpack.unpack_one(cmsgpack.pack(7, 8)) return next .. ':' .. v"),
        "1:7");
    ck_assert_str_eq(
        lua_run(
            "local next, v = cmsgpack.unpack_one(cmsgpack.pack(7, 8), 1) return next .. ':' .. v"),
        "-1:8");
    ck_assert_str_eq(lua_run("return select(2, pcall(cmsgpack.unpack, '\\217\\010abc'))"),
                     "Missing bytes in input.");
    ck_assert_str_eq(lua_run("return select(2, pcall(cmsgpack.unpack, '\\193'))"),
                     "Bad data format in input.");
    /* nesting past 16 levels packs nil, never recursing without end */
    ck_assert_str_eq(lua_run("local t = {} t[1] = t return tostring(#cmsgpack.pack(t))"), "17");
}
END_TEST

START_TEST(test_scripting_struct_formats) {
    ck_assert_str_eq(lua_run("return struct.pack('>I2', 258) == '\\1\\2' and 'ok' or 'no'"), "ok");
    ck_assert_str_eq(lua_run("return tostring(struct.unpack('<i4', struct.pack('<i4', -2)))"),
                     "-2");
    ck_assert_str_eq(lua_run("local a, b, n = struct.unpack('>hH', struct.pack('>hH', -300, "
                             "60000)) return a .. ',' .. b .. ',' .. n"),
                     "-300,60000,5");
    ck_assert_str_eq(lua_run("return tostring(struct.size('!4 b i'))"), "8");
    ck_assert_str_eq(lua_run("local s = struct.unpack('s', 'ab\\0cd') return s"), "ab");
    ck_assert_str_eq(lua_run("local s = struct.unpack('B c0', '\\3abcd') return s"), "abc");
    ck_assert_str_eq(lua_run("return select(2, pcall(struct.pack, 'q', 1))"),
                     "bad argument #1 to '?' (invalid format option 'q')");
    ck_assert_str_eq(lua_run("return select(2, pcall(struct.unpack, 'i4', 'ab'))"),
                     "bad argument #2 to '?' (data string too short)");
    ck_assert_str_eq(lua_run("return select(2, pcall(struct.pack, 'i99', 1))"),
                     "integral size 99 is larger than limit of 32");
}
END_TEST

START_TEST(test_scripting_cjson_and_bit) {
    ck_assert_str_eq(lua_run("return cjson.encode({1, 'a', {true}})"), "[1,\"a\",[true]]");
    ck_assert_str_eq(lua_run("return tostring(cjson.decode('{\"a\":[1,2]}').a[2])"), "2");
    ck_assert_str_eq(lua_run("return cjson.encode(cjson.decode('[null]'))"), "[null]");
    ck_assert_str_eq(lua_run("return bit.tohex(bit.bor(0xf0, 0x0f))"), "000000ff");
}
END_TEST

START_TEST(test_scripting_shebang_lines) {
    keel_proc *p = fake_proc_new(NULL, 0, NULL);
    shebang sb;
    ck_assert_ptr_null(shebang_parse(p, "return 1", 8, &sb));
    ck_assert(!sb.present && !sb.no_writes);
    const char *s = "#!lua flags=no-writes,allow-oom\nreturn 1";
    ck_assert_ptr_null(shebang_parse(p, s, strlen(s), &sb));
    ck_assert(sb.present && sb.no_writes);
    ck_assert(strncmp(sb.code, "--lua", 5) == 0); /* a comment: line numbers stay */
    ck_assert_str_eq(shebang_parse(p, "#!lua", 5, &sb), "ERR Invalid script shebang");
    s = "#!lua flags=bogus\nx";
    ck_assert_str_eq(shebang_parse(p, s, strlen(s), &sb),
                     "ERR Unexpected flag in script shebang: bogus");
    s = "#!luajit\nx";
    ck_assert_str_eq(shebang_parse(p, s, strlen(s), &sb),
                     "ERR Unexpected engine in script shebang: #!luajit");
    s = "#!lua name=x\nx";
    ck_assert_str_eq(shebang_parse(p, s, strlen(s), &sb), "ERR Unknown lua shebang option: name=x");
    fake_proc_free(p);
}
END_TEST

START_TEST(test_scripting_learn_remembers_argv_keys) {
    uint32_t idx[LEARN_MAX];
    ck_assert_int_eq(learn_positions("abc", idx, LEARN_MAX), 0);
    learn_note("abc", 3);
    learn_note("abc", 1);
    learn_note("abc", 3);
    learn_note("abc", 0);   /* not a position: ignored */
    learn_note("abc", 500); /* past what is kept: ignored */
    ck_assert_int_eq(learn_positions("abc", idx, LEARN_MAX), 2);
    ck_assert_uint_eq(idx[0], 1);
    ck_assert_uint_eq(idx[1], 3);
    ck_assert_int_eq(learn_positions("other", idx, LEARN_MAX), 0);
    ck_assert_uint_eq(learn_count(), 1);
}
END_TEST

START_TEST(test_scripting_cache_shares_and_flushes) {
    char sha[41], *body;
    size_t len;
    sha1_hex("return 1", 8, sha);
    uint64_t gen = cache_generation();
    ck_assert(!cache_has(sha));
    cache_add(sha, "return 1", 8);
    cache_add(sha, "return 1", 8);
    ck_assert(cache_has(sha));
    ck_assert(cache_get(sha, &body, &len));
    ck_assert_uint_eq(len, 8);
    ck_assert_str_eq(body, "return 1");
    keel_free(body);
    uint64_t n, bytes;
    cache_stats(&n, &bytes);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(bytes, 8);
    cache_flush();
    ck_assert(!cache_has(sha));
    ck_assert_uint_ne(cache_generation(), gen);
}
END_TEST

START_TEST(test_scripting_vm_keeps_compiled_scripts_per_generation) {
    script_vm *vm = vm_get();
    int meta = -1;
    ck_assert(!vm_push_compiled(vm, "sha-a", &meta));
    ck_assert_int_eq(lua_gettop(vm->L), 0);
    ck_assert(vm_compile_script(vm, "sha-a", "return 41 + 1", 13, vm_script_meta(true, 3)));
    ck_assert(lua_isfunction(vm->L, -1));
    lua_settop(vm->L, 0);
    ck_assert(vm_push_compiled(vm, "sha-a", &meta));
    ck_assert(vm_meta_no_writes(meta));
    ck_assert_int_eq(vm_meta_last_line(meta), 3);
    ck_assert_int_eq(lua_pcall(vm->L, 0, 1, 0), 0);
    ck_assert_int_eq((int)lua_tonumber(vm->L, -1), 42);
    lua_settop(vm->L, 0);
    ck_assert(!vm_compile_script(vm, "sha-b", "return +", 8, 0));
    ck_assert_str_eq(lua_tostring(vm->L, -1), "user_script:1: unexpected symbol near '+'");
    lua_settop(vm->L, 0);
    cache_flush(); /* SCRIPT FLUSH: every thread's compiled copies go */
    ck_assert(!vm_push_compiled(vm, "sha-a", &meta));
    ck_assert_int_eq(lua_gettop(vm->L), 0);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("scripting");
    TCase *tc = tcase_create("lua");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_scripting_sha1_vectors);
    tcase_add_test(tc, test_scripting_rand48_matches_redis);
    tcase_add_test(tc, test_scripting_reply_to_lua_resp2_and_resp3);
    tcase_add_test(tc, test_scripting_lua_to_reply_rules);
    tcase_add_test(tc, test_scripting_sandbox_is_read_only);
    tcase_add_test(tc, test_scripting_cmsgpack_encodings);
    tcase_add_test(tc, test_scripting_struct_formats);
    tcase_add_test(tc, test_scripting_cjson_and_bit);
    tcase_add_test(tc, test_scripting_shebang_lines);
    tcase_add_test(tc, test_scripting_learn_remembers_argv_keys);
    tcase_add_test(tc, test_scripting_cache_shares_and_flushes);
    tcase_add_test(tc, test_scripting_vm_keeps_compiled_scripts_per_generation);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
