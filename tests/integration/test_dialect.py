"""test_dialect.py -- one switch for every place Keel's own behaviour differs from Redis 7.0 on a
Redis command: the redis dialect (the default) answers exactly as Debian's redis-server 7.0 does
on the same cases (compared reply for reply), the keel dialect as Keel (DIALECT, a network's
"dialect", --dialect), inside MULTI/EXEC and scripts too.
"""
import shutil
import subprocess
import unittest

import redis

from keel_harness import KeelConfigServer, KeelServer, MODULE_DIR, RedisServer, SERVER, raw_client, reply_of

# The cases where the dialects differ, each after the set-up it needs.
CASES = [
    ("SET", "k", "10"), ("INCRBY", "k", "1.5"), ("INCRBY", "k", "1e3"), ("INCRBY", "k", "+5"),
    ("INCRBY", "k", "9223372036854775808"), ("DECRBY", "k", "-9223372036854775808"),
    ("SET", "f", "1.5"), ("INCR", "f"), ("DECR", "f"),
    ("SET", "big", "18446744073709551615"), ("INCR", "big"), ("INCRBY", "big", "-1"),
    ("SET", "max", "9223372036854775807"), ("INCR", "max"), ("INCRBY", "max", "1"), ("GET", "max"),
    ("SET", "min", "-9223372036854775808"), ("DECR", "min"), ("DECRBY", "min", "1"),
    ("INCRBY", "min", "-1"), ("GET", "min"),
    ("RPUSH", "l", "a", "b"), ("GET", "l"), ("SADD", "s", "x"), ("GET", "s"),
    ("HSET", "h", "f", "v"), ("GET", "h"),
    ("PFADD", "p1", "a"), ("PFADD", "p2", "b"), ("PFMERGE", "p3", "p1", "p2"), ("PFCOUNT", "p3"),
]


def comparable(reply):
    """reply_of's result with the errors inside EXEC's reply turned into their texts."""
    kind, value = reply
    if isinstance(value, list):
        value = [("error", str(v)) if isinstance(v, redis.ResponseError) else v for v in value]
    return kind, value


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class RedisDialectIsRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mods = ["resp", "strings", "lists", "sets", "maps", "hll", "scripting"]
        cls.keel = KeelServer(threads=2, modules=mods).start()
        try:
            cls.redis = RedisServer()
        except Exception:
            cls.keel.stop()
            raise
        cls.k = raw_client(cls.keel.client())
        cls.r = raw_client(cls.redis.client())

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        cls.keel.stop()

    def test_dialect_compat_every_deviation_answers_as_redis_by_default(self):
        self.k.flushall()
        self.r.flushall()
        for cmd in CASES:
            self.assertEqual(reply_of(self.k, cmd), reply_of(self.r, cmd), repr(cmd))

    def test_dialect_compat_inside_multi_and_scripts(self):
        self.k.flushall()
        self.r.flushall()
        for c in (self.k, self.r):
            c.execute_command("SET", "max", "9223372036854775807")
            c.execute_command("RPUSH", "l", "a")
        tx = [("MULTI",), ("INCR", "max"), ("GET", "l"), ("EXEC",)]
        script = ("EVAL", "return {pcall(redis.call, 'INCR', KEYS[1]), redis.pcall('GET', KEYS[2])}",
                  "2", "max", "l")
        for cmd in tx + [script]:
            self.assertEqual(comparable(reply_of(self.k, cmd)), comparable(reply_of(self.r, cmd)), repr(cmd))


class KeelDialect(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings", "lists", "hll"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_dialect_switches_per_connection(self):
        c = self.srv.client(single_connection_client=True)
        other = self.srv.client(single_connection_client=True)
        for name in ("PFMERGE", "INCRBY"):   # raw replies
            c.response_callbacks.pop(name, None)
        self.assertEqual(c.execute_command("DIALECT"), b"redis")
        self.assertEqual(c.execute_command("DIALECT", "KEEL"), b"OK")
        self.assertEqual(c.execute_command("DIALECT"), b"keel")
        c.set("max", "9223372036854775807")
        self.assertEqual(c.incr("max"), b"9223372036854775808")     # on into uint64 (a bulk in RESP2)
        self.assertEqual(c.incrbyfloat("max", 0), 9.2233720368547758e18)
        c.set("n", "10")
        self.assertEqual(c.execute_command("INCRBY", "n", "1.5"), b"11.5")
        c.rpush("l", "a", "b")
        self.assertEqual(c.execute_command("GET", "l"), [b"a", b"b"])   # a list shows itself
        c.pfadd("p1", "a")
        c.pfadd("p2", "b")
        self.assertEqual(c.execute_command("PFMERGE", "p3", "p1", "p2"), 2)   # the count
        # the other connection still speaks redis
        with self.assertRaises(redis.ResponseError) as e:
            other.execute_command("GET", "l")
        self.assertIn("WRONGTYPE", str(e.exception))
        self.assertEqual(c.execute_command("DIALECT", "redis"), b"OK")
        with self.assertRaises(redis.ResponseError):
            c.incr("max")

    def test_dialect_syntax(self):
        c = self.srv.client()
        for bad in (("DIALECT", "python"), ("DIALECT", "keel", "redis")):
            with self.assertRaises(redis.ResponseError) as e:
                c.execute_command(*bad)
            self.assertEqual(str(e.exception), "syntax error: DIALECT [REDIS | KEEL]")

    def test_command_line_dialect(self):
        with KeelServer("--dialect", "keel", threads=1, modules=["resp", "strings", "lists"]) as srv:
            c = srv.client()
            self.assertEqual(c.execute_command("DIALECT"), b"keel")
            c.rpush("l", "a")
            self.assertEqual(c.execute_command("GET", "l"), [b"a"])
        out = subprocess.run([SERVER, "--dialect", "klingon", "--module-dir", MODULE_DIR],
                             capture_output=True, text=True, timeout=60)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('--dialect: expected "redis" or "keel"', out.stderr)


class NetworkDialect(unittest.TestCase):
    def test_a_network_chooses_its_clients_dialect(self):
        conf = {"modules": ["resp", "strings", "lists"], "threads": 2, "networks": [
            {"name": "apps", "port": 0},
            {"name": "native", "port": 0, "dialect": "keel"}]}
        with KeelConfigServer(conf) as srv:
            apps, native = srv.client("apps"), srv.client("native")
            self.assertEqual(apps.execute_command("DIALECT"), b"redis")
            self.assertEqual(native.execute_command("DIALECT"), b"keel")
            native.rpush("l", "a")
            self.assertEqual(native.execute_command("GET", "l"), [b"a"])
            with self.assertRaises(redis.ResponseError):
                apps.execute_command("GET", "l")

    def test_a_bad_network_dialect_is_a_config_error(self):
        with self.assertRaises(RuntimeError) as e:
            KeelConfigServer({"networks": [{"name": "x", "port": 0, "dialect": "perl"}]}).start()
        self.assertIn('dialect: expected "redis" or "keel"', str(e.exception))


if __name__ == "__main__":
    unittest.main()
