"""test_namespaces.py -- namespaces on a real keel-server: NS HS CS NSRESET HSRESET CSRESET
WHEREAMI, listing a namespace (KEYS VALS GETALL KEYSANDVALS KEYSANDEXPIRES KEYSANDTYPES), other
modules' commands inside namespaces, TTLs at every depth (lazy and active expiry), DEL of a
namespace, co-location (keys together by default, spread by HS), and networks whose namespace
is locked.  Escape attempts are in test_namespaces_escape.py, big trees in test_namespaces_big.py.
"""
import json
import os
import re
import threading
import time
import unittest

import redis

from keel_harness import Expiry, KeelServer, MODULE_DIR, free_port, wait_until


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def error_of(r, *args):
    try:
        r.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


def pairs(flat):
    """A RESP2 map reply (a flat array) as a dict."""
    return dict(zip(flat[0::2], flat[1::2]))


def expired_keys(r):
    return int(r.info("stats")["expired_keys"])


@unittest.skipUnless(have_module("maps") and have_module("strings"), "maps.so or strings.so not built")
class Namespaces(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings", "maps"]).start()
        cls.r = cls.srv.client()
        cls.shards = int(cls.r.info("server")["shards"])

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def inside(self, *path, cmd="NS"):
        """A connection of its own, inside namespace path."""
        c = self.srv.client(single_connection_client=True)
        if path or cmd != "NS":
            c.execute_command(cmd, *path)
        return c

    # ---- moving around ----

    def test_ns_enters_nested_namespaces_for_the_connection(self):
        c = self.inside()
        self.assertEqual(c.execute_command("WHEREAMI"), [])
        self.assertEqual(c.execute_command("NS", "a", "b"), b"OK")
        self.assertEqual(c.execute_command("WHEREAMI"), [b"a", b"b"])
        self.assertEqual(c.execute_command("NAMESPACE", "c"), b"OK")
        self.assertEqual(c.execute_command("WHEREAMI"), [b"a", b"b", b"c"])
        c.set("k", "deep")
        self.assertEqual(self.r.keys("*"), [b"a"])
        self.assertEqual(self.r.type("a"), b"hash")
        self.assertEqual(self.inside("a", "b", "c").get("k"), b"deep")
        self.assertEqual(self.inside("a").keys("*"), [b"b"])
        # another connection is still at the top
        self.assertEqual(self.r.execute_command("WHEREAMI"), [])
        self.assertIsNone(self.r.get("k"))

    def test_ns_applies_to_the_requests_pipelined_after_it(self):
        c = self.srv.client(single_connection_client=True)
        p = c.pipeline(transaction=False)
        p.execute_command("NS", "p")
        p.set("k", "1")
        p.execute_command("NS", "q")
        p.set("k", "2")
        p.get("k")
        self.assertEqual(p.execute(), [b"OK", True, b"OK", True, b"2"])
        self.assertEqual(self.inside("p").get("k"), b"1")
        self.assertEqual(self.inside("p", "q").get("k"), b"2")

    def test_ns_refuses_empty_and_long_names_and_stays_put(self):
        c = self.inside("a")
        self.assertEqual(error_of(c, "NS", ""), "invalid namespace name: names cannot be empty")
        self.assertEqual(error_of(c, "NS", "ok", ""), "invalid namespace name: names cannot be empty")
        self.assertEqual(error_of(c, "NS", "x" * 513), "invalid namespace name: names are at most 512 bytes")
        self.assertEqual(error_of(c, "HS", "ok", ""), "invalid namespace name: names cannot be empty")
        self.assertEqual(error_of(c, "CS", "2", "x" * 600), "invalid namespace name: names are at most 512 bytes")
        self.assertEqual(c.execute_command("WHEREAMI"), [b"a"])
        self.assertEqual(c.execute_command("NS", "x" * 512), b"OK")
        self.assertEqual(c.execute_command("WHEREAMI"), [b"a", b"x" * 512])
        self.assertIn("wrong number of arguments", error_of(c, "NS"))

    def test_ns_names_are_literal_bytes(self):
        names = ["..", ".", "/", "a/b", "\x00", "..\x00..", " ", "*", "?"]
        c = self.inside(*names)
        self.assertEqual(c.execute_command("WHEREAMI"), [n.encode() for n in names])
        c.set("k", "v")
        self.assertEqual(self.r.keys("*"), [b".."])
        walk = self.inside()
        for n in names:
            self.assertEqual(walk.keys("*"), [n.encode()])
            walk.execute_command("NS", n)
        self.assertEqual(walk.keys("*"), [b"k"])

    def test_nsreset_family_needs_admin_here_and_returns_to_the_top(self):
        c = self.inside("a", "b")
        self.assertEqual(c.execute_command("NSRESET"), b"OK")
        self.assertEqual(c.execute_command("WHEREAMI"), [])
        c.execute_command("NS", "a")
        self.assertEqual(c.execute_command("HSRESET"), b"OK")
        self.assertEqual(c.execute_command("WHEREAMI"), [])
        c.execute_command("NS", "a")
        self.assertEqual(c.execute_command("CSRESET"), b"OK")
        self.assertEqual(c.execute_command("WHEREAMI"), [])

    # ---- other modules' commands inside a namespace ----

    def test_string_and_key_commands_work_inside(self):
        c = self.inside("t", "app")
        c.set("a", "1")
        self.assertEqual(c.incr("a"), 2)
        self.assertEqual(c.append("s", "xy"), 2)
        c.mset({"m1": "x", "m2": "y", "m3": "z"})                  # keys on one shard: together
        self.assertEqual(c.mget("m1", "m2", "m3", "none"), [b"x", b"y", b"z", None])
        self.assertEqual(c.exists("a", "m1", "none"), 2)
        self.assertTrue(c.rename("m3", "renamed"))
        self.assertEqual(c.get("renamed"), b"z")
        self.assertEqual(c.type("a"), b"string")
        self.assertEqual(sorted(c.keys("m*")), [b"m1", b"m2"])
        cursor, found = 0, set()
        while True:
            cursor, ks = c.scan(cursor, count=2)
            found.update(ks)
            if cursor == 0:
                break
        self.assertEqual(found, {b"a", b"s", b"m1", b"m2", b"renamed"})
        self.assertIn(c.randomkey(), found)
        self.assertEqual(c.delete("a", "s", "none"), 2)
        self.assertEqual(sorted(c.keys("*")), [b"m1", b"m2", b"renamed"])
        self.assertEqual(self.r.keys("*"), [b"t"])
        self.assertEqual(self.r.exists("a", "m1", "renamed"), 0)

    def test_one_reply_when_a_write_inside_a_string_fails(self):
        # SET ... GET and GETSET of a key "inside" a name that holds a string: the write fails and
        # replies its error, and only that (it replied nil for the missing old value first, then
        # the error: two replies to one command, and a pipelined client's replies out of step).
        # Found by the ns_commands fuzz target.
        self.r.set("s", "1")
        s = self.srv.raw()
        s.sendall(b"*2\r\n$2\r\nNS\r\n$1\r\ns\r\n"
                  b"*3\r\n$6\r\nGETSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
                  b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$3\r\nGET\r\n"
                  b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nNX\r\n$3\r\nGET\r\n"
                  b"*1\r\n$4\r\nPING\r\n")
        got = b""
        while not got.endswith(b"+PONG\r\n"):
            chunk = s.recv(4096)
            self.assertTrue(chunk, "connection closed: %r" % got)
            got += chunk
        s.close()
        lines = got.split(b"\r\n")[:-1]
        self.assertEqual(len(lines), 5, got)   # +OK, three errors, +PONG
        self.assertEqual(lines[0], b"+OK")
        self.assertTrue(all(line.startswith(b"-") for line in lines[1:4]), got)
        self.assertEqual(self.r.get("s"), b"1")
        # the GET forms still reply nil for a key that was missing, once it is written
        c = self.inside("t")
        self.assertIsNone(c.execute_command("GETSET", "k", "v"))
        self.assertIsNone(c.execute_command("SET", "j", "w", "GET"))
        self.assertEqual(c.mget("k", "j"), [b"v", b"w"])

    @unittest.skipUnless(have_module("lists"), "lists.so not built")
    def test_a_namespace_left_with_no_key_is_gone_with_its_empty_parents(self):
        c = self.inside("t", "a")
        c.set("k", 1)
        c.set("j", 2)
        self.assertEqual(self.r.keys("*"), [b"t"])
        c.delete("k")
        self.assertEqual((self.r.exists("t"), self.r.dbsize()), (1, 1))   # j is still there
        c.delete("j")
        self.assertEqual((self.r.keys("*"), self.r.exists("t"), self.r.dbsize()), ([], 0, 0))
        c.set("x", 1)
        c.expire("x", 0)   # a deletion by EXPIRE does the same
        self.assertEqual((self.r.keys("*"), self.r.dbsize()), ([], 0))
        other = self.inside("t")
        c.set("y", 1)
        other.set("sibling", 1)
        c.delete("y")   # a goes, t stays: it has a key
        self.assertEqual(other.keys("*"), [b"sibling"])
        self.assertEqual(self.r.keys("*"), [b"t"])

    def test_lists_work_inside(self):
        srv = KeelServer(threads=2, modules=["resp", "strings", "lists", "maps"]).start()
        try:
            c = srv.client(single_connection_client=True)
            c.execute_command("NS", "q")
            c.rpush("jobs", "a", "b", "c")
            self.assertEqual(c.lrange("jobs", 0, -1), [b"a", b"b", b"c"])
            self.assertEqual(pairs(c.execute_command("KEYSANDTYPES")), {b"jobs": b"list"})
            self.assertEqual(srv.client().lrange("jobs", 0, -1), [])
        finally:
            srv.stop()

    # ---- listing a namespace ----

    def test_listing_commands(self):
        c = self.inside("app")
        c.set("s", "text")
        c.set("n", 42)
        c.expire("n", 100)
        c.hset("m", mapping={"f": "1", "g": "2"})
        c.execute_command("NS", "deeper")
        c.set("d", "down")
        c.execute_command("NSRESET")
        c.execute_command("NS", "app")
        self.assertEqual(sorted(c.keys("*")), [b"deeper", b"m", b"n", b"s"])
        types = pairs(c.execute_command("KEYSANDTYPES"))
        self.assertEqual(types, {b"s": b"string", b"n": b"string", b"m": b"hash", b"deeper": b"hash"})
        exp = pairs(c.execute_command("KEYSANDEXPIRES"))
        self.assertEqual(exp[b"s"], -1)
        self.assertTrue(90000 < exp[b"n"] <= 100000, exp)
        nice = pairs(c.execute_command("KEYSANDEXPIRES", "NICE"))
        self.assertEqual(nice[b"s"], b"no expiry")
        self.assertRegex(nice[b"n"].decode(), r"^1m [34]\d\.\d{3}s$")
        self.assertEqual(error_of(c, "KEYSANDEXPIRES", "BAD"), "syntax error")
        self.assertEqual(error_of(c, "KEYSANDEXPIRES", "NICE", "NICE"), "syntax error")
        everything = pairs(c.execute_command("GETALL"))
        self.assertEqual(everything[b"s"], b"text")
        self.assertEqual(everything[b"n"], b"42")
        self.assertEqual(pairs(everything[b"m"]), {b"f": b"1", b"g": b"2"})
        self.assertEqual(pairs(everything[b"deeper"]), {b"d": b"down"})
        self.assertEqual(pairs(c.execute_command("KEYSANDVALS")), everything)
        vals = c.execute_command("VALS")
        self.assertEqual(len(vals), 4)
        self.assertIn(b"text", vals)
        self.assertIn([b"d", b"down"], vals)
        # an empty or missing namespace lists nothing
        e = self.inside("nothing", "here")
        for cmd in ("VALS", "GETALL", "KEYSANDTYPES", "KEYSANDEXPIRES"):
            self.assertEqual(e.execute_command(cmd), [], cmd)
        self.assertEqual(e.keys("*"), [])

    def test_getall_at_the_top_shows_the_whole_tree(self):
        self.r.set("top", "1")
        self.inside("a", "b").set("k", "v")
        tree = pairs(self.r.execute_command("GETALL"))
        self.assertEqual(tree[b"top"], b"1")
        self.assertEqual(pairs(pairs(tree[b"a"])[b"b"]), {b"k": b"v"})

    def test_getall_hides_expired_keys(self):
        c = self.inside("x")
        c.set("gone", "1", px=30)
        c.set("kept", "2")
        time.sleep(0.06)
        self.assertEqual(pairs(c.execute_command("GETALL")), {b"kept": b"2"})
        self.assertEqual(c.execute_command("KEYSANDTYPES"), [b"kept", b"string"])

    # ---- TTLs at every depth ----

    def test_ttl_at_every_depth_expires_on_its_own(self):
        paths = [(), ("d1",), ("d1", "d2"), ("d1", "d2", "d3"), ("d1", "d2", "d3", "d4", "d5")]
        for path in paths:
            c = self.inside(*path)
            e = Expiry(300)
            c.set("short", "x", px=300)
            c.set("long", "y", ex=100)
            c.set("forever", "z")
            self.assertIn(c.pttl("short"), e.pttl())
            self.assertTrue(95 <= c.ttl("long") <= 100)
            self.assertEqual(c.ttl("forever"), -1)
            self.assertTrue(c.persist("long"))
            self.assertEqual(c.ttl("long"), -1)
            self.assertTrue(c.expire("long", 1000))
        time.sleep(0.45)
        for path in paths:
            c = self.inside(*path)
            self.assertIsNone(c.get("short"), path)
            self.assertEqual(c.get("forever"), b"z", path)
            self.assertTrue(900 < c.ttl("long") <= 1000, path)
        # the namespaces themselves have no TTL
        self.assertEqual(self.r.ttl("d1"), -1)

    def test_active_expiry_inside_namespaces(self):
        """Keys inside namespaces expire without being touched: the server's expired_keys count
        grows by all of them while no client reads them."""
        before = expired_keys(self.r)
        for depth, path in enumerate([("a",), ("a", "b"), ("c", "d", "e")]):
            p = self.srv.client().pipeline(transaction=False)   # its own pooled connection
            p.execute_command("NS", *path)
            for i in range(300):
                p.set("k%d" % i, i, px=100 + depth * 50)
            p.execute()
        wait_until("900 keys expired", lambda: expired_keys(self.r) - before >= 900)
        self.assertEqual(expired_keys(self.r) - before, 900)
        for path in [("a",), ("a", "b"), ("c", "d", "e")]:
            self.assertEqual(self.inside(*path).keys("k*"), [])

    def test_a_namespace_ttl_takes_the_whole_tree(self):
        self.inside("t", "u").set("k", "v", ex=100)
        self.inside("t").set("j", "w")
        e = Expiry(150)
        self.assertTrue(self.r.pexpire("t", 150))
        j = self.inside("t").get("j")
        self.assertIn(j, (b"w", None) if -2 in e.pttl() else (b"w",))
        time.sleep(0.25)
        self.assertEqual(self.r.keys("*"), [])
        self.assertIsNone(self.inside("t", "u").get("k"))

    # ---- DEL of a namespace ----

    def test_del_of_a_namespace_removes_everything_below(self):
        for path in [("a",), ("a", "b"), ("a", "b", "c"), ("a", "x")]:
            c = self.inside(*path)
            c.mset({"k%d" % i: i for i in range(100)})
            c.hset("h", mapping={"f": "v"})
        self.inside("other").set("keep", "1")
        self.assertEqual(self.r.delete("a"), 1)
        self.assertEqual(self.r.keys("*"), [b"other"])
        for path in [("a",), ("a", "b"), ("a", "b", "c"), ("a", "x")]:
            c = self.inside(*path)
            self.assertEqual(c.keys("*"), [])
            self.assertEqual(c.execute_command("GETALL"), [])
            self.assertIsNone(c.get("k1"))
        self.assertEqual(self.inside("other").get("keep"), b"1")
        # deleting a namespace from inside its parent
        self.inside("p", "q").set("k", "v")
        self.assertEqual(self.inside("p").delete("q"), 1)
        self.assertEqual(self.inside("p").keys("*"), [])

    def test_rename_moves_a_namespace_tree(self):
        self.inside("src", "deep").set("k", "v", ex=100)
        self.assertTrue(self.r.rename("src", "dst"))
        c = self.inside("dst", "deep")
        self.assertEqual(c.get("k"), b"v")
        self.assertTrue(90 < c.ttl("k") <= 100)
        self.assertEqual(self.r.keys("*"), [b"dst"])

    # ---- co-location ----

    def top_entries(self, name):
        """How many shards hold a top-level entry name (KEYS lists it once per shard)."""
        return self.r.keys("*").count(name)

    def test_keys_of_a_namespace_live_together_by_default(self):
        c = self.inside("together")
        c.mset({"k%d" % i: i for i in range(200)})     # one shard: MSET needs no hop
        self.assertEqual(self.r.dbsize(), 1)
        self.assertEqual(self.top_entries(b"together"), 1)
        self.assertEqual(len(c.keys("*")), 200)

    def test_hs_spreads_a_namespace_over_shards(self):
        c = self.inside("spread", cmd="HS")
        self.assertEqual(c.execute_command("WHEREAMI"), [b"spread"])
        for i in range(200):
            c.set("k%d" % i, i)
        spread = self.top_entries(b"spread")
        self.assertGreater(spread, 1)
        self.assertEqual(spread, self.r.dbsize())
        # KEYS, SCAN and the listing commands inside still see every key
        self.assertEqual(len(c.keys("*")), 200)
        self.assertEqual(len(pairs(c.execute_command("KEYSANDTYPES"))), 200)
        self.assertEqual(len(pairs(c.execute_command("GETALL"))), 200)
        self.assertEqual(c.get("k7"), b"7")
        self.assertEqual(sum(1 for _ in c.scan_iter(count=7)), 200)
        # the placement matches where the top level would put each key (DEBUG ZVM EXPLAIN)
        where = {}
        for line in self.r.execute_command("DEBUG", "ZVM", "EXPLAIN", "EXISTS", *["k%d" % i for i in range(200)]):
            m = re.match(rb'^key argv\[(\d+)\]=".*" hash [0-9a-f]+ shard (\d+)', line)
            if m:
                where[int(m.group(1))] = int(m.group(2))
        self.assertEqual(len(set(where.values())), spread)

    def test_del_of_a_spread_namespace_removes_every_part(self):
        c = self.inside("spread", cmd="HS")
        for i in range(200):
            c.set("k%d" % i, i)
        self.r.set("plain", "1")
        self.assertGreater(self.top_entries(b"spread"), 1)
        self.assertEqual(self.r.delete("spread", "plain", "missing"), 2)   # each key counts once
        self.assertEqual(self.r.keys("*"), [])
        self.assertEqual(c.keys("*"), [])
        self.assertIsNone(c.get("k7"))
        # nested: a spread namespace deleted from inside its parent; UNLINK is the same
        d = self.inside("outer", "inner", cmd="HS")
        for i in range(100):
            d.set("k%d" % i, i)
        self.inside("outer").set("stay", "1")
        self.assertEqual(self.inside("outer").unlink("inner"), 1)
        self.assertEqual(self.inside("outer").keys("*"), [b"stay"])
        self.assertEqual(d.keys("*"), [])

    def spread_namespace(self, name, n=200, *outer):
        """A namespace `name` (inside outer) filled by an HS client with k0..k(n-1)."""
        c = self.inside(*outer, name, cmd="HS")
        for i in range(n):
            c.set("k%d" % i, i)
        return c

    def test_type_and_expiry_of_a_spread_namespace_reach_every_part(self):
        self.spread_namespace("sp")
        parts = self.top_entries(b"sp")
        self.assertGreater(parts, 1)
        self.assertEqual(self.r.type("sp"), b"hash")
        self.assertEqual(self.r.ttl("sp"), -1)
        self.assertEqual(self.r.persist("sp"), 0)
        self.assertEqual(self.r.expire("sp", 100), 1)
        self.assertEqual(self.r.expire("sp", 200, nx=True), 0)       # every part has one now
        self.assertTrue(95 <= self.r.ttl("sp") <= 100)
        self.assertEqual(self.r.persist("sp"), 1)
        self.assertEqual(self.r.ttl("sp"), -1)
        e = Expiry(300)
        self.assertEqual(self.r.pexpire("sp", 300), 1)
        n = len(self.inside("sp", cmd="HS").keys("*"))
        self.assertIn(n, (200, 0) if -2 in e.pttl() else (200,))
        wait_until("every part of sp to go with its TTL",
                   lambda: not self.r.exists("sp") and self.r.type("sp") == b"none")
        self.assertEqual(self.r.keys("*"), [])
        self.assertEqual(self.inside("sp", cmd="HS").keys("*"), [])
        self.assertEqual(self.r.ttl("sp"), -2)
        # EXPIRE with a time in the past deletes every part at once
        self.spread_namespace("sp2")
        self.assertEqual(self.r.expire("sp2", -1), 1)
        self.assertEqual(self.r.keys("*"), [])

    def test_rename_of_a_spread_namespace_renames_every_part(self):
        self.spread_namespace("src")
        parts = self.top_entries(b"src")
        self.assertGreater(parts, 1)
        self.assertEqual(self.r.rename("src", "dst"), True)
        self.assertEqual(self.top_entries(b"src"), 0)
        self.assertEqual(self.top_entries(b"dst"), parts)
        self.assertEqual(self.r.type("src"), b"none")
        self.assertEqual(self.r.type("dst"), b"hash")
        d = self.inside("dst", cmd="HS")
        self.assertEqual(len(d.keys("*")), 200)
        self.assertEqual([d.get("k%d" % i) for i in range(200)], [str(i).encode() for i in range(200)])
        # RENAMENX refuses an existing target, plain or spread; RENAME replaces it whole
        self.r.set("plain", "x")
        self.assertEqual(self.r.renamenx("dst", "plain"), False)
        self.spread_namespace("other", 50)
        self.assertEqual(self.r.renamenx("dst", "other"), False)
        self.assertEqual(self.r.rename("dst", "other"), True)
        self.assertEqual(len(self.inside("other", cmd="HS").keys("*")), 200)   # none of the 50 left
        self.assertEqual(self.r.rename("other", "plain"), True)
        self.assertEqual(self.r.type("plain"), b"hash")
        self.assertEqual(len(self.inside("plain", cmd="HS").keys("*")), 200)
        self.assertEqual(self.r.renamenx("plain", "fresh"), True)
        self.assertEqual(error_of(self.r, "RENAME", "plain", "x"), "no such key")
        self.assertEqual(self.r.rename("fresh", "fresh"), True)
        self.assertEqual(sorted(set(self.r.keys("*"))), [b"fresh"])
        # a TTL travels with the parts
        self.assertEqual(self.r.expire("fresh", 1000), 1)
        self.assertEqual(self.r.rename("fresh", "aged"), True)
        self.assertTrue(990 <= self.r.ttl("aged") <= 1000)

    def test_rename_and_type_of_a_spread_namespace_inside_a_parent(self):
        self.spread_namespace("inner", 100, "outer")
        o = self.inside("outer")
        self.assertEqual(o.type("inner"), b"hash")
        self.assertEqual(o.rename("inner", "moved"), True)
        self.assertEqual(o.type("inner"), b"none")
        self.assertEqual(len(self.inside("outer", "moved", cmd="HS").keys("*")), 100)
        self.assertEqual(self.inside("outer", "inner", cmd="HS").keys("*"), [])
        self.assertEqual(o.expire("moved", 1000), 1)
        self.assertTrue(990 <= o.ttl("moved") <= 1000)

    def test_a_namespace_placed_by_its_own_name_still_moves_whole(self):
        self.spread_namespace("sp", 20)                   # spread namespaces exist
        c = self.inside("whole")
        for i in range(50):
            c.set("k%d" % i, i)
        self.assertEqual(self.r.rename("whole", "moved"), True)
        self.assertEqual(self.top_entries(b"moved"), 1)
        self.assertEqual(len(self.inside("moved").keys("*")), 50)
        self.assertEqual(self.inside("moved").get("k9"), b"9")

    def test_del_of_a_spread_namespace_while_clients_write_into_it(self):
        writers = [self.inside("busy", cmd="HS") for _ in range(3)]
        stop = threading.Event()
        errors = []

        def write(c, n):
            i = 0
            try:
                while not stop.is_set():
                    c.set("w%d-%d" % (n, i % 500), i)
                    i += 1
            except Exception as e:      # reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=write, args=(c, n)) for n, c in enumerate(writers)]
        for t in threads:
            t.start()
        try:
            for _ in range(20):
                self.assertIn(self.r.delete("busy"), (0, 1))
        finally:
            stop.set()
            for t in threads:
                t.join(300)
        self.assertEqual(errors, [])
        self.assertIn(self.r.delete("busy"), (0, 1))   # writers stopped: this DEL takes the rest
        self.assertEqual(self.r.keys("*"), [])
        self.assertEqual(writers[0].keys("*"), [])
        self.assertIs(self.r.ping(), True)

    def test_cs_places_by_the_nth_name(self):
        c = self.inside("2", "x", "y", cmd="CS")
        for i in range(100):
            c.set("k%d" % i, i)
        self.assertEqual(self.r.dbsize(), 1)          # all under "x": one shard holds the tree
        c2 = self.inside("99", "w", "z", cmd="CS")     # past the end: the key itself, as HS
        for i in range(100):
            c2.set("k%d" % i, i)
        self.assertGreater(self.top_entries(b"w"), 1)
        self.assertEqual(error_of(c, "CS", "0"), "the co-location element must be an integer of 1 or more")
        self.assertEqual(error_of(c, "CS", "-1"), "the co-location element must be an integer of 1 or more")
        self.assertEqual(error_of(c, "CS", "one"), "the co-location element must be an integer of 1 or more")

    def test_hsreset_places_by_the_first_name_again(self):
        c = self.inside("h1", cmd="HS")
        self.assertEqual(c.execute_command("HSRESET"), b"OK")
        self.assertEqual(c.execute_command("WHEREAMI"), [])
        c.execute_command("NS", "h2")
        for i in range(100):
            c.set("k%d" % i, i)
        self.assertEqual(self.top_entries(b"h2"), 1)
        # NSRESET keeps the placement mode
        c.execute_command("HS")
        c.execute_command("NSRESET")
        c.execute_command("NS", "h3")
        for i in range(100):
            c.set("k%d" % i, i)
        self.assertGreater(self.top_entries(b"h3"), 1)


@unittest.skipUnless(have_module("maps") and have_module("strings"), "maps.so or strings.so not built")
class LockedNamespaces(unittest.TestCase):
    """Networks from a config: an admin network, a tenant network locked in namespace "tenant"
    (with admin rights), and a guest network without admin rights."""

    @classmethod
    def setUpClass(cls):
        cls.tenant_port, cls.guest_port = free_port(), free_port()
        cfg = {
            "networks": [
                {"name": "admin", "host": "127.0.0.1", "port": 0, "protocol": "resp"},
                {"name": "tenant", "host": "127.0.0.1", "port": cls.tenant_port, "protocol": "resp",
                 "namespace": "ns tenant", "namespace_locked": True,
                 "permissions": ["read", "write", "admin"]},
                {"name": "guest", "host": "127.0.0.1", "port": cls.guest_port, "protocol": "resp",
                 "permissions": ["read", "write"]},
            ]
        }
        cls.cfg_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "keel-ns-%d.json" % cls.tenant_port)
        with open(cls.cfg_path, "w") as f:
            json.dump(cfg, f)
        cls.srv = KeelServer(threads=2, modules=["resp", "strings", "maps"], config=cls.cfg_path).start()
        cls.admin = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        os.unlink(cls.cfg_path)

    def setUp(self):
        self.admin.flushall()
        self.admin.set("top-secret", "s")

    def tenant(self):
        return redis.Redis(port=self.tenant_port, single_connection_client=True, socket_timeout=30)

    def guest(self):
        return redis.Redis(port=self.guest_port, single_connection_client=True, socket_timeout=30)

    def test_a_locked_network_starts_in_its_namespace(self):
        t = self.tenant()
        self.assertEqual(t.execute_command("WHEREAMI"), [b"tenant"])
        self.assertEqual(t.keys("*"), [])
        self.assertIsNone(t.get("top-secret"))
        t.set("k", "v")
        self.assertEqual(sorted(self.admin.keys("*")), [b"tenant", b"top-secret"])
        a = self.srv.client(single_connection_client=True)
        a.execute_command("NS", "tenant")
        self.assertEqual(a.get("k"), b"v")

    def test_nsreset_never_leaves_the_locked_base_even_for_admins(self):
        t = self.tenant()
        t.execute_command("NS", "sub", "deeper")
        self.assertEqual(t.execute_command("WHEREAMI"), [b"tenant", b"sub", b"deeper"])
        for cmd in ("NSRESET", "HSRESET", "CSRESET"):
            self.assertEqual(t.execute_command(cmd), b"OK")
            self.assertEqual(t.execute_command("WHEREAMI"), [b"tenant"], cmd)
            t.execute_command("NS", "sub")
        self.assertIsNone(t.get("top-secret"))
        t.execute_command("NSRESET")
        self.assertEqual(t.keys("*"), [])

    def test_nsreset_needs_admin(self):
        g = self.guest()
        g.execute_command("NS", "room")
        for cmd in ("NSRESET", "HSRESET", "CSRESET"):
            self.assertIn("needs the admin permission", error_of(g, cmd))
        self.assertEqual(g.execute_command("WHEREAMI"), [b"room"])
        self.assertIsNone(g.get("top-secret"))
        g.set("mine", "1")
        self.assertEqual(self.admin.get("mine"), None)


if __name__ == "__main__":
    unittest.main()
