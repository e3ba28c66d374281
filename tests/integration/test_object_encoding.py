"""test_object_encoding.py -- OBJECT ENCODING names the layout a value is in now (strings: int,
embstr, raw; lists: flat, chunked; sets: intset, sorted-runs; sorted sets: sorted-runs,
indexed-runs; HyperLogLogs: sparse, dense; hashes: namespace), OBJECT REFCOUNT, and OBJECT's
help and error texts compared with Debian's redis-server 7.0.
"""
import shutil
import unittest

import redis

from keel_harness import KeelServer, RedisServer, raw_client, reply_of


class ObjectEncoding(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings", "lists", "sets", "zsets", "hll",
                                                 "maps"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def enc(self, key):
        return self.r.object("encoding", key)

    def test_object_encoding_strings(self):
        self.r.set("i", 12345)
        self.assertEqual(self.enc("i"), b"int")
        self.r.set("s", "x" * 44)
        self.assertEqual(self.enc("s"), b"embstr")
        self.r.set("s", "x" * 45)
        self.assertEqual(self.enc("s"), b"raw")
        self.r.incr("n")
        self.assertEqual(self.enc("n"), b"int")
        self.r.append("n", "a")
        self.assertEqual(self.enc("n"), b"embstr")

    def test_object_encoding_follows_each_types_tiers(self):
        self.r.rpush("l", "a", "b")
        self.assertEqual(self.enc("l"), b"flat")
        self.r.rpush("l", *["e%04d" % i + "x" * 100 for i in range(100)])
        self.assertEqual(self.enc("l"), b"chunked")
        self.r.sadd("st", 1, 2, 3)
        self.assertEqual(self.enc("st"), b"intset")
        self.r.sadd("st", "word")
        self.assertEqual(self.enc("st"), b"sorted-runs")
        self.r.zadd("z", {"a": 1})
        self.assertEqual(self.enc("z"), b"sorted-runs")
        self.r.zadd("z", {"m%d" % i: i for i in range(200)})
        self.assertEqual(self.enc("z"), b"indexed-runs")
        self.r.pfadd("h", "a")
        self.assertEqual(self.enc("h"), b"sparse")
        self.r.pfadd("h", *["e%d" % i for i in range(5000)])
        self.assertEqual(self.enc("h"), b"dense")
        self.r.hset("m", "f", "v")
        self.assertEqual(self.enc("m"), b"namespace")

    def test_object_encoding_and_refcount_of_missing_and_present_keys(self):
        self.assertIsNone(self.enc("missing"))
        self.assertIsNone(self.r.object("refcount", "missing"))
        self.r.set("k", "v")
        self.assertEqual(self.r.object("refcount", "k"), 1)   # Keel never shares a value


CASES = [
    ("OBJECT", "HELP"),
    ("OBJECT", "ENCODING"),
    ("OBJECT", "ENCODING", "nokey"),
    ("OBJECT", "REFCOUNT", "nokey"),
    ("OBJECT", "FOO", "k"),
    ("OBJECT", "FREQ"),
    ("OBJECT", "IDLETIME", "k", "extra"),
    ("SET", "i", "123"),
    ("OBJECT", "ENCODING", "i"),
    ("SET", "e", "short"),
    ("OBJECT", "ENCODING", "e"),
    ("SET", "r", "y" * 100),
    ("OBJECT", "ENCODING", "r"),
    ("SET", "n", "-7"),
    ("OBJECT", "ENCODING", "n"),
    ("SET", "lead", "007"),
    ("OBJECT", "ENCODING", "lead"),
]


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class ObjectLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2, modules=["resp", "strings"]).start()
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

    def test_object_compat_replies(self):
        for cmd in CASES:
            self.assertEqual(reply_of(self.k, cmd), reply_of(self.r, cmd), repr(cmd))


if __name__ == "__main__":
    unittest.main()
