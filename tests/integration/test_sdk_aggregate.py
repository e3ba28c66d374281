"""test_sdk_aggregate.py -- the SDK's aggregator and coprocessor examples over a real socket:
AGG.* walks every key matching a pattern on every shard (keel_walk_*) and must agree with what a
client computes with SCAN + MGET, count each key once while other clients write and delete,
stay inside the client's namespace and yield on big inputs; HFILTER filters a hash next to the
data.  Both answer bad input with errors and run on a read-only network."""
import os
import shutil
import tempfile
import threading
import unittest

import redis
from keel_harness import KeelConfigServer, KeelServer, MODULE_DIR

BUILD = os.environ.get("KEEL_BUILDDIR", ".")
MODULES = ("resp", "strings", "maps")


def module_dir_with_examples():
    d = tempfile.mkdtemp(prefix="keel-agg-modules-")
    for name in MODULES:
        os.symlink(os.path.join(MODULE_DIR, name + ".so"), os.path.join(d, name + ".so"))
    for name in ("aggregate", "hfilter"):
        os.symlink(os.path.abspath(os.path.join(BUILD, "sdk/examples/.libs/%s.so" % name)),
                   os.path.join(d, name + ".so"))
    return d


def client_numbers(r, pattern):
    """What a client sees: SCAN MATCH pattern, then MGET, keeping the values that are numbers."""
    keys = list(r.scan_iter(match=pattern, count=500))
    out = {}
    for i in range(0, len(keys), 500):
        part = keys[i:i + 500]
        for k, v in zip(part, r.mget(part)):
            if v is None:
                continue
            try:
                out[k] = float(v)
            except ValueError:
                pass
    return out


class AggregateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = module_dir_with_examples()
        cls.srv = KeelServer("--module-dir", cls.dir, threads=2).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.dir)

    def setUp(self):
        self.r.flushall()

    def info(self, section):
        return self.r.info(section)

    def test_aggregates_match_scan_and_mget(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(3000):
            pipe.set("n:%d" % i, i * 7 - 5000)
        for i in range(50):
            pipe.set("n:f%d" % i, "%d.25" % i)
        pipe.set("n:text", "not a number")
        pipe.set("other:1", 1000000)
        pipe.execute()
        expected = client_numbers(self.r, "n:*")
        self.assertEqual(len(expected), 3050)
        values = list(expected.values())
        self.assertAlmostEqual(float(self.r.execute_command("AGG.SUM", "n:*")), sum(values), places=3)
        self.assertEqual(float(self.r.execute_command("AGG.MIN", "n:*")), min(values))
        self.assertEqual(float(self.r.execute_command("AGG.MAX", "n:*")), max(values))
        self.assertAlmostEqual(float(self.r.execute_command("AGG.AVG", "n:*")), sum(values) / len(values), places=6)
        self.assertEqual(self.r.execute_command("AGG.COUNT", "n:*"), 3050)
        # integers only: an exact integer sum
        ints = client_numbers(self.r, "n:[0-9]*")
        self.assertEqual(self.r.execute_command("AGG.SUM", "n:[0-9]*"), int(sum(ints.values())))
        self.assertEqual(self.r.execute_command("AGG.COUNT", "*"), 3051)
        # the walk's patterns are SCAN's (a literal prefix then '*' takes a shortcut)
        self.r.set("n:*x", 3)
        for pattern in ("n:1*", "n:?5*", "n:[12]*", "n:\\*x*", "*:1", "n:1", "n:", "", "n:12*5"):
            self.assertEqual(self.r.execute_command("AGG.COUNT", pattern), len(client_numbers(self.r, pattern)),
                             pattern)
        self.r.delete("n:*x")
        # no match: sum 0, count 0, the others nil
        self.assertEqual(self.r.execute_command("AGG.SUM", "nothing:*"), 0)
        self.assertEqual(self.r.execute_command("AGG.COUNT", "nothing:*"), 0)
        self.assertIsNone(self.r.execute_command("AGG.MIN", "nothing:*"))
        self.assertIsNone(self.r.execute_command("AGG.AVG", "nothing:*"))

    def test_big_integers_stay_exact(self):
        big = 2 ** 53 + 1   # not a double
        self.r.mset({"b:1": big, "b:2": -big, "b:3": 4})
        self.assertEqual(self.r.execute_command("AGG.MAX", "b:*"), big)
        self.assertEqual(self.r.execute_command("AGG.MIN", "b:*"), -big)
        self.assertEqual(self.r.execute_command("AGG.SUM", "b:*"), 4)
        self.r.mset({"o:1": 2 ** 62, "o:2": 2 ** 62, "o:3": 2 ** 62})   # the sum passes int64
        self.assertEqual(float(self.r.execute_command("AGG.SUM", "o:*")), 3.0 * 2 ** 62)
        self.assertEqual(self.r.execute_command("AGG.MAX", "o:*"), 2 ** 62)

    def test_inside_multi_exec(self):
        self.r.mset({"t:%d" % i: i for i in range(100)})
        pipe = self.r.pipeline(transaction=True)
        pipe.execute_command("AGG.SUM", "t:*")
        pipe.set("t:100", 100)
        pipe.execute_command("AGG.SUM", "t:*")
        self.assertEqual(pipe.execute(), [4950, True, 5050])

    def test_groupby_matches_the_client(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(2000):
            pipe.set("city%d:%d" % (i % 7, i), i % 100)
        pipe.set("loose", 5)
        pipe.execute()
        numbers = client_numbers(self.r, "*")
        groups = {}
        for k, v in numbers.items():
            groups.setdefault(k.split(b":")[0], []).append(v)
        reply = self.r.execute_command("AGG.GROUPBY", "SUM", "*", ":")
        got = dict(zip(reply[::2], reply[1::2])) if isinstance(reply, list) else reply
        self.assertEqual(set(got), set(groups))
        for g, vs in groups.items():
            self.assertEqual(got[g], int(sum(vs)))
        self.assertEqual(list(got), sorted(got), "groups come in byte order")
        counts = self.r.execute_command("AGG.GROUPBY", "count", "city*", ":")
        counts = dict(zip(counts[::2], counts[1::2])) if isinstance(counts, list) else counts
        self.assertEqual(counts, {g: len(vs) for g, vs in groups.items() if g.startswith(b"city")})

    def test_each_key_counted_once_under_concurrent_writes_and_deletes(self):
        # a few stable keys of value 1, and many keys of value 0 made and deleted meanwhile: the
        # tables grow to 64 times the stable keys and shrink back under the walks (a shrink
        # between two slices shows some keys again), yet every sum is exactly the stable count
        stable, churn_keys = 500, 32000
        pipe = self.r.pipeline(transaction=False)
        for i in range(stable):
            pipe.set("st:%d" % i, 1)
        pipe.execute()
        stop = threading.Event()
        churned = [0]

        def churn():
            w = self.srv.client()
            while not stop.is_set():
                p = w.pipeline(transaction=False)
                for i in range(churn_keys):
                    p.set("st:c:%d" % i, 0)
                p.execute()
                p = w.pipeline(transaction=False)
                for i in range(0, churn_keys, 1000):
                    p.delete(*["st:c:%d" % j for j in range(i, i + 1000)])
                p.execute()
                churned[0] += 1

        t = threading.Thread(target=churn)
        yields_before = int(self.info("aggregate")["aggregate_yields"])
        t.start()
        try:
            runs = 0
            while runs < 30 or churned[0] < 3:
                self.assertEqual(self.r.execute_command("AGG.SUM", "st:*"), stable)
                count = self.r.execute_command("AGG.COUNT", "st:*")
                self.assertGreaterEqual(count, stable)
                self.assertLessEqual(count, stable + churn_keys)
                runs += 1
        finally:
            stop.set()
            t.join()
        self.assertGreater(int(self.info("aggregate")["aggregate_yields"]), yields_before + runs)
        self.assertEqual(self.r.execute_command("AGG.SUM", "st:*"), stable)

    def test_walk_stays_in_the_clients_namespace(self):
        self.r.set("v:1", 100)
        c = self.srv.client()
        c.execute_command("NS", "tenant")
        pipe = c.pipeline(transaction=False)
        for i in range(500):
            pipe.set("v:%d" % i, 2)
        pipe.execute()
        self.assertEqual(c.execute_command("AGG.SUM", "v:*"), 1000)
        self.assertEqual(c.execute_command("AGG.COUNT", "*"), 500)
        self.assertEqual(self.r.execute_command("AGG.SUM", "v:*"), 100, "the top level sees its own key only")

    def test_big_inputs_yield(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(20000):
            pipe.set("y:%d" % i, 1)
        pipe.execute()
        before = int(self.info("aggregate")["aggregate_yields"])
        self.assertEqual(self.r.execute_command("AGG.SUM", "y:*"), 20000)
        self.assertGreater(int(self.info("aggregate")["aggregate_yields"]), before)
        self.r.hset("h", mapping={"f%d" % i: i for i in range(20000)})
        before = int(self.info("hfilter")["hfilter_yields"])
        got = self.r.execute_command("HFILTER", "h", "GE", 19990)
        got = dict(zip(got[::2], got[1::2])) if isinstance(got, list) else got
        self.assertEqual(got, {b"f%d" % i: b"%d" % i for i in range(19990, 20000)})
        self.assertGreater(int(self.info("hfilter")["hfilter_yields"]), before)

    def test_hfilter_matches_the_client(self):
        fields = {"a": 5, "b": -3, "c": "2.5", "d": "text", "e": 10, "f": 5}
        self.r.hset("m", mapping=fields)

        def hfilter(op, n):
            got = self.r.execute_command("HFILTER", "m", op, n)
            return dict(zip(got[::2], got[1::2])) if isinstance(got, list) else got

        nums = {k.encode(): float(v) for k, v in fields.items() if k != "d"}
        for op, fn in (("GT", lambda x: x > 5), ("GE", lambda x: x >= 5), ("LT", lambda x: x < 5),
                       ("LE", lambda x: x <= 5), ("EQ", lambda x: x == 5), ("NE", lambda x: x != 5)):
            want = {k: str(fields[k.decode()]).encode() for k, v in nums.items() if fn(v)}
            self.assertEqual(hfilter(op, 5), want, op)
        self.assertEqual(hfilter("lt", "2.6"), {b"b": b"-3", b"c": b"2.5"})
        self.assertEqual(hfilter("GT", 0), hfilter("gt", "0.0"))
        self.assertEqual(self.r.execute_command("HFILTER", "missing", "GT", 1), [])

    def test_bad_input(self):
        self.r.set("s", "x")
        self.r.hset("m", "f", 1)
        bad = [
            (("AGG.SUM",), "wrong number of arguments"),
            (("AGG.SUM", "a", "b"), "wrong number of arguments"),
            (("AGG.GROUPBY", "MEDIAN", "*", ":"), "unknown aggregate"),
            (("AGG.GROUPBY", "SUM", "*", ""), "separator"),
            (("AGG.GROUPBY", "SUM", "*"), "wrong number of arguments"),
            (("HFILTER", "m", "BETWEEN", "1"), "unknown comparison"),
            (("HFILTER", "m", "GT", "abc"), "not a valid float"),
            (("HFILTER", "m", "GT", "nan"), "not a valid float"),
            (("HFILTER", "s", "GT", "1"), "WRONGTYPE"),
            (("HFILTER", "m", "GT"), "wrong number of arguments"),
        ]
        for args, msg in bad:
            with self.assertRaisesRegex(redis.ResponseError, msg, msg=repr(args)):
                self.r.execute_command(*args)
        # hostile patterns are only patterns
        for pattern in ("[", "\\", "*" * 300, "[^-]", "a\r\nb"):
            self.assertEqual(self.r.execute_command("AGG.COUNT", pattern), 0)
        self.assertTrue(self.r.ping())


class AggregateReadOnlyNetworkTest(unittest.TestCase):
    def test_read_only_network_runs_them_and_refuses_writes(self):
        d = module_dir_with_examples()
        try:
            config = {"modules": list(MODULES) + ["aggregate", "hfilter"],
                      "networks": [{"name": "rw", "host": "127.0.0.1", "port": 0, "protocol": "resp",
                                    "permissions": ["read", "write"]},
                                   {"name": "ro", "host": "127.0.0.1", "port": 0, "protocol": "resp",
                                    "permissions": ["read"]}]}
            with KeelConfigServer(config, "--module-dir", d) as srv:
                rw, ro = srv.client("rw"), srv.client("ro")
                rw.mset({"k:%d" % i: i for i in range(100)})
                rw.hset("h", mapping={"a": 1, "b": 2})
                self.assertEqual(ro.execute_command("AGG.SUM", "k:*"), sum(range(100)))
                self.assertEqual(ro.execute_command("HFILTER", "h", "GT", 1), [b"b", b"2"])
                with self.assertRaises(redis.ResponseError):
                    ro.set("k:1", 5)
                self.assertEqual(ro.execute_command("AGG.MAX", "k:*"), 99)
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
