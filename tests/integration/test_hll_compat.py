"""test_hll_compat.py -- hll.so counts exactly as redis-server does.

Runs the same PFADD sequences on keel-server (2 threads) and a real redis-server (skipped when none
is on PATH) and compares every reply: each PFADD's 0/1, every PFCOUNT of one key and of unions of
several, PFMERGE results (with HLL.MERGEREPLY OK so the replies match), through the sparse to dense
switch and up to a few hundred thousand elements, with binary, empty and numeric elements; the
error replies; and a sketch copied from Redis (GET) into Keel (SET) that keeps counting the same.
"""
import random
import shutil
import unittest

from keel_harness import KeelServer, RedisServer, raw_client, reply_of

ERRORS = [
    ["SET", "str", "x"], ["SADD", "set", "a"], ["PFADD", "str", "a"], ["PFCOUNT", "str"],
    ["PFCOUNT", "nokey", "str"], ["PFMERGE", "str", "nokey"], ["PFMERGE", "d", "str"], ["PFADD", "set", "a"],
    ["PFCOUNT", "set"], ["PFMERGE", "d", "set"], ["PFCOUNT", "str", "set"], ["PFCOUNT", "set", "str"],
    ["EXISTS", "d"], ["PFADD"], ["PFCOUNT"], ["PFMERGE"], ["PFADD", "new"], ["PFADD", "new"], ["PFCOUNT", "new"],
    ["PFMERGE", "new2"], ["PFCOUNT", "new2"], ["PFCOUNT", "nokey", "nokey2"],
]


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class HllLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2, modules=["resp", "strings", "sets", "hll"]).start()
        try:
            cls.redis = RedisServer()
        except Exception:
            cls.keel.stop()
            raise
        cls.k = raw_client(cls.keel.client())
        cls.r = raw_client(cls.redis.client())
        cls.k.execute_command("HLL.MERGEREPLY", "OK")

    @classmethod
    def tearDownClass(cls):
        cls.keel.client().execute_command("HLL.MERGEREPLY", "COUNT")
        cls.keel.stop()
        cls.redis.stop()

    def setUp(self):
        self.k.flushall()
        self.r.flushall()

    def both(self, *cmd):
        got, want = reply_of(self.k, cmd), reply_of(self.r, cmd)
        self.assertEqual(got, want, cmd[:4])
        return got[1]

    def test_hll_compat_errors_and_edges(self):
        for cmd in ERRORS:
            self.both(*cmd)

    def test_hll_compat_every_count_matches(self):
        rnd = random.Random(11)
        keys = ["h%d" % i for i in range(6)]
        sizes = {k: 0 for k in keys}
        elements = [b"", b"\x00", b"\xff\xfe", b"0", b"-1", b"3.14"]
        checked = 0
        for step in range(240):
            key = rnd.choice(keys)
            batch = rnd.choice([1, 2, 5, 20, 100, 700, 3000])
            new = [b"%s:%d" % (key.encode(), sizes[key] + i) for i in range(batch)]
            if rnd.random() < 0.3:
                new += rnd.sample(elements, 2) + [b"shared:%d" % rnd.randrange(2000)]
            sizes[key] += batch
            self.both("PFADD", key, *new)
            self.both("PFCOUNT", key)
            self.both("PFCOUNT", *rnd.sample(keys, rnd.randint(2, 6)))
            if step % 20 == 19:
                dst = rnd.choice(keys + ["merged"])
                self.both("PFMERGE", dst, *rnd.sample(keys, rnd.randint(1, 3)))
                self.both("PFCOUNT", dst)
            checked += 2
        for key in keys:
            self.assertEqual(reply_of(self.k, ["PFCOUNT", key]), reply_of(self.r, ["PFCOUNT", key]))
        self.assertGreater(max(sizes.values()), 20000)   # well past the switch to dense

    def test_hll_compat_hundreds_of_thousands(self):
        for n in (1000, 30000, 200000):
            for i in range(0, n, 20000):
                self.both("PFADD", "big%d" % n, *[b"x%d" % j for j in range(i, min(n, i + 20000))])
            self.both("PFCOUNT", "big%d" % n)
        self.both("PFCOUNT", "big1000", "big30000", "big200000")
        self.both("PFMERGE", "all", "big1000", "big30000", "big200000")
        self.both("PFCOUNT", "all")

    def test_hll_compat_a_sketch_copied_from_redis(self):
        for name, n in (("sparse", 50), ("dense", 5000)):
            self.r.execute_command("PFADD", name, *[b"m%d" % i for i in range(n)])
            payload = self.r.execute_command("GET", name)
            self.k.execute_command("SET", name, payload)
            self.both("PFCOUNT", name)
            self.both("PFADD", name, "one more", "and another")
            self.both("PFCOUNT", name)
            self.assertEqual(self.k.execute_command("TYPE", name), b"hll")   # a sketch from now on
            self.both("PFMERGE", "m", name)
            self.both("PFCOUNT", "m", name)


if __name__ == "__main__":
    unittest.main()
