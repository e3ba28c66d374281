"""test_memcache_access.py -- what a memcached client may do on a network, through real sockets:
meta get flags that write (T N R) need the write permission, over memcached and over RESP; the
binary protocol meets the same permissions as the text one; a delayed flush_all needs write and
belongs to the namespace of the client that asked for it (a tenant's never reaches beyond the
tenant, an operator's is never carried out inside a tenant); and the item size limit follows
the network option memcache.item_size_max (memcached's -I) up to 1 GB.
"""
import os
import socket
import time
import unittest

import redis

import memcache_bin as mb
from keel_harness import MODULE_DIR, KeelConfigServer

RW, RO = ["read", "write", "stats"], ["read", "stats"]
TENANT = {"namespace": "ns t1", "namespace_locked": True}
NOPERM = b"NOPERM this network does not allow"


def require_modules():
    for m in ("memcache", "resp", "strings"):
        if MODULE_DIR and not os.path.exists(os.path.join(MODULE_DIR, m + ".so")):
            raise unittest.SkipTest(m + ".so is not built")


def mc(net, proto="memcache", perms=RW, **extra):
    return dict({"name": net, "port": 0, "protocol": proto, "permissions": perms}, **extra)


class Access(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_modules()
        nets = [mc("mc_rw"), mc("mc_ro", perms=RO), mc("mc_t1", **TENANT), mc("mc_t1_ro", perms=RO, **TENANT),
                mc("resp", "resp", ["read", "write", "admin", "stats"]), mc("resp_ro", "resp", ["read"]),
                mc("resp_t1", "resp", **TENANT),
                mc("mc_2m", options={"memcache.item_size_max": "2m"}),
                mc("mc_1g", options={"memcache.item_size_max": "1g"}),
                mc("mc_bad", options={"memcache.item_size_max": "3g"}),
                mc("resp_2m", "resp", options={"memcache.item_size_max": "2m"}),
                mc("mc_pass", requirepass="sesame")]
        cls.srv = KeelConfigServer({"modules": ["resp", "memcache", "mcitems", "strings"], "threads": 2,
                                    "networks": nets}).start()
        cls.top = cls.srv.client("resp")
        cls.t1 = cls.srv.client("resp_t1")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        # no delayed flush left from another test: an immediate flush_all cancels each namespace's
        for net in ("mc_t1", "mc_rw"):
            self.assertEqual(self.text(net, b"flush_all\r\n"), b"OK\r\n")

    def text(self, net, data):
        """Sends text requests plus "mn"; returns the replies before its MN."""
        with socket.create_connection(("127.0.0.1", self.srv.ports[net]), timeout=30) as s:
            s.sendall(data + b"mn\r\n")
            buf = b""
            while not buf.endswith(b"MN\r\n"):
                chunk = s.recv(1 << 16)
                if not chunk:
                    return buf + b"<closed>"
                buf += chunk
        return buf[:-4]

    def binary(self, net, data):
        c = mb.Client(self.srv.ports[net])
        try:
            return c.exchange(data)
        finally:
            c.close()

    def wait_past(self, seconds):
        """Sleeps until a flush_all <seconds> sent before the call is certainly due."""
        time.sleep(seconds + 0.5)

    # ---- meta get flags ----

    def test_memcache_access_meta_get_writes_need_write(self):
        self.top.set("k", "v")
        self.top.expire("k", 1000)
        for flags in (b"T1", b"N30", b"R30 t"):
            reply = self.text("mc_ro", b"mg k v " + flags + b"\r\n")
            self.assertIn(NOPERM, reply, flags)
            self.assertIn(b"'mc.mg' command (it needs the write permission)", reply)
        self.assertIn(NOPERM, self.text("mc_ro", b"mg nk v N30\r\n"))
        self.assertGreater(self.top.ttl("k"), 900)          # the TTL did not change
        self.assertEqual(self.top.exists("nk"), 0)          # nothing was created
        self.assertEqual(self.text("mc_ro", b"mg k v\r\nmg k s v c\r\n")[:11], b"VA 1\r\nv\r\nVA")
        ro = self.srv.client("resp_ro")
        with self.assertRaises(redis.ResponseError) as e:
            ro.execute_command("MC.MG", "k", "v", "T1")
        self.assertIn("needs the write permission", str(e.exception))
        with self.assertRaises(redis.ResponseError):
            ro.execute_command("MC.MG", "nk", "N30")
        self.assertEqual(ro.execute_command("MC.MG", "k", "v"), [6, b"", b"v"])   # MC_HIT
        self.assertGreater(self.top.ttl("k"), 900)
        self.assertEqual(self.text("mc_rw", b"mg k T50\r\n"), b"HD\r\n")   # a writer may
        self.assertLessEqual(self.top.ttl("k"), 50)

    # ---- binary requests and permissions ----

    def test_memcache_access_binary_read_only_refusals(self):
        self.top.set("k", "v")
        self.top.set("n", "5")
        F, st, ar, tc = mb.frame, mb.store, mb.arith, mb.touch
        refused = [st(mb.SET, b"k", b"x"), st(mb.SETQ, b"k", b"x"), st(mb.ADD, b"new", b"x"),
                   st(mb.REPLACE, b"k", b"x"), F(mb.APPEND, b"k", value=b"x"), F(mb.PREPENDQ, b"k", value=b"x"),
                   F(mb.DELETE, b"k"), F(mb.DELETEQ, b"k"), ar(mb.INCR, b"n", 1), ar(mb.DECRQ, b"n", 1),
                   ar(mb.INCR, b"new", 1, 7, 0), tc(mb.TOUCH, b"k", 10), tc(mb.GAT, b"k", 10),
                   tc(mb.GATKQ, b"k", 10), F(mb.FLUSH), F(mb.FLUSHQ), F(mb.FLUSH, extras=b"\0\0\0\1")]
        for i, req in enumerate(refused):
            got = self.binary("mc_ro", req)
            self.assertEqual(len(got), 1, req[:2])
            self.assertEqual(got[0].status, mb.AUTH_ERROR, req[:2])
            self.assertIn(NOPERM, got[0].value)
        got = self.binary("mc_ro", F(mb.GETK, b"k", opaque=1) + F(mb.GET, b"n", opaque=2) + F(mb.VERSION))
        self.assertEqual([(r.status, r.value) for r in got][:2], [(0, b"v"), (0, b"5")])
        self.assertEqual(self.top.get("k"), b"v")
        self.assertEqual(self.top.get("n"), b"5")
        self.assertEqual(self.top.exists("new"), 0)
        self.assertEqual(self.top.ttl("k"), -1)
        self.wait_past(1)                                  # the refused delayed flush is not there
        self.assertEqual(self.binary("mc_rw", F(mb.GET, b"k"))[0].value, b"v")
        self.assertEqual(self.binary("mc_rw", st(mb.SET, b"k", b"w"))[0].status, 0)

    # ---- delayed flush_all ----

    def test_memcache_access_delayed_flush_needs_write(self):
        self.top.set("top", "1")
        self.assertIn(NOPERM, self.text("mc_ro", b"flush_all 1\r\n"))
        self.assertEqual(self.text("mc_ro", b"flush_all 1 noreply\r\n"), b"")
        # nor may a read-only client cancel someone else's: flush_all now is refused too
        self.assertEqual(self.text("mc_rw", b"flush_all 1\r\n"), b"OK\r\n")
        self.top.set("top", "2")
        self.assertIn(NOPERM, self.text("mc_ro", b"flush_all\r\n"))
        self.wait_past(1)
        self.assertEqual(self.text("mc_ro", b"get top\r\n"), b"END\r\n")    # the writer's flush ran
        self.assertIsNone(self.top.get("top"))

    def test_memcache_access_tenant_delayed_flush_stays_in_the_tenant(self):
        self.top.set("top", "operator")
        self.t1.set("k", "tenant")
        self.assertEqual(self.text("mc_t1", b"flush_all 1\r\n"), b"OK\r\n")
        self.wait_past(1)
        # an operator's request does not carry out the tenant's flush, nor flush the operator
        self.assertEqual(self.text("mc_rw", b"get top\r\n"), b"VALUE top 0 8\r\noperator\r\nEND\r\n")
        self.assertEqual(self.t1.get("k"), b"tenant")
        # any memcached request in the tenant's namespace does, read-only or not, and only there
        self.assertEqual(self.text("mc_t1_ro", b"get k\r\n"), b"END\r\n")
        self.assertIsNone(self.t1.get("k"))
        self.assertEqual(self.top.get("top"), b"operator")

    def test_memcache_access_operator_delayed_flush_is_not_run_by_a_tenant(self):
        self.top.set("top", "operator")
        self.t1.set("k", "tenant")
        self.assertEqual(self.text("mc_rw", b"flush_all 1\r\n"), b"OK\r\n")
        self.wait_past(1)
        self.assertEqual(self.text("mc_t1", b"get k\r\n"), b"VALUE k 0 6\r\ntenant\r\nEND\r\n")
        self.assertEqual(self.top.get("top"), b"operator")
        self.assertEqual(self.text("mc_rw", b"get top\r\n"), b"END\r\n")
        self.assertIsNone(self.top.get("top"))
        self.assertIsNone(self.t1.get("k"))                # the operator's flush is the whole server

    def test_memcache_access_binary_flush_of_a_tenant(self):
        self.top.set("top", "operator")
        self.t1.set("k", "tenant")
        got = self.binary("mc_t1", mb.frame(mb.FLUSH, opaque=4))
        self.assertEqual([(r.op, r.status, r.opaque) for r in got], [(mb.FLUSH, 0, 4)])
        self.assertIsNone(self.t1.get("k"))
        self.assertEqual(self.top.get("top"), b"operator")
        self.t1.set("k", "again")
        got = self.binary("mc_t1", mb.frame(mb.FLUSHQ, extras=b"\0\0\0\1"))
        self.assertEqual(got, [])                           # quiet
        self.wait_past(1)
        self.assertEqual(self.binary("mc_rw", mb.frame(mb.GET, b"top"))[0].value, b"operator")
        self.assertEqual(self.t1.get("k"), b"again")
        self.assertEqual(self.binary("mc_t1", mb.frame(mb.GET, b"k"))[0].status, mb.ENOENT)
        self.assertEqual(self.top.get("top"), b"operator")

    def test_memcache_access_binary_sasl_plain_and_a_due_flush_before_auth(self):
        F = mb.frame
        self.top.set("k", "v")
        c = mb.Client(self.srv.ports["mc_pass"])
        r = c.call(F(mb.GET, b"k", opaque=1))
        self.assertEqual((r.status, r.value), (mb.AUTH_ERROR, b"Auth failure."))
        self.assertEqual(c.call(F(mb.SASL_LIST)).value, b"PLAIN")
        r = c.call(F(mb.SASL_AUTH, b"PLAIN", value=b"\0user\0wrong", opaque=2))
        self.assertEqual((r.status, r.value, r.opaque), (mb.AUTH_ERROR, b"Auth failure.", 2))
        self.assertEqual(c.call(F(mb.SASL_AUTH, b"CRAM-MD5", value=b"x")).status, mb.AUTH_ERROR)
        # a due flush of the top namespace, scheduled by a writer, is carried out by the next
        # request there, even one that is then refused for want of AUTH (and only once)
        self.assertEqual(self.text("mc_rw", b"flush_all 1\r\n"), b"OK\r\n")
        self.wait_past(1)
        self.assertEqual(c.call(F(mb.GET, b"k")).status, mb.AUTH_ERROR)
        self.assertIsNone(self.top.get("k"))
        r = c.call(F(mb.SASL_AUTH, b"PLAIN", value=b"\0user\0sesame", opaque=3))
        self.assertEqual((r.status, r.value, r.opaque), (0, b"Authenticated", 3))
        self.assertEqual(c.call(mb.store(mb.SET, b"k", b"w")).status, 0)
        self.assertEqual(c.call(F(mb.GET, b"k")).value, b"w")
        c.close()

    # ---- item size ----

    def test_memcache_access_item_size_follows_the_network_option(self):
        big = b"x" * (1024 * 1024 + 10)
        two_mb = 2 * 1024 * 1024
        stored = self.text("mc_2m", b"set big 0 0 %d\r\n%s\r\nget big\r\n" % (len(big), big))
        self.assertEqual(stored, b"STORED\r\nVALUE big 0 %d\r\n%s\r\nEND\r\n" % (len(big), big))
        self.assertEqual(self.text("mc_2m", b"set b2 0 0 %d\r\n%s\r\n" % (two_mb, b"y" * two_mb)),
                         b"STORED\r\n")
        over = b"z" * (two_mb + 1)
        self.assertEqual(self.text("mc_2m", b"set big 0 0 %d\r\n%s\r\nget big\r\n" % (len(over), over)),
                         b"SERVER_ERROR object too large for cache\r\nEND\r\n")
        self.assertEqual(self.text("mc_2m", b"ms m %d\r\n%s\r\n" % (len(big), big)), b"HD\r\n")
        self.assertEqual(self.text("mc_2m", b"append b2 0 0 1\r\nz\r\n"),
                         b"SERVER_ERROR object too large for cache\r\n")
        self.assertIn(b"STAT item_size_max 2097152\r\n", self.text("mc_2m", b"stats settings\r\n"))
        got = self.binary("mc_2m", mb.store(mb.SET, b"bb", over) + mb.store(mb.SET, b"bb", big, opaque=2))
        self.assertEqual([(r.status, r.opaque) for r in got], [(mb.E2BIG, 0), (0, 2)])
        # the default elsewhere: 1 MB
        self.assertEqual(self.text("mc_rw", b"set big 0 0 %d\r\n%s\r\n" % (len(big), big)),
                         b"SERVER_ERROR object too large for cache\r\n")
        self.assertIn(b"STAT item_size_max 1048576\r\n", self.text("mc_rw", b"stats settings\r\n"))
        # MC.* commands over RESP follow their own network's option
        self.assertEqual(self.srv.client("resp_2m").execute_command("MC.SET", "r", big, 0, 0), 0)
        with self.assertRaises(redis.ResponseError) as e:
            self.top.execute_command("MC.SET", "r", big, 0, 0)
        self.assertIn("object too large", str(e.exception))

    def test_memcache_access_item_size_of_a_gigabyte(self):
        three_mb = b"t" * (3 * 1024 * 1024)
        self.assertEqual(self.text("mc_1g", b"set k 0 0 %d\r\n%s\r\n" % (len(three_mb), three_mb)),
                         b"STORED\r\n")
        self.assertIn(b"STAT item_size_max 1073741824\r\n", self.text("mc_1g", b"stats settings\r\n"))
        # one byte over the gigabyte: refused at once, before any data is sent
        with socket.create_connection(("127.0.0.1", self.srv.ports["mc_1g"]), timeout=30) as s:
            s.sendall(b"set k 0 0 1073741825\r\n")
            buf = b""
            while not buf.endswith(b"\r\n"):
                buf += s.recv(4096)
        self.assertEqual(buf, b"SERVER_ERROR object too large for cache\r\n")
        c = mb.Client(self.srv.ports["mc_1g"])
        r = c.call(mb.frame(mb.SET, b"k", b"\0" * 8, bodylen=8 + 1 + (1 << 30) + 1))
        self.assertEqual(r.status, mb.E2BIG)
        c.close()

    def test_memcache_access_bad_item_size_option_is_logged_and_ignored(self):
        self.assertIn(b"STAT item_size_max 1048576\r\n", self.text("mc_bad", b"stats settings\r\n"))
        big = b"x" * (1024 * 1024 + 1)
        self.assertEqual(self.text("mc_bad", b"set big 0 0 %d\r\n%s\r\n" % (len(big), big)),
                         b"SERVER_ERROR object too large for cache\r\n")
        deadline = time.time() + 20
        while "memcache.item_size_max" not in self.srv.read_log() and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn('option memcache.item_size_max "3g" is not a size', self.srv.read_log())


if __name__ == "__main__":
    unittest.main()
