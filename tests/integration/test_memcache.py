"""test_memcache.py -- memcache.so against a real keel-server, through Debian's pymemcache and raw
sockets: every text command, noreply, errors and limits (key length, control characters, item
size, over-long lines, bad data blocks), expiry (relative, absolute, negative), CAS, incr/decr,
pipelined multi-gets over many shards, stats, meta commands, and RESP interop.
"""
import os
import random
import socket
import time
import unittest

import redis
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheClientError, MemcacheServerError

from keel_harness import MODULE_DIR, KeelServer, free_port


def require_memcache_module():
    """Skips the tests when memcache.so or mcitems.so was not built (--disable-module-...)."""
    for so in ("memcache.so", "mcitems.so"):
        if MODULE_DIR and not os.path.exists(os.path.join(MODULE_DIR, so)):
            raise unittest.SkipTest(so + " is not built")

ITEM_MAX = 1024 * 1024  # MC_ITEM_SIZE_MAX


class Raw:
    """A plain memcached connection.  cmd() sends a request followed by "mn" and returns
    everything answered before the MN that closes it, so replies are read exactly."""

    def __init__(self, port, timeout=10):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def read_until(self, end):
        while not self.buf.endswith(end):
            d = self.s.recv(1 << 20)
            if not d:
                raise EOFError("closed after %r" % self.buf[-200:])
            self.buf += d
        out, self.buf = self.buf, b""
        return out

    def cmd(self, data):
        self.send(data + b"mn\r\n")
        return self.read_until(b"MN\r\n")[:-4]

    def read_to_close(self):
        """Everything until the server closes the connection."""
        out = b""
        while True:
            d = self.s.recv(1 << 20)
            if not d:
                return self.buf + out
            out += d

    def close(self):
        self.s.close()


class MemcacheTestCase(unittest.TestCase):
    """One server for the whole class (2 threads: keys live on both); flushed per test."""

    @classmethod
    def setUpClass(cls):
        require_memcache_module()
        cls.port = free_port()
        cls.srv = KeelServer("--memcache-port", str(cls.port), threads=2).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.raw = Raw(self.port)
        self.assertEqual(self.raw.cmd(b"flush_all\r\n"), b"OK\r\n")
        self.mc = Client(("127.0.0.1", self.port), timeout=10, connect_timeout=10)

    def tearDown(self):
        self.raw.close()
        self.mc.close()

    def cmd(self, data):
        return self.raw.cmd(data)


class PyMemcache(MemcacheTestCase):
    def test_memcache_pymemcache_storage_commands(self):
        mc = self.mc
        self.assertTrue(mc.set("k", "v"))
        self.assertEqual(mc.get("k"), b"v")
        self.assertFalse(mc.add("k", "x", noreply=False))
        self.assertTrue(mc.add("n", "1", noreply=False))
        self.assertTrue(mc.replace("k", "w", noreply=False))
        self.assertFalse(mc.replace("nokey", "w", noreply=False))
        self.assertTrue(mc.append("k", "1", noreply=False))
        self.assertTrue(mc.prepend("k", "0", noreply=False))
        self.assertEqual(mc.get("k"), b"0w1")
        self.assertFalse(mc.append("nokey", "x", noreply=False))
        self.assertEqual(mc.get_many(["k", "n", "nokey"]), {"k": b"0w1", "n": b"1"})
        self.assertTrue(mc.delete("k", noreply=False))
        self.assertFalse(mc.delete("k", noreply=False))
        self.assertIsNone(mc.get("k"))

    def test_memcache_pymemcache_numbers_cas_touch(self):
        mc = self.mc
        mc.set("n", "10")
        self.assertEqual(mc.incr("n", 5), 15)
        self.assertEqual(mc.decr("n", 100), 0)
        self.assertIsNone(mc.incr("nokey", 1))
        value, cas = mc.gets("n")
        self.assertEqual(value, b"0")
        self.assertTrue(mc.cas("n", "7", cas, noreply=False))
        self.assertFalse(mc.cas("n", "8", cas, noreply=False))
        self.assertIsNone(mc.cas("nokey", "8", cas, noreply=False))
        self.assertTrue(mc.touch("n", 100, noreply=False))
        self.assertFalse(mc.touch("nokey", 100, noreply=False))

    def test_memcache_pymemcache_many_and_flush(self):
        mc = self.mc
        data = {"key:%d" % i: ("value-%d" % i).encode() for i in range(200)}
        self.assertEqual(mc.set_many(data), [])
        self.assertEqual(mc.get_many(list(data)), data)
        mc.delete_many(["key:%d" % i for i in range(100)])
        self.assertEqual(len(mc.get_many(list(data))), 100)
        self.assertTrue(mc.flush_all(noreply=False))
        self.assertEqual(mc.get_many(list(data)), {})

    def test_memcache_pymemcache_version_and_stats(self):
        self.assertTrue(self.mc.version().startswith(b"1.6.18-keel-"))
        self.mc.set("a", "1")
        self.mc.get("a")
        self.mc.get("b")
        st = self.mc.stats()
        for name in (b"pid", b"uptime", b"time", b"version", b"curr_connections",
                     b"total_connections", b"cmd_get", b"cmd_set", b"cmd_touch", b"get_hits",
                     b"get_misses", b"delete_hits", b"delete_misses", b"incr_hits",
                     b"incr_misses", b"decr_hits", b"decr_misses", b"cas_hits", b"cas_misses",
                     b"cas_badval", b"bytes", b"curr_items", b"total_items", b"evictions",
                     b"threads", b"limit_maxbytes"):
            self.assertIn(name, st)
        self.assertEqual(st[b"threads"], 2)
        self.assertEqual(st[b"evictions"], 0)
        self.assertGreaterEqual(st[b"curr_items"], 1)
        self.assertGreaterEqual(st[b"get_hits"], 1)
        self.assertGreaterEqual(st[b"get_misses"], 1)
        self.assertGreaterEqual(st[b"curr_connections"], 2)
        settings = self.mc.stats("settings")
        self.assertEqual(settings[b"item_size_max"], ITEM_MAX)

    def test_memcache_pymemcache_errors(self):
        with self.assertRaises(MemcacheClientError):
            self.mc.set("k" * 251, "v")
        self.mc.set("t", "text")
        with self.assertRaises(MemcacheClientError):
            self.mc.incr("t", 1)
        with self.assertRaises(MemcacheServerError):
            self.mc.set("big", b"x" * (ITEM_MAX + 1), noreply=False)


class TextProtocol(MemcacheTestCase):
    def test_memcache_flags_are_32_bit(self):
        self.assertEqual(self.cmd(b"set k 4294967295 0 1\r\nx\r\nget k\r\n"),
                         b"STORED\r\nVALUE k 4294967295 1\r\nx\r\nEND\r\n")
        self.assertEqual(self.cmd(b"set k 4294967296 0 1\r\n"),
                         b"CLIENT_ERROR bad command line format\r\n")
        self.assertEqual(self.cmd(b"append k 7 0 1\r\ny\r\nget k\r\n"),
                         b"STORED\r\nVALUE k 4294967295 2\r\nxy\r\nEND\r\n")

    def test_memcache_noreply_on_every_storage_command(self):
        out = self.cmd(b"set k 0 0 1 noreply\r\n1\r\nadd k 0 0 1 noreply\r\n2\r\n"
                       b"add a 0 0 1 noreply\r\n2\r\nreplace k 0 0 1 noreply\r\n3\r\n"
                       b"append k 0 0 1 noreply\r\n4\r\nprepend k 0 0 1 noreply\r\n5\r\n"
                       b"cas k 0 0 1 1 noreply\r\n6\r\nincr k 1 noreply\r\ndecr k 2 noreply\r\n"
                       b"touch k 100 noreply\r\ndelete a noreply\r\nverbosity 1 noreply\r\n"
                       b"incr x 1 noreply\r\ndelete x noreply\r\nflush_all 1000 noreply\r\n"
                       b"get k a\r\n")
        self.assertEqual(out, b"VALUE k 0 3\r\n533\r\nEND\r\n")
        self.assertEqual(self.cmd(b"flush_all noreply\r\nget k\r\n"), b"END\r\n")

    def test_memcache_unknown_and_malformed_commands(self):
        self.assertEqual(self.cmd(b"bogus\r\n"), b"ERROR\r\n")
        self.assertEqual(self.cmd(b"GET k\r\n"), b"ERROR\r\n")
        self.assertEqual(self.cmd(b"get\r\n"), b"ERROR\r\n")
        self.assertEqual(self.cmd(b"set k 0 0\r\n"), b"ERROR\r\n")
        self.assertEqual(self.cmd(b"set k x 0 1\r\n"), b"CLIENT_ERROR bad command line format\r\n")
        self.assertEqual(self.cmd(b"set k 0 0 -1\r\n"), b"CLIENT_ERROR bad command line format\r\n")
        self.assertEqual(self.cmd(b"delete k 5\r\n"),
                         b"CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n")
        self.assertEqual(self.cmd(b"touch k x\r\n"), b"CLIENT_ERROR invalid exptime argument\r\n")
        self.assertEqual(self.cmd(b"incr k x\r\n"), b"CLIENT_ERROR invalid numeric delta argument\r\n")
        self.assertEqual(self.cmd(b"set t 0 0 1\r\nx\r\nincr t 1\r\n"),
                         b"STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n")

    def test_memcache_key_limits(self):
        self.assertEqual(self.cmd(b"set " + b"k" * 250 + b" 0 0 1\r\nx\r\nget " + b"k" * 250 + b"\r\n"),
                         b"STORED\r\nVALUE " + b"k" * 250 + b" 0 1\r\nx\r\nEND\r\n")
        self.assertEqual(self.cmd(b"get a " + b"k" * 251 + b" b\r\n"),
                         b"CLIENT_ERROR bad command line format\r\n")
        self.assertEqual(self.cmd(b"set " + b"k" * 251 + b" 0 0 1\r\n"),
                         b"CLIENT_ERROR bad command line format\r\n")
        for bad in (b"a\x01b", b"a\x7fb", b"a\tb", b"a\rb"):
            self.assertEqual(self.cmd(b"get " + bad + b"\r\n"), b"CLIENT_ERROR bad command line format\r\n")
            self.assertEqual(self.cmd(b"delete " + bad + b"\r\n"), b"CLIENT_ERROR bad command line format\r\n")

    def test_memcache_big_values_around_the_limit(self):
        for n in (ITEM_MAX - 1, ITEM_MAX):
            v = bytes(random.getrandbits(8) for _ in range(64)) * (n // 64) + b"z" * (n % 64)
            self.assertEqual(self.cmd(b"set big 0 0 %d\r\n%s\r\n" % (n, v)), b"STORED\r\n")
            self.assertEqual(self.cmd(b"get big\r\n"), b"VALUE big 0 %d\r\n%s\r\nEND\r\n" % (n, v))
            self.assertEqual(self.r.strlen("big"), n)
        # one byte more: refused, its data skipped, the old value gone (a failed set)
        n = ITEM_MAX + 1
        self.assertEqual(self.cmd(b"set big 0 0 %d\r\n%s\r\nget big\r\n" % (n, b"y" * n)),
                         b"SERVER_ERROR object too large for cache\r\nEND\r\n")
        self.assertEqual(self.cmd(b"set s 0 0 1\r\nx\r\nadd s 0 0 %d\r\n%s\r\nget s\r\n" % (n, b"y" * n)),
                         b"STORED\r\nSERVER_ERROR object too large for cache\r\nVALUE s 0 1\r\nx\r\nEND\r\n")
        self.assertEqual(self.cmd(b"set big 0 0 %d noreply\r\n%s\r\nget big\r\n" % (n, b"y" * n)), b"END\r\n")
        # a huge announced length is refused at once, and the data that follows is skipped
        self.raw.send(b"set huge 0 0 50000000\r\n")
        self.assertEqual(self.raw.read_until(b"\r\n"), b"SERVER_ERROR object too large for cache\r\n")
        chunk = b"h" * (1 << 20)
        for _ in range(47):
            self.raw.send(chunk)
        self.raw.send(b"h" * (50000000 - 47 * len(chunk)) + b"\r\n")
        self.assertEqual(self.cmd(b"get huge\r\n"), b"END\r\n")

    def test_memcache_over_long_line_closes_only_that_connection(self):
        other = Raw(self.port)
        bad = Raw(self.port)
        bad.send(b"set " + b"x" * 3000)
        self.assertEqual(bad.read_to_close(), b"CLIENT_ERROR line too long\r\n")
        self.assertEqual(other.cmd(b"set ok 0 0 1\r\n1\r\n"), b"STORED\r\n")
        # a long keys line is fine
        keys = [b"key:%06d" % i for i in range(600)]
        self.assertGreater(len(b" ".join(keys)), 2048)
        self.assertEqual(other.cmd(b"get " + b" ".join(keys) + b"\r\n"), b"END\r\n")
        other.close()
        bad.close()

    def test_memcache_bad_data_block_closes_only_that_connection(self):
        bad = Raw(self.port)
        bad.send(b"set k 0 0 3\r\nabcd\r\nget k\r\n")
        self.assertEqual(bad.read_to_close(), b"CLIENT_ERROR bad data chunk\r\n")
        bad.close()
        self.assertEqual(self.cmd(b"get k\r\n"), b"END\r\n")

    def test_memcache_quit(self):
        q = Raw(self.port)
        q.send(b"set k 0 0 1\r\nx\r\nquit\r\nget k\r\n")
        self.assertEqual(q.read_to_close(), b"STORED\r\n")
        q.close()
        self.assertEqual(self.cmd(b"get k\r\n"), b"VALUE k 0 1\r\nx\r\nEND\r\n")

    def test_memcache_garbage_never_crashes(self):
        rnd = random.Random(5)
        for i in range(30):
            g = Raw(self.port, timeout=5)
            junk = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000)))
            words = [b"get", b"set", b"mg", b"ms", b"gat", b"cas", b"incr", b"\r\n", b" ", b"noreply", b"99"]
            junk += b" ".join(rnd.choice(words) for _ in range(50))
            try:
                g.send(junk + b"\r\n")
                g.s.settimeout(0.05)
                g.s.recv(1 << 16)
            except (socket.timeout, ConnectionError):
                pass
            g.close()
        self.assertEqual(self.cmd(b"set ok 0 0 1\r\n1\r\nget ok\r\n"), b"STORED\r\nVALUE ok 0 1\r\n1\r\nEND\r\n")


class Expiry(MemcacheTestCase):
    def test_memcache_exptime_relative_absolute_negative(self):
        t0 = time.time()
        at = int(t0) + 4  # absolute: 3 to 4 seconds from now
        out = self.cmd(b"set rel 0 1 1\r\nr\r\nset abs 0 %d 1\r\na\r\nset neg 0 -1 1\r\nn\r\n"
                       b"set old 0 %d 1\r\no\r\nset never 0 0 1\r\nv\r\nset month 0 2592000 1\r\nm\r\n"
                       b"get rel abs neg old never month\r\n" % (at, int(t0) - 10))
        stored = time.time()  # rel expires at most 1 s after this
        self.assertEqual(out, b"STORED\r\n" * 6 + b"VALUE rel 0 1\r\nr\r\nVALUE abs 0 1\r\na\r\n"
                         b"VALUE never 0 1\r\nv\r\nVALUE month 0 1\r\nm\r\nEND\r\n")
        ttl = self.r.ttl("month")
        self.assertTrue(2591990 <= ttl <= 2592000, ttl)
        left = self.r.pttl("abs")   # expires at the absolute second `at`, 3 to 4 s away
        self.assertIn(left, list(range(1, 4001)) + ([-2] if time.time() >= at else []))
        self.assertEqual(self.r.ttl("never"), -1)
        while time.time() < stored + 1.05:
            time.sleep(0.02)
        early = time.time() < at - 0.2  # (a stalled machine may be past the absolute time)
        got = self.cmd(b"get rel abs\r\n")
        self.assertNotIn(b"VALUE rel", got)
        if early:
            self.assertEqual(got, b"VALUE abs 0 1\r\na\r\nEND\r\n")
        while time.time() < at + 0.05:
            time.sleep(0.02)
        self.assertEqual(self.cmd(b"get rel abs never\r\n"), b"VALUE never 0 1\r\nv\r\nEND\r\n")

    def test_memcache_touch_and_gat(self):
        self.cmd(b"set k 9 1 1\r\nx\r\n")
        self.assertEqual(self.cmd(b"touch k 100\r\ntouch nokey 1\r\n"), b"TOUCHED\r\nNOT_FOUND\r\n")
        self.assertTrue(95 <= self.r.ttl("k") <= 100)
        self.assertEqual(self.cmd(b"gat 0 k nokey\r\n"), b"VALUE k 9 1\r\nx\r\nEND\r\n")
        self.assertEqual(self.r.ttl("k"), -1)
        out = self.cmd(b"gats 50 k\r\n")
        self.assertTrue(out.startswith(b"VALUE k 9 1 ") and out.endswith(b"\r\nx\r\nEND\r\n"), out)
        self.assertTrue(45 <= self.r.ttl("k") <= 50)
        self.assertEqual(self.cmd(b"gat -1 k\r\nget k\r\n"), b"VALUE k 9 1\r\nx\r\nEND\r\nEND\r\n")
        self.cmd(b"set k 0 0 1\r\nx\r\n")
        self.assertEqual(self.cmd(b"touch k -1\r\nget k\r\n"), b"TOUCHED\r\nEND\r\n")

    def test_memcache_flush_all_with_delay(self):
        self.cmd(b"set a 0 0 1\r\n1\r\n")
        self.assertEqual(self.cmd(b"flush_all 1\r\nget a\r\n"), b"OK\r\nVALUE a 0 1\r\n1\r\nEND\r\n")
        time.sleep(1.2)
        self.assertEqual(self.cmd(b"get a\r\n"), b"END\r\n")
        # flush_all without a delay cancels a pending one
        self.cmd(b"flush_all 1\r\nflush_all\r\nset b 0 0 1\r\n2\r\n")
        time.sleep(1.2)
        self.assertEqual(self.cmd(b"get b\r\n"), b"VALUE b 0 1\r\n2\r\nEND\r\n")


class CasAndNumbers(MemcacheTestCase):
    def gets_cas(self, key):
        line = self.cmd(b"gets " + key + b"\r\n").split(b"\r\n")[0]
        return int(line.split()[4])

    def test_memcache_cas_uniques(self):
        self.cmd(b"set k 0 0 1\r\nx\r\n")
        c1 = self.gets_cas(b"k")
        self.assertEqual(self.gets_cas(b"k"), c1)
        self.assertEqual(self.cmd(b"cas k 3 0 1 %d\r\ny\r\n" % c1), b"STORED\r\n")
        self.assertEqual(self.cmd(b"cas k 3 0 1 %d\r\nz\r\n" % c1), b"EXISTS\r\n")
        self.assertEqual(self.cmd(b"cas nokey 0 0 1 %d\r\nz\r\n" % c1), b"NOT_FOUND\r\n")
        c2 = self.gets_cas(b"k")
        self.assertNotEqual(c1, c2)
        self.r.set("k", "from-resp")  # a change through RESP makes the unique stale too
        self.assertEqual(self.cmd(b"cas k 0 0 1 %d\r\nz\r\n" % c2), b"EXISTS\r\n")
        c3 = self.gets_cas(b"k")
        self.assertEqual(self.cmd(b"incr k 1\r\n"), b"CLIENT_ERROR cannot increment or decrement non-numeric value\r\n")
        self.assertEqual(self.cmd(b"cas k 0 0 1 %d\r\nz\r\n" % c3), b"STORED\r\n")
        st = self.mc.stats()
        self.assertEqual((st[b"cas_hits"], st[b"cas_badval"], st[b"cas_misses"]), (2, 2, 1))

    def test_memcache_incr_decr_64_bit(self):
        self.assertEqual(self.cmd(b"set n 5 0 20\r\n18446744073709551615\r\nincr n 1\r\n"), b"STORED\r\n0\r\n")
        self.assertEqual(self.cmd(b"incr n 18446744073709551615\r\nincr n 3\r\n"),
                         b"18446744073709551615\r\n2\r\n")
        self.assertEqual(self.cmd(b"decr n 5\r\ndecr n 1\r\nget n\r\n"), b"0\r\n0\r\nVALUE n 5 1\r\n0\r\nEND\r\n")
        self.assertEqual(self.cmd(b"incr nokey 1\r\ndecr nokey 1\r\n"), b"NOT_FOUND\r\nNOT_FOUND\r\n")


class Interop(MemcacheTestCase):
    def test_memcache_values_cross_protocols(self):
        r = self.r
        self.assertEqual(self.cmd(b"set m 0 0 5\r\nhello\r\nset i 0 0 2\r\n42\r\nset f 0 0 3\r\n1.5\r\n"),
                         b"STORED\r\n" * 3)
        self.assertEqual(r.get("m"), b"hello")
        self.assertEqual(r.get("i"), b"42")
        self.assertEqual(r.get("f"), b"1.5")
        self.assertEqual(r.incr("i", 8), 50)
        self.assertEqual(self.cmd(b"get i\r\nincr i 1\r\n"), b"VALUE i 0 2\r\n50\r\nEND\r\n51\r\n")
        r.set("fromresp", "binary\x00\r\nvalue")
        self.assertEqual(self.cmd(b"get fromresp\r\n"), b"VALUE fromresp 0 14\r\nbinary\x00\r\nvalue\r\nEND\r\n")
        r.append("m", " world")
        self.assertEqual(self.cmd(b"get m\r\n"), b"VALUE m 0 11\r\nhello world\r\nEND\r\n")
        self.assertEqual(self.cmd(b"delete fromresp\r\n"), b"DELETED\r\n")
        self.assertIsNone(r.get("fromresp"))

    def test_memcache_flags_stay_with_the_value(self):
        self.cmd(b"set k 77 0 1\r\nx\r\n")
        self.assertEqual(self.r.get("k"), b"x")
        self.assertEqual(self.cmd(b"get k\r\n"), b"VALUE k 77 1\r\nx\r\nEND\r\n")
        self.r.set("k", "y")  # a new value through RESP has no client flags
        self.assertEqual(self.cmd(b"get k\r\n"), b"VALUE k 0 1\r\ny\r\nEND\r\n")

    def test_memcache_resp_append_to_a_big_item_is_a_new_value(self):
        big = b"v" * 3000                  # past the inline size: APPEND could grow it in place
        self.cmd(b"set big 9 0 3000\r\n" + big + b"\r\n")
        cas1 = self.cmd(b"gets big\r\n").split(b"\r\n")[0].split()[4]
        self.assertEqual(self.r.append("big", "w"), 3001)
        reply = self.cmd(b"gets big\r\n")
        head = reply.split(b"\r\n")[0].split()
        self.assertEqual(head[:4], [b"VALUE", b"big", b"0", b"3001"])   # no client flags any more
        self.assertNotEqual(head[4], cas1)                              # and a new CAS unique
        self.assertIn(big + b"w\r\nEND\r\n", reply)

    def test_memcache_ttls_cross_protocols(self):
        self.r.set("k", "v", ex=100)
        self.assertEqual(self.cmd(b"touch k 0\r\n"), b"TOUCHED\r\n")
        self.assertEqual(self.r.ttl("k"), -1)
        self.cmd(b"set k 0 50 1\r\nx\r\n")
        self.assertTrue(45 <= self.r.ttl("k") <= 50)

    def test_memcache_other_types_are_misses(self):
        try:
            self.r.lpush("l", "a")
        except redis.ResponseError:
            self.skipTest("lists.so is not built")
        self.assertEqual(self.cmd(b"get l\r\nappend l 0 0 1\r\nx\r\nincr l 1\r\n"),
                         b"END\r\nNOT_STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n")
        self.assertEqual(self.cmd(b"set l 0 0 1\r\nx\r\nget l\r\n"), b"STORED\r\nVALUE l 0 1\r\nx\r\nEND\r\n")


class MultiGet(MemcacheTestCase):
    def test_memcache_pipelined_multi_gets_of_100_keys(self):
        keys = [b"mk:%05d" % i for i in range(500)]
        values = {k: os.urandom(random.randint(0, 40)) for k in keys[::2]}  # half the keys exist
        self.raw.send(b"".join(b"set %s %d 0 %d noreply\r\n%s\r\n" % (k, i, len(v), v)
                               for i, (k, v) in enumerate(values.items())))
        flags = {k: i for i, k in enumerate(values)}
        request, expect = b"", b""
        for line in range(20):
            batch = random.Random(line).sample(keys, 100)
            request += b"get " + b" ".join(batch) + b"\r\n"
            for k in batch:
                if k in values:
                    expect += b"VALUE %s %d %d\r\n%s\r\n" % (k, flags[k], len(values[k]), values[k])
            expect += b"END\r\n"
        self.assertEqual(self.cmd(request), expect)
        got = self.mc.get_many([k.decode() for k in keys])
        self.assertEqual(len(got), len(values))

    def test_memcache_many_connections_in_parallel(self):
        conns = [Raw(self.port) for _ in range(20)]
        for i, c in enumerate(conns):
            c.send(b"".join(b"set c%d:%d 0 0 2\r\n%02d\r\n" % (i, j, j) for j in range(50)))
        for c in conns:
            c.read_until(b"STORED\r\n" * 50)
        for i, c in enumerate(conns):
            c.send(b"get " + b" ".join(b"c%d:%d" % (i, j) for j in range(50)) + b"\r\nmn\r\n")
        for i, c in enumerate(conns):
            out = c.read_until(b"MN\r\n")
            self.assertEqual(out, b"".join(b"VALUE c%d:%d 0 2\r\n%02d\r\n" % (i, j, j) for j in range(50))
                             + b"END\r\nMN\r\n")
            c.close()


class Stats(MemcacheTestCase):
    def test_memcache_stats_format(self):
        out = self.cmd(b"stats\r\n")
        lines = out.split(b"\r\n")
        self.assertEqual(lines[-2:], [b"END", b""])
        for ln in lines[:-2]:
            parts = ln.split(b" ")
            self.assertEqual(len(parts), 3, ln)
            self.assertEqual(parts[0], b"STAT")
        self.assertEqual(self.cmd(b"stats reset\r\n"), b"RESET\r\n")
        self.assertEqual(self.cmd(b"stats bogus\r\n"), b"ERROR\r\n")
        self.assertTrue(self.cmd(b"stats settings\r\n").endswith(b"END\r\n"))
        self.assertEqual(self.cmd(b"stats items\r\n"), b"END\r\n")
        self.cmd(b"set a 0 0 1\r\n1\r\n")
        self.assertIn(b"STAT items:1:number 1\r\n", self.cmd(b"stats items\r\n"))
        self.assertIn(b"STAT active_slabs 1\r\n", self.cmd(b"stats slabs\r\n"))
        self.assertIn(b":state conn_parse_cmd\r\n", self.cmd(b"stats conns\r\n"))

    def test_memcache_version_and_verbosity(self):
        out = self.cmd(b"version\r\nverbosity 1\r\nverbosity 1 noreply\r\n")
        self.assertRegex(out, rb"^VERSION 1\.6\.18-keel-[0-9.]+\r\nOK\r\n$")

    def test_memcache_lines_the_protocol_answers_run_no_command(self):
        """version, mn and the parser's errors are reply-only requests: answered in order among
        the commands' replies, with no MC.* command behind them (none is left for RESP)."""
        before = self.r.info("commandstats")
        out = self.cmd(b"set o 0 0 1\r\n1\r\nversion\r\nbogus\r\nget o\r\nmn\r\n")
        self.assertRegex(out, rb"^STORED\r\nVERSION 1\.6\.18-keel-[0-9.]+\r\nERROR\r\n"
                              rb"VALUE o 0 1\r\n1\r\nEND\r\nMN\r\n$")
        after = self.r.info("commandstats")
        self.assertEqual({k for k in after if "reply" in k}, set())
        self.assertEqual(after["cmdstat_mc.set"]["calls"] - before.get("cmdstat_mc.set", {"calls": 0})["calls"], 1)
        with self.assertRaisesRegex(Exception, "unknown command"):
            self.r.execute_command("MC.REPLY")


class Meta(MemcacheTestCase):
    def test_memcache_meta_commands(self):
        self.assertEqual(self.cmd(b"ms k 2 F7 T100\r\nhi\r\nmg k v f t s k Oq1\r\n"),
                         b"HD\r\nVA 2 f7 t100 s2 kk Oq1\r\nhi\r\n")
        self.assertEqual(self.cmd(b"mg nokey v q\r\nmg nokey v\r\nmn\r\n"), b"EN\r\nMN\r\n")
        self.assertEqual(self.cmd(b"md k q\r\nmg k v\r\nmd k\r\n"), b"EN\r\nNF\r\n")
        self.assertEqual(self.cmd(b"ma c N0 J10 v\r\nma c D5 v\r\nma c MD D100 v\r\n"),
                         b"VA 2\r\n10\r\nVA 2\r\n15\r\nVA 1\r\n0\r\n")
        out = self.cmd(b"ms k 1 c\r\nx\r\n")
        cas = int(out.split()[1][1:])
        self.assertEqual(self.cmd(b"ms k 1 C%d\r\ny\r\nms k 1 C%d\r\nz\r\nmg k v\r\n" % (cas, cas)),
                         b"HD\r\nEX\r\nVA 1\r\ny\r\n")
        self.assertEqual(self.cmd(b"ms Zm9v 3 b\r\nbar\r\nget foo\r\nmg Zm9v b k v\r\n"),
                         b"HD\r\nVALUE foo 0 3\r\nbar\r\nEND\r\nVA 3 kZm9v b\r\nbar\r\n")
        self.assertEqual(self.r.get("foo"), b"bar")
        self.assertEqual(self.cmd(b"mg nv v N30 t\r\nmg nv v t\r\n"), b"VA 0 t30 W\r\n\r\nVA 0 t30 Z\r\n\r\n")


if __name__ == "__main__":
    unittest.main()
