"""test_sort.py -- SORT and SORT_RO (sort.so) on a real keel-server: the same cases, including a
seeded random series, against Debian's redis-server 7.0 with replies compared byte for byte;
then what only Keel shows: a big sort yields while other clients are served, a pattern's key
held by another process makes SORT start over with it locked (atomic, no deadlock), and a
read-only network runs SORT without STORE but refuses STORE.
"""
import random
import shutil
import threading
import unittest

import redis

from keel_harness import KeelConfigServer, KeelServer, RedisServer, raw_client, reply_of, wait_until

MODULES = ["resp", "strings", "lists", "sets", "zsets", "maps", "sort"]

SETUP = [
    ("RPUSH", "nums", "3", "1", "2", "10", "-5", "2.5", "1e2"),
    ("RPUSH", "words", "pear", "apple", "fig", "Banana", "apple2", ""),
    ("RPUSH", "mixed", "1", "x", "2"),
    ("SADD", "snums", "9", "7", "8", "70", "-1"),
    ("SADD", "swords", "b", "a", "c"),
    ("ZADD", "z", "3", "c", "1", "a", "2", "b", "2", "bb"),
    ("MSET", "w_3", "30", "w_1", "10", "w_2", "20", "w_10", "5", "w_-5", "50"),
    ("MSET", "name_3", "three", "name_1", "one", "name_2", "two"),
    ("HSET", "h_3", "age", "7", "nick", "c3"),
    ("HSET", "h_1", "age", "9", "nick", "c1"),
    ("HSET", "h_2", "age", "8"),
    ("SET", "str", "hello"),
    ("RPUSH", "ids", "1", "2", "3"),
]

CASES = [
    ("SORT", "nums"),
    ("SORT", "nums", "DESC"),
    ("SORT", "nums", "LIMIT", "1", "3"),
    ("SORT", "nums", "LIMIT", "-2", "2"),
    ("SORT", "nums", "LIMIT", "5", "-1"),
    ("SORT", "nums", "LIMIT", "100", "2"),
    ("SORT", "nums", "LIMIT", "0", "0"),
    ("SORT", "nums", "ALPHA"),
    ("SORT", "words", "ALPHA"),
    ("SORT", "words", "ALPHA", "DESC", "LIMIT", "0", "2"),
    ("SORT", "words"),
    ("SORT", "mixed"),
    ("SORT", "snums"),
    ("SORT", "swords", "ALPHA"),
    ("SORT", "z"),
    ("SORT", "z", "ALPHA"),
    ("SORT", "z", "BY", "nosort"),
    ("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"),
    ("SORT", "nums", "BY", "nosort"),
    ("SORT", "nums", "BY", "nosort", "DESC"),
    ("SORT", "nums", "BY", "nosort", "DESC", "LIMIT", "1", "2"),
    ("SORT", "ids", "BY", "w_*"),
    ("SORT", "ids", "BY", "w_*", "DESC"),
    ("SORT", "ids", "BY", "name_*", "ALPHA"),
    ("SORT", "ids", "BY", "name_*"),
    ("SORT", "ids", "BY", "missing_*"),
    ("SORT", "ids", "BY", "h_*->age"),
    ("SORT", "ids", "BY", "h_*->nick", "ALPHA"),
    ("SORT", "ids", "GET", "name_*"),
    ("SORT", "ids", "GET", "#", "GET", "name_*", "GET", "h_*->nick"),
    ("SORT", "ids", "GET", "nostar"),
    ("SORT", "ids", "GET", "h_*->"),
    ("SORT", "ids", "BY", "w_*", "GET", "#", "GET", "h_*->age", "LIMIT", "1", "5"),
    ("SORT", "ids", "GET", "str"),
    ("SORT", "ids", "BY", "w_*", "STORE", "dst"),
    ("LRANGE", "dst", "0", "-1"),
    ("SORT", "ids", "GET", "name_*", "GET", "h_*->nick", "STORE", "dst"),
    ("LRANGE", "dst", "0", "-1"),
    ("SORT", "nokey", "STORE", "dst"),
    ("EXISTS", "dst"),
    ("SORT", "swords", "BY", "nosort", "STORE", "dst2"),
    ("LRANGE", "dst2", "0", "-1"),
    ("SORT", "nokey"),
    # an empty source kept in its order and read from its far end (this crashed the server)
    ("SORT", "nokey", "BY", "nosort", "DESC"),
    ("SORT", "nokey", "BY", "nostar", "DESC", "LIMIT", "0", "5"),
    ("SORT_RO", "nokey", "BY", "nosort", "DESC"),
    ("SORT", "nokey", "BY", "nosort", "DESC", "STORE", "dst3"),
    ("EXISTS", "dst3"),
    ("SORT", "str"),
    ("SORT", "nums", "LIMIT", "1"),
    ("SORT", "nums", "LIMIT", "a", "1"),
    ("SORT", "nums", "FOO"),
    ("SORT", "nums", "STORE"),
    ("SORT_RO", "nums", "STORE", "dst"),
    ("SORT_RO", "ids", "BY", "w_*", "GET", "#", "GET", "name_*"),
    ("SORT_RO", "words", "ALPHA", "LIMIT", "1", "2"),
    ("SORT",),
    ("SORT", "dst"),
]


def random_case(rng):
    """A SORT whose answer Redis fixes: no ALPHA with a BY pattern (equal or missing BY values
    leave Redis's order to its hash table), no set read BY nosort (Keel's sets iterate in order)."""
    key = rng.choice(["nums", "ids", "snums", "z", "words", "r"])
    alpha = key == "words" or rng.random() < 0.3
    cmd = [rng.choice(["SORT", "SORT_RO"]), key]
    if rng.random() < 0.4:
        by = rng.choice(["w_*", "h_*->age", "nosort", "r_*"])
        if not (alpha and by != "nosort") and not (key == "snums" and by == "nosort"):
            cmd += ["BY", by]
    if rng.random() < 0.4:
        cmd += ["LIMIT", str(rng.randint(-1, 6)), str(rng.randint(-1, 6))]
    for _ in range(rng.randint(0, 2)):
        cmd += ["GET", rng.choice(["#", "name_*", "h_*->nick", "w_*"])]
    if rng.random() < 0.5:
        cmd.append(rng.choice(["ASC", "DESC"]))
    if alpha:
        cmd.append("ALPHA")
    return tuple(cmd)


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class SortLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer("--dialect", "redis", threads=2, modules=MODULES).start()
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

    def setUp(self):
        for c in (self.k, self.r):
            c.flushall()
            for cmd in SETUP:
                c.execute_command(*cmd)

    def check(self, cmd):
        self.assertEqual(reply_of(self.k, cmd), reply_of(self.r, cmd), repr(cmd))

    def test_sort_compat_cases(self):
        for cmd in CASES:
            self.check(cmd)

    def test_sort_compat_random_series(self):
        rng = random.Random(20261206)
        nums = [str(rng.randint(-50, 50)) for _ in range(40)]
        for c in (self.k, self.r):
            c.execute_command("RPUSH", "r", *nums)
            for i, n in enumerate(nums):
                c.execute_command("SET", "r_" + n, str((i * 37) % 11))
        for _ in range(300):
            self.check(random_case(rng))


class SortOnKeel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=MODULES).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def test_sort_of_a_big_list_yields_and_others_are_served(self):
        rng = random.Random(7)
        n = 200000
        vals = [str(rng.randint(0, 10 ** 9)) for _ in range(n)]
        for i in range(0, n, 10000):
            self.r.rpush("big", *vals[i:i + 10000])
        self.r.set("other", "v")
        yields_before = int(self.r.info("stats")["zvm_yields"])
        served = []
        done = threading.Event()

        def reader():
            c = redis.Redis(port=self.srv.port)
            while not done.is_set():
                served.append(c.get("other"))
            c.close()

        t = threading.Thread(target=reader)
        t.start()
        out = self.r.sort("big", start=0, num=5)
        stored = self.r.sort("big", desc=True, store="sorted")
        done.set()
        t.join()
        self.assertEqual(out, [v.encode() for v in sorted(vals, key=int)[:5]])
        self.assertEqual(stored, n)
        self.assertEqual(self.r.lrange("sorted", 0, 2), [v.encode() for v in sorted(vals, key=int, reverse=True)[:3]])
        self.assertGreater(int(self.r.info("stats")["zvm_yields"]), yields_before)
        self.assertTrue(served and all(v == b"v" for v in served))

    def test_sort_never_sees_half_a_transaction_on_its_pattern_keys(self):
        # transactions move w_2 away and back while SORT reads it as an undeclared pattern key:
        # held by EXEC, it makes SORT start over with it locked, so SORT sees either side of a
        # transaction, never its middle (which would order 3 1 2)
        self.r.rpush("ids", 1, 2, 3)
        self.r.mset({"w_1": 30, "w_2": 20, "w_3": 10})
        stop = threading.Event()

        def churn():
            c = redis.Redis(port=self.srv.port)
            while not stop.is_set():
                c.pipeline(transaction=True).set("w_2", 40).set("w_2", 20).execute()
            c.close()

        t = threading.Thread(target=churn)
        t.start()
        try:
            results = [self.r.sort("ids", by="w_*") for _ in range(300)]
        finally:
            stop.set()
            t.join()
        self.assertEqual(set(map(tuple, results)), {(b"3", b"2", b"1")})
        self.assertEqual(self.r.sort("ids", by="w_*", get="w_*"), [b"10", b"20", b"30"])

    def test_sort_store_replaces_the_destination_with_a_list(self):
        self.r.rpush("l", 2, 1)
        self.r.set("d", "a string")
        self.assertEqual(self.r.sort("l", store="d"), 2)
        self.assertEqual(self.r.type("d"), b"list")
        self.assertEqual(self.r.lrange("d", 0, -1), [b"1", b"2"])
        self.assertEqual(self.r.sort("nothing", store="d"), 0)
        self.assertEqual(self.r.exists("d"), 0)


class SortReadOnlyNetwork(unittest.TestCase):
    def test_sort_without_store_runs_where_writes_are_refused(self):
        nets = [{"name": "rw", "port": 0, "permissions": ["read", "write"]},
                {"name": "ro", "port": 0, "permissions": ["read"]}]
        srv = KeelConfigServer({"modules": MODULES, "threads": 2, "networks": nets}).start()
        try:
            rw, ro = srv.client("rw"), srv.client("ro")
            rw.rpush("l", 3, 1, 2)
            self.assertEqual(ro.sort("l"), [b"1", b"2", b"3"])
            self.assertEqual(ro.execute_command("SORT_RO", "l", "DESC"), [b"3", b"2", b"1"])
            with self.assertRaises(redis.ResponseError) as e:
                ro.sort("l", store="d")
            self.assertIn("needs the write permission", str(e.exception))
            self.assertEqual(rw.exists("d"), 0)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
