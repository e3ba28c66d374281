"""test_memcache_binary.py -- memcached's binary protocol on Keel's memcached listener, through
real sockets: every exchange of a list of raw binary frames (each opcode, quiet variants, misses
and errors, frames that close the connection) must read the same from Keel as from Debian's
memcached 1.6.18, byte for byte but for CAS values and the version string; a CAS round trip
behaves the same on both; libmemcached's binary mode (memccp/memccat/memcrm/memcexist/memctouch/
memcflush/memcstat --binary, memccapable -b) works; and hostile frames (truncated headers, lengths
that lie, 4 GB bodies, unknown opcodes, clients that vanish mid-request) get memcached's answer
while the server keeps serving everyone.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import memcache_bin as mb
from keel_harness import MODULE_DIR, KeelServer, free_port


def require_memcache_module():
    for so in ("memcache.so", "mcitems.so"):
        if MODULE_DIR and not os.path.exists(os.path.join(MODULE_DIR, so)):
            raise unittest.SkipTest(so + " is not built")


F = mb.frame
ONE_MB = 1024 * 1024

# Exchanges sent to both servers (each on a fresh connection after a flush), with a marking
# NOOP appended by the client.
SAME = [
    ("version is answered with the opaque", F(mb.VERSION, opaque=7)),
    ("get and getk miss", F(mb.GET, b"nokey", opaque=1) + F(mb.GETK, b"nokey", opaque=2)),
    ("quiet misses say nothing", F(mb.GETQ, b"nokey", opaque=1) + F(mb.GETKQ, b"nokey", opaque=2)
     + F(mb.GATQ, b"nokey", b"\0\0\0\5", opaque=3) + F(mb.GATKQ, b"nokey", b"\0\0\0\5", opaque=4)),
    ("set then every get", mb.store(mb.SET, b"k", b"hello", flags=5, opaque=1)
     + F(mb.GET, b"k", opaque=2) + F(mb.GETK, b"k", opaque=3) + F(mb.GETQ, b"k", opaque=4)
     + F(mb.GETKQ, b"k", opaque=5)),
    ("binary keys and values", mb.store(mb.SET, b"a b\r\n\0", b"\0\1\2 \r\n", opaque=1)
     + F(mb.GETK, b"a b\r\n\0", opaque=2)),
    ("empty value", mb.store(mb.SET, b"e", b"", opaque=1) + F(mb.GET, b"e", opaque=2)),
    ("add replace", mb.store(mb.ADD, b"k", b"a", opaque=1) + mb.store(mb.ADD, b"k", b"b", opaque=2)
     + mb.store(mb.REPLACE, b"nokey", b"c", opaque=3) + mb.store(mb.REPLACE, b"k", b"d", 9, opaque=4)
     + F(mb.GET, b"k", opaque=5)),
    ("quiet stores", mb.store(mb.SETQ, b"k", b"a", opaque=1) + mb.store(mb.ADDQ, b"k", b"b", opaque=2)
     + mb.store(mb.ADDQ, b"j", b"b", opaque=3) + mb.store(mb.REPLACEQ, b"nokey", b"c", opaque=4)
     + F(mb.GETK, b"k", opaque=5) + F(mb.GETK, b"j", opaque=6)),
    ("append prepend", mb.store(mb.SET, b"k", b"mid", flags=3, opaque=1)
     + F(mb.APPEND, b"k", value=b"-end", opaque=2) + F(mb.PREPEND, b"k", value=b"start-", opaque=3)
     + F(mb.APPENDQ, b"k", value=b"!", opaque=4) + F(mb.APPEND, b"nokey", value=b"x", opaque=5)
     + F(mb.PREPENDQ, b"nokey", value=b"x", opaque=6) + F(mb.GET, b"k", opaque=7)),
    ("delete", mb.store(mb.SET, b"k", b"v", opaque=1) + F(mb.DELETE, b"k", opaque=2)
     + F(mb.DELETE, b"k", opaque=3) + F(mb.DELETEQ, b"k", opaque=4)
     + mb.store(mb.SET, b"k", b"v", opaque=5) + F(mb.DELETEQ, b"k", opaque=6) + F(mb.GET, b"k", opaque=7)),
    ("incr decr", mb.arith(mb.INCR, b"n", 1, 0, 0xFFFFFFFF, opaque=1)
     + mb.arith(mb.INCR, b"n", 1, 10, 0, opaque=2) + mb.arith(mb.INCR, b"n", 5, 10, 0, opaque=3)
     + mb.arith(mb.DECR, b"n", 100, 0, 0, opaque=4) + mb.arith(mb.INCRQ, b"n", 7, opaque=5)
     + mb.arith(mb.DECRQ, b"n", 2, opaque=6) + mb.arith(mb.INCR, b"n", 2 ** 64 - 1, opaque=7)
     + mb.arith(mb.INCR, b"n", 100, opaque=8) + F(mb.GET, b"n", opaque=9)),
    ("incr on text", mb.store(mb.SET, b"s", b"abc", opaque=1) + mb.arith(mb.INCR, b"s", 1, opaque=2)
     + mb.store(mb.SET, b"s", b"41", opaque=3) + mb.arith(mb.INCR, b"s", 1, opaque=4)
     + F(mb.GET, b"s", opaque=5)),
    ("touch gat gatk", mb.store(mb.SET, b"k", b"v", flags=4, opaque=1) + mb.touch(mb.TOUCH, b"k", 100, 2)
     + mb.touch(mb.TOUCH, b"nokey", 100, 3) + mb.touch(mb.GAT, b"k", 100, 4)
     + mb.touch(mb.GATK, b"k", 100, 5) + mb.touch(mb.GATK, b"nokey", 100, 6)
     + mb.touch(mb.GATQ, b"k", 100, 7) + mb.touch(mb.GATKQ, b"k", 100, 8)),
    ("flush and flushq", mb.store(mb.SET, b"k", b"v", opaque=1) + F(mb.FLUSH, opaque=2)
     + F(mb.GET, b"k", opaque=3) + mb.store(mb.SET, b"k", b"v", opaque=4) + F(mb.FLUSHQ, opaque=5)
     + F(mb.GET, b"k", opaque=6)),
    ("unknown opcodes without a body", F(0x55, opaque=1) + F(0xFF, opaque=2)),
    ("opaques of every size", b"".join(F(mb.GETK, b"k%d" % i, opaque=o) for i, o in
                                       enumerate([0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]))),
    ("stat reset and an unknown group", F(mb.STAT, b"reset", opaque=1) + F(mb.STAT, b"bogus", opaque=2)),
    ("a value over 1 MB is refused and a refused set drops the old value",
     mb.store(mb.SET, b"big", b"old", opaque=1) + mb.store(mb.SET, b"big", b"x" * (ONE_MB + 1), opaque=2)
     + F(mb.GET, b"big", opaque=3) + mb.store(mb.ADD, b"big2", b"x" * (ONE_MB + 1), opaque=4)),
    # frames memcached closes the connection for
    ("a key longer than the body", F(mb.GET, b"k", bodylen=0, opaque=1)),
    ("extras and key longer than the body", F(mb.SET, b"k", b"12345678", bodylen=4, opaque=1)),
    ("a get with extras", F(mb.GET, b"k", b"abcd", opaque=1)),
    ("a key of 251 bytes", F(mb.GET, b"k" * 251, opaque=1)),
    ("a key of 250 bytes is fine", F(mb.GETK, b"k" * 250, opaque=1)),
    ("a delete without a key", F(mb.DELETE, opaque=1)),
    ("a noop with a body", F(mb.NOOP, value=b"x", opaque=1)),
    ("incr with short extras", F(mb.INCR, b"n", b"\0" * 12, opaque=1)),
    ("a set without extras", F(mb.SET, b"k", value=b"v", opaque=1)),
    ("flush with 8 bytes of extras", F(mb.FLUSH, extras=b"\0" * 8, opaque=1)),
    ("a response magic after a request", F(mb.NOOP, opaque=1) + F(mb.GET, b"k", magic=mb.RES, opaque=2)),
    ("quit answers then closes", F(mb.QUIT, opaque=3) + F(mb.GET, b"k", opaque=4)),
    ("quitq closes without a word", F(mb.QUITQ, opaque=3) + F(mb.GET, b"k", opaque=4)),
]


def normalize(responses):
    out = []
    for r in responses:
        if r == "closed":
            out.append(r)
            continue
        value = r.value
        if r.op == mb.VERSION and r.status == 0:
            value = value.split(b"-keel-")[0]
        out.append((r.op, r.status, r.extras, r.key, value, r.opaque, bool(r.cas)))
    return out


def fresh(port):
    c = mb.Client(port)
    r = c.call(F(mb.FLUSH, opaque=0))
    assert r.status == 0, r
    return c


class BinaryCompat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_memcache_module()
        if not shutil.which("memcached"):
            raise unittest.SkipTest("memcached is not installed")
        cls.mc_port = free_port()
        cls.memcached = subprocess.Popen(
            ["memcached", "-l", "127.0.0.1", "-p", str(cls.mc_port), "-U", "0", "-t", "2", "-u", "nobody"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.port = free_port()
        cls.srv = KeelServer("--memcache-port", str(cls.port), threads=2).start()
        mb.wait_port(cls.mc_port)

    @classmethod
    def tearDownClass(cls):
        cls.memcached.terminate()
        cls.memcached.wait(10)
        cls.srv.stop()

    def run_both(self, data):
        got = []
        for port in (self.mc_port, self.port):
            c = fresh(port)
            got.append(normalize(c.exchange(data)))
            c.close()
        return got

    def test_memcache_binary_same_replies_as_memcached(self):
        self.assertGreater(len(SAME), 25)
        for name, data in SAME:
            want, got = self.run_both(data)
            self.assertEqual(got, want, name)

    def test_memcache_binary_cas_round_trip_as_memcached(self):
        def script(port):
            c = fresh(port)
            seen = []
            r1 = c.call(mb.store(mb.SET, b"k", b"10", opaque=1))
            ok = c.call(mb.store(mb.SET, b"k", b"11", opaque=2, cas=r1.cas))
            stale = c.call(mb.store(mb.SET, b"k", b"12", opaque=3, cas=r1.cas))
            g = c.call(mb.frame(mb.GET, b"k", opaque=4))
            seen += [r.status for r in (r1, ok, stale, g)]
            seen.append(g.cas == ok.cas and ok.cas != r1.cas)
            seen.append(c.call(mb.store(mb.ADD, b"k", b"20", opaque=5, cas=g.cas)).status)    # a CAS makes add a cas
            g = c.call(mb.frame(mb.GET, b"k", opaque=6))
            seen.append(g.value)
            inc = c.call(mb.arith(mb.INCR, b"k", 1, opaque=7, cas=g.cas))
            seen += [inc.status, inc.number(), inc.cas != g.cas]
            seen.append(c.call(mb.arith(mb.INCR, b"k", 1, opaque=8, cas=g.cas)).status)       # stale
            seen.append(c.call(mb.frame(mb.APPEND, b"k", value=b"0", opaque=9, cas=g.cas)).status)
            app = c.call(mb.frame(mb.APPEND, b"k", value=b"0", opaque=10, cas=inc.cas))
            seen += [app.status, app.cas != inc.cas]
            seen.append(c.call(mb.frame(mb.DELETE, b"k", opaque=11, cas=inc.cas)).status)     # stale
            seen.append(c.call(mb.frame(mb.DELETE, b"k", opaque=12, cas=app.cas)).status)
            seen.append(c.call(mb.store(mb.SET, b"k", b"v", opaque=13, cas=app.cas)).status)  # gone
            c.close()
            return seen
        want = script(self.mc_port)
        self.assertEqual(script(self.port), want)
        self.assertEqual(want[:4], [0, 0, mb.EEXISTS, 0])

    def test_memcache_binary_stats_groups(self):
        c = fresh(self.port)
        c.send(mb.frame(mb.STAT, opaque=5))
        stats = {}
        while True:
            r = c.read()
            self.assertEqual((r.op, r.status, r.opaque), (mb.STAT, 0, 5))
            if not r.key:
                self.assertEqual(r.value, b"")
                break
            stats[r.key] = r.value
        self.assertIn(b"version", stats)
        self.assertTrue(stats[b"pid"].isdigit())
        c.send(mb.frame(mb.STAT, b"settings", opaque=6))
        settings = {}
        while True:
            r = c.read()
            if not r.key:
                break
            settings[r.key] = r.value
        self.assertEqual(settings[b"item_size_max"], b"1048576")
        self.assertEqual(settings[b"binding_protocol"], b"auto-negotiate")   # as memcached's default
        c.close()

    def test_memcache_binary_text_and_binary_share_items(self):
        c = fresh(self.port)
        c.call(mb.store(mb.SET, b"shared", b"from binary", flags=7))
        c.close()
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.sendall(b"get shared\r\nset t 3 0 4\r\ntext\r\n")
        buf = b""
        while not buf.endswith(b"STORED\r\n"):
            buf += s.recv(4096)
        s.close()
        self.assertEqual(buf, b"VALUE shared 7 11\r\nfrom binary\r\nEND\r\nSTORED\r\n")
        c = mb.Client(self.port)
        r = c.call(mb.frame(mb.GETK, b"t"))
        self.assertEqual((r.status, r.flags(), r.key, r.value), (0, 3, b"t", b"text"))
        self.assertEqual(self.srv.client().get("shared"), b"from binary")   # and RESP sees it
        c.close()


class BinaryTools(unittest.TestCase):
    TOOLS = ["memccp", "memccat", "memcexist", "memctouch", "memcrm", "memcflush", "memcstat",
             "memccapable"]

    @classmethod
    def setUpClass(cls):
        require_memcache_module()
        missing = [t for t in cls.TOOLS if not shutil.which(t)]
        if missing:
            raise unittest.SkipTest("libmemcached-tools missing: %s" % " ".join(missing))
        cls.port = free_port()
        cls.srv = KeelServer("--memcache-port", str(cls.port), threads=2).start()
        cls.servers = "--servers=127.0.0.1:%d" % cls.port
        cls.dir = tempfile.mkdtemp(prefix="keel-mcbin-")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def tool(self, *args, check=True):
        out = subprocess.run(list(args), capture_output=True, timeout=60, cwd=self.dir)
        if check and out.returncode != 0:
            raise AssertionError("%s failed (%d): %s %s" % (args, out.returncode, out.stdout, out.stderr))
        return out

    def test_memcache_binary_libmemcached_tools(self):
        blob = os.urandom(200000)
        with open(os.path.join(self.dir, "b.bin"), "wb") as f:
            f.write(blob)
        self.tool("memccp", "--binary", self.servers, "--flag=9", "--expire=300", "b.bin")
        self.assertEqual(self.srv.client().get("b.bin"), blob)
        self.assertTrue(290 <= self.srv.client().ttl("b.bin") <= 300)
        self.assertEqual(self.tool("memccat", "--binary", self.servers, "--flag", "b.bin").stdout,
                         b"9\n" + blob + b"\n")
        self.assertEqual(self.tool("memcexist", "--binary", self.servers, "b.bin", check=False).returncode, 0)
        self.assertNotEqual(self.tool("memcexist", "--binary", self.servers, "nope", check=False).returncode, 0)
        self.tool("memctouch", "--binary", self.servers, "--expire=1000", "b.bin")
        self.assertTrue(990 <= self.srv.client().ttl("b.bin") <= 1000)
        self.tool("memcrm", "--binary", self.servers, "b.bin")
        self.assertIsNone(self.srv.client().get("b.bin"))
        self.assertNotEqual(self.tool("memccat", "--binary", self.servers, "b.bin", check=False).returncode, 0)
        self.srv.client().set("x", "1")
        self.tool("memcflush", "--binary", self.servers)
        self.assertIsNone(self.srv.client().get("x"))
        stat = self.tool("memcstat", "--binary", self.servers).stdout
        self.assertIn(b"version: 1.6.18-keel-", stat)
        self.assertIn(b"curr_connections:", stat)

    def test_memcache_binary_memccapable(self):
        out = self.tool("memccapable", "-b", "-h", "127.0.0.1", "-p", str(self.port), "-t", "10")
        self.assertIn(b"All tests passed", out.stdout)
        self.assertIn(b"binary getkq", out.stdout)


class BinaryAttacks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_memcache_module()
        cls.port = free_port()
        cls.srv = KeelServer("--memcache-port", str(cls.port), threads=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def assert_serving(self):
        c = mb.Client(self.port)
        self.assertEqual(c.call(mb.frame(mb.VERSION, opaque=3)).status, 0)
        c.close()

    def test_memcache_binary_truncated_frames_then_gone(self):
        for data in (b"\x80", b"\x80\x01\x00", mb.frame(mb.GET, b"key")[:23],
                     mb.store(mb.SET, b"k", b"v" * 1000)[:600], mb.frame(mb.GET, b"k" * 200)[:100]):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            s.sendall(data)
            s.close()
        self.assert_serving()
        self.assertIsNone(self.srv.client().get("k"))   # the half-sent set stored nothing

    def test_memcache_binary_four_gigabyte_body_is_refused_unread(self):
        c = mb.Client(self.port)
        header = mb.frame(mb.SET, b"big", b"\0" * 8, bodylen=0xFFFFFFFF)
        r = c.call(header)                   # answered before any of the body is sent
        self.assertEqual((r.op, r.status, r.value), (mb.SET, mb.E2BIG, b"Too large."))
        c.send(b"\x80" * 100000)             # skipped as part of the refused body
        c.close()
        self.assert_serving()
        c = mb.Client(self.port)
        r = c.call(mb.frame(mb.GET, b"x", bodylen=0xFFFFFFFF))   # a get cannot have a body
        self.assertEqual(r.status, mb.EINVAL)
        self.assertTrue(c.closed())
        self.assert_serving()

    def test_memcache_binary_unknown_opcodes_skip_their_bodies(self):
        c = mb.Client(self.port)
        data = b"".join(mb.frame(op, b"key", b"ex", b"some value" * i, opaque=op)
                        for i, op in enumerate([0x1B, 0x25, 0x30, 0x55, 0x7F, 0xFE]))
        got = c.exchange(data + mb.store(mb.SET, b"after", b"ok", opaque=9))
        self.assertEqual([(r.op, r.status, r.value, r.opaque) for r in got],
                         [(op, mb.UNKNOWN, b"Unknown command", op) for op in [0x1B, 0x25, 0x30, 0x55, 0x7F, 0xFE]]
                         + [(mb.SET, 0, b"", 9)])
        c.close()

    def test_memcache_binary_lies_close_only_that_connection(self):
        other = mb.Client(self.port)
        other.call(mb.store(mb.SET, b"mine", b"kept"))
        for data in (mb.frame(mb.GET, b"key", bodylen=2), mb.frame(mb.INCR, b"k", b"\0" * 20, bodylen=30),
                     mb.frame(mb.SET, b"k", b"\0" * 8, bodylen=5), mb.frame(0x55, b"k" * 300)):
            c = mb.Client(self.port)
            got = c.exchange(data)
            self.assertEqual(got[-1], "closed", data[:24])
            self.assertIn(got[0].status, (mb.EINVAL, mb.UNKNOWN))
            c.close()
        r = other.call(mb.frame(mb.GET, b"mine"))
        self.assertEqual(r.value, b"kept")
        other.close()

    def test_memcache_binary_deep_quiet_pipeline(self):
        c = mb.Client(self.port)
        n = 3000
        data = b"".join(mb.store(mb.SETQ, b"p%d" % i, b"v%d" % i, opaque=i) for i in range(n))
        data += b"".join(mb.frame(mb.GETKQ, b"p%d" % i if i % 3 else b"miss%d" % i, opaque=i) for i in range(n))
        got = c.exchange(data)
        want = [i for i in range(n) if i % 3]
        self.assertEqual([r.opaque for r in got], want)
        self.assertTrue(all(r.value == b"v%d" % r.opaque and r.key == b"p%d" % r.opaque for r in got))
        c.close()


if __name__ == "__main__":
    unittest.main()
