"""test_hll.py -- hll.so through python3-redis and redis-cli on a real keel-server with 2 threads:
PFADD/PFCOUNT/PFMERGE and their HLL* aliases, PFMERGE's reply and HLL.MERGEREPLY, errors (wrong
arity, WRONGTYPE in both of Redis's wordings), TYPE hll / GET / DEL / EXPIRE / TTL / RENAME across
threads / SCAN ... TYPE hll / INFO keyspace, a PFADD of a million elements that never stalls other
clients, and crossing PFMERGEs between keys on both threads.
"""
import socket
import threading
import unittest


from keel_harness import KeelServer, served_meanwhile
from test_sets import error_of, keys_on_threads, thread_of
from test_sets_big import resp

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."


class HllCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=["resp", "strings", "sets", "hll"]).start()
        cls.r = cls.srv.client()
        cls.raw = cls.srv.client()
        cls.raw.response_callbacks = {}   # redis-py reads PFMERGE's reply as OK-or-not
        cls.a0, cls.b1, cls.c0, cls.d1 = keys_on_threads(cls.r, "h")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()
        self.r.execute_command("HLL.MERGEREPLY", "COUNT")

    def cli(self, *args):
        return self.srv.cli(*args).rstrip("\n").splitlines()

    def test_hll_pfadd_pfcount_and_aliases(self):
        r = self.r
        self.assertEqual(r.pfadd("h", "a", "b", "c"), 1)
        self.assertEqual(r.pfadd("h", "a", "b"), 0)
        self.assertEqual(r.pfcount("h"), 3)
        self.assertEqual(r.execute_command("HLLADD", "h", "d"), 1)
        self.assertEqual(r.execute_command("HLLCOUNT", "h"), 4)
        self.assertEqual(r.pfcount("nokey"), 0)
        self.assertEqual(r.execute_command("PFADD", "empty"), 1)
        self.assertEqual(r.execute_command("PFADD", "empty"), 0)
        self.assertEqual(r.pfcount("empty"), 0)
        self.assertEqual(r.pfadd("bin", b"\x00\xff", b"", "1", 1), 1)
        self.assertEqual(r.pfcount("bin"), 3)
        self.assertEqual(self.cli("PFADD", "c", "x", "y"), ["1"])
        self.assertEqual(self.cli("PFCOUNT", "c"), ["2"])
        self.assertEqual(self.cli("HLLCOUNT", "c", "h"), ["6"])
        self.assertEqual(r.get("h"), 4)                     # GET shows the count (Redis: the bytes)
        self.assertEqual(self.cli("GET", "c"), ["2"])

    def test_hll_merge_replies_the_count_or_ok(self):
        r, a, b, d = self.r, self.a0, self.b1, self.d1
        r.pfadd(a, *range(100))
        r.pfadd(b, *range(50, 200))
        union = r.pfcount(a, b)
        self.assertTrue(195 <= union <= 205)
        self.assertEqual(self.raw.execute_command("PFMERGE", d, a, b), union)
        self.assertEqual(r.pfcount(d), union)
        self.assertEqual(self.raw.execute_command("HLLMERGE", d), union)   # the destination is a source too
        self.assertEqual(self.cli("PFMERGE", "fresh"), ["0"])
        self.assertEqual(r.execute_command("HLL.MERGEREPLY"), b"count")
        self.assertEqual(r.execute_command("HLL.MERGEREPLY", "OK"), b"OK")
        self.assertEqual(r.execute_command("HLL.MERGEREPLY"), b"ok")
        self.assertTrue(r.pfmerge(d, a, b))        # redis-py's pfmerge() is True only for OK
        # redis-cli is another connection: it starts with Keel's default reply, the count
        self.assertEqual(self.cli("PFMERGE", d, a), [str(union)])
        self.assertEqual(r.execute_command("HLL.MERGEREPLY", "count"), b"OK")
        self.assertEqual(error_of(r, "HLL.MERGEREPLY", "maybe"), "syntax error: HLL.MERGEREPLY [COUNT | OK]")

    def test_hll_merge_reply_is_per_connection_and_per_network(self):
        from keel_harness import KeelConfigServer
        conf = {"modules": ["resp", "strings", "hll"], "threads": 2, "networks": [
            {"name": "redisish", "host": "127.0.0.1", "port": 0, "options": {"hll.merge_reply": "ok"}},
            {"name": "keelish", "host": "127.0.0.1", "port": 0, "dialect": "keel"},
            {"name": "plain", "host": "127.0.0.1", "port": 0}]}
        with KeelConfigServer(conf) as srv:
            r, k = srv.client("redisish"), srv.client("keelish")
            one = srv.client("redisish", single_connection_client=True)
            for c in (r, k, one):   # raw replies: redis-py would turn PFMERGE's into True/False
                c.response_callbacks.pop("PFMERGE", None)
            r.pfadd("a", "x", "y")
            self.assertEqual(r.execute_command("PFMERGE", "m", "a"), b"OK")   # the network's choice
            self.assertEqual(k.execute_command("PFMERGE", "m", "a"), 2)
            self.assertEqual(one.execute_command("HLL.MERGEREPLY", "COUNT"), b"OK")
            self.assertEqual(one.execute_command("PFMERGE", "m", "a"), 2)     # this connection only
            self.assertEqual(r.execute_command("PFMERGE", "m", "a"), b"OK")
            p = srv.client("plain")   # no option, the default dialect: Redis's OK
            p.response_callbacks.pop("PFMERGE", None)
            self.assertEqual(p.execute_command("PFMERGE", "m", "a"), b"OK")
            self.assertEqual(p.execute_command("DIALECT"), b"redis")
            self.assertEqual(k.execute_command("DIALECT"), b"keel")

    def test_hll_every_command_through_redis_cli(self):
        a, b = self.a0, self.b1
        script = [
            (["PFADD", a, "x", "y"], ["1"]), (["HLLADD", b, "y", "z"], ["1"]), (["PFCOUNT", a], ["2"]),
            (["HLLCOUNT", a, b], ["3"]), (["PFMERGE", "m", a, b], ["3"]), (["HLLMERGE", "m", a], ["3"]),
            (["HLL.MERGEREPLY"], ["count"]), (["HLL.MERGEREPLY", "OK"], ["OK"]),
            (["PFMERGE", "m"], ["3"]),   # each redis-cli run is a new connection: the count again
            (["TYPE", "m"], ["hll"]),
            (["PFADD"], ["ERR wrong number of arguments for 'pfadd' command"]),
            (["HLLMERGE"], ["ERR wrong number of arguments for 'hllmerge' command"]),
        ]
        for args, want in script:
            self.assertEqual(self.cli(*args), want, args)

    def test_hll_errors(self):
        r = self.r
        r.set("str", "not an hll")
        r.sadd("set", "a")
        for args in (["PFADD", "str", "a"], ["PFCOUNT", "str"], ["PFCOUNT", "nokey", "str"], ["PFMERGE", "str"],
                     ["PFMERGE", "d", "str"], ["HLLADD", "str"]):
            self.assertEqual(error_of(r, *args), NOT_HLL, args)
        for args in (["PFADD", "set", "a"], ["PFCOUNT", "set"], ["PFMERGE", "d", "set"], ["PFCOUNT", "set", "str"]):
            self.assertEqual(error_of(r, *args), WRONGTYPE, args)
        self.assertEqual(error_of(r, "PFCOUNT", "str", "set"), NOT_HLL)   # the first bad key, as Redis
        self.assertEqual(r.exists("d"), 0)
        for cmd in ("PFADD", "PFCOUNT", "PFMERGE", "HLLADD", "HLLCOUNT", "HLLMERGE"):
            self.assertEqual(error_of(r, cmd), "wrong number of arguments for '%s' command" % cmd.lower())
        self.assertIn("Key is not a valid HyperLogLog string value", self.srv.cli("PFADD", "str", "a"))

    def test_hll_generic_key_commands_across_threads(self):
        r, a, b = self.r, self.a0, self.b1
        self.assertEqual(thread_of(r, a), 0)
        self.assertEqual(thread_of(r, b), 1)
        r.pfadd(a, *range(1000))
        n = r.pfcount(a)
        self.assertEqual(r.type(a), b"hll")      # Redis: "string"
        self.assertEqual(self.cli("TYPE", a), ["hll"])
        self.assertTrue(r.expire(a, 100))
        r.rename(a, b)
        self.assertEqual(r.pfcount(b), n)
        self.assertTrue(95 <= r.ttl(b) <= 100)
        self.assertEqual(r.exists(a), 0)
        for i in range(20):
            r.pfadd("hll:%d" % i, "x")
            r.set("str:%d" % i, "v")
        self.assertEqual(sorted(r.scan_iter(_type="hll")), sorted([b.encode()] + [b"hll:%d" % i for i in range(20)]))
        self.assertEqual(r.info("keyspace")["db0"]["keys"], 41)
        self.assertEqual(r.info("keyspace")["db0"]["expires"], 1)
        self.assertEqual(r.delete(b, "hll:0"), 2)
        self.assertEqual(r.type(b), b"none")

    def test_hll_pfadd_of_a_million_elements_never_stalls_other_clients(self):
        r = self.r
        r.set(self.c0, "v0")
        r.set(self.d1, "v1")
        payload = resp(b"PFADD", self.a0, *[b"e%d" % i for i in range(1000000)])
        y0 = int(r.info("stats")["zvm_yields"])

        def job():
            with socket.create_connection(("127.0.0.1", self.srv.port), timeout=120) as s:
                s.sendall(payload)
                return s.recv(100)

        def probe():
            self.assertTrue(pinger.ping())
            self.assertEqual(pinger.get(self.c0), b"v0")
            self.assertEqual(pinger.get(self.d1), b"v1")

        pinger = self.srv.client()
        pinger.ping()
        replies, served = served_meanwhile(job, probe, want=2)
        self.assertEqual(replies, [b":1\r\n"] + [b":0\r\n"] * (len(replies) - 1))   # only the first one changed it
        self.assertGreater(int(r.info("stats")["zvm_yields"]) - y0, 20)
        n = r.pfcount(self.a0)
        self.assertTrue(990000 <= n <= 1010000, n)

    def test_hll_crossing_merges_and_adds_finish_consistent(self):
        r = self.r
        keys = keys_on_threads(r, "x", 2)
        errors = []

        def worker(seed):
            c = self.srv.client()
            try:
                for i in range(100):
                    src = keys[(seed + i) % 4]
                    c.pfadd(src, "w%d-%d" % (seed, i))
                    c.execute_command("PFMERGE", keys[(seed + i + 1) % 4], keys[(seed + i + 2) % 4], src)
                    c.pfcount(*keys)
            except Exception as e:   # noqa: B902 -- reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertFalse(any(t.is_alive() for t in threads), "a client hung")
        self.assertEqual(errors, [])
        union = r.pfcount(*keys)
        self.assertEqual(self.raw.execute_command("PFMERGE", keys[0], *keys[1:]), union)
        self.assertEqual(r.pfcount(keys[0]), union)
        self.assertTrue(790 <= union <= 810, union)


if __name__ == "__main__":
    unittest.main()
