"""test_namespaces_depth.py -- how deep namespaces nest, on a real keel-server: every way a
client can make a longer path (NS, HS, CS and their long names, hash writes that push a level,
a network's configured namespace) stops at KEEL_NS_DEPTH_MAX (16) levels with
"ERR namespace nesting is limited to 16 levels" and the server keeps serving; a tree of the
deepest allowed nesting is read (GET, GETALL, VALS, HGETALL, HVALS, KEYS), renamed,
expired and deleted (big enough to be freed lazily) from the top, from a spread namespace and
from a locked tenant network.  The issue's reproduction (NS with 20,000 names, then GET d0 from
another connection) used to crash the server by recursing once per level.
"""
import json
import os
import socket
import subprocess
import time
import unittest

import redis

from keel_harness import SERVER, MODULE_DIR, KeelConfigServer, KeelServer

LIMIT = 16
DEPTH_ERROR = "namespace nesting is limited to %d levels" % LIMIT


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def error_of(r, *args):
    try:
        r.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


def chain(n, prefix="d"):
    return ["%s%d" % (prefix, i) for i in range(n)]


def resp_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def json_replies(host, port, *commands):
    """The replies to commands on a new connection, in the JSON reply syntax (maps are objects,
    arrays and sets lists, so a tree's shape is visible): one JSON value per command."""
    s = socket.create_connection((host, port), timeout=60)
    s.sendall(b"".join(resp_command(*c) for c in (("REPLY.SYNTAX", "json"),) + commands))
    buf, lines = b"", []
    while len(lines) < len(commands) + 1:
        chunk = s.recv(1 << 20)
        if not chunk:
            raise EOFError("connection closed after %r" % lines)
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            lines.append(json.loads(line))
    s.close()
    return lines[1:]


def depth_of(reply):
    """How many maps are nested in a JSON reply."""
    if isinstance(reply, dict):
        return 1 + max([depth_of(v) for v in reply.values()] or [0])
    if isinstance(reply, list):
        return max([depth_of(v) for v in reply] or [0])
    return 0


def expected_tree(names, leaf):
    """What GET names[0] replies (JSON) when d<i> holds k<i> (i > 0) and d<i+1>, and the last
    one holds leaf too."""
    tree = None
    for i in range(len(names) - 1, -1, -1):
        level = {"k%d" % i: "v%d" % i} if i > 0 else {}
        if tree is None:
            level.update(leaf)
        else:
            level[names[i + 1]] = tree
        tree = level
    return tree


class DepthChecks:
    """Checks shared by the top-level and the tenant tests: self.open() gives a connection at the
    client's base (self.addr() its address), self.base the number of names the base already has."""

    def deepest(self):
        """Fills the deepest tree the base allows: d0 .. d<n-1> below it, a string k<i> at each
        level but the first, and at the deepest a list, a set and a string."""
        names = chain(LIMIT - self.base)
        for i in range(1, len(names) + 1):
            c = self.open()
            c.execute_command("NS", *names[:i])
            if i > 1:
                c.set("k%d" % (i - 1), "v%d" % (i - 1))
            if i == len(names):
                c.set("s", "str")
                if have_module("lists"):
                    c.rpush("l", "a", "b")
                if have_module("sets"):
                    c.sadd("set", "m")
            self.assertEqual(c.execute_command("WHEREAMI")[self.base:], [n.encode() for n in names[:i]])
            c.close()
        return names

    def deepest_leaf(self):
        leaf = {"s": "str"}
        if have_module("lists"):
            leaf["l"] = ["a", "b"]
        if have_module("sets"):
            leaf["set"] = ["m"]
        return leaf

    def check_no_level_can_be_added(self, names):
        """At the deepest path: NS, HS, CS, and hash writes are refused; nothing changed."""
        c = self.open()
        c.execute_command("NS", *names)
        where = c.execute_command("WHEREAMI")
        self.assertEqual(len(where), LIMIT)
        for cmd in (("NS", "x"), ("NAMESPACE", "x"), ("HS", "x"), ("HYPERSPACE", "x"), ("CS", "1", "x"),
                    ("CUSTOMSPACE", "1", "x"), ("HSET", "m", "f", "v"), ("HSETNX", "m", "f", "v"),
                    ("HMSET", "m", "f", "v"), ("HINCRBY", "m", "f", "1"), ("HINCRBYFLOAT", "m", "f", "1.5")):
            self.assertEqual(error_of(c, *cmd), DEPTH_ERROR, cmd)
            self.assertEqual(c.execute_command("WHEREAMI"), where, cmd)
        self.assertEqual(error_of(c, "HGET", "m", "f"), DEPTH_ERROR)   # no map can be there
        self.assertEqual(c.hgetall("m"), {})                          # reads of a missing map
        self.assertEqual(c.hlen("m"), 0)
        self.assertIsNone(c.get("m"))
        self.assertEqual(c.get("s"), b"str")                          # the level itself works
        c.set("new", "1")
        self.assertEqual(c.delete("new"), 1)
        c.close()

    def check_reads_from_the_base(self, names):
        tree = expected_tree(names, self.deepest_leaf())
        top = names[0]
        got = json_replies(*self.addr(), ("GET", top), ("GETALL",), ("KEYSANDVALS",), ("VALS",),
                           ("HGETALL", top), ("HVALS", top), ("HKEYS", top), ("KEYS", "*"),
                           ("TYPE", top), ("KEYSANDTYPES",), ("PING",))
        self.assertEqual(depth_of(got[0]), LIMIT - self.base)
        self.assertEqual(got[0], tree)
        self.assertEqual(got[1], {top: tree})
        self.assertEqual(got[2], {top: tree})
        self.assertEqual(got[3], [tree])
        self.assertEqual(got[4], tree)
        self.assertEqual(got[5], [tree[names[1]]])
        self.assertEqual(got[6], [names[1]])
        self.assertEqual(got[7], [top])
        self.assertEqual(got[8], "hash")
        self.assertEqual(got[9], {top: "hash"})
        self.assertEqual(got[10], "PONG")

    def check_rename_expire_delete(self, names):
        r = self.open()
        self.assertTrue(r.rename(names[0], "moved"))
        self.assertEqual(r.keys("*"), [b"moved"])
        c = self.open()
        c.execute_command("NS", "moved", *names[1:])
        self.assertEqual(c.get("s"), b"str")
        self.assertEqual(c.get("k%d" % (len(names) - 1)), b"v%d" % (len(names) - 1))
        self.assertTrue(r.renamenx("moved", names[0]))
        self.assertEqual(r.ttl(names[0]), -1)
        self.assertTrue(r.expire(names[0], 100))
        self.assertTrue(r.persist(names[0]))
        self.assertEqual(r.delete(names[0]), 1)
        self.assertEqual(r.keys("*"), [])
        self.assertIsNone(c.get("s"))
        r.close()
        c.close()


@unittest.skipUnless(have_module("maps") and have_module("strings"), "maps.so or strings.so not built")
class NamespaceDepth(unittest.TestCase, DepthChecks):
    base = 0

    @classmethod
    def setUpClass(cls):
        mods = ["resp", "strings", "maps"] + [m for m in ("lists", "sets") if have_module(m)]
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=mods).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def open(self):
        return self.srv.client(single_connection_client=True)

    def addr(self):
        return "127.0.0.1", self.srv.port

    def top_getall(self):
        return json_replies(*self.addr(), ("GETALL",))[0]

    def test_the_issue_reproduction_ns_with_20000_names_is_refused(self):
        c = self.open()
        self.assertEqual(error_of(c, "NS", *chain(20000)), DEPTH_ERROR)
        self.assertEqual(c.execute_command("WHEREAMI"), [])
        c.set("k", "v")
        other = self.open()
        self.assertIsNone(other.get("d0"))
        self.assertEqual(other.get("k"), b"v")
        for cmd in (["HS"], ["CS", "3"], ["NAMESPACE"], ["HYPERSPACE"], ["CUSTOMSPACE", "1"]):
            self.assertEqual(error_of(c, *(cmd + chain(30000))), DEPTH_ERROR, cmd)
            self.assertEqual(c.execute_command("WHEREAMI"), [], cmd)
        self.assertTrue(other.ping())
        self.assertEqual(self.r.dbsize(), 1)

    def test_a_refused_hs_or_cs_keeps_the_placement_mode(self):
        c = self.open()
        c.execute_command("NS", "a")
        for cmd in (["HS"], ["CS", "2"]):
            self.assertEqual(error_of(c, *(cmd + chain(LIMIT))), DEPTH_ERROR, cmd)
        self.assertEqual(c.execute_command("WHEREAMI"), [b"a"])
        for i in range(50):          # placed by "a", as before: one entry at the top, one shard
            c.set("k%d" % i, i)
        self.assertEqual(self.r.keys("*"), [b"a"])
        self.assertEqual(c.dbsize(), 50)

    def test_the_limit_counts_the_whole_path(self):
        c = self.open()
        c.execute_command("NS", *chain(10))
        self.assertEqual(error_of(c, "NS", *chain(7, "e")), DEPTH_ERROR)
        self.assertEqual(len(c.execute_command("WHEREAMI")), 10)      # nothing entered
        c.execute_command("NS", *chain(5, "e"))
        self.assertEqual(error_of(c, "NS", "e5", "e6"), DEPTH_ERROR)
        c.execute_command("NS", "e5")
        self.assertEqual(len(c.execute_command("WHEREAMI")), LIMIT)
        self.assertEqual(error_of(c, "NS", "one-more"), DEPTH_ERROR)

    def test_hash_writes_push_one_level_up_to_the_limit(self):
        c = self.open()
        names = chain(LIMIT - 1)
        c.execute_command("NS", *names)
        self.assertEqual(c.hset("m", "f", "v"), 1)                    # m is the 16th level
        self.assertEqual(c.hget("m", "f"), b"v")
        deep = self.open()
        deep.execute_command("NS", *(names + ["m"]))
        self.assertEqual(deep.get("f"), b"v")
        self.assertEqual(error_of(deep, "HSET", "m2", "f", "v"), DEPTH_ERROR)
        self.assertEqual(depth_of(self.top_getall()), LIMIT + 1)

    def test_nothing_a_client_sends_makes_a_deeper_tree(self):
        names = self.deepest()
        self.check_no_level_can_be_added(names)
        c = self.open()                                   # renames stay on their level
        c.execute_command("NS", *names[:-1])
        self.assertEqual(error_of(c, "NS", names[-1], "x"), DEPTH_ERROR)
        self.assertTrue(c.rename(names[-1], "again"))
        self.assertEqual(c.hset("again", "f", "v"), 1)    # a field of the 16th level: allowed
        self.assertEqual(depth_of(self.top_getall()), LIMIT + 1)

    def test_the_deepest_tree_is_read_whole_from_the_top(self):
        self.check_reads_from_the_base(self.deepest())

    def test_the_deepest_tree_is_renamed_expired_and_deleted(self):
        self.check_rename_expire_delete(self.deepest())

    def test_a_big_deepest_namespace_is_freed_lazily(self):
        names = self.deepest()
        c = self.open()
        c.execute_command("NS", *names)
        for i in range(0, 20000, 1000):
            c.mset({"big%d" % j: "x" * 40 for j in range(i, i + 1000)})
        self.assertEqual(c.dbsize(), 20000 + len(self.deepest_leaf()) + 1)
        self.assertEqual(self.r.unlink(names[0]), 1)
        self.assertEqual(self.r.dbsize(), 0)
        self.assertIsNone(c.get("big7"))
        deadline = time.time() + 60
        while int(self.r.info("memory")["lazyfree_pending_objects"]) and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(int(self.r.info("memory")["lazyfree_pending_objects"]), 0)
        self.assertTrue(self.r.ping())

    def test_the_deepest_tree_expires_whole(self):
        names = self.deepest()
        self.assertTrue(self.r.pexpire(names[0], 50))
        deadline = time.time() + 60
        while self.r.dbsize() and time.time() < deadline:   # active expiry takes the whole tree
            time.sleep(0.05)
        self.assertEqual(self.r.dbsize(), 0)
        self.assertEqual(self.r.keys("*"), [])

    def test_flushall_frees_the_deepest_tree(self):
        self.deepest()
        self.assertTrue(self.r.flushall())
        self.assertEqual(self.r.execute_command("GETALL"), [])

    def test_a_spread_tree_stops_at_the_limit_too(self):
        c = self.open()
        c.execute_command("HS", *chain(LIMIT))
        self.assertEqual(error_of(c, "HS", "x"), DEPTH_ERROR)
        for i in range(50):
            c.set("k%d" % i, i)
        self.assertEqual(c.dbsize(), 50)
        self.assertEqual(depth_of(self.top_getall()), LIMIT + 1)
        self.assertEqual(self.r.type("d0"), b"hash")
        self.assertTrue(self.r.rename("d0", "spread"))
        self.assertEqual(self.r.delete("spread"), 1)
        self.assertEqual(self.r.dbsize(), 0)


@unittest.skipUnless(have_module("maps") and have_module("strings"), "maps.so or strings.so not built")
class TenantDepth(unittest.TestCase, DepthChecks):
    """A write network locked in a three-name namespace: its clients have 13 levels left."""
    base = 3

    @classmethod
    def setUpClass(cls):
        mods = ["resp", "strings", "maps"] + [m for m in ("lists", "sets") if have_module(m)]
        cls.srv = KeelConfigServer({
            "modules": mods,
            "networks": [
                {"name": "admin", "host": "127.0.0.1", "port": 0, "dialect": "keel"},
                {"name": "tenant", "host": "127.0.0.1", "port": 0, "namespace": "ns acme prod eu",
                 "namespace_locked": True, "permissions": ["read", "write"], "dialect": "keel"},
            ]}).start()
        cls.admin = cls.srv.client("admin")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.admin.flushall()
        self.admin.set("outside", "o")

    def open(self):
        return self.srv.client("tenant", single_connection_client=True)

    def addr(self):
        return self.srv.hosts["tenant"], self.srv.ports["tenant"]

    def test_the_issue_reproduction_from_a_locked_tenant(self):
        t = self.open()
        self.assertEqual(error_of(t, "NS", *chain(20000)), DEPTH_ERROR)
        self.assertEqual(t.execute_command("WHEREAMI"), [b"acme", b"prod", b"eu"])
        t.set("k", "v")
        other = self.open()
        self.assertIsNone(other.get("d0"))
        self.assertEqual(other.get("k"), b"v")
        self.assertEqual(error_of(t, "NS", *chain(LIMIT - self.base + 1)), DEPTH_ERROR)
        t.execute_command("NS", *chain(LIMIT - self.base))
        self.assertEqual(len(t.execute_command("WHEREAMI")), LIMIT)
        self.assertEqual(self.admin.get("outside"), b"o")
        self.assertTrue(self.admin.ping())

    def test_the_tenants_deepest_tree_is_read_renamed_and_deleted(self):
        names = self.deepest()
        self.check_no_level_can_be_added(names)
        self.check_reads_from_the_base(names)
        self.check_rename_expire_delete(names)
        self.assertEqual(self.admin.keys("*"), [b"outside"])   # the tenant's tree emptied away
        self.assertEqual(self.admin.get("outside"), b"o")

    def test_the_admin_sees_the_whole_tree_from_the_top(self):
        names = self.deepest()
        everything = json_replies(self.srv.hosts["admin"], self.srv.ports["admin"], ("GETALL",))[0]
        self.assertEqual(depth_of(everything), LIMIT + 1)
        self.assertEqual(everything["acme"]["prod"]["eu"], {names[0]: expected_tree(names, self.deepest_leaf())})
        self.assertEqual(self.admin.delete("acme"), 1)
        self.assertEqual(self.admin.keys("*"), [b"outside"])


class ConfiguredDepth(unittest.TestCase):
    """A network's namespace in the config obeys the same limit."""

    def check(self, namespace):
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "keel-depth-%d.json" % os.getpid())
        with open(path, "w") as f:
            json.dump({"networks": [{"name": "n", "port": 0, "namespace": namespace}]}, f)
        args = [SERVER, "--check-config", path]
        if MODULE_DIR:
            args += ["--module-dir", MODULE_DIR]
        try:
            out = subprocess.run(args, capture_output=True, text=True, timeout=60)
        finally:
            os.unlink(path)
        return out.returncode, out.stderr

    def test_a_configured_namespace_deeper_than_the_limit_is_refused(self):
        rc, err = self.check("ns " + " ".join(chain(LIMIT + 1)))
        self.assertEqual(rc, 1)
        self.assertIn("$.networks[0].namespace: " + DEPTH_ERROR, err)
        rc, err = self.check("ns " + " ".join(chain(20000)))
        self.assertEqual(rc, 1)
        self.assertIn("$.networks[0].namespace: " + DEPTH_ERROR, err)
        rc, err = self.check("ns ok " + "x" * 513)
        self.assertEqual(rc, 1)
        self.assertIn("$.networks[0].namespace: namespace names are at most 512 bytes", err)
        rc, err = self.check("ns " + " ".join(chain(LIMIT)))
        self.assertEqual(rc, 0, err)

    @unittest.skipUnless(have_module("maps") and have_module("strings"), "maps.so or strings.so not built")
    def test_a_network_at_the_limit_cannot_go_deeper(self):
        with KeelConfigServer({"modules": ["resp", "strings", "maps"], "networks": [
                {"name": "admin", "host": "127.0.0.1", "port": 0, "dialect": "keel"},
                {"name": "full", "host": "127.0.0.1", "port": 0, "namespace": "ns " + " ".join(chain(LIMIT)),
                 "namespace_locked": True, "dialect": "keel"}]}) as srv:
            c = srv.client("full", single_connection_client=True)
            self.assertEqual(len(c.execute_command("WHEREAMI")), LIMIT)
            self.assertEqual(error_of(c, "NS", "x"), DEPTH_ERROR)
            self.assertEqual(error_of(c, "HSET", "m", "f", "v"), DEPTH_ERROR)
            c.set("k", "v")
            got = json_replies(srv.hosts["admin"], srv.ports["admin"], ("GET", "d0"))[0]
            self.assertEqual(depth_of(got), LIMIT)
            self.assertEqual(srv.client("admin").delete("d0"), 1)


if __name__ == "__main__":
    unittest.main()
