"""test_scripting_compat.py -- scripts and functions answer exactly as redis-server 7.0 does: the
same raw exchanges go to both servers over RESP2 and RESP3 and the bytes are compared (type
conversions both ways, RESP3 types under redis.setresp(3), error texts with their script and line,
the read-only sandbox, redis.* helpers, cjson/cmsgpack/struct/bit, math.random after randomseed,
shebang flags, SCRIPT and FUNCTION subcommands and their errors, NOSCRIPT).

Known differences, not compared: the line an error names after a tail call ("return
redis.call(...)" inside a function: LuaJIT keeps no frame for it), the order cjson writes a
table's keys in (hash order differs between Lua implementations), RESP3 big numbers from
{big_number=...} (sent as bulk strings), HELP texts, and scripts that crash redis-server 7.0.
"""
import shutil
import unittest

from keel_harness import KeelServer, RedisServer
from test_transactions_compat import run_script


def ev(script, *args):
    return ["EVAL", script, "0"] + [str(a) for a in args]


SETUP = [["SET", "str", "abc"], ["SET", "num", "10"], ["HSET", "h", "f", "v"], ["SADD", "s", "m"],
         ["RPUSH", "l", "a", "b"], ["SET", "fl", "1.5"]]

CONVERSIONS = SETUP + [
    ev("return 1"), ev("return 3.99"), ev("return -3.99"), ev("return 'x'"), ev("return true"), ev("return false"),
    ev("return nil"), ev("return {1, 2, 3.7, 'x', true, false, nil, 4}"),
    ev("return {1, {2, {3}}, {ok='fine'}, {err='bad'}}"), ev("return {err='-neg'}"), ev("return {ok=''}"),
    ev("return {ok='a\\r\\nb'}"), ev("return {err='a\\r\\nb'}"), ev("return 2^63"), ev("return -2^63"), ev("return 0/0"),
    ev("return 1e20"), ev("return 9007199254740993"), ev("return {double=3.5}"), ev("return {set={a=true}}"),
    ev("return {verbatim_string={format='txt', string='hi'}}"),
    ev("redis.setresp(3) return {map={a=1}}"), ev("redis.setresp(3) return true"), ev("redis.setresp(3) return false"),
    ev("return redis.call('GET', 'nokey')"), ev("return {type(redis.call('GET', 'nokey'))}"),
    ev("return redis.call('HGETALL', 'h')"), ev("return redis.call('SMEMBERS', 's')"),
    ev("return redis.call('LRANGE', 'l', 0, -1)"), ev("return redis.call('SET', 'w', 1)"),
    ev("return redis.call('PING')"), ev("return redis.call('INCRBYFLOAT', 'fl', '1.25')"),
    ev("redis.setresp(3) return redis.call('GET', 'nokey')"),
    ev("redis.setresp(3) local r = redis.call('GET', 'nokey') return type(r)"),
    ev("redis.setresp(3) local r = redis.call('HGETALL', 'h') return {type(r), type(r.map), r.map.f}"),
    ev("redis.setresp(3) local r = redis.call('SMEMBERS', 's') return {type(r.set), r.set.m}"),
    ev("redis.setresp(3) return redis.call('HGETALL', 'h')"), ev("redis.setresp(3) return redis.call('SMEMBERS', 's')"),
    ev("redis.setresp(3) return redis.call('INCRBYFLOAT', 'fl', '1')"),
    ev("redis.call('SET', 'n', 3.14) return redis.call('GET', 'n')"),
    ev("redis.call('SET', 'n', 10) return redis.call('GET', 'n')"),
    ["EVAL", "return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}", "2", "k1", "k2", "a1", "a2"],
]

ERRORS = SETUP + [
    ev("return redis.call('INCR', 'str')"), ev("return redis.pcall('INCR', 'str')"),
    ev("local ok, e = pcall(redis.call, 'INCR', 'str') return e"),
    ev("local ok, e = pcall(redis.call, 'INCR', 'str') return {type(e), tostring(e)}"),
    ev("local e = redis.pcall('INCR', 'str') return {type(e), e.err}"),
    ev("local e = redis.pcall('INCR', 'str') e.err = 'CUSTOM x' return e"),
    ev("local ok, e = pcall(redis.call, 'INCR', 'str') error(e)"),
    ev("local x = 1\nlocal function f()\n  error('deep')\nend\nf()"),
    ev("error('boom')"), ev("error()"), ev("error(nil)"), ev("error(123)"), ev("error('lvl2', 2)"), ev("error('ERR foo')"),
    ev("error(redis.error_reply('XY foo'))"), ev("local ok, e = pcall(error, {err='X'}) return type(e)"),
    ev("return x"), ev("x = 1"), ev("syntax error here"), ev("return redis.call('nosuch')"), ev("return redis.call('GET')"),
    ev("return redis.call('MULTI')"), ev("return redis.call('EVAL', 'return 1', '0')"), ev("return redis.call()"),
    ev("return redis.call('SELECT', 'x')"), ev("return redis.pcall('SELECT', '16')"),
    ev("return redis.pcall('SELECT', '-1')"), ev("return redis.call('SELECT', '1', '2')"),
    ev("return redis.call('SELECT', '2')"),
    ev("redis.call('SELECT', '5') redis.call('SET', 'sel', 'v5') return redis.call('GET', 'sel')"),
    ev("return redis.call('GET', 'sel')"),
    ev("return redis.call(1)"), ev("return redis.call({})"), ev("return redis.call('SET', 'a', {})"),
    ev("return redis.error_reply('bar')"), ev("return redis.error_reply('-bar')"), ev("return redis.error_reply('FOO bar')"),
    ev("return redis.error_reply()"), ev("return redis.error_reply(1)"), ev("return redis.status_reply('bar')"),
    ev("return redis.status_reply()"), ev("return redis.sha1hex()"), ev("return redis.sha1hex(12)"),
    ev("redis.log(redis.LOG_WARNING, 'hi', 1, 2) return 1"), ev("redis.log(99, 'hi') return 1"), ev("redis.log() return 1"),
    ev("return redis.setresp(3)"), ev("return redis.setresp(4)"), ev("return redis.setresp()"),
    ev("return redis.set_repl(redis.REPL_ALL)"), ev("return redis.set_repl(99)"), ev("return redis.replicate_commands()"),
    ev("return redis.acl_check_cmd('GET', 'x')"), ev("return redis.acl_check_cmd('nosuch')"),
    ["EVAL", "return 1", "x"], ["EVAL", "return 1", "-1"], ["EVAL", "return 1", "3", "a"],
    ["EVALSHA", "0" * 40, "0"], ["EVALSHA", "000", "0"],
    ["EVAL_RO", "return redis.call('SET', 'a', 'b')", "0"], ["EVAL_RO", "return redis.call('GET', 'str')", "0"],
    ev("#!lua\nerror('x')"), ev("#!lua flags=no-writes\nreturn redis.call('SET', 'a', 'b')"),
    ev("#!lua flags=bogus\nreturn 1"), ev("#!lua foo=bar\nreturn 1"), ev("#!luajit\nreturn 1"), ev("#!lua"),
    ev("#!lua name=x\nreturn 1"), ev("#!lua flags=no-writes,allow-oom\nreturn redis.call('GET', 'str')"),
]

SANDBOX = [
    ev("local t = {} for k in pairs(redis) do t[#t + 1] = k end table.sort(t) return t"),
    ev("local t = {} for k in pairs(string) do t[#t + 1] = k end table.sort(t) return t"),
    ev("local t = {} for k in pairs(math) do t[#t + 1] = k end table.sort(t) return t"),
    ev("local t = {} for k in pairs(table) do t[#t + 1] = k end table.sort(t) return t"),
    ev("local t = {} for k in pairs(coroutine) do t[#t + 1] = k end table.sort(t) return t"),
    ev("local t = {} for k in pairs(_G) do t[#t + 1] = k end table.sort(t) return t"),
    ev("return _VERSION"), ev("return redis.REDIS_VERSION_NUM"), ev("return {redis.LOG_DEBUG, redis.LOG_WARNING}"),
    ev("rawset(_G, 'x', 1) return x"), ev("KEYS = 1"), ev("redis.call = nil"), ev("string.len = nil return 1"),
    ev("local t = redis t.foo = 1 return 1"), ev("return rawget(_G, 'KEYS') ~= nil"),
    ev("return getmetatable('').__index == string"), ev("getmetatable('').__index = {} return 1"),
    ev("setmetatable(_G, nil) return 1"), ev("table.insert(string, 1) return 1"),
    ev("return loadstring(string.dump(function() return 1 end))"), ev("return {loadstring('return 7')()}"),
    ev("return {pcall(loadstring('x = 5'))}"), ev("local f = loadstring('return KEYS') return type(f())"),
    ev("return coroutine.wrap(function() return 5 end)()"), ev("return os"), ev("return debug"), ev("return print"),
    ev("return math.mod(7, 3)"), ev("local r = {} for w in string.gfind('a b', '%a') do r[#r + 1] = w end return r"),
]

LIBRARIES = [
    ev("return cjson.encode({1, 2, {a=1}})"), ev("return cjson.encode(cjson.decode('{\"a\":[1,2,null]}'))"),
    ev("return cjson.decode('[1,2,3,{\"a\":12345678901234567890}]')[4].a"),
    ev("return tostring(cjson.decode('12345678901234567890'))"), ev("return cjson.encode({[1]=1, [3]=3})"),
    ev("return cjson.encode(0.1)"), ev("return cjson.encode(1/3)"), ev("return cjson.encode('a\\\"b/')"),
    ev("return {pcall(cjson.decode, '{bad')}"),
    ev("return cmsgpack.pack({1, 2, 3})"), ev("return cmsgpack.pack({a=1})"),
    ev("return {cmsgpack.unpack(cmsgpack.pack({1, 2, 3}, 'x', 1.5, -1, 2^40, true, nil))}"),
    ev("return cmsgpack.pack(-100, 300, -40000, 70000, 3.25, 0.1, string.rep('x', 40), string.rep('y', 300))"),
    ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}"), ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"),
    ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}"), ev("return {pcall(cmsgpack.unpack, '\\196')}"),
    ev("return struct.pack('>I2', 258)"), ev("return {struct.unpack('>I2', 'ab')}"),
    ev("return struct.pack('<i4bBhHlLdfs', -2, -1, 255, -300, 60000, -5, 7, 1.5, 2.5, 'str')"),
    ev("return {struct.unpack('<i4bBhH', struct.pack('<i4bBhH', -2, -1, 255, -300, 60000))}"),
    ev("return struct.size('>iIhd')"), ev("return {pcall(struct.pack, 'q', 1)}"), ev("return {struct.unpack('c3', 'abcdef')}"),
    ev("return {struct.unpack('!4 b i', struct.pack('!4 b i', 1, 2))}"), ev("return {pcall(struct.unpack, 'i4', 'ab')}"),
    # numbers past the integer range, NaN, and a 'c0' count past the data: defined, as redis-server
    ev("return struct.pack('>i8i8I8I8i8i4', 1e300, 2^64, -1e300, 0/0, -2^63, 1e10)"),
    ev("return {pcall(struct.unpack, 'ic0', struct.pack('i', 2^31 - 1) .. 'abc')}"),
    ev("return {pcall(struct.unpack, 'dc0', struct.pack('d', 1e300) .. 'abc')}"),
    ev("return cmsgpack.pack({[2^70] = 1})"),
    ev("return bit.band(0xff, 0x0f)"), ev("return bit.tohex(255)"), ev("return bit.bxor(5, 3)"), ev("return bit.lshift(1, 40)"),
    ev("math.randomseed(5) return tostring(math.random())"),
    ev("math.randomseed(7) return {math.random(10), math.random(5, 9), math.random(1, 1)}"),
    ev("return tostring(0.1)"), ev("return tostring(2^53)"), ev("return redis.sha1hex('')"),
]

LIB = ("#!lua name=mylib\n"
       "redis.register_function('f1', function(keys, args) return redis.call('INCR', keys[1]) end)\n"
       "redis.register_function('f2', function(keys, args)\n error('boom')\nend)\n"
       "redis.register_function{function_name='f3', callback=function(keys, args) return args[1] end, flags={'no-writes'}}\n"
       "redis.register_function('f4', function(keys, args) return redis.call('SET', keys[1], 'x') end)\n"
       "redis.register_function('f5', function(keys, args) return x end)")

FUNCTIONS = [
    ["FUNCTION", "FLUSH"], ["SET", "str", "abc"], ["FUNCTION", "LOAD", LIB], ["FUNCTION", "LOAD", LIB],
    ["FCALL", "f1", "1", "str"], ["FCALL", "f2", "0"], ["FCALL", "f3", "0", "hello"], ["FCALL_RO", "f3", "0", "hello"],
    ["FCALL_RO", "f4", "1", "k"], ["FCALL", "f5", "0"], ["FCALL", "nosuch", "0"], ["FCALL", "f3", "x"],
    ["FCALL", "f3", "-1"], ["FCALL", "f3", "5"], ["FUNCTION", "STATS"],
    ["FUNCTION", "LOAD", "return 1"], ["FUNCTION", "LOAD", "#!lua\nreturn 1"], ["FUNCTION", "LOAD", "#!lua name=x\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua name=x\nredis.call('PING')"],
    ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a b', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=x foo=bar\nredis.register_function('ab', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('ab', function() end)\nredis.register_function('ab', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f1', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='q', callback=function() end, flags={'bad'}}"],
    ["FUNCTION", "LOAD", "#!lua name=x\nsyntax error"], ["FUNCTION", "LOAD", "#!lua name=x\nerror('at load')"],
    ["FUNCTION", "LOAD", "#!lua name=x\nreturn pairs"],
    ["FUNCTION", "DELETE", "nosuch"], ["FUNCTION", "KILL"], ["SCRIPT", "KILL"],
    ["FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nredis.register_function('g', function() return 1 end)"],
    ["FCALL", "f1", "0"], ["FCALL", "g", "0"], ["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "my*"],
    ["FUNCTION", "LIST", "LIBRARYNAME", "nomatch"], ["FUNCTION", "DELETE", "mylib"], ["FUNCTION", "LIST"],
    ["FUNCTION", "RESTORE", "garbage"], ["FUNCTION", "bogus"], ["FUNCTION", "LOAD"], ["FUNCTION", "LOAD", "BAD", "x"],
    ["FUNCTION", "FLUSH", "bad"], ["FUNCTION", "RESTORE", "x", "BAD"],
]

SCRIPT_CACHE = [
    ["SCRIPT", "FLUSH"], ["SCRIPT", "LOAD", "return 'hi'"], ["EVALSHA", "2f31ba2bb6d6a0f42cc159d2e2dad55440778de3", "0"],
    ["EVALSHA", "2F31BA2BB6D6A0F42CC159D2E2DAD55440778DE3", "0"],
    ["SCRIPT", "EXISTS", "2f31ba2bb6d6a0f42cc159d2e2dad55440778de3", "0" * 40, "x"],
    ["SCRIPT", "LOAD", "syntax error"], ["SCRIPT", "FLUSH", "ASYNC"],
    ["EVALSHA", "2f31ba2bb6d6a0f42cc159d2e2dad55440778de3", "0"], ["EVAL", "return 'hi'", "0"],
    ["EVALSHA", "2f31ba2bb6d6a0f42cc159d2e2dad55440778de3", "0"], ["SCRIPT", "bogus"], ["SCRIPT", "EXISTS"],
    ["SCRIPT", "FLUSH", "a", "b"], ["SCRIPT", "FLUSH", "bad"], ["SCRIPT", "KILL"], ["SCRIPT", "LOAD"],
]

GROUPS = {"conversions": CONVERSIONS, "errors": ERRORS, "sandbox": SANDBOX, "libraries": LIBRARIES,
          "functions": FUNCTIONS, "script_cache": SCRIPT_CACHE}


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed")
class ScriptingCompat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer()
        cls.keel = KeelServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.keel.stop()
        cls.redis.stop()

    def compare(self, resp3, pipelined=False):
        for name, script in GROUPS.items():
            want = run_script(self.redis.port, script, resp3, pipelined)
            got = run_script(self.keel.port, script, resp3, pipelined)
            for (cmd, w), (_, g) in zip(want, got):
                with self.subTest(group=name, command=cmd[:120], resp3=resp3, pipelined=pipelined):
                    self.assertEqual(g, w)

    def test_scripting_compat_resp2(self):
        self.compare(False)

    def test_scripting_compat_resp3(self):
        self.compare(True)

    def test_scripting_compat_pipelined(self):   # each group's commands in one write
        self.compare(False, pipelined=True)


if __name__ == "__main__":
    unittest.main()
