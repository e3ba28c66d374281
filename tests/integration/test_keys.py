"""test_keys.py -- the core's generic key commands on a real keel-server with 2 threads: DEL
UNLINK EXISTS TOUCH TYPE RENAME RENAMENX, with keys spread over every shard and thread.
"""
import os
import re
import threading
import unittest

import redis

from keel_harness import KeelServer, MODULE_DIR


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def error_of(r, *args):
    try:
        r.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


def placement(r, keys):
    """{key: (shard, thread)} as DEBUG ZVM EXPLAIN reports them."""
    out = {}
    for line in r.execute_command("DEBUG", "ZVM", "EXPLAIN", "EXISTS", *keys):
        m = re.match(rb'^key argv\[(\d+)\]=".*" hash [0-9a-f]+ shard (\d+) thread (\d+)$', line)
        if m:
            out[keys[int(m.group(1)) - 1]] = (int(m.group(2)), int(m.group(3)))
    return out


@unittest.skipUnless(have_module("strings"), "strings module not built (keys need values)")
class KeyCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()
        cls.shards = int(cls.r.info("server")["shards"])

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def key_on_other_shard(self, key, other_thread=True):
        """A key name whose shard (and thread) differs from key's."""
        cands = ["%s:other:%d" % (key, i) for i in range(64)]
        where = placement(self.r, [key] + cands)
        for c in cands:
            if where[c][0] != where[key][0] and (not other_thread or where[c][1] != where[key][1]):
                return c
        self.fail("no key on another shard/thread among 64 candidates")

    # ---- DEL EXISTS TOUCH UNLINK over every shard ----

    def test_1000_keys_cover_every_shard_and_thread(self):
        keys = ["k%d" % i for i in range(1000)]
        where = placement(self.r, keys)
        self.assertEqual(len(where), 1000)
        self.assertEqual({s for s, _ in where.values()}, set(range(self.shards)))
        self.assertEqual({t for _, t in where.values()}, {0, 1})

    def test_del_exists_touch_with_1000_keys(self):
        keys = ["k%d" % i for i in range(1000)]
        self.r.mset({k: "v" + k for k in keys})
        self.assertEqual(self.r.dbsize(), 1000)
        self.assertEqual(self.r.exists(*keys), 1000)
        self.assertEqual(self.r.touch(*keys), 1000)
        missing = ["m%d" % i for i in range(1000)]
        mixed = [x for pair in zip(keys, missing) for x in pair]
        self.assertEqual(self.r.exists(*mixed), 1000)
        self.assertEqual(self.r.delete(*keys[:500], *missing), 500)
        self.assertEqual(self.r.exists(*keys), 500)
        self.assertEqual(self.r.dbsize(), 500)
        self.assertEqual(self.r.delete(*keys[:500]), 0)
        self.assertEqual(self.r.unlink(*keys[500:]), 500)
        self.assertEqual(self.r.dbsize(), 0)
        self.assertEqual(self.r.exists(*keys), 0)
        self.assertEqual(self.r.mget(keys[0], keys[999]), [None, None])

    def test_duplicates_count_each_time_for_exists_and_once_for_del(self):
        self.r.set("k", "v")
        self.assertEqual(self.r.exists("k", "k"), 2)
        self.assertEqual(self.r.exists("k", "k", "k", "nope", "nope"), 3)
        self.assertEqual(self.r.touch("k", "k"), 2)
        self.assertEqual(self.r.delete("k", "k", "k"), 1)
        self.assertEqual(self.r.exists("k", "k"), 0)

    def test_delete_alias_and_arity(self):
        self.r.set("a", "1")
        self.assertEqual(self.r.execute_command("DELETE", "a", "b"), 1)
        for cmd in ("DEL", "UNLINK", "EXISTS", "TOUCH"):
            self.assertEqual(error_of(self.r, cmd), "wrong number of arguments for '%s' command" % cmd.lower())

    def test_binary_and_empty_key_names(self):
        names = [b"", b"\x00", b"a\r\nb", b"\xff\xfe", b"sp ace", b"x" * 10000]
        for i, k in enumerate(names):
            self.r.set(k, b"val%d" % i)
        self.assertEqual(self.r.exists(*names), len(names))
        for i, k in enumerate(names):
            self.assertEqual(self.r.get(k), b"val%d" % i)
            self.assertEqual(self.r.type(k), b"string")
        self.assertEqual(self.r.delete(*names), len(names))
        self.assertEqual(self.r.dbsize(), 0)

    def test_concurrent_clients_on_overlapping_keys(self):
        keys = ["c%d" % i for i in range(200)]
        errors = []

        def worker(n):
            try:
                c = self.srv.client()
                for round_no in range(20):
                    c.mset({k: "%d-%d" % (n, round_no) for k in keys})
                    got = c.exists(*keys)
                    if got < 0 or got > len(keys):
                        errors.append("exists said %d" % got)
                    c.delete(*keys[n::4])
            except Exception as e:          # reported below, in the main thread
                errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertEqual(errors, [])
        self.assertLessEqual(self.r.dbsize(), len(keys))
        self.assertIs(self.r.ping(), True)

    # ---- TYPE ----

    def test_type(self):
        self.assertEqual(self.r.type("missing"), b"none")
        self.r.set("s", "v")
        self.assertEqual(self.r.type("s"), b"string")
        self.r.set("n", 12345)
        self.assertEqual(self.r.type("n"), b"string")
        self.assertEqual(error_of(self.r, "TYPE"), "wrong number of arguments for 'type' command")
        self.assertEqual(error_of(self.r, "TYPE", "a", "b"), "wrong number of arguments for 'type' command")

    # ---- RENAME RENAMENX ----

    def test_rename_across_shards_keeps_value_and_ttl(self):
        self.r.set("src", "value", px=100000)
        dst = self.key_on_other_shard("src")
        self.assertIs(self.r.rename("src", dst), True)
        self.assertEqual(self.r.get(dst), b"value")
        self.assertEqual(self.r.exists("src"), 0)
        self.assertTrue(90000 < self.r.pttl(dst) <= 100000, self.r.pttl(dst))
        db0 = self.r.info("keyspace")["db0"]   # avg_ttl: the mean TTL as last published (or 0 before)
        self.assertEqual((db0["keys"], db0["expires"]), (1, 1))
        self.assertTrue(0 <= db0["avg_ttl"] <= 100000, db0)

    def test_rename_replaces_the_destination_and_its_ttl(self):
        self.r.set("a", "A")
        dst = self.key_on_other_shard("a")
        self.r.set(dst, "B", ex=1000)
        self.assertIs(self.r.rename("a", dst), True)
        self.assertEqual(self.r.get(dst), b"A")
        self.assertEqual(self.r.ttl(dst), -1, "the source had no expiry, so neither has the result")
        self.assertEqual(self.r.dbsize(), 1)
        self.assertEqual(self.r.info("keyspace")["db0"]["expires"], 0)

    def test_rename_on_the_same_shard(self):
        self.r.set("x", "1", ex=500)
        where = placement(self.r, ["x"] + ["y%d" % i for i in range(200)])
        same = next(k for k, v in where.items() if k != "x" and v[0] == where["x"][0])
        self.assertIs(self.r.rename("x", same), True)
        self.assertEqual(self.r.get(same), b"1")
        self.assertTrue(0 < self.r.ttl(same) <= 500)

    def test_rename_missing_key(self):
        self.assertEqual(error_of(self.r, "RENAME", "nope", "other"), "no such key")
        self.assertEqual(error_of(self.r, "RENAMENX", "nope", "other"), "no such key")
        self.assertEqual(error_of(self.r, "RENAME", "nope", "nope"), "no such key")
        self.assertEqual(self.r.dbsize(), 0)

    def test_rename_to_itself(self):
        self.r.set("k", "v", ex=100)
        self.assertIs(self.r.rename("k", "k"), True)
        self.assertEqual(self.r.get("k"), b"v")
        self.assertTrue(0 < self.r.ttl("k") <= 100)
        self.assertIs(self.r.renamenx("k", "k"), False)
        self.assertEqual(self.r.get("k"), b"v")

    def test_renamenx(self):
        self.r.set("a", "A")
        dst = self.key_on_other_shard("a")
        self.r.set(dst, "B")
        self.assertIs(self.r.renamenx("a", dst), False)
        self.assertEqual(self.r.mget("a", dst), [b"A", b"B"])
        free = self.key_on_other_shard(dst)
        self.assertIs(self.r.renamenx("a", free), True)
        self.assertEqual(self.r.mget("a", free), [None, b"A"])

    def test_rename_arity(self):
        self.assertEqual(error_of(self.r, "RENAME", "a"), "wrong number of arguments for 'rename' command")
        self.assertEqual(error_of(self.r, "RENAMENX", "a", "b", "c"), "wrong number of arguments for 'renamenx' command")

    def test_renames_back_and_forth_are_atomic(self):
        """Two clients rename x<->y across threads while a third checks that exactly one exists."""
        self.r.set("x", "payload")
        y = self.key_on_other_shard("x")
        stop = threading.Event()
        errors = []

        def flipper(a, b):
            c = self.srv.client()
            while not stop.is_set():
                try:
                    c.rename(a, b)
                except redis.ResponseError as e:
                    if str(e) != "no such key":
                        errors.append(str(e))

        flippers = [threading.Thread(target=flipper, args=p) for p in (("x", y), (y, "x"))]
        for t in flippers:
            t.start()
        try:
            for _ in range(300):
                n = self.r.exists("x", y)
                if n != 1:
                    errors.append("EXISTS x y said %d" % n)
                    break
        finally:
            stop.set()
            for t in flippers:
                t.join(300)
        self.assertEqual(errors, [])
        self.assertEqual(self.r.dbsize(), 1)
        self.assertEqual([v for v in self.r.mget("x", y) if v], [b"payload"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
