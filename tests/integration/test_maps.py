"""test_maps.py -- maps.so's hash commands as Keel defines them, through python3-redis and
redis-cli: a map is a namespace (HSET m f v stores key f inside namespace m), fields keep their
own TTLs, maps nest, and the names a namespace cannot have are refused.  Replies Redis also
gives are compared with redis-server in test_maps_compat.py.
"""
import os
import shutil
import time
import unittest

import redis

from keel_harness import Expiry, KeelServer, MODULE_DIR, wait_until

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def error_of(r, *args):
    try:
        r.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


@unittest.skipUnless(have_module("maps") and have_module("strings"), "maps.so or strings.so not built")
class Maps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=["resp", "strings", "maps"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def inside(self, *path):
        """A connection of its own inside namespace path."""
        c = self.srv.client(single_connection_client=True)
        if path:
            c.execute_command("NS", *path)
        return c

    # ---- the redis-py API ----

    def test_maps_redis_py_hash_api(self):
        r = self.r
        self.assertEqual(r.hset("h", "a", 1), 1)
        self.assertEqual(r.hset("h", mapping={"b": "2", "c": "three"}), 2)
        self.assertEqual(r.hsetnx("h", "a", 9), 0)
        self.assertEqual(r.hget("h", "a"), b"1")
        self.assertEqual(r.hmget("h", "a", "x", "c"), [b"1", None, b"three"])
        self.assertEqual(r.hgetall("h"), {b"a": b"1", b"b": b"2", b"c": b"three"})
        self.assertEqual(sorted(r.hkeys("h")), [b"a", b"b", b"c"])
        self.assertEqual(sorted(r.hvals("h")), [b"1", b"2", b"three"])
        self.assertEqual(r.hlen("h"), 3)
        self.assertTrue(r.hexists("h", "b"))
        self.assertEqual(r.hstrlen("h", "c"), 5)
        self.assertEqual(r.hincrby("h", "a", 41), 42)
        self.assertAlmostEqual(r.hincrbyfloat("h", "b", 0.5), 2.5)
        self.assertEqual(r.hdel("h", "a", "b", "zz"), 2)
        self.assertEqual(dict(r.hscan_iter("h")), {b"c": b"three"})
        self.assertIn(r.hrandfield("h"), [b"c"])
        self.assertEqual(r.hrandfield("h", -3, withvalues=True), [b"c", b"three"] * 3)
        self.assertEqual(r.hdel("h", "c"), 1)
        self.assertEqual(r.exists("h"), 0)

    def test_maps_redis_cli(self):
        if not shutil.which("redis-cli"):
            self.skipTest("redis-cli is not on PATH")
        self.assertEqual(self.srv.cli("HSET", "h", "f", "hello", "n", "5").strip(), "2")
        self.assertEqual(self.srv.cli("HGET", "h", "f").strip(), "hello")
        self.assertEqual(self.srv.cli("HINCRBY", "h", "n", "10").strip(), "15")
        self.assertEqual(sorted(self.srv.cli("HKEYS", "h").split()), ["f", "n"])
        out = self.srv.cli("HGETALL", "h").split("\n")
        self.assertEqual(dict(zip(out[0::2], out[1::2])), {"f": "hello", "n": "15"})
        self.assertEqual(self.srv.cli("TYPE", "h").strip(), "hash")
        self.assertIn("wrong number of arguments", self.srv.cli("HGET", "h", "f", "x"))
        self.srv.cli("SET", "s", "v")
        self.assertIn("WRONGTYPE", self.srv.cli("HGET", "s", "f"))

    # ---- a map is a namespace ----

    def test_maps_fields_are_keys_of_the_namespace(self):
        self.r.hset("m", mapping={"f1": "v1", "f2": "v2"})
        self.assertEqual(self.r.type("m"), b"hash")
        c = self.inside("m")
        self.assertEqual(sorted(c.keys("*")), [b"f1", b"f2"])
        self.assertEqual(c.get("f1"), b"v1")
        c.set("f3", "set inside")
        c.incr("counter")
        self.assertEqual(self.r.hget("m", "f3"), b"set inside")
        self.assertEqual(self.r.hget("m", "counter"), b"1")
        self.assertEqual(self.r.hlen("m"), 4)
        c.delete("f1", "f2", "f3", "counter")
        self.assertEqual(self.r.hgetall("m"), {})

    def test_maps_hlen_skips_what_hgetall_skips(self):
        self.r.hset("m", mapping={"a": "1", "b": "2", "c": "3"})
        c = self.inside("m")
        self.assertTrue(c.pexpire("c", 50))
        time.sleep(0.1)
        self.assertEqual(self.r.hlen("m"), 2)                     # an expired field no one read
        inner = self.inside("m", "sub")                           # a namespace inside the map,
        inner.set("x", "1")                                       # emptied: not a field
        self.assertEqual(self.r.hlen("m"), 3)
        inner.delete("x")
        self.assertEqual(self.r.hlen("m"), len(self.r.hgetall("m")))
        self.assertEqual(self.r.hlen("m"), 2)

    def test_maps_work_inside_a_namespace(self):
        c = self.inside("tenant", "app")
        c.hset("user:1", mapping={"name": "ada", "visits": "1"})
        c.hincrby("user:1", "visits", 2)
        self.assertEqual(c.hgetall("user:1"), {b"name": b"ada", b"visits": b"3"})
        self.assertEqual(self.r.exists("user:1"), 0)
        self.assertEqual(self.r.type("tenant"), b"hash")
        app = self.inside("tenant", "app", "user:1")
        self.assertEqual(app.get("name"), b"ada")

    def test_maps_field_ttls_are_their_own(self):
        self.r.hset("m", mapping={"short": "1", "long": "2", "n": "5"})
        c = self.inside("m")
        self.assertTrue(c.pexpire("short", 200))
        self.assertTrue(c.expire("n", 100))
        self.assertEqual(self.r.hincrby("m", "n", 1), 6)        # HINCRBY keeps the field's TTL
        self.assertGreater(c.ttl("n"), 90)
        self.r.hset("m", "long", "3")
        self.assertEqual(c.ttl("long"), -1)
        self.assertEqual(self.r.hset("m", "n", "7"), 0)          # HSET clears it (Redis 7.4)
        self.assertEqual(c.ttl("n"), -1)
        time.sleep(0.3)
        self.assertIsNone(self.r.hget("m", "short"))
        self.assertEqual(self.r.hgetall("m"), {b"long": b"3", b"n": b"7"})
        self.assertEqual(self.r.hlen("m"), 2)
        self.assertEqual(self.r.ttl("m"), -1)

    def test_maps_a_map_ttl_takes_every_field(self):
        self.r.hset("m", mapping={"a": "1", "b": "2"})
        e = Expiry(1000)
        self.assertTrue(self.r.pexpire("m", 1000))
        self.r.hset("m", "c", "3")                               # writing a field keeps the map's TTL
        left = self.r.pttl("m")
        if -2 in e.pttl():
            self.skipTest("the machine stalled for the whole TTL: HSET may have made a new map")
        self.assertIn(left, e.pttl())
        wait_until("the map to expire", lambda: self.r.exists("m") == 0)
        self.assertEqual(self.r.hgetall("m"), {})

    def test_maps_nest(self):
        self.r.hset("outer", "plain", "v")
        self.inside("outer").hset("inner", mapping={"x": "1", "y": "2"})
        self.assertEqual(self.r.hkeys("outer").__len__(), 2)
        # a nested map is replied as GET shows it: a map (RESP2: a flat array)
        nested = self.r.hget("outer", "inner")
        self.assertEqual(dict(zip(nested[0::2], nested[1::2])), {b"x": b"1", b"y": b"2"})
        got = self.r.hgetall("outer")
        self.assertEqual(got[b"plain"], b"v")
        self.assertEqual(dict(zip(got[b"inner"][0::2], got[b"inner"][1::2])), {b"x": b"1", b"y": b"2"})
        self.assertEqual(error_of(self.r, "HSTRLEN", "outer", "inner"), WRONGTYPE)
        self.assertEqual(error_of(self.r, "HINCRBY", "outer", "inner", "1"), WRONGTYPE)
        self.assertEqual(error_of(self.r, "HINCRBYFLOAT", "outer", "inner", "1"), WRONGTYPE)
        self.assertEqual(self.r.hdel("outer", "inner"), 1)       # deleting a field takes its subtree
        self.assertEqual(self.r.hgetall("outer"), {b"plain": b"v"})

    def test_maps_hset_overwrites_a_nested_map(self):
        self.inside("outer").hset("inner", "x", "1")
        self.assertEqual(self.r.hset("outer", "inner", "flat now"), 0)
        self.assertEqual(self.r.hget("outer", "inner"), b"flat now")
        self.assertEqual(self.inside("outer", "inner").keys("*"), [])

    def test_maps_get_on_a_map_shows_its_contents(self):
        self.r.hset("m", mapping={"a": "1"})
        self.assertEqual(self.r.execute_command("GET", "m"), [b"a", b"1"])

    # ---- names ----

    def test_maps_names_a_namespace_cannot_have(self):
        for cmd in (["HSET", "", "f", "v"], ["HGET", "", "f"], ["HGETALL", ""], ["HDEL", "", "f"],
                    ["HLEN", ""], ["HSCAN", "", "0"], ["HRANDFIELD", ""], ["HINCRBY", "", "f", "1"]):
            self.assertEqual(error_of(self.r, *cmd), "invalid map name: names cannot be empty", cmd)
        self.assertEqual(error_of(self.r, "HSET", "m" * 513, "f", "v"), "invalid map name: names are at most 512 bytes")
        self.assertEqual(self.r.hset("m" * 512, "f", "v"), 1)
        self.assertEqual(self.r.dbsize(), 1)

    def test_maps_binary_and_path_like_names_are_just_names(self):
        names = ["..", ".", "/", "a/b", "\x00", "a\x00b", "../up", " ", "\r\n"]
        for i, n in enumerate(names):
            self.assertEqual(self.r.hset(n, n, str(i)), 1)
        for i, n in enumerate(names):
            self.assertEqual(self.r.hgetall(n), {n.encode(): str(i).encode()})
        self.assertEqual(sorted(self.r.keys("*")), sorted(n.encode() for n in names))
        # fields may be anything, the empty field included
        self.assertEqual(self.r.hset("m", mapping={"": "empty", "x" * 1000: "long", "\x00": "nul"}), 3)
        self.assertEqual(self.r.hget("m", ""), b"empty")
        self.assertEqual(self.r.hget("m", "x" * 1000), b"long")

    # ---- whole maps ----

    def test_maps_hscan_walks_a_big_map_once(self):
        fields = {("f%05d" % i).encode(): str(i).encode() for i in range(20000)}
        self.r.hset("h", mapping=fields)
        got, calls, cursor = {}, 0, 0
        while True:
            cursor, items = self.r.hscan("h", cursor, count=500)
            calls += 1
            for k, v in items.items():
                self.assertNotIn(k, got)
                got[k] = v
            if cursor == 0:
                break
        self.assertEqual(got, fields)
        self.assertGreater(calls, 10)
        keys, cursor = [], b"0"
        conn = self.r.connection_pool.get_connection("HSCAN")   # no reply parsing: NOVALUES
        try:
            while True:
                conn.send_command("HSCAN", "h", cursor, "MATCH", "f0001?", "COUNT", 100000, "NOVALUES")
                cursor, items = conn.read_response()
                keys += items
                if cursor == b"0":
                    break
        finally:
            self.r.connection_pool.release(conn)
        self.assertEqual(sorted(keys), [("f0001%d" % i).encode() for i in range(10)])

    def test_maps_hrandfield_draws(self):
        fields = {("f%d" % i).encode(): str(i).encode() for i in range(50)}
        self.r.hset("h", mapping=fields)
        some = self.r.hrandfield("h", 10)
        self.assertEqual(len(some), 10)
        self.assertEqual(len(set(some)), 10)
        self.assertTrue(set(some) <= set(fields))
        self.assertEqual(sorted(self.r.hrandfield("h", 100)), sorted(fields))
        many = self.r.hrandfield("h", -500)
        self.assertEqual(len(many), 500)
        self.assertTrue(set(many) <= set(fields))
        self.assertGreater(len(set(many)), 25)
        pairs = self.r.hrandfield("h", 5, withvalues=True)
        for k, v in zip(pairs[0::2], pairs[1::2]):
            self.assertEqual(fields[k], v)
        self.assertEqual(error_of(self.r, "HRANDFIELD", "h", "-10000001"), "value is out of range")

    def test_maps_big_hset_and_hdel_are_atomic(self):
        """One HSET of 100,000 pairs yields (it spends many slices) yet no other client sees it
        half done: a reader of the map waits behind its lock."""
        args = [x for i in range(100000) for x in ("f%d" % i, i)]
        other = self.srv.client(single_connection_client=True)
        conn = self.r.connection_pool.get_connection("HSET")
        try:
            conn.send_command("HSET", "h", *args)
            n = other.hlen("h")
            self.assertIn(n, (0, 100000))
            self.assertEqual(conn.read_response(), 100000)
        finally:
            self.r.connection_pool.release(conn)
        # HLEN of a map without expired fields is its table's count: no walk, so no yield
        yields = int(self.r.info("stats")["zvm_yields"])
        self.assertEqual(self.r.hlen("h"), 100000)
        self.assertEqual(int(self.r.info("stats")["zvm_yields"]), yields)
        self.assertEqual(self.r.hdel("h", *["f%d" % i for i in range(100000)]), 100000)
        self.assertEqual(self.r.exists("h"), 0)

    def test_maps_hdel_of_the_last_live_field_deletes_the_map(self):
        self.r.hset("m", mapping={"a": "1", "b": "2"})
        self.inside("m").pexpire("b", 50)
        time.sleep(0.1)
        self.assertEqual(self.r.hdel("m", "a"), 1)
        self.assertEqual(self.r.exists("m"), 0)


if __name__ == "__main__":
    unittest.main()
