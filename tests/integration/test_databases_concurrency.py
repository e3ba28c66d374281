"""test_databases_concurrency.py -- SWAPDB, MOVE and FLUSHDB while clients on other connections
(served by both of the server's threads) read and write: no crash, no lost or duplicated key
beyond what the commands mean, and SWAPDB is one instant for everyone (a multi-key read over
every shard sees the databases all before the swap or all after it).
"""
import os
import random
import threading
import unittest

import redis

from keel_harness import KeelServer, MODULE_DIR


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


class Workers:
    """Runs functions on threads and re-raises the first failure in the caller."""

    def __init__(self):
        self.threads, self.errors = [], []

    def start(self, fn, *args):
        def run():
            try:
                fn(*args)
            except BaseException as e:   # reported by join
                self.errors.append(e)
        t = threading.Thread(target=run)
        t.start()
        self.threads.append(t)

    def join(self):
        for t in self.threads:
            t.join(300)
            if t.is_alive():
                raise AssertionError("a worker did not finish")
        if self.errors:
            raise self.errors[0]


@unittest.skipUnless(have_module("strings"), "strings module not built")
class DatabasesUnderLoad(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def conn(self, db):
        return self.srv.client(db=db, single_connection_client=True, socket_timeout=120)

    def test_databases_swapdb_is_atomic_for_multi_key_reads_and_loses_no_write(self):
        keys = ["k%d" % i for i in range(200)]
        self.conn(0).mset({k: "A" for k in keys})
        self.conn(1).mset({k: "B" for k in keys})
        done = threading.Event()
        reads, incrs = [0], [0, 0, 0]
        swaps = 150

        def swapper():
            c = self.conn(0)
            for _ in range(swaps):
                self.assertIs(c.swapdb(0, 1), True)
            done.set()

        def reader(db):
            c = self.conn(db)
            while not done.is_set():
                got = set(c.mget(keys))
                self.assertEqual(len(got), 1, "a read saw both databases at once: %r" % got)
                self.assertIn(got.pop(), (b"A", b"B"))
                reads[0] += 1

        def writer(i):
            c = self.conn(0)
            while not done.is_set() or incrs[i] < 50:
                c.incr("counter")
                incrs[i] += 1

        w = Workers()
        w.start(swapper)
        for db in (0, 1, 0):
            w.start(reader, db)
        for i in range(3):
            w.start(writer, i)
        w.join()
        self.assertGreater(reads[0], 0)
        a, b = self.conn(0), self.conn(1)
        total = int(a.get("counter") or 0) + int(b.get("counter") or 0)
        self.assertEqual(total, sum(incrs), "every INCR landed in exactly one database")
        in_a, in_b = set(a.mget(keys)), set(b.mget(keys))
        self.assertEqual((len(in_a), len(in_b)), (1, 1), "each database stays whole")
        self.assertEqual(in_a | in_b, {b"A", b"B"})
        self.assertEqual(a.dbsize() + b.dbsize(), 2 * len(keys) + a.exists("counter") + b.exists("counter"))

    def test_databases_move_and_swapdb_never_lose_or_duplicate_keys(self):
        keys = ["m%d" % i for i in range(300)]
        self.conn(2).mset({k: "v" + k for k in keys})
        rounds = 400

        def mover(seed):
            rng = random.Random(seed)
            c2, c3 = self.conn(2), self.conn(3)
            for _ in range(rounds):
                k = rng.choice(keys)
                if rng.random() < 0.5:
                    c2.move(k, 3)
                else:
                    c3.move(k, 2)

        def swapper():
            c = self.conn(0)
            for _ in range(60):
                c.swapdb(2, 3)

        w = Workers()
        for seed in range(3):
            w.start(mover, seed)
        w.start(swapper)
        w.join()
        c2, c3 = self.conn(2), self.conn(3)
        in2, in3 = set(c2.keys("*")), set(c3.keys("*"))
        self.assertEqual(in2 & in3, set(), "a key in both databases")
        self.assertEqual(in2 | in3, {k.encode() for k in keys}, "a key lost")
        for k in keys:
            self.assertEqual((c2.get(k) or c3.get(k)), ("v" + k).encode())
        self.assertEqual(c2.dbsize() + c3.dbsize(), len(keys))

    def test_databases_flushdb_under_writes_leaves_other_databases_alone(self):
        keep = {"keep%d" % i: i for i in range(500)}
        self.conn(5).mset(keep)
        done = threading.Event()
        writes = [0]

        def flusher():
            c = self.conn(4)
            for _ in range(100):
                self.assertIs(c.flushdb(), True)
            done.set()

        def writer(db, prefix):
            c = self.conn(db)
            i = 0
            while not done.is_set():
                c.set("%s%d" % (prefix, i % 1000), i)
                i += 1
            writes[0] += i

        def reader():
            c = self.conn(5)
            while not done.is_set():
                self.assertEqual(c.dbsize(), len(keep))
                self.assertEqual(c.get("keep7"), b"7")

        w = Workers()
        w.start(flusher)
        w.start(writer, 4, "w")
        w.start(writer, 4, "x")
        w.start(reader)
        w.join()
        self.assertGreater(writes[0], 0)
        self.assertEqual(self.conn(5).dbsize(), len(keep))
        self.assertLessEqual(self.conn(4).dbsize(), 2000)
        self.assertIs(self.r.flushdb(), True)
        self.assertIs(self.conn(4).flushdb(), True)
        self.assertEqual(self.conn(4).dbsize(), 0)
        self.assertEqual(self.conn(5).dbsize(), len(keep))


if __name__ == "__main__":
    unittest.main()
