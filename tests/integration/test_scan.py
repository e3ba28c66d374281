"""test_scan.py -- walking the keyspace of a real keel-server: KEYS with glob patterns, SCAN with
COUNT/MATCH/TYPE over 5000 keys on 2 threads, redis-py's scan_iter, RANDOMKEY.
"""
import os
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


class EmptyKeyspace(unittest.TestCase):
    """Works without any data module."""

    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_empty(self):
        self.assertIsNone(self.r.randomkey())
        self.assertEqual(self.r.keys("*"), [])
        cursor, batch = self.r.scan(0)
        self.assertEqual(batch, [])
        if cursor:   # a cursor may still point at the next thread's shards
            self.assertEqual(self.r.scan(cursor), (0, []))
        self.assertEqual(list(self.r.scan_iter()), [])

    def test_scan_errors(self):
        for bad in ("x", "-1", "1.5", "", "99999999999999999999999", " 1"):
            self.assertEqual(error_of(self.r, "SCAN", bad), "invalid cursor", repr(bad))
        self.assertEqual(error_of(self.r, "SCAN", "0", "COUNT", "0"), "syntax error")
        self.assertEqual(error_of(self.r, "SCAN", "0", "COUNT", "-5"), "syntax error")
        self.assertEqual(error_of(self.r, "SCAN", "0", "COUNT", "x"), "value is not an integer or out of range")
        self.assertEqual(error_of(self.r, "SCAN", "0", "MATCH"), "syntax error")
        self.assertEqual(error_of(self.r, "SCAN", "0", "FOO", "bar"), "syntax error")
        self.assertEqual(error_of(self.r, "SCAN"), "wrong number of arguments for 'scan' command")
        self.assertEqual(error_of(self.r, "KEYS"), "wrong number of arguments for 'keys' command")
        self.assertEqual(error_of(self.r, "KEYS", "a", "b"), "wrong number of arguments for 'keys' command")
        self.assertEqual(error_of(self.r, "RANDOMKEY", "x"), "wrong number of arguments for 'randomkey' command")

    def test_a_cursor_past_the_last_shard_ends_the_scan(self):
        self.assertEqual(self.r.scan(65535), (0, []))
        self.assertEqual(self.r.scan(2 ** 64 - 1), (0, []))


@unittest.skipUnless(have_module("strings"), "strings module not built (keys need values)")
class SmallKeyspace(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_a_small_keyspace_comes_whole_in_the_first_page(self):
        # as in Redis: COUNT covers it, so one call returns every key and cursor 0, however
        # the keys spread over the shards of both threads
        keys = {"small:%d" % i for i in range(8)}
        for k in keys:
            self.r.set(k, 1)
        try:
            cursor, batch = self.r.scan(0)
            self.assertEqual(cursor, 0)
            self.assertEqual({k.decode() for k in batch}, keys)
        finally:
            self.r.delete(*keys)


@unittest.skipUnless(have_module("strings"), "strings module not built (keys need values)")
class Scanning(unittest.TestCase):
    N = 5000

    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()
        cls.keys = {b"user:%d" % i for i in range(cls.N // 2)} | {b"item:%d" % i for i in range(cls.N - cls.N // 2)}
        p = cls.r.pipeline(transaction=False)
        keys = sorted(cls.keys)
        for i in range(0, len(keys), 500):
            p.mset({k: b"v" for k in keys[i:i + 500]})
        p.execute()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def full_scan(self, *options):
        seen, cursor, calls = [], 0, 0
        while True:
            cursor, batch = self.r.execute_command("SCAN", cursor, *options)
            cursor = int(cursor)
            seen.extend(batch)
            calls += 1
            self.assertLess(calls, 100000, "SCAN never ends")
            if cursor == 0:
                return seen, calls

    def test_scan_returns_every_key_exactly_once(self):
        for count in (None, 3, 10, 100, 1000, 100000):
            opts = () if count is None else ("COUNT", count)
            seen, calls = self.full_scan(*opts)
            self.assertEqual(len(seen), len(set(seen)), "COUNT %s: a key came twice" % count)
            self.assertEqual(set(seen), self.keys, "COUNT %s" % count)
            if count == 100000:
                self.assertEqual(calls, 1, "a COUNT above the keyspace returns it in one page")
            if count == 10:
                self.assertGreater(calls, self.N // 50, "COUNT 10 returns small batches")

    def test_scan_match_and_type(self):
        seen, _ = self.full_scan("MATCH", "user:*", "COUNT", "200")
        self.assertEqual(sorted(seen), sorted(k for k in self.keys if k.startswith(b"user:")))
        seen, _ = self.full_scan("MATCH", "item:1?", "COUNT", "50")
        self.assertEqual(sorted(seen), sorted(b"item:1%d" % i for i in range(10)))
        seen, _ = self.full_scan("TYPE", "string", "COUNT", "500")
        self.assertEqual(set(seen), self.keys)
        seen, _ = self.full_scan("TYPE", "STRING")
        self.assertEqual(len(seen), self.N)
        for other in ("list", "hash", "nosuchtype"):
            self.assertEqual(self.full_scan("TYPE", other, "COUNT", "1000")[0], [], other)
        seen, _ = self.full_scan("MATCH", "*", "TYPE", "string", "COUNT", "300")
        self.assertEqual(len(seen), self.N)
        seen, _ = self.full_scan("MATCH", "nothing*", "COUNT", "300")
        self.assertEqual(seen, [])

    def test_scan_iter_of_redis_py(self):
        self.assertEqual(set(self.r.scan_iter()), self.keys)
        got = list(self.r.scan_iter(match="item:*", count=250))
        self.assertEqual(len(got), self.N - self.N // 2)
        self.assertEqual(set(got), {k for k in self.keys if k.startswith(b"item:")})
        self.assertEqual(set(self.r.scan_iter(_type="string")), self.keys)

    def test_made_up_cursors_are_harmless(self):
        for cursor in (1, 7, 2 ** 16 + 3, 2 ** 40 + 1, 2 ** 63, 2 ** 64 - 1, 123456789):
            nxt, batch = self.r.scan(cursor, count=50)
            self.assertGreaterEqual(nxt, 0)
            self.assertTrue(set(batch) <= self.keys, cursor)
        self.assertIs(self.r.ping(), True)

    def test_keys_star_returns_everything(self):
        got = self.r.keys("*")
        self.assertEqual(len(got), self.N)
        self.assertEqual(set(got), self.keys)
        self.assertEqual(len(self.r.keys("user:*")), self.N // 2)
        self.assertEqual(self.r.keys("user:42"), [b"user:42"])
        self.assertEqual(self.r.keys("USER:42"), [], "key patterns are case sensitive")

    def test_randomkey_returns_members(self):
        seen = {self.r.randomkey() for _ in range(200)}
        self.assertTrue(seen <= self.keys)
        self.assertGreater(len(seen), 50, "RANDOMKEY spreads over the keyspace")


@unittest.skipUnless(have_module("strings"), "strings module not built (keys need values)")
class Patterns(unittest.TestCase):
    NAMES = [b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"Hello", b"a*b", b"a?b", b"axb", b"a[b",
             b"a\\b", b"ab", b"x1", b"x2", b"x3", b"y", b"\xff\x00bin"]

    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()
        cls.r.mset({k: b"1" for k in cls.NAMES})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def keys(self, pattern):
        return sorted(self.r.keys(pattern))

    def test_keys_glob_patterns(self):
        cases = {
            "*": sorted(self.NAMES),
            "h?llo": [b"hallo", b"hello", b"hxllo"],
            "h*llo": [b"hallo", b"heeeello", b"hello", b"hllo", b"hxllo"],
            "h[ae]llo": [b"hallo", b"hello"],
            "h[^e]llo": [b"hallo", b"hxllo"],
            "h[a-b]llo": [b"hallo"],
            "h[b-a]llo": [b"hallo"],
            "[hH]ello": [b"Hello", b"hello"],
            "x[1-2]": [b"x1", b"x2"],
            "x[!1]": [b"x1"],                 # '!' is no negation, as in Redis
            "a\\*b": [b"a*b"],
            "a\\?b": [b"a?b"],
            "a?b": sorted([b"a*b", b"a?b", b"axb", b"a[b", b"a\\b"]),
            "a\\[b": [b"a[b"],
            "a\\\\b": [b"a\\b"],
            "a*": sorted([b"a*b", b"a?b", b"axb", b"a[b", b"a\\b", b"ab"]),
            "*llo": [b"Hello", b"hallo", b"heeeello", b"hello", b"hllo", b"hxllo"],
            "nothing": [],
            "y": [b"y"],
            "?": [b"y"],
            "\xff*": [],
        }
        for pattern, want in cases.items():
            self.assertEqual(self.keys(pattern), sorted(want), pattern)
        self.assertEqual(self.keys(b"\xff*"), [b"\xff\x00bin"])

    def test_scan_match_agrees_with_keys(self):
        for pattern in ("h?llo", "h[^e]llo", "a\\*b", "*llo", "x*"):
            got = set(self.r.scan_iter(match=pattern, count=3))
            self.assertEqual(sorted(got), self.keys(pattern), pattern)

    def test_patterns_that_could_blow_up_stay_fast(self):
        # a backtracking matcher needs about 5000^13 steps for these (it would never answer); a
        # bounded one answers at once.  The client's generous timeout tells the two apart without
        # asserting the machine's speed.
        self.r.set(b"a" * 5000, b"1")
        r = self.srv.client(socket_timeout=120)
        try:
            self.assertEqual(r.keys("*a*a*a*a*a*a*a*a*a*a*a*a*a*b"), [])
            self.assertEqual(r.keys("*a*a*a*a*a*a*a*a*a*a*a*a*a*a"), [b"a" * 5000])
        finally:
            self.r.delete(b"a" * 5000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
