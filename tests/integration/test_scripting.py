"""test_scripting.py -- EVAL, EVALSHA, SCRIPT, FUNCTION and FCALL through real clients: python3-redis
(register_script, Lock, pipelines), redis-cli --eval and raw sockets.  Scripts run on whatever
thread owns their keys, so the server has two threads and the tests use keys on both."""
import re
import threading
import time
import unittest

import redis

from keel_harness import SharedServerTest


def keys_on_distinct_threads(r, n=2):
    """Key names whose shards belong to different threads (DEBUG ZVM EXPLAIN names the thread)."""
    seen, out = set(), []
    for i in range(200):
        k = "key:%d" % i
        text = r.execute_command("DEBUG", "ZVM", "EXPLAIN", "GET", k)
        lines = [l.decode() if isinstance(l, bytes) else str(l) for l in text]
        threads = [m.group(1) for l in lines for m in [re.search(r" thread (\d+)", l)] if m]
        tag = threads[0]
        if tag not in seen:
            seen.add(tag)
            out.append(k)
        if len(out) == n:
            return out
    raise AssertionError("no keys on %d distinct threads" % n)


class Scripting(SharedServerTest):
    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()
        self.r.script_flush()
        self.r.function_flush()

    def test_scripting_keys_argv_and_replies(self):
        self.assertEqual(self.r.eval("return {KEYS[1], KEYS[2], ARGV[1], #ARGV}", 2, "a", "b", "x", "y"),
                         [b"a", b"b", b"x", 2])
        self.assertEqual(self.r.eval("return 3.99", 0), 3)
        self.assertEqual(self.r.eval("return {1, 'two', true, false, 5}", 0), [1, b"two", 1, None, 5])
        self.assertEqual(self.r.eval("return redis.status_reply('FINE')", 0), b"FINE")
        with self.assertRaisesRegex(redis.ResponseError, "^MYERR custom$"):
            self.r.eval("return redis.error_reply('MYERR custom')", 0)

    def test_scripting_redis_call_reads_and_writes(self):
        self.r.set("counter", 10)
        self.assertEqual(self.r.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, "counter", 5), 15)
        self.assertEqual(self.r.get("counter"), b"15")
        self.assertEqual(self.r.eval("return redis.call('GET', KEYS[1])", 1, "missing"), None)
        self.assertEqual(self.r.eval("return type(redis.call('GET', KEYS[1]))", 1, "missing"), b"boolean")
        self.r.rpush("list", "a", "b")
        self.assertEqual(self.r.eval("return redis.call('LRANGE', KEYS[1], 0, -1)", 1, "list"), [b"a", b"b"])

    def test_scripting_keys_on_two_threads(self):
        a, b = keys_on_distinct_threads(self.r)
        script = "redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[1]) " \
                 "return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}"
        for i in range(50):
            self.assertEqual(self.r.eval(script, 2, a, b, i), [str(i).encode()] * 2)

    def test_scripting_errors_carry_redis_text(self):
        self.r.set("str", "abc")
        with self.assertRaisesRegex(redis.ResponseError,
                                    r"^value is not an integer or out of range script: [0-9a-f]{40}, on @user_script:1\.$"):
            self.r.eval("return redis.call('INCR', KEYS[1])", 1, "str")
        self.assertEqual(self.r.eval("return redis.pcall('INCR', KEYS[1])['err']", 1, "str"),
                         b"ERR value is not an integer or out of range")
        with self.assertRaisesRegex(redis.ResponseError, r"^user_script:1: boom script: [0-9a-f]{40}, on @user_script:1\.$"):
            self.r.eval("error('boom')", 0)
        with self.assertRaisesRegex(redis.ResponseError, "Script attempted to access nonexistent global variable 'nope'"):
            self.r.eval("return nope", 0)
        with self.assertRaisesRegex(redis.ResponseError, "Attempt to modify a readonly table"):
            self.r.eval("newglobal = 1", 0)
        with self.assertRaisesRegex(redis.ResponseError, "^Error compiling script"):
            self.r.eval("this is not lua", 0)
        with self.assertRaisesRegex(redis.ResponseError, "This Redis command is not allowed from script"):
            self.r.eval("return redis.call('MULTI')", 0)
        with self.assertRaisesRegex(redis.ResponseError, "Unknown Redis command called from script"):
            self.r.eval("return redis.call('NOSUCH')", 0)
        for name in ("multi", "EXEC", "Discard", "watch", "unwatch", "eval", "evalsha", "eval_ro",
                     "evalsha_ro", "fcall", "fcall_ro", "script", "function", "subscribe",
                     "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
                     "monitor", "sync", "psync", "replicaof", "slaveof", "client", "hello", "auth",
                     "quit", "reset", "save", "bgsave", "bgrewriteaof", "shutdown", "debug",
                     "wait", "module"):
            with self.assertRaisesRegex(redis.ResponseError,
                                        "not allowed from script|Unknown Redis command", msg=name):
                self.r.eval("return redis.call(ARGV[1], '0', '0', '0')", 0, name)
        self.assertEqual(self.r.eval("return redis.call('sEt', KEYS[1], 'v')", 1, "ns"), b"OK")
        with self.assertRaisesRegex(redis.ResponseError, "Number of keys can't be greater than number of args"):
            self.r.eval("return 1", 3, "a")
        self.assertEqual(self.r.ping(), True)

    def test_scripting_pcall_catches_call_errors(self):
        self.r.set("str", "abc")
        script = "local ok, err = pcall(redis.call, 'INCR', KEYS[1]) return {ok and 1 or 0, err}"
        self.assertEqual(self.r.eval(script, 1, "str"), [0, b"ERR value is not an integer or out of range"])

    def test_scripting_evalsha_after_load_on_another_connection(self):
        sha = self.srv.client().script_load("return ARGV[1] .. '!'")
        self.assertEqual(self.r.script_exists(sha, "0" * 40), [True, False])
        clients = [self.srv.client() for _ in range(6)]   # connections land on both threads
        for c in clients:
            self.assertEqual(c.evalsha(sha, 0, "hi"), b"hi!")
        self.r.script_flush()
        with self.assertRaisesRegex(redis.exceptions.NoScriptError, "No matching script. Please use EVAL."):
            clients[3].evalsha(sha, 0, "hi")

    def test_scripting_register_script(self):
        incr_by = self.r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        self.assertEqual(incr_by(keys=["n"], args=[4]), 4)
        self.r.script_flush()   # the Script object falls back to EVAL on NOSCRIPT
        self.assertEqual(incr_by(keys=["n"], args=[3]), 7)
        pipe = self.r.pipeline()
        incr_by(keys=["n"], args=[1], client=pipe)
        incr_by(keys=["n"], args=[1], client=pipe)
        self.assertEqual(pipe.execute(), [8, 9])

    def test_scripting_redis_py_lock(self):
        lock = self.r.lock("resource", timeout=30)
        self.assertTrue(lock.acquire(blocking=False))
        other = self.srv.client().lock("resource", timeout=30)
        self.assertFalse(other.acquire(blocking=False))
        self.assertTrue(lock.extend(10))
        self.assertTrue(lock.owned())
        token = lock.local.token
        lock.release()
        self.assertTrue(other.acquire(blocking=False))
        lock.local.token = token   # a stale owner: its release script must refuse
        with self.assertRaises(redis.exceptions.LockNotOwnedError):
            lock.release()
        self.assertTrue(other.owned())
        other.release()

    def test_scripting_lock_contended_by_threads(self):
        """Eight clients take turns on one redis-py Lock around a read-modify-write."""
        self.r.set("shared", 0)

        def worker():
            c = self.srv.client()
            for _ in range(25):
                with c.lock("mutex", timeout=60, blocking_timeout=120, sleep=0.001):
                    v = int(c.get("shared"))
                    c.set("shared", v + 1)
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertEqual(int(self.r.get("shared")), 200)

    def test_scripting_long_script_yields_and_finishes(self):
        self.assertEqual(self.r.eval("local s = 0 for i = 1, 3000000 do s = s + i end return tostring(s)", 0),
                         b"4500001500000")
        info = self.r.info("scripting")
        self.assertGreater(info["scripts_yields"], 0)

    def test_scripting_coroutines_and_calls(self):
        script = """
            local co = coroutine.wrap(function(k)
                for i = 1, 3 do coroutine.yield(redis.call('INCR', k)) end
                local s = 0 for i = 1, 300000 do s = s + 1 end
                return redis.call('GET', k)
            end)
            return {co(KEYS[1]), co(), co(), co()}
        """
        self.assertEqual(self.r.eval(script, 1, "c"), [1, 2, 3, b"3"])

    def test_scripting_no_call_or_yield_across_c_callbacks(self):
        # a comparator runs inside table.sort's C frame: a command there is refused (it might
        # have to wait, and the script cannot yield from there), in a pcall too
        with self.assertRaisesRegex(redis.ResponseError, "cannot be used inside a C function's callback"):
            self.r.eval("local t = {3, 1, 2} table.sort(t, function(a, b) redis.call('INCR', KEYS[1]) "
                        "return a < b end) return t", 1, "cb")
        self.assertEqual(self.r.eval("local ok = pcall(redis.call, 'INCR', KEYS[1]) "
                                     "local t = {3, 1, 2} table.sort(t, function(a, b) "
                                     "return a < b end) return {ok and 1 or 0, t[1], t[3]}", 1, "cb"), [1, 1, 3])
        # a comparator that spends many slices finishes: the count hook yields only outside it
        yields = self.r.info("scripting")["scripts_yields"]
        self.assertEqual(self.r.eval("local t = {} for i = 1, 50 do t[i] = (i * 7) % 50 end "
                                     "table.sort(t, function(a, b) local s = 0 "
                                     "for i = 1, 20000 do s = s + i end return a < b end) "
                                     "local s = 0 for i = 1, 3000000 do s = s + i end "
                                     "return {t[1], t[50]}", 0), [0, 49])
        self.assertGreater(self.r.info("scripting")["scripts_yields"], yields)
        self.assertEqual(self.r.get("cb"), b"1")

    def test_scripting_select_changes_the_scripts_database_only(self):
        self.r.flushall()
        script = ("redis.call('SELECT', ARGV[1]) redis.call('SET', KEYS[1], 'in' .. ARGV[1]) "
                  "return redis.call('GET', KEYS[1])")
        self.assertEqual(self.r.eval(script, 1, "sk", 3), b"in3")
        self.assertIsNone(self.r.get("sk"))               # the client stays in database 0
        self.assertEqual(self.srv.client(db=3).get("sk"), b"in3")
        a, b = keys_on_distinct_threads(self.r)           # a key on the other thread too
        self.assertEqual(self.r.eval(script, 1, b, 4), b"in4")
        self.assertEqual(self.srv.client(db=4).get(b), b"in4")
        self.assertEqual(self.r.eval("return redis.pcall('SELECT', ARGV[1])", 0, 15), b"OK")
        for arg, err in (("abc", "value is not an integer or out of range"),
                         ("16", "DB index is out of range"), ("-1", "DB index is out of range")):
            with self.assertRaisesRegex(redis.ResponseError, "^" + err):
                self.r.eval("return redis.call('SELECT', ARGV[1])", 0, arg)
        self.assertEqual(self.r.dbsize(), 0)

    def test_scripting_eval_ro_refuses_writes(self):
        with self.assertRaisesRegex(redis.ResponseError, "Write commands are not allowed from read-only scripts"):
            self.r.eval_ro("return redis.call('SET', KEYS[1], 1)", 1, "k")
        self.r.set("k", "v")
        self.assertEqual(self.r.eval_ro("return redis.call('GET', KEYS[1])", 1, "k"), b"v")
        sha = self.r.script_load("#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])")
        self.assertEqual(self.r.evalsha_ro(sha, 1, "k"), b"v")

    def test_scripting_inside_multi_exec(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.set("t", 1)
        pipe.eval("return redis.call('INCR', KEYS[1])", 1, "t")
        pipe.get("t")
        self.assertEqual(pipe.execute(), [True, 2, b"2"])

    def test_scripting_libraries(self):
        self.assertEqual(self.r.eval("return cjson.encode(cjson.decode(ARGV[1]))", 0, '[1,"a",{"k":[true]}]'),
                         b'[1,"a",{"k":[true]}]')
        self.assertEqual(self.r.eval("local t = {cmsgpack.unpack(cmsgpack.pack({1, 2, {x = 'y'}}))} return t[1][3].x", 0), b"y")
        self.assertEqual(self.r.eval("return struct.unpack('>I2', ARGV[1])", 0, "\x01\x02"), 258)
        self.assertEqual(self.r.eval("return bit.bor(1, 2, 4)", 0), 7)
        self.assertEqual(self.r.eval("return redis.sha1hex('abc')", 0), b"a9993e364706816aba3e25717850c26c9cd0d89d")

    def test_scripting_functions(self):
        code = ("#!lua name=counters\n"
                "redis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)\n"
                "redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end,"
                " flags={'no-writes'}, description='reads a counter'}\n")
        self.assertEqual(self.r.function_load(code), b"counters")
        self.assertEqual(self.r.fcall("bump", 1, "c", 5), 5)
        self.assertEqual(self.srv.client().fcall_ro("peek", 1, "c"), b"5")
        with self.assertRaisesRegex(redis.ResponseError, "Can not execute a script with write flag using \\*_ro command"):
            self.r.fcall_ro("bump", 1, "c", 1)
        with self.assertRaisesRegex(redis.ResponseError, "Library 'counters' already exists"):
            self.r.function_load(code)
        self.assertEqual(self.r.function_load(code, replace=True), b"counters")
        libs = self.r.function_list(withcode=True)
        self.assertEqual(len(libs), 1)
        lib = dict(zip(libs[0][::2], libs[0][1::2]))
        self.assertEqual(lib[b"library_name"], b"counters")
        self.assertEqual(lib[b"library_code"], code.encode())
        names = sorted(dict(zip(f[::2], f[1::2]))[b"name"] for f in lib[b"functions"])
        self.assertEqual(names, [b"bump", b"peek"])
        payload = self.r.function_dump()
        self.r.function_flush()
        with self.assertRaisesRegex(redis.ResponseError, "Function not found"):
            self.r.fcall("bump", 1, "c", 1)
        self.assertTrue(self.r.function_restore(payload))
        self.assertEqual(self.r.fcall("bump", 1, "c", 1), 6)
        with self.assertRaisesRegex(redis.ResponseError, "already exists"):
            self.r.function_restore(payload)
        self.assertTrue(self.r.function_restore(payload, "REPLACE"))
        self.assertTrue(self.r.function_delete("counters"))
        self.assertEqual(self.r.function_list(), [])
        with self.assertRaisesRegex(redis.ResponseError, "DUMP payload version or checksum are wrong"):
            self.r.function_restore(payload[:-1] + bytes([payload[-1] ^ 1]))

    def test_scripting_function_replaced_while_other_thread_cached_it(self):
        clients = [self.srv.client() for _ in range(4)]
        self.r.function_load("#!lua name=v\nredis.register_function('ver', function() return 1 end)")
        self.assertEqual([c.fcall("ver", 0) for c in clients], [1] * 4)
        self.r.function_load("#!lua name=v\nredis.register_function('ver', function() return 2 end)", replace=True)
        self.assertEqual([c.fcall("ver", 0) for c in clients], [2] * 4)

    def test_scripting_redis_cli_eval(self):
        path = "%s/incr.lua" % self.srv.dir
        with open(path, "w") as f:
            f.write("return {redis.call('INCRBY', KEYS[1], ARGV[1]), ARGV[2]}\n")
        out = self.srv.cli("--eval", path, "cli-key", ",", "7", "tail")
        self.assertEqual(out.split(), ["7", "tail"])
        self.assertEqual(self.r.get("cli-key"), b"7")

    def test_scripting_info_section(self):
        self.r.eval("return 1", 0)
        info = self.r.info("scripting")
        self.assertEqual(info["number_of_cached_scripts"], 1)
        self.assertGreater(info["used_memory_lua"], 0)
        self.assertGreaterEqual(info["scripts_started"], 1)
        self.assertEqual(self.r.config_get("busy-reply-threshold"), {"busy-reply-threshold": "5000"})
        self.assertEqual(self.r.config_get("lua-time-limit"), {"lua-time-limit": "5000"})

    def test_scripting_sandbox_has_no_escape(self):
        for script in ["return os.execute('true')", "return io.open('/etc/passwd')", "return require('ffi')",
                       "return jit.status()", "return debug.getinfo(1)", "return dofile('/etc/passwd')",
                       "return loadstring(string.dump(function() return 1 end))()", "return setfenv(1, {})",
                       "return getfenv(1)"]:
            with self.subTest(script=script):
                with self.assertRaises(redis.ResponseError):
                    self.r.eval(script, 0)
        self.assertEqual(self.r.eval("local ok = pcall(function() string.rep = nil end) return ok and 1 or 0", 0), 0)
        self.assertEqual(self.r.eval("return string.rep('a', 3)", 0), b"aaa")


if __name__ == "__main__":
    unittest.main()
