"""test_databases.py -- numbered databases on a real keel-server with 2 threads, through real
clients: redis.Redis(db=N), redis.from_url(".../N"), redis-cli -n N.  SELECT, DBSIZE, KEYS, SCAN,
RANDOMKEY, EXISTS, TYPE, TTL, FLUSHDB, FLUSHALL, MOVE, SWAPDB, COPY (every type), INFO keyspace,
STATS, MEMORY USAGE, CLIENT LIST/INFO, expiry in every database, namespaces inside a database,
and every error path.
"""
import json
import os
import re
import threading
import time
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


def wait_for(cond, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def placement(r, keys):
    """{key: thread} as DEBUG ZVM EXPLAIN reports them."""
    out = {}
    for line in r.execute_command("DEBUG", "ZVM", "EXPLAIN", "EXISTS", *keys):
        m = re.match(rb'^key argv\[(\d+)\]=".*" hash [0-9a-f]+ shard (\d+) thread (\d+)$', line)
        if m:
            out[keys[int(m.group(1)) - 1]] = int(m.group(3))
    return out


MODULES = ["resp", "strings"] + [m for m in ("lists", "sets", "hll", "maps") if have_module(m)]


@unittest.skipUnless(have_module("strings"), "strings module not built")
class Databases(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=MODULES).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def db(self, n):
        return self.srv.client(db=n)

    def need(self, module):
        if not have_module(module):
            self.skipTest(module + " module not built")

    # ---- selecting a database ----

    def test_databases_are_separate_keyspaces_for_every_client_kind(self):
        self.r.set("k", "zero")
        self.db(3).set("k", "three")
        url = redis.from_url("redis://127.0.0.1:%d/5" % self.srv.port)
        url.set("k", "five")
        self.assertEqual(self.r.get("k"), b"zero")
        self.assertEqual(self.db(3).get("k"), b"three")
        self.assertEqual(url.get("k"), b"five")
        self.assertEqual(self.srv.cli("-n", "3", "GET", "k").strip(), "three")
        self.assertEqual(self.srv.cli("-n", "5", "SET", "other", "x").strip(), "OK")
        self.assertIsNone(self.r.get("other"))
        self.assertEqual(url.get("other"), b"x")
        self.assertIsNone(self.db(4).get("k"))

    def test_databases_select_applies_to_the_requests_after_it_in_a_pipeline(self):
        c = self.srv.client(single_connection_client=True)
        p = c.pipeline(transaction=False)
        p.set("k", "0").execute_command("SELECT", "2").set("k", "2").get("k")
        p.execute_command("SELECT", "0").get("k").execute_command("SELECT", "99").get("k")
        out = p.execute(raise_on_error=False)
        self.assertEqual(out[:6], [True, True, True, b"2", True, b"0"])
        self.assertIsInstance(out[6], redis.ResponseError)
        self.assertEqual(out[7], b"0", "a refused SELECT leaves the database as it was")
        self.assertEqual(self.db(2).get("k"), b"2")

    def test_databases_select_errors(self):
        c = self.srv.client(single_connection_client=True)
        for arg, msg in [("16", "DB index is out of range"), ("-1", "DB index is out of range"),
                         ("x", "value is not an integer or out of range"),
                         ("1.0", "value is not an integer or out of range"),
                         ("01", "value is not an integer or out of range"),
                         ("", "value is not an integer or out of range"),
                         ("2147483648", "value is out of range, value must between -2147483648 and 2147483647")]:
            self.assertEqual(error_of(c, "SELECT", arg), msg, arg)
        self.assertEqual(error_of(c, "SELECT", "1", "2"), "wrong number of arguments for 'select' command")
        self.assertIs(c.ping(), True)

    def test_databases_config_get_and_client_list_show_the_database(self):
        self.assertEqual(self.r.config_get("databases"), {"databases": "16"})
        c = self.srv.client(single_connection_client=True, db=7)
        info = dict(f.split("=", 1) for f in c.execute_command("CLIENT", "INFO").decode().split())
        self.assertEqual(info["db"], "7")
        self.assertIn("7", [e["db"] for e in self.r.client_list()])
        c.execute_command("SELECT", "2")
        self.assertIn(" db=2 ", c.execute_command("CLIENT", "INFO").decode())

    # ---- per-database listings ----

    def test_databases_dbsize_keys_scan_randomkey_are_per_database(self):
        d0, d4 = self.r, self.db(4)
        d0.mset({"a%d" % i: i for i in range(30)})
        d4.mset({"b%d" % i: i for i in range(70)})
        self.assertEqual(d0.dbsize(), 30)
        self.assertEqual(d4.dbsize(), 70)
        self.assertEqual(self.db(9).dbsize(), 0)
        self.assertEqual(set(d0.keys("*")), {b"a%d" % i for i in range(30)})
        self.assertEqual(set(d4.keys("b1*")), {b"b1"} | {b"b1%d" % i for i in range(10)})
        self.assertEqual(set(d4.scan_iter(count=7)), {b"b%d" % i for i in range(70)})
        self.assertEqual(set(d0.scan_iter(match="a2*")), {b"a2"} | {b"a2%d" % i for i in range(10)})
        for _ in range(30):
            self.assertTrue(d4.randomkey().startswith(b"b"))
            self.assertTrue(d0.randomkey().startswith(b"a"))
        self.assertIsNone(self.db(9).randomkey())
        self.assertEqual(self.db(9).keys("*"), [])
        self.assertEqual(list(self.db(9).scan_iter()), [])

    def test_databases_key_commands_are_per_database(self):
        d0, d2 = self.r, self.db(2)
        d2.set("k", "v", ex=1000)
        self.assertEqual(d0.exists("k"), 0)
        self.assertEqual(d2.exists("k"), 1)
        self.assertEqual(d0.type("k"), b"none")
        self.assertEqual(d2.type("k"), b"string")
        self.assertEqual(d0.ttl("k"), -2)
        self.assertTrue(990 < d2.ttl("k") <= 1000)
        d0.set("k", "zero")
        self.assertEqual(d2.delete("k"), 1)
        self.assertEqual(d0.get("k"), b"zero")
        d2.set("src", "x")
        d2.rename("src", "dst")
        self.assertEqual(d2.get("dst"), b"x")
        self.assertIsNone(d0.get("dst"))
        self.assertEqual(d2.persist("dst"), 0)

    def test_databases_info_keyspace_has_a_line_per_non_empty_database(self):
        self.r.set("a", 1)
        self.db(3).mset({"x": 1, "y": 2})
        self.db(3).expire("x", 1000)
        self.db(15).set("z", 1, px=500000)
        ks = self.r.info("keyspace")
        self.assertEqual(set(ks), {"db0", "db3", "db15"})
        self.assertEqual(ks["db0"], {"keys": 1, "expires": 0, "avg_ttl": 0})
        self.assertEqual((ks["db3"]["keys"], ks["db3"]["expires"]), (2, 1))
        self.assertEqual((ks["db15"]["keys"], ks["db15"]["expires"]), (1, 1))
        wait_for(lambda: all(self.r.info("keyspace")[d]["avg_ttl"] > 0 for d in ("db3", "db15")),
                 "the avg_ttl of db3 and db15 (published by each shard's tick)")
        ks = self.r.info("keyspace")
        self.assertTrue(900000 < ks["db3"]["avg_ttl"] <= 1000000, ks)
        self.assertTrue(400000 < ks["db15"]["avg_ttl"] <= 500000, ks)
        text = self.srv.cli("INFO", "keyspace")
        self.assertRegex(text, r"db3:keys=2,expires=1,avg_ttl=\d+")
        self.db(3).flushdb()
        self.assertEqual(set(self.r.info("keyspace")), {"db0", "db15"})

    def test_databases_stats_and_memory_usage(self):
        self.db(6).set("big", "x" * 1000)
        self.r.set("small", "y")
        stats = json.loads(self.r.execute_command("STATS", "keyspace"))
        ks = stats["keyspace"]
        self.assertEqual(ks["databases"], 16)
        self.assertEqual(ks["keys"], 2)
        self.assertEqual(set(ks["db"]), {"db0", "db6"})
        self.assertEqual(ks["db"]["db6"]["keys"], 1)
        self.assertGreater(self.db(6).memory_usage("big"), 1000)
        self.assertIsNone(self.r.memory_usage("big"))

    # ---- FLUSHDB and FLUSHALL ----

    def test_databases_flushdb_empties_only_the_selected_database(self):
        for n in (0, 1, 2):
            self.db(n).mset({"k%d" % i: i for i in range(50)})
        self.assertIs(self.db(1).flushdb(), True)
        self.assertEqual([self.db(n).dbsize() for n in (0, 1, 2)], [50, 0, 50])
        self.assertIs(self.db(2).flushdb(asynchronous=True), True)
        self.assertEqual(self.srv.cli("-n", "0", "FLUSHDB", "SYNC").strip(), "OK")
        self.assertEqual([self.db(n).dbsize() for n in (0, 1, 2)], [0, 0, 0])
        self.assertEqual(error_of(self.r, "FLUSHDB", "NOW"), "syntax error")
        self.assertEqual(error_of(self.r, "FLUSHDB", "ASYNC", "SYNC"), "syntax error")

    def test_databases_flushall_empties_every_database(self):
        for n in (0, 5, 15):
            self.db(n).mset({"k%d" % i: i for i in range(20)})
        self.assertIs(self.db(5).flushall(), True)
        self.assertEqual([self.db(n).dbsize() for n in (0, 5, 15)], [0, 0, 0])
        self.assertEqual(self.r.info("keyspace"), {})

    # ---- MOVE ----

    def test_databases_move_moves_a_key_with_its_ttl(self):
        self.r.set("k", "v", ex=1000)
        self.assertIs(self.r.move("k", 4), True)
        self.assertIsNone(self.r.get("k"))
        self.assertEqual(self.db(4).get("k"), b"v")
        self.assertTrue(990 < self.db(4).ttl("k") <= 1000)
        self.assertIs(self.r.move("k", 4), False, "missing in the source")
        self.r.set("k", "again")
        self.assertIs(self.r.move("k", 4), False, "present in the target")
        self.assertEqual(self.r.get("k"), b"again")
        self.assertEqual(self.db(4).get("k"), b"v")
        self.assertEqual(self.db(4).move("k", 0), 0)
        self.r.delete("k")
        self.assertEqual(self.db(4).move("k", 0), 1)
        self.assertEqual(self.r.get("k"), b"v")

    def test_databases_move_errors(self):
        self.r.set("k", "v")
        self.assertEqual(error_of(self.r, "MOVE", "k", "0"), "source and destination objects are the same")
        self.assertEqual(error_of(self.r, "MOVE", "k", "16"), "DB index is out of range")
        self.assertEqual(error_of(self.r, "MOVE", "k", "-1"), "DB index is out of range")
        self.assertEqual(error_of(self.r, "MOVE", "k", "x"), "value is not an integer or out of range")
        self.assertEqual(error_of(self.r, "MOVE", "k"), "wrong number of arguments for 'move' command")
        self.assertEqual(error_of(self.r, "MOVE", "k", "1", "2"), "wrong number of arguments for 'move' command")
        self.assertEqual(self.r.get("k"), b"v")

    def test_databases_move_every_type(self):
        self.need("lists")
        self.need("sets")
        self.need("hll")
        self.need("maps")
        self.r.rpush("l", *range(1000))
        self.r.sadd("s", *range(100))
        self.r.pfadd("h", *range(500))
        self.r.hset("m", mapping={"f%d" % i: i for i in range(50)})
        self.r.incrby("n", 42)
        for k in ("l", "s", "h", "m", "n"):
            self.assertIs(self.r.move(k, 9), True, k)
        d9 = self.db(9)
        self.assertEqual(self.r.dbsize(), 0)
        self.assertEqual(d9.lrange("l", 0, -1), [str(i).encode() for i in range(1000)])
        self.assertEqual(d9.scard("s"), 100)
        self.assertEqual(d9.pfcount("h"), self.pfcount_of(range(500)))
        self.assertEqual(d9.hget("m", "f7"), b"7")
        self.assertEqual(d9.hlen("m"), 50)
        self.assertEqual(d9.incr("n"), 43)

    def pfcount_of(self, items):
        self.db(13).delete("probe")
        self.db(13).pfadd("probe", *items)
        return self.db(13).pfcount("probe")

    def test_databases_move_inside_a_namespace_stays_in_it(self):
        self.need("maps")
        c = self.srv.client(single_connection_client=True)
        c.execute_command("NS", "tenant")
        c.set("k", "v")
        self.assertEqual(c.move("k", 3), 1)
        t3 = self.srv.client(single_connection_client=True, db=3)
        self.assertIsNone(t3.get("k"))
        t3.execute_command("NS", "tenant")
        self.assertEqual(t3.get("k"), b"v")
        self.assertEqual(self.db(3).keys("*"), [b"tenant"])

    def test_databases_move_wakes_a_client_blocked_in_the_target_database(self):
        self.need("lists")
        got = []
        waiter = threading.Thread(target=lambda: got.append(self.db(2).blpop("q", timeout=30)))
        waiter.start()
        wait_for(lambda: self.r.info("clients")["blocked_clients"] == 1, "the client to block")
        self.r.rpush("q", "job")
        self.assertIs(self.r.move("q", 2), True)
        waiter.join(40)
        self.assertEqual(got, [(b"q", b"job")])

    # ---- SWAPDB ----

    def test_databases_swapdb_swaps_data_not_connections(self):
        d1, d2 = self.db(1), self.db(2)
        d1.set("k", "one", ex=1000)
        d1.set("only1", "x")
        d2.set("k", "two")
        self.assertIs(self.r.swapdb(1, 2), True)
        self.assertEqual(d1.get("k"), b"two")
        self.assertEqual(d2.get("k"), b"one")
        self.assertEqual(d1.ttl("k"), -1)
        self.assertTrue(990 < d2.ttl("k") <= 1000)
        self.assertEqual(d2.get("only1"), b"x")
        self.assertEqual((d1.dbsize(), d2.dbsize()), (1, 2))
        ks = self.r.info("keyspace")
        self.assertEqual((ks["db1"]["keys"], ks["db2"]["keys"], ks["db2"]["expires"]), (1, 2, 1))
        self.assertIs(self.r.swapdb(2, 2), True)
        self.assertIs(self.r.swapdb(2, 14), True)
        self.assertEqual(self.db(14).get("k"), b"one")
        self.assertEqual(d2.dbsize(), 0)
        self.assertIsNone(d2.get("k"))

    def test_databases_swapdb_errors(self):
        for args, msg in [(("0", "16"), "DB index is out of range"), (("-1", "0"), "DB index is out of range"),
                          (("x", "0"), "invalid first DB index"), (("0", "x"), "invalid second DB index"),
                          (("99", "x"), "invalid second DB index"),
                          (("99999999999", "0"), "invalid first DB index")]:
            self.assertEqual(error_of(self.r, "SWAPDB", *args), msg, args)
        self.assertEqual(error_of(self.r, "SWAPDB", "0"), "wrong number of arguments for 'swapdb' command")

    def test_databases_swapdb_wakes_clients_blocked_on_the_new_data(self):
        self.need("lists")
        got = []
        waiter = threading.Thread(target=lambda: got.append(self.db(1).blpop("q", timeout=30)))
        waiter.start()
        wait_for(lambda: self.r.info("clients")["blocked_clients"] == 1, "the client to block")
        self.db(8).rpush("q", "from8")
        self.assertIs(self.r.swapdb(1, 8), True)
        waiter.join(40)
        self.assertEqual(got, [(b"q", b"from8")])

    def test_databases_swapdb_inside_a_namespace_swaps_only_it(self):
        self.need("maps")
        self.db(0).set("outside", "0")
        self.db(1).set("outside", "1")
        a = self.srv.client(single_connection_client=True)
        a.execute_command("NS", "t")
        a.set("k", "t0")
        a.execute_command("SELECT", "1")
        a.set("k", "t1")
        a.set("extra", "t1")
        self.assertEqual(a.swapdb(0, 1), True)
        self.assertEqual(a.get("k"), b"t0")
        self.assertIsNone(a.get("extra"))
        a.execute_command("SELECT", "0")
        self.assertEqual(a.get("k"), b"t1")
        self.assertEqual(a.get("extra"), b"t1")
        self.assertEqual(self.db(0).get("outside"), b"0")
        self.assertEqual(self.db(1).get("outside"), b"1")

    # ---- COPY ----

    def test_databases_copy_strings_with_ttl_replace_and_db(self):
        self.r.set("s", "v", ex=1000)
        self.assertIs(self.r.copy("s", "t"), True)
        self.assertEqual(self.r.get("t"), b"v")
        self.assertTrue(990 < self.r.ttl("t") <= 1000)
        self.assertIs(self.r.copy("s", "t"), False)
        self.r.set("s", "w")
        self.assertIs(self.r.copy("s", "t", replace=True), True)
        self.assertEqual(self.r.get("t"), b"w")
        self.assertEqual(self.r.ttl("t"), -1)
        self.assertIs(self.r.copy("s", "s", destination_db=5), True)
        self.assertEqual(self.db(5).get("s"), b"w")
        self.assertIs(self.r.copy("nokey", "t"), False)
        self.r.set("n", 10)
        self.r.copy("n", "m")
        self.assertEqual(self.r.incr("m"), 11)
        self.assertEqual(self.r.get("n"), b"10")

    def test_databases_copy_across_threads(self):
        keys = ["src"] + ["dst%d" % i for i in range(64)]
        where = placement(self.r, keys)
        dst = next(k for k in keys[1:] if where[k] != where["src"])
        self.r.set("src", "payload" * 100)
        self.assertIs(self.r.copy("src", dst, destination_db=3), True)
        self.assertEqual(self.db(3).get(dst), b"payload" * 100)

    def test_databases_copy_every_type_is_a_deep_copy(self):
        self.need("lists")
        self.need("sets")
        self.need("hll")
        self.need("maps")
        self.r.rpush("l", *range(1000))
        self.r.sadd("s", *range(300))
        self.r.pfadd("h", *range(500))
        self.r.hset("m", mapping={"f%d" % i: i for i in range(50)})
        self.r.expire("m", 1000)
        for k in ("l", "s", "h", "m"):
            self.assertIs(self.r.copy(k, k + "2"), True, k)
            self.assertIs(self.r.copy(k, k, destination_db=11), True, k)
        self.r.rpush("l", "more")
        self.r.sadd("s", "more")
        self.r.hset("m", "f0", "changed")
        self.assertEqual(self.r.llen("l2"), 1000)
        self.assertEqual(self.db(11).llen("l"), 1000)
        self.assertEqual(self.r.scard("s2"), 300)
        self.assertEqual(self.r.pfcount("h2"), self.r.pfcount("h"))
        self.assertEqual(self.r.hget("m2", "f0"), b"0")
        self.assertEqual(self.db(11).hget("m", "f0"), b"0")
        self.assertEqual(self.db(11).hlen("m"), 50)
        self.assertTrue(990 < self.db(11).ttl("m") <= 1000)
        self.assertEqual(self.r.type("m2"), b"hash")

    def test_databases_copy_a_nested_namespace_with_inner_ttls(self):
        self.need("maps")
        c = self.srv.client(single_connection_client=True)
        c.execute_command("NS", "tree", "inner")
        c.set("a", "1", ex=1000)
        c.set("b", "2")
        c.execute_command("NSRESET")
        self.assertIs(c.copy("tree", "copy", destination_db=2), True)
        d = self.srv.client(single_connection_client=True, db=2)
        d.execute_command("NS", "copy", "inner")
        self.assertEqual((d.get("a"), d.get("b")), (b"1", b"2"))
        self.assertTrue(990 < d.ttl("a") <= 1000)
        self.assertEqual(d.ttl("b"), -1)

    def test_databases_copy_errors(self):
        self.r.set("k", "v")
        for args, msg in [(("k", "k"), "source and destination objects are the same"),
                          (("k", "k", "DB", "0"), "source and destination objects are the same"),
                          (("k", "x", "DB"), "syntax error"), (("k", "x", "FOO"), "syntax error"),
                          (("k", "x", "DB", "16"), "DB index is out of range"),
                          (("k", "x", "DB", "x"), "value is not an integer or out of range"),
                          (("k",), "wrong number of arguments for 'copy' command")]:
            self.assertEqual(error_of(self.r, "COPY", *args), msg, args)
        self.assertEqual(self.r.execute_command("COPY", "k", "x", "REPLACE", "REPLACE"), 1)

    # ---- expiry and freeing in every database ----

    def test_databases_keys_expire_actively_in_every_database(self):
        for n in (0, 7, 15):
            self.db(n).set("t", "v", px=100)
            self.db(n).set("keep", "v")
        wait_for(lambda: all(self.r.info("keyspace")["db%d" % n]["expires"] == 0 for n in (0, 7, 15)),
                 "active expiry in every database")
        for n in (0, 7, 15):
            self.assertEqual(self.db(n).dbsize(), 1)
        self.db(4).set("lazy", "v", px=50)
        time.sleep(0.1)
        self.assertIsNone(self.db(4).get("lazy"))

    def test_databases_big_values_are_freed_in_any_database(self):
        self.need("lists")
        d = self.db(12)
        d.rpush("big", *range(100000))
        self.assertEqual(d.delete("big"), 1)
        self.assertEqual(d.exists("big"), 0)
        d.rpush("big2", *range(100000))
        self.assertIs(d.flushdb(), True)
        self.assertEqual(d.dbsize(), 0)
        self.assertIs(self.r.ping(), True)
        wait_for(lambda: self.r.info("memory")["lazyfree_pending_objects"] == 0, "lazy frees")


@unittest.skipUnless(have_module("strings"), "strings module not built")
class FewerDatabases(unittest.TestCase):
    def test_databases_flag_sets_the_count(self):
        with KeelServer("--databases", "4", threads=2, modules=["resp", "strings"]) as srv:
            r = srv.client()
            self.assertEqual(r.config_get("databases"), {"databases": "4"})
            self.assertIs(srv.client(db=3).set("k", "v"), True)
            self.assertEqual(error_of(r, "SELECT", "4"), "DB index is out of range")
            self.assertEqual(error_of(r, "SWAPDB", "0", "4"), "DB index is out of range")
            self.assertEqual(error_of(r, "MOVE", "k", "4"), "DB index is out of range")
            self.assertEqual(set(r.info("keyspace")), {"db3"})
        with KeelServer("--databases", "1", threads=1, modules=["resp", "strings"]) as srv:
            r = srv.client()
            self.assertIs(r.select(0), True)
            self.assertEqual(error_of(r, "SELECT", "1"), "DB index is out of range")
            self.assertIs(r.swapdb(0, 0), True)


if __name__ == "__main__":
    unittest.main()
