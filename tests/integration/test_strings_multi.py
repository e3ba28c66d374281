"""test_strings_multi.py -- strings.so across shards and clients: MGET/MSET/MSETNX/DEL over 1000
keys on both threads, MSET and MSETNX atomicity under concurrent clients, 10,000 pipelined mixed
commands checked one by one against a model, and many clients INCRementing one key.
"""
import random
import threading
import time
import unittest

from keel_harness import KeelServer


def run_threads(targets):
    """Runs the callables in threads; re-raises the first exception one of them raised."""
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:   # noqa: B902 -- reported to the test thread
                errors.append(e)
        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]


def canonical_int(b):
    """True when b is how Redis writes an integer (what INCR accepts)."""
    return b.lstrip(b"-").isdigit() and str(int(b)).encode() == b


class MultiKey(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def test_strings_mset_mget_del_1000_keys_on_every_shard(self):
        r = self.r
        keys = ["key:%d" % i for i in range(1000)]
        pairs = {k: "value-%d" % i for i, k in enumerate(keys)}
        pairs["key:7"] = 7
        pairs["key:8"] = b"\x00\xff"
        self.assertTrue(r.mset(pairs))
        want = [str(pairs[k]).encode() if not isinstance(pairs[k], bytes) else pairs[k] for k in keys]
        self.assertEqual(r.mget(keys), want)
        self.assertEqual(r.mget(list(reversed(keys))), list(reversed(want)))
        self.assertEqual(r.dbsize(), 1000)
        explain = b"\n".join(r.execute_command("DEBUG", "ZVM", "EXPLAIN", "MGET", *keys))
        self.assertIn(b"thread 0", explain)
        self.assertIn(b"thread 1", explain)
        self.assertEqual(r.delete(*keys), 1000)
        self.assertEqual(r.mget(keys), [None] * 1000)
        self.assertEqual(r.dbsize(), 0)

    def test_strings_mget_mixed_and_repeated_keys(self):
        r = self.r
        r.mset({"a": "1", "b": "x"})
        self.assertEqual(r.mget("a", "nokey", "b", "a", "a"), [b"1", None, b"x", b"1", b"1"])

    def test_strings_msetnx_1000_keys(self):
        r = self.r
        keys = ["nx:%d" % i for i in range(1000)]
        r.set(keys[500], "taken")
        self.assertFalse(r.msetnx({k: "v" for k in keys}))
        self.assertEqual(r.exists(*keys), 1)
        r.delete(keys[500])
        self.assertTrue(r.msetnx({k: k for k in keys}))
        self.assertEqual(r.mget(keys), [k.encode() for k in keys])
        self.assertFalse(r.msetnx({"nx:new": "v", keys[999]: "v"}))
        self.assertEqual(r.exists("nx:new"), 0)

    def test_strings_mset_clears_ttl_and_last_pair_wins(self):
        r = self.r
        r.set("a", "1", ex=100)
        r.execute_command("MSET", "a", "2", "b", "3", "a", "4")
        self.assertEqual(r.get("a"), b"4")
        self.assertEqual(r.ttl("a"), -1)

    def test_strings_mset_is_atomic_for_readers(self):
        """A reader's MGET never sees some keys of an MSET and not the others."""
        keys = ["atom:%d" % i for i in range(200)]
        written = threading.Event()
        seen = set()

        def writer():   # a fixed number of MSETs, not a time: the readers read while they run
            try:
                c = self.srv.client()
                for i in range(1, 301):
                    c.mset({k: i for k in keys})
            finally:
                written.set()

        def reader():
            c = self.srv.client()
            while not written.is_set():
                values = c.mget(keys)
                self.assertEqual(len(set(values)), 1, "a partial MSET was visible")
                seen.add(values[0])

        self.r.mset({k: 0 for k in keys})
        run_threads([writer, reader, reader])
        self.assertGreater(len(seen), 2, "the readers never read between two MSETs")

    def test_strings_msetnx_is_all_or_nothing_under_races(self):
        """Two clients race MSETNX over the same keys: one wins whole, the other sets nothing."""
        for rnd in range(20):
            keys = ["race:%d:%d" % (rnd, i) for i in range(40)]
            results = {}

            def racer(name, order):
                c = self.srv.client()
                results[name] = c.msetnx({k: name for k in order})

            run_threads([lambda: racer("A", keys), lambda: racer("B", list(reversed(keys)))])
            self.assertEqual(sorted(results.values()), [False, True])
            winner = "A" if results["A"] else "B"
            self.assertEqual(self.r.mget(keys), [winner.encode()] * len(keys))

    def test_strings_pipeline_10000_mixed_commands(self):
        """10,000 pipelined single-key commands over keys of both threads, each reply checked.
        (Multi-key commands are left out: see test_strings_pipeline_multikey_order.)"""
        rng = random.Random(1234)
        model = {}
        pipe = self.r.pipeline(transaction=False)
        expected = []
        keys = ["p:%d" % i for i in range(60)]
        for n in range(10000):
            k = rng.choice(keys)
            op = rng.randrange(13)
            cur = model.get(k)
            is_int = cur is not None and canonical_int(cur)
            if op == 0:
                v = ("v%d" % n).encode()
                pipe.set(k, v)
                model[k] = v
                expected.append(True)
            elif op == 1:
                pipe.get(k)
                expected.append(cur)
            elif op == 2 and (cur is None or is_int):
                pipe.incrby(k, n % 7 - 3)
                model[k] = str((int(cur) if cur else 0) + n % 7 - 3).encode()
                expected.append(int(model[k]))
            elif op == 3:
                pipe.append(k, "ab")
                model[k] = (cur or b"") + b"ab"
                expected.append(len(model[k]))
            elif op == 4:
                pipe.strlen(k)
                expected.append(len(cur or b""))
            elif op == 5:
                pipe.delete(k)
                expected.append(1 if k in model else 0)
                model.pop(k, None)
            elif op == 6:
                pipe.set(k, n)
                model[k] = str(n).encode()
                expected.append(True)
            elif op == 7:
                pipe.exists(k)
                expected.append(int(cur is not None))
            elif op == 8:
                pipe.setnx(k, "nx")
                expected.append(cur is None)
                model.setdefault(k, b"nx")
            elif op == 9:
                pipe.getset(k, "gs")
                expected.append(cur)
                model[k] = b"gs"
            elif op == 10:
                pipe.getrange(k, 1, 3)
                expected.append((cur or b"")[1:4])
            elif op == 11:
                pipe.getdel(k)
                expected.append(cur)
                model.pop(k, None)
            else:
                pipe.execute_command("PREPEND", k, "z")
                model[k] = b"z" + (cur or b"")
                expected.append(len(model[k]))
        results = pipe.execute()
        self.assertEqual(len(results), len(expected))
        for i, (got, want) in enumerate(zip(results, expected)):
            self.assertEqual(got, want, "command %d" % i)
        self.assertEqual(self.r.mget(keys), [model.get(k) for k in keys])

    def keys_on_two_threads(self):
        """Two keys, the first on a lower shard of thread A, the second on thread B."""
        where = {}
        for i in range(64):
            k = "o:%d" % i
            line = [x for x in self.r.execute_command("DEBUG", "ZVM", "EXPLAIN", "GET", k) if x.startswith(b"key ")][0]
            words = line.decode().split()
            where[k] = (int(words[words.index("shard") + 1]), int(words[words.index("thread") + 1]))
        for a in where:
            for b in where:
                if where[a][0] < where[b][0] and where[a][1] != where[b][1]:
                    return a, b
        self.skipTest("no two keys on different threads")

    def test_strings_pipeline_multikey_order(self):
        """A connection's pipelined commands run in order even when one of them spans shards of
        several threads: a later single-key command on the second thread must not run before the
        multi-shard command has reached that key."""
        x, y = self.keys_on_two_threads()
        for i in range(200):
            p = self.r.pipeline(transaction=False)
            p.mset({x: i, y: i})
            p.get(y)
            p.mget(x, y)
            p.set(y, "after")
            self.assertEqual(p.execute(), [True, str(i).encode(), [str(i).encode()] * 2, True])

    def test_strings_concurrent_incr_exact_total(self):
        def worker(by):
            def run():
                c = self.srv.client()
                for _ in range(500):
                    if by == 1:
                        c.incr("counter")
                    else:
                        c.incrby("counter", by)
            return run

        run_threads([worker(1) for _ in range(6)] + [worker(3), worker(-2)])
        self.assertEqual(int(self.r.get("counter")), 500 * (6 + 3 - 2))

    def test_strings_concurrent_incr_on_keys_of_both_threads(self):
        keys = ["c:%d" % i for i in range(8)]

        def worker():
            c = self.srv.client()
            p = c.pipeline(transaction=False)
            for _ in range(300):
                for k in keys:
                    p.incr(k)
            p.execute()

        run_threads([worker for _ in range(8)])
        self.assertEqual(self.r.mget(keys), [b"2400"] * len(keys))


if __name__ == "__main__":
    unittest.main()
